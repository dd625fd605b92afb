"""`bot.py export --team T --since YYYY-MM-DD [--out FILE]`: a workspace's feedback as CSV."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from slack_sdk.errors import SlackApiError, SlackClientError

from core.db import make_engine, session_scope_for
from core.run import migrate_or_explain
from core.settings import Settings
from core.slack import make_client
from domain.commands import MAX_EXPORT_DAYS, CommandError, parse_since
from domain.export import ExportPeriod, display_name, export_filename, export_period
from models import utcnow
from services.access import get_user
from services.export import (
    count_feedback,
    followup_authors,
    get_workspace_id,
    write_feedback_csv,
)

STDOUT = "-"


class ProgressBar:
    """Rows written so far, on stderr: a redrawn bar on a terminal, else a line per tenth."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self._tenth = 0
        self._shown = 0

    def _percent(self, done: int) -> int:
        return min(100, done * 100 // self.total)

    def update(self, done: int) -> None:
        """Show `done` rows written (called once per batch)."""
        if self.total <= 0 or done == self._shown:
            return
        self._shown = done
        percent = self._percent(done)
        if self.tty:
            filled = percent * self.WIDTH // 100
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\rexporting [{bar}] {percent:3d}% {done:,}/{self.total:,} rows")
            self.stream.flush()
        elif percent // 10 > self._tenth:
            self._tenth = percent // 10
            self.stream.write(f"liaison: exported {done:,} of {self.total:,} rows ({percent}%)\n")
            self.stream.flush()

    def finish(self) -> None:
        """End the bar's line on a terminal."""
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()


def _fail(message: str, code: int) -> int:
    print(f"liaison: {message}", file=sys.stderr)
    return code


def _period(since: str) -> ExportPeriod | str:
    found = parse_since(since)
    if found is None:
        return (
            f"--since {since!r} is not a day like 2024-05-01 (UTC) "
            f"or a number of days back like 30d (1 to {MAX_EXPORT_DAYS})"
        )
    try:
        return export_period(found, now=utcnow())
    except CommandError as exc:
        return f"--since {exc}"


def _names(settings: Settings, user_ids: list[str]) -> dict[str, str]:
    """Opted-in authors' names when a bot token is configured; their ids otherwise."""
    if not settings.slack_bot_token or not user_ids:
        return {}
    client = make_client(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    names: dict[str, str] = {}
    for user_id in user_ids:
        try:
            names[user_id] = display_name(get_user(client=client, user_id=user_id))
        except SlackApiError:
            continue  # a deleted or unknown person keeps their id
        except (SlackClientError, OSError):
            break  # Slack unreachable: the export goes on with ids
    return names


def run_export(settings: Settings, *, team_id: str, since: str, out: str | None) -> int:
    """Write a team's feedback since a day as CSV to a file (or stdout); returns the exit code."""
    period = _period(since)
    if isinstance(period, str):
        return _fail(period, 2)
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    db = session_scope_for(engine)
    try:
        with db() as session:
            workspace_id = get_workspace_id(session=session, team_id=team_id)
            if workspace_id is None:
                return _fail(
                    f"no workspace {team_id!r} in this database "
                    "(--team takes the Slack team id, e.g. T0123ABCD)",
                    2,
                )
            total = count_feedback(session=session, workspace_id=workspace_id, period=period)
            authors = followup_authors(session=session, workspace_id=workspace_id, period=period)
        names = _names(settings, authors)
        target = out or export_filename(team_id, period)
        bar = ProgressBar(total, sys.stderr)
        if target == STDOUT:
            try:
                with db() as session:
                    rows = write_feedback_csv(
                        session=session,
                        workspace_id=workspace_id,
                        period=period,
                        out=sys.stdout,
                        names=names,
                        progress=bar.update,
                    )
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader (e.g. `| head`) stopped early: that is not an error.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
            where = "stdout"
        else:
            path = Path(target)
            # Written beside the target, then renamed: a failed export never leaves half a file.
            partial = path.with_name(path.name + ".partial")
            try:
                # utf-8-sig: spreadsheet apps then read names and emoji correctly.
                with partial.open("w", encoding="utf-8-sig", newline="") as handle, db() as session:
                    rows = write_feedback_csv(
                        session=session,
                        workspace_id=workspace_id,
                        period=period,
                        out=handle,
                        names=names,
                        progress=bar.update,
                    )
                partial.replace(path)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                bar.finish()
                return _fail(f"could not write {target}: {exc.strerror or exc}", 1)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            where = str(path)
        bar.finish()
        if rows == 0:
            print(
                f"liaison: no feedback since {period.since} (UTC): wrote only the header "
                f"to {where}",
                file=sys.stderr,
            )
        else:
            print(
                f"liaison: wrote {rows:,} rows of feedback since {period.since} (UTC) to {where}",
                file=sys.stderr,
            )
        return 0
    finally:
        engine.dispose()
