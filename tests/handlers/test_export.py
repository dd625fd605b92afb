"""`/liaison export` end to end: signed commands in, the CSV read back from the sandbox."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Comment, Source, WorkspaceAdmin
from sandbox import SlackDriver, SlackSandbox
from services.workspaces import find_workspace
from tests.support.exports import ACCUSATION, read_csv, seed_feedback
from tests.support.factories import message_text, reply_text

DONE = ("Your export is in your direct messages", "There is no feedback", "couldn't send")


def answers(sandbox: SlackSandbox, url: str, timeout: float = 15.0) -> list[str]:
    """Every reply posted to one command's response URL, once its final answer arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [message_text(body) for body in sandbox.responses(url)]
        if any(done in text for text in texts for done in DONE) or any(
            "Only workspace admins" in text for text in texts
        ):
            return texts
        time.sleep(0.02)
    raise AssertionError(f"no final answer at {url}: {sandbox.responses(url)}")


def export(slack: SlackDriver, sandbox: SlackSandbox, text: str = "export", **kw: str) -> list[str]:
    response = slack.command("/liaison", text, user_id=kw.get("user", "UADMIN"))
    assert response.status_code == 200 and not response.content
    url = slack.last_response_url
    assert url is not None
    return answers(sandbox, url)


def dm_of(sandbox: SlackSandbox, user_id: str) -> str:
    [opened] = [c for c in sandbox.calls("conversations.open") if c.params["users"] == user_id]
    return str(opened.response["channel"]["id"])


def test_admin_gets_the_csv_in_their_dm(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    texts = export(slack, sandbox)
    assert "Preparing your export" in texts[0]
    assert "Your export is in your direct messages with Liaison: 7 rows" in texts[-1]
    [uploaded] = sandbox.uploaded_files()
    dm = dm_of(sandbox, "UADMIN")
    assert dm.startswith("D") and uploaded["channel_id"] == dm
    assert uploaded["filename"].startswith("liaison-feedback-T0SANDBOX-")
    assert uploaded["filename"].endswith(".csv")
    assert "7 rows" in uploaded["initial_comment"]
    assert uploaded["title"].startswith("Liaison feedback since")
    content: bytes = uploaded["content"]
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8 right
    rows = read_csv(content.decode("utf-8"))
    assert [r["kind"] for r in rows] == [
        "vote",
        "vote",
        "use",
        "comment",
        "comment",
        "comment",
        "comment",
    ]
    # The opted-in author by name; nobody else; the accusation held back and anonymous.
    named = [(r["author"], r["author_slack_id"]) for r in rows if r["author"] != "anonymous"]
    assert named == [("Riley Rep", "U0REP1")]
    assert ACCUSATION.encode() not in content
    assert rows[-1]["flagged"] == "yes" and rows[-1]["comment"].startswith("(held back")
    for user in ("U0REP2", "U0REP3"):
        assert user.encode() not in content
    # Hostile text comes back whole and harmless.
    assert rows[4]["comment"] == "'=cmd|' /C calc'!A0, \"quoted\"\nsecond line 🎯"
    # Nothing else was posted anywhere but the DM.
    shared = sandbox.messages(dm)
    assert len(shared) == 1 and shared[0]["files"][0]["id"] == uploaded["id"]


def test_default_is_the_last_30_days_and_since_widens_it(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    assert "7 rows" in export(slack, sandbox)[-1]
    assert "8 rows" in export(slack, sandbox, "export since 90d")[-1]
    assert "8 rows" in export(slack, sandbox, "export since 2000-01-01")[-1]
    assert "since 2000-01-01 (UTC)" in export(slack, sandbox, "export 2000-01-01")[-1]
    assert len(sandbox.uploaded_files()) == 4


def test_non_admin_is_refused_and_nothing_is_sent(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    texts = export(slack, sandbox, user="U0REP1")
    assert len(texts) == 1 and "Only workspace admins and owners" in texts[0]
    assert "export" in texts[0]
    assert sandbox.uploaded_files() == [] and sandbox.calls("conversations.open") == []


def test_named_admin_may_export(slack: SlackDriver, sandbox: SlackSandbox, engine: Engine) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    with Session(engine) as session:
        workspace = find_workspace(session=session, team_id="T0SANDBOX")
        assert workspace is not None
        session.add(WorkspaceAdmin(workspace_id=workspace.id, user_id="U0MKT1", added_by="UADMIN"))
        session.commit()
    assert "7 rows" in export(slack, sandbox, user="U0MKT1")[-1]
    assert sandbox.uploaded_files()[0]["channel_id"] == dm_of(sandbox, "U0MKT1")


def test_bad_since_gets_usage_at_once(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    for text, says in {
        "export since yesterday": "is not a day like 2024-05-01",
        "export since 2024-13-01": "is not a day like 2024-05-01",
        "export 0d": "from 1 to 3,660 days",
        "export since 2999-01-01": "is in the future",
    }.items():
        answer = reply_text(slack.command("/liaison", text, user_id="UADMIN"), slack, sandbox)
        assert says in answer, text
        assert "/liaison export since 2024-05-01" in answer or "future" in answer
    assert sandbox.calls("users.info") == [] and sandbox.uploaded_files() == []


def test_an_empty_period_gets_a_friendly_answer(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    texts = export(slack, sandbox)  # Liaison has never seen this workspace
    assert "There is no feedback since" in texts[-1] and "export since 90d" in texts[-1]
    seed_feedback(engine, now=datetime.now(UTC))
    texts = export(slack, sandbox, "export since 1d")
    assert "1 row of feedback" in texts[-1]  # only the flagged comment is that recent
    assert sandbox.uploaded_files()[0]["content"].count(b"\r\n") == 2


def test_upload_failure_is_explained_and_a_retry_works(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    sandbox.fail_next("files.completeUploadExternal", error="restricted_action")
    texts = export(slack, sandbox)
    assert "couldn't send your export" in texts[-1] and "restricted_action" in texts[-1]
    assert sandbox.uploaded_files() == []
    sandbox.fail_next("conversations.open", error="cannot_dm_user")
    assert "cannot_dm_user" in export(slack, sandbox)[-1]
    assert "7 rows" in export(slack, sandbox)[-1]
    assert len(sandbox.uploaded_files()) == 1


def test_an_unknown_opted_in_author_keeps_their_id(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    seeded = seed_feedback(engine, now=datetime.now(UTC))
    with Session(engine) as session:
        session.add(
            Comment(
                workspace_id=seeded.workspace_id,
                asset_id=seeded.deck_id,
                user_id="U0GONE",
                text="Happy to walk you through the objections I hear",
                followup_ok=True,
                source=Source.COMMAND,
            )
        )
        session.commit()
    assert "8 rows" in export(slack, sandbox)[-1]
    rows = read_csv(sandbox.uploaded_files()[0]["content"].decode("utf-8"))
    authors = {(r["author"], r["author_slack_id"]) for r in rows} - {("anonymous", "")}
    assert authors == {("Riley Rep", "U0REP1"), ("U0GONE", "U0GONE")}
