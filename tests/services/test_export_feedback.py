"""The export use cases without a listener: to any text stream, and to a person's DM."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from domain.configuration import Outcome, Result
from domain.export import ExportPeriod
from models import Workspace
from sandbox import SlackSandbox
from sandbox.constants import TEAM_ID
from services.export import FeedbackExport, export_feedback, send_feedback_export
from services.workspaces import find_workspace
from tests.support.exports import ACCUSATION, read_csv, seed_feedback
from tests.support.workspaces import workspace_ref


def last_days(days: int) -> ExportPeriod:
    now = datetime.now(UTC)
    return ExportPeriod(now - timedelta(days=days), now + timedelta(seconds=5))


class Stream:
    """An output for export_feedback that remembers what it was told and what it got."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.text = ""

    @contextmanager
    def open(self, total: int) -> Iterator[io.StringIO]:
        self.totals.append(total)
        out = io.StringIO(newline="")
        yield out
        self.text = out.getvalue()


def test_export_writes_the_period_and_tells_the_total_first(engine: Engine) -> None:
    seeded = seed_feedback(engine, now=datetime.now(UTC))
    stream = Stream()
    progress: list[int] = []
    done = export_feedback(
        db=session_scope_for(engine),
        workspace=workspace_ref(engine, TEAM_ID),
        period=last_days(30),
        out=stream.open,
        progress=progress.append,
    )
    assert done == FeedbackExport(workspace_id=seeded.workspace_id, total=7, rows=7)
    assert stream.totals == [7] and progress == [7]
    rows = read_csv(stream.text)
    assert [r["kind"] for r in rows] == ["vote", "vote", "use"] + ["comment"] * 4
    # No client: the opted-in author keeps their id; nobody else is named.
    named = {(r["author"], r["author_slack_id"]) for r in rows} - {("anonymous", "")}
    assert named == {("U0REP1", "U0REP1")}
    assert ACCUSATION not in stream.text


def test_with_a_client_opted_in_authors_are_named(engine: Engine, sandbox: SlackSandbox) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    stream = Stream()
    done = export_feedback(
        db=session_scope_for(engine),
        workspace=workspace_ref(engine, TEAM_ID),
        period=last_days(90),
        out=stream.open,
        client=WebClient(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url),
    )
    assert done.rows == 8
    named = {r["author"] for r in read_csv(stream.text)} - {"anonymous"}
    assert named == {"Riley Rep"}
    assert [c.params["user"] for c in sandbox.calls("users.info")] == ["U0REP1"]


def test_an_unknown_team_opens_nothing(engine: Engine) -> None:
    # Exports take a resolved workspace: the command line resolves the team first
    # (app/export_cli.py), and an unknown one is found nowhere, created nowhere, so no
    # file is opened (tests/test_export_cli.py).
    with Session(engine) as session:
        assert find_workspace(session=session, team_id="T0NOBODY") is None
        assert session.exec(select(Workspace)).all() == []


def test_an_admin_gets_the_file_in_their_dm(engine: Engine, sandbox: SlackSandbox) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    told: list[Outcome] = []
    period = last_days(30)
    outcome = send_feedback_export(
        db=session_scope_for(engine),
        client=WebClient(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url),
        workspace=workspace_ref(engine, TEAM_ID),
        user_id="UADMIN",
        period=period,
        notify=told.append,
    )
    assert told == [Outcome(Result.EXPORT_PREPARING, since=period.since)]
    assert outcome == Outcome(Result.EXPORT_SENT, since=period.since, rows=7)
    [uploaded] = sandbox.uploaded_files()
    [opened] = sandbox.calls("conversations.open")
    assert opened.params["users"] == "UADMIN"
    assert uploaded["channel_id"] == opened.response["channel"]["id"]
    assert uploaded["filename"] == f"liaison-feedback-{TEAM_ID}-{period.since}.csv"
    assert len(read_csv(uploaded["content"].decode("utf-8"))) == 7


def test_others_are_refused_and_failures_and_empty_periods_are_said(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    client = WebClient(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url)
    scope = session_scope_for(engine)
    told: list[Outcome] = []
    period = last_days(30)
    ask: dict[str, Any] = {
        "db": scope,
        "client": client,
        "workspace": workspace_ref(engine, TEAM_ID),
        "period": period,
    }
    empty = send_feedback_export(**ask, user_id="UADMIN", notify=told.append)
    assert empty == Outcome(Result.EXPORT_EMPTY, since=period.since)
    seed_feedback(engine, now=datetime.now(UTC))
    told.clear()
    refused = send_feedback_export(**ask, user_id="U0REP1", notify=told.append)
    assert refused == Outcome(Result.EXPORT_REFUSED) and told == []
    sandbox.fail_next("conversations.open", error="cannot_dm_user")
    failed = send_feedback_export(**ask, user_id="UADMIN", notify=told.append)
    assert failed == Outcome(Result.EXPORT_FAILED, error="cannot_dm_user")
    assert sandbox.uploaded_files() == []
