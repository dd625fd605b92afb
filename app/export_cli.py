"""`bot.py export --team T --since YYYY-MM-DD [--out FILE]`: a workspace's feedback as CSV."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient

from core.db import make_engine, migrate_or_explain, session_scope_for
from core.settings import Settings
from core.slack import make_client
from domain.commands import MAX_EXPORT_DAYS, CommandError, parse_since
from domain.export import ExportPeriod, export_filename, export_period
from models import utcnow
from services.export import export_feedback
from services.workspaces import find_workspace

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


def _client(settings: Settings) -> WebClient | None:
    """A client to name opted-in authors when a bot token is configured; else they keep ids."""
    if not settings.slack_bot_token:
        return None
    return make_client(token=settings.slack_bot_token, base_url=settings.slack_api_url)


class _Output:
    """Where the CSV goes: stdout, or a file written beside its target and then renamed."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.bar: ProgressBar | None = None

    @contextmanager
    def open(self, total: int) -> Iterator[TextIO]:
        """Open the output for `total` rows (the progress bar's end)."""
        self.bar = ProgressBar(total, sys.stderr)
        if self.target == STDOUT:
            yield sys.stdout
            sys.stdout.flush()
            return
        path = Path(self.target)
        # Written beside the target, then renamed: a failed export never leaves half a file.
        partial = path.with_name(path.name + ".partial")
        try:
            # utf-8-sig: spreadsheet apps then read names and emoji correctly.
            with partial.open("w", encoding="utf-8-sig", newline="") as handle:
                yield handle
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def progress(self, done: int) -> None:
        """Show `done` rows written."""
        if self.bar is not None:
            self.bar.update(done)

    def finish(self) -> None:
        """End the progress bar."""
        if self.bar is not None:
            self.bar.finish()


def run_export(settings: Settings, *, team_id: str, since: str, out: str | None) -> int:
    """Write a team's feedback since a day as CSV to a file (or stdout); returns the exit code."""
    period = _period(since)
    if isinstance(period, str):
        return _fail(period, 2)
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    db = session_scope_for(engine)
    with db() as session:
        workspace = find_workspace(session=session, team_id=team_id)
    if workspace is None:  # nothing is opened for a team Liaison has never seen
        engine.dispose()
        return _fail(
            f"no workspace {team_id!r} in this database "
            "(--team takes the Slack team id, e.g. T0123ABCD)",
            2,
        )
    target = out or export_filename(team_id, period)
    output = _Output(target)
    try:
        written = export_feedback(
            db=db,
            workspace=workspace,
            period=period,
            out=output.open,
            client=_client(settings),
            progress=output.progress,
        )
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if target == STDOUT:
            raise
        output.finish()
        return _fail(f"could not write {target}: {exc.strerror or exc}", 1)
    finally:
        engine.dispose()
    output.finish()
    where = "stdout" if target == STDOUT else str(Path(target))
    if written.rows == 0:
        print(
            f"liaison: no feedback since {period.since} (UTC): wrote only the header to {where}",
            file=sys.stderr,
        )
    else:
        print(
            f"liaison: wrote {written.rows:,} rows of feedback since {period.since} (UTC) "
            f"to {where}",
            file=sys.stderr,
        )
    return 0
