"""The fuzz targets' rig: the served app, its sandbox and database, and the checks every
answer must pass; the rig itself is a fixture in tests/fuzz/conftest.py."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, settings
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from blocks.ids import Ids
from core.fairness import FairExecutor
from models import Asset, Campaign, Question
from sandbox import SlackDriver, SlackSandbox, validate_message_blocks, view_submission
from sandbox.payloads import new_trigger_id
from tests.support.launching import MARKETER, TZ, state
from tests.support.outbox import delivered
from tests.support.waiting import wait_until

# CI runs a bounded number of examples per target; `LIAISON_FUZZ_EXAMPLES=2000` runs more.
DEFAULT_EXAMPLES = 100
EXAMPLES = int(os.environ.get("LIAISON_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
# An answer, or the reply that follows it, later than this is a hang.
REPLY_TIMEOUT_S = 8.0
# What every Python traceback starts with (echoed user text may hold `File "` and such).
TRACEBACK_MARKERS = ("Traceback (most recent call last)",)
LIBRARIES = ("/slack_bolt/", "/slack_sdk/", "/urllib/", "/http/client.py")
# Slack refusing what we built is always our bug, however broken the request was.
REFUSED_BLOCKS = frozenset(
    {"invalid_blocks", "invalid_arguments", "msg_too_long", "invalid_attachments", "invalid_view"}
)
MAX_ERROR_BODY = 200


def check_message(message: dict[str, Any]) -> None:
    """A reply someone reads: some text, and blocks (if any) that Slack would accept."""
    blocks = message.get("blocks")
    assert str(message.get("text") or "").strip() or blocks, message
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if blocks is not None:
        problems = validate_message_blocks(blocks)
        assert not problems, (problems, message)


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """Hypothesis settings for one fuzz target: bounded, reproducible, one app for all."""
    return settings(
        max_examples=examples,
        deadline=None,
        # CI must see the same examples every run; a larger local run explores further.
        derandomize=EXAMPLES == DEFAULT_EXAMPLES,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from our loggers, Bolt's and uvicorn's."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records since the last call."""
        taken, self.records = self.records, []
        return taken


def _format(record: logging.LogRecord) -> str:
    return logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)


def from_a_library(record: logging.LogRecord) -> bool:
    """Whether the logged exception was raised inside slack_bolt or slack_sdk, not by us.

    slack_bolt's listener matchers and argument builders index payloads without checking
    their shape, and a forged trigger id, channel or response URL makes Slack (or
    slack_sdk's client) refuse the call. Neither is a listener of ours failing on what it
    was given, as long as Slack did not refuse blocks we built.
    """
    exc = record.exc_info[1] if record.exc_info else None
    if exc is None:
        # slack_sdk logs its own failures (a response URL that is no URL) without a traceback.
        return record.name.startswith(("slack_sdk.", "slack_bolt."))
    if isinstance(exc, SlackApiError) and exc.response.get("error") in REFUSED_BLOCKS:
        return False
    tb = exc.__traceback__
    innermost = None
    while tb is not None:
        innermost = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return innermost is not None and any(part in innermost for part in LIBRARIES)


@dataclass
class Seeded:
    """What the fuzz targets can point at: a real campaign, its posts, assets and question."""

    campaign_id: int
    channel: str
    announcement_ts: str
    asset_ids: list[int]
    handles: list[str]
    question_id: int
    question_ts: str


@dataclass
class Rig:
    """The served app, its sandbox and database, and the checks every answer must pass."""

    driver: SlackDriver
    sandbox: SlackSandbox
    engine: Engine
    errors: ErrorLog
    seeded: Seeded
    # Bolt runs listeners here after their ack; idle means every listener has finished.
    listeners: FairExecutor
    counts: dict[str, int] = field(default_factory=dict)
    library_errors: list[str] = field(default_factory=list)

    def count(self, target: str) -> None:
        self.counts[target] = self.counts.get(target, 0) + 1

    # ------------------------------------------------------------------ sending

    def command(
        self, command: str, text: str, *, user_id: str, channel_id: str
    ) -> tuple[httpx.Response, str, str, int]:
        """Send a slash command with its own response URL and trigger id."""
        response_url = self.sandbox.new_response_url()
        trigger_id = new_trigger_id()
        mark = len(self.sandbox.calls())
        response = self.driver.command(
            command,
            text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        return response, response_url, trigger_id, mark

    def interactive(self, payload: Any) -> httpx.Response:
        """Send anything JSON-encodable as the `payload` form field, signed."""
        return self.driver.raw(
            urlencode({"payload": json.dumps(payload)}),
            content_type="application/x-www-form-urlencoded",
        )

    # ------------------------------------------------------------------ checks

    def check_clean(self, response: httpx.Response, *, allow_4xx: tuple[int, ...] = ()) -> None:
        """200, or a short plain 4xx when allowed; never a 5xx, never a traceback."""
        body = response.text
        assert not any(marker in body for marker in TRACEBACK_MARKERS), body[:2000]
        if response.status_code == 200:
            return
        assert response.status_code in allow_4xx, (response.status_code, body[:500])
        assert len(body) <= MAX_ERROR_BODY, body[:500]

    def check_no_errors(self, what: object, *, library_ok: bool = False) -> None:
        """Nothing logged at ERROR: no listener raised unexpectedly, nothing crashed.

        `library_ok`: for payloads broken on purpose, exceptions that never left slack_bolt
        are counted in `library_errors` instead of failing the example.
        """
        errors = []
        for record in self.errors.take():
            text = _format(record)
            if library_ok and from_a_library(record):
                self.library_errors.append(text.splitlines()[-1])
                continue
            errors.append(text)
        assert not errors, f"{what!r} logged errors:\n" + "\n\n".join(errors)

    def check_command_reply(
        self,
        response: httpx.Response,
        *,
        response_url: str,
        trigger_id: str,
        mark: int,
        user_id: str,
        channel_id: str,
    ) -> str:
        """The person saw something: the ack's text, a reply, a modal, or a post for them.

        Whatever they saw is a message Slack would accept (Block Kit within its limits).
        """
        self.check_clean(response, allow_4xx=(400, 413))
        if response.status_code != 200:
            return "4xx"
        if response.content:
            body = json.loads(response.content)
            assert isinstance(body, dict), body
            check_message(body)
            return "ack"
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while time.monotonic() < deadline:
            # The call log, not views() or responses(): those copy everything every time.
            for call in self.sandbox.calls()[mark:]:
                if call.method == "response_url" and call.params.get("url") == response_url:
                    assert call.status == 200, call
                    check_message({k: v for k, v in call.params.items() if k != "url"})
                    return "response_url"
                if call.method == "views.open" and call.params.get("trigger_id") == trigger_id:
                    assert call.ok, call
                    return "modal"
                if call.method in ("chat.postMessage", "chat.postEphemeral") and call.params.get(
                    "channel"
                ) in (channel_id, user_id):
                    assert call.ok, call
                    return call.method
            time.sleep(0.01)
        seen = [(c.method, c.status) for c in self.sandbox.calls()[mark:]]
        raise AssertionError(f"no reply reached the person within {REPLY_TIMEOUT_S} s: {seen}")

    def settle(self) -> None:
        """Let listeners still running after their ack finish before errors are judged."""
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while time.monotonic() < deadline:
            if _idle(self.listeners):
                return
            time.sleep(0.01)
        raise AssertionError(f"a listener was still running after {REPLY_TIMEOUT_S} s")


def _idle(executor: FairExecutor) -> bool:
    return executor.idle()


def seed_campaign(driver: SlackDriver, sandbox: SlackSandbox, engine: Engine) -> Seeded:
    """A launched campaign with two assets and one question, through the real app."""
    page = sandbox.set_page("fuzz-title", body="<title>Fuzz page</title>")
    reply = driver.command("/liaison", "sales here", user_id="UADMIN", channel_id="C0SALES")
    assert reply.status_code == 200
    response = driver.interactive(
        view_submission(
            user_id=MARKETER,
            callback_id=Ids.LAUNCH_MODAL,
            state_values=state(
                collateral=f"Pricing deck | https://example.com/pricing\nFuzz page | {page}"
            ),
            private_metadata=json.dumps({"campaign_id": None, "tz": TZ}),
        )
    )
    assert response.status_code == 200, response.text

    def posted() -> bool:
        with Session(engine) as session:
            campaign = session.exec(select(Campaign)).first()
        return campaign is not None and campaign.status == "posted" and delivered(engine)

    wait_until(posted, what="the seed launch to be posted")
    with Session(engine) as session:
        campaign = session.exec(select(Campaign)).one()
        assets = list(session.exec(select(Asset).order_by(col(Asset.id))).all())
    parent = next(m for m in sandbox.messages("C0SALES") if m.get("metadata"))
    question = driver.interactive(
        view_submission(
            user_id="U0REP1",
            callback_id=Ids.QUESTION_MODAL,
            state_values={
                str(Ids.QUESTION_TEXT): {
                    str(Ids.QUESTION_TEXT): {"type": "plain_text_input", "value": "Who owns it?"}
                }
            },
            private_metadata=json.dumps(
                {"campaign_id": campaign.id, "channel_id": "C0SALES", "thread_ts": parent["ts"]}
            ),
        )
    )
    assert question.status_code == 200, question.text

    def asked() -> bool:
        with Session(engine) as session:
            found = session.exec(select(Question)).first()
        return found is not None and found.ts is not None

    wait_until(asked, what="the seed question to be posted")
    with Session(engine) as session:
        q = session.exec(select(Question)).one()
    assert campaign.id is not None and q.id is not None and q.ts is not None
    return Seeded(
        campaign_id=campaign.id,
        channel="C0SALES",
        announcement_ts=parent["ts"],
        asset_ids=[a.id for a in assets if a.id is not None],
        handles=[a.handle for a in assets],
        question_id=q.id,
        question_ts=q.ts,
    )
