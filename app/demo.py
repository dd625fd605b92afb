"""`bot.py demo`: a scripted tour of Liaison against the local Slack sandbox, no workspace."""

from __future__ import annotations

import json
import re
import secrets
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from app.assembly import Runtime, create_app, create_runtime
from app.serve import bound_socket, freeze_startup_heap, make_server
from blocks.charts import ChartsUnavailable, render_chart_png
from blocks.digest import block_kit_builder_url
from blocks.terminal import render_message
from core.db import make_engine, migrate, unit_of_work
from core.settings import ExplicitSettings
from domain.commands import WEEKDAYS
from domain.digest_data import ChartData
from domain.schedule import local_today
from models import (
    Acknowledgement,
    AnnouncementPost,
    Comment,
    ProcessedEvent,
    Question,
    Usage,
    Vote,
    utcnow,
)
from sandbox import (
    Call,
    SlackDriver,
    SlackSandbox,
    app_home_opened,
    block_actions,
    block_suggestion,
    button_action,
    event_callback,
    reaction_added,
    view_submission,
)
from sandbox.constants import TEAM_ID
from services import digest_runs
from services.scheduling import digest_job_id
from services.workspaces import find_workspace

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = {
    "UADMIN": "Avery (workspace admin)",
    "U0MKT1": "Morgan (marketing)",
    "U0REP1": "Riley (sales rep)",
    "U0REP2": "Sam (sales rep)",
    "U0REP3": "Devon (sales rep)",
}
EMOJI = {"+1": "👍", "-1": "👎", "dart": "🎯"}
_HANDLE_IN_REPLY = re.compile(r"`([A-Z]{1,3}-\d+)`")

PRICING_PAGE = """<!doctype html><html><head>
<title>Pricing deck 2027 | Acme Marketing</title></head><body>Pricing</body></html>"""


@contextmanager
def running_app(
    sandbox: SlackSandbox, database_url: str, secret: str
) -> Iterator[tuple[str, Runtime]]:
    """Serve the real app over HTTP on a free loopback port; yields its events URL."""
    # Whatever the shell exports (a real workspace's tokens, OAuth settings) stays out.
    settings = ExplicitSettings(
        slack_bot_token=sandbox.BOT_TOKEN,
        slack_signing_secret=secret,
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        liaison_allow_private_urls=True,  # the demo's "web pages" live on the sandbox
    )
    migrate(database_url)
    engine = make_engine(database_url)
    runtime: Runtime = create_runtime(settings, engine)
    app = create_app(runtime)
    runtime.start_background()
    freeze_startup_heap()  # as `bot.py serve` does (app/run.py)
    sock = bound_socket("127.0.0.1", 0)
    server = make_server(app, runtime, metrics_port=None)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo's HTTP server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/slack/events", runtime
    finally:
        server.should_exit = True
        thread.join(10)
        runtime.stop_background()
        runtime.executor.shutdown(wait=True)
        runtime.http.close()
        engine.dispose()
        sock.close()


class Tour:
    """Runs commands as people would and prints what each of them sees."""

    def __init__(self, driver: SlackDriver, sandbox: SlackSandbox, out: Path) -> None:
        self.driver, self.sandbox, self.out = driver, sandbox, out
        self.transcript: list[str] = []
        self.payloads: list[dict[str, Any]] = []

    def say(self, text: str) -> None:
        """Narrate a step."""
        self._print("\n" + text)

    def _print(self, text: str) -> None:
        print(text)
        self.transcript.append(text)

    def command(self, user: str, command: str, text: str, channel: str = "C0SALES") -> str:
        """Run a slash command as `user` and print the private reply they see."""
        self._print(f"\n  {PEOPLE[user]} in #{self._channel(channel)}:  {command} {text}".rstrip())
        response = self.driver.command(command, text, user_id=user, channel_id=channel)
        payload = self._reply(response.content)
        self.payloads.append({"as": user, "command": f"{command} {text}".strip(), "reply": payload})
        shown = render_message(payload, user_name=self._user, channel_name=self._channel)
        self._print(textwrap.indent(shown, "    │ "))
        return shown

    def show(self, title: str, message: dict[str, Any], indent: str = "    │ ") -> None:
        """Print a message as the channel shows it."""
        self._print(f"\n  {title}")
        shown = render_message(message, user_name=self._user, channel_name=self._channel)
        self._print(textwrap.indent(shown, indent))

    def launch(self, runtime: Runtime) -> None:
        """Morgan launches a campaign to two channels; a rep confirms they're ready."""
        self.say("3. Marketing launches a campaign to #sales and #sales-west with /launch.")
        self.driver.command("/launch", "Q3 pricing refresh", user_id="U0MKT1")
        # The modal opens at once ("Loading…"); the form replaces it once Liaison looked up
        # Morgan's time zone and the sales channels.
        view = self.sandbox.wait_for_calls("views.update", timeout=10)[-1].json_param("view")
        self._print(f"\n  Morgan fills in the form “{view['title']['text']}” and presses Announce.")
        values = _launch_values(
            name="Q3 pricing refresh",
            summary="New mid-market tiers take effect on the 1st. The deck and the ROI "
            "calculator are updated.",
            channels=["C0SALES", "C0SALESWEST"],
            collateral="Pricing deck 2027 | https://example.com/pricing-2027\n"
            "ROI calculator | https://example.com/roi-calculator",
            ask="Walk every renewal through the new tiers this month.",
            today=local_today(utcnow(), json.loads(view["private_metadata"]).get("tz")),
        )
        self.driver.interactive(
            view_submission(
                user_id="U0MKT1",
                callback_id=view["callback_id"],
                state_values=values,
                private_metadata=view["private_metadata"],
            )
        )
        # The marketer's summary is the last message of a launch.
        deadline = time.monotonic() + 20
        while not self._summary() and time.monotonic() < deadline:
            time.sleep(0.05)
        for channel in ("C0SALES", "C0SALESWEST"):
            [parent] = self.sandbox.find_messages(channel, event_type="liaison_outbox")
            self.show(f"#{self._channel(channel)} now shows:", parent)
            for reply in self.sandbox.find_messages(channel, thread_ts=parent["ts"]):
                if reply["ts"] != parent["ts"]:
                    self.show("  ↳ in the thread:", reply, indent="      │ ")
        summary = self._summary()
        if summary is None:
            raise RuntimeError("the launch did not finish within 20 s")
        self.show(
            "Morgan's private summary from Liaison:",
            {"text": summary.params.get("text", ""), "blocks": summary.json_param("blocks")},
        )
        [parent] = self.sandbox.find_messages("C0SALES", event_type="liaison_outbox")
        for rep in ("U0REP1", "U0REP2"):
            self.driver.interactive(
                block_actions(
                    user_id=rep,
                    actions=[button_action("got_it", str(_campaign_id(parent)))],
                    channel_id="C0SALES",
                    message_ts=parent["ts"],
                    message=parent,
                    response_url=self.sandbox.new_response_url(),
                )
            )
        # Both clicks are counted; the message is refreshed through the outbox.
        deadline = time.monotonic() + 10
        updated = parent
        while time.monotonic() < deadline:
            updated = self.sandbox.message("C0SALES", parent["ts"]) or parent
            if "2 teammates are ready" in json.dumps(updated, ensure_ascii=False):
                break
            time.sleep(0.05)
        self.show("Riley and Sam press “Got it”; the announcement updates:", updated)

    def vote(self, runtime: Runtime) -> None:
        """Reps react to the collateral replies in #sales; Slack retries one delivery."""
        [parent] = self.sandbox.find_messages("C0SALES", event_type="liaison_outbox")
        replies = {
            found.group(1): reply
            for reply in self.sandbox.find_messages("C0SALES", thread_ts=parent["ts"])
            if (found := _HANDLE_IN_REPLY.search(reply.get("text", "")))
        }
        deck, calculator = sorted(replies, key=lambda h: h.startswith("RC"))
        reactions = [
            ("U0REP1", "+1", deck),
            ("U0REP2", "+1", deck),
            ("U0REP3", "-1", deck),
            ("U0REP1", "dart", calculator),
            ("U0REP2", "-1", calculator),
            ("U0REP3", "+1", calculator),
        ]
        sent = []
        for user, emoji, handle in reactions:
            body = event_callback(
                reaction_added(
                    user=user, reaction=emoji, channel="C0SALES", ts=replies[handle]["ts"]
                )
            )
            self.driver.envelope(body)
            sent.append(body["event_id"])
            self._print(f"  {PEOPLE[user]} reacts {EMOJI[emoji]} on `{handle}` in the thread.")
        self.driver.envelope(body, retry_num=1)
        self._print("  Slack delivers Devon's last reaction a second time; it counts once.")
        _wait_for_events(runtime, sent)

    def feedback_form(self) -> None:
        """Sam opens /feedback, picks an asset by typing, and sends the form."""
        self._print(f"\n  {PEOPLE['U0REP2']} in #sales:  /feedback")
        self.driver.command("/feedback", "", user_id="U0REP2")
        view = self.sandbox.wait_for_calls("views.open")[-1].json_param("view")
        suggestion = self.driver.interactive(
            block_suggestion(
                user_id="U0REP2",
                action_id="feedback_asset",
                block_id="feedback_asset",
                value="roi",
                view=view,
            )
        ).json()
        [picked] = suggestion["options"][:1]
        self._print(
            f"  The form “{view['title']['text']}” opens; Sam types “roi” and picks "
            f"“{picked['text']['text']}”, ticks “open to a follow-up chat” and sends it."
        )
        comment = "Assumes 12-month terms; most of my mid-market deals are 24 months."
        answer = self.driver.interactive(
            view_submission(
                user_id="U0REP2",
                callback_id=view["callback_id"],
                private_metadata=view.get("private_metadata", ""),
                state_values={
                    "feedback_asset": {
                        "feedback_asset": {"type": "external_select", "selected_option": picked}
                    },
                    "feedback_verdict": {
                        "feedback_verdict": {
                            "type": "radio_buttons",
                            "selected_option": {"value": "needs_work"},
                        }
                    },
                    "feedback_comment": {
                        "feedback_comment": {"type": "plain_text_input", "value": comment}
                    },
                    "feedback_followup": {
                        "feedback_followup": {
                            "type": "checkboxes",
                            "selected_options": [{"value": "followup"}],
                        }
                    },
                },
            )
        ).json()
        self.show("The form's last screen:", {"blocks": answer["view"]["blocks"]})

    def home(self, user: str) -> None:
        """Open someone's App Home and print it."""
        before = len(self.sandbox.calls("views.publish"))
        self.driver.event(app_home_opened(user=user))
        self.sandbox.wait_for_calls("views.publish", count=before + 1, timeout=10)
        view = self.sandbox.home_view(user) or {}
        self._print(
            textwrap.indent(
                render_message(view, user_name=self._user, channel_name=self._channel), "    │ "
            )
        )

    def digest(self, runtime: Runtime) -> None:
        """Close the week, fire the scheduled digest, print it and write its files."""
        _close_the_week(runtime)
        now = utcnow()
        weekday = WEEKDAYS[now.weekday()]
        self.command("UADMIN", "/liaison", f"schedule {weekday} {now:%H:%M} UTC", channel="C0LEADS")
        with runtime.db() as session:
            workspace = find_workspace(session=session, team_id=TEAM_ID)
            assert workspace is not None
            settings = digest_runs.digest_settings(session=session, workspace=workspace)
        assert settings is not None
        job_id = digest_job_id(settings.workspace_id)
        deadline = time.monotonic() + 10
        while runtime.scheduler.get_job(job_id) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        runtime.scheduler.modify_job(job_id, next_run_time=utcnow())
        posted = _wait_for_digest(self.sandbox, "C0LEADS")
        self.show("The scheduled digest arrives in #team-leads:", posted)
        message = {"text": posted.get("text", ""), "blocks": posted.get("blocks", [])}
        (self.out / "digest.json").write_text(json.dumps(message, indent=2, ensure_ascii=False))
        link = block_kit_builder_url(message["blocks"])
        (self.out / "digest-block-kit-builder.txt").write_text(link + "\n")
        with runtime.db() as session:
            period = digest_runs.period_for_schedule(settings, utcnow())
            again = digest_runs.make_digest(
                session=session,
                client=runtime.client,
                http=runtime.http,
                settings=settings,
                period=period,
                allow_private=True,
            )
        self._print(
            f"\n  Files for the digest: digest.json (Block Kit), {self._chart_pngs(again.charts)},"
            "\n  and a Block Kit Builder link in digest-block-kit-builder.txt."
        )

    def _chart_pngs(self, charts: Sequence[ChartData]) -> str:
        """Draw the digest's charts as PNGs and say so; without the charts extra, say why not.

        The digest itself, its Block Kit and its text never need the PNGs, so the tour goes on.
        """
        try:
            for number, chart in enumerate(charts, start=1):
                render_chart_png(chart, self.out / f"digest-chart-{number}.png")
        except ChartsUnavailable as missing:
            return f"no chart PNGs ({missing})"
        return f"{len(charts)} chart PNGs"

    def _summary(self) -> Call | None:
        """Morgan's private delivery summary, once Liaison has sent it."""
        sent = [
            c
            for c in self.sandbox.calls("chat.postMessage")
            if c.ok and c.params.get("channel") == "U0MKT1"
        ]
        return sent[-1] if sent else None

    def _reply(self, content: bytes) -> dict[str, Any]:
        if content:
            body: dict[str, Any] = json.loads(content)
            return body
        url = self.driver.last_response_url
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            posted = self.sandbox.responses(url)
            if posted:
                return posted[-1]
            time.sleep(0.02)
        return {"text": "(no reply)"}

    def _user(self, user_id: str) -> str:
        return PEOPLE.get(user_id, user_id).split(" ")[0]

    def _channel(self, channel_id: str) -> str:
        try:
            return str(self.sandbox.channel_info(channel_id)["name"])
        except KeyError:
            return channel_id

    def save(self) -> None:
        """Write the transcript and every reply's Block Kit JSON."""
        (self.out / "transcript.txt").write_text("\n".join(self.transcript) + "\n")
        (self.out / "replies.json").write_text(
            json.dumps(self.payloads, indent=2, ensure_ascii=False)
        )


def _launch_values(
    *, name: str, summary: str, channels: list[str], collateral: str, ask: str, today: date
) -> dict[str, Any]:
    """The launch modal's state.values as Slack sends them when Morgan presses Announce."""

    def text(field: str, value: str) -> dict[str, Any]:
        return {field: {"type": "plain_text_input", "value": value}}

    return {
        "launch_name": text("launch_name", name),
        "launch_summary": text("launch_summary", summary),
        "launch_channels": {
            "launch_channels": {
                "type": "multi_conversations_select",
                "selected_conversations": channels,
            }
        },
        "launch_collateral": text("launch_collateral", collateral),
        "launch_date": {"launch_date": {"type": "datepicker", "selected_date": today.isoformat()}},
        "launch_ask": text("launch_ask", ask),
    }


def _wait_for_events(runtime: Runtime, event_ids: list[str], timeout: float = 15) -> None:
    """Events are processed after Slack's ack: wait until these have been."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.db() as session:
            if all(session.get(ProcessedEvent, e) is not None for e in event_ids):
                return
        time.sleep(0.05)
    raise RuntimeError("the demo's reactions were not processed in time")


def _close_the_week(runtime: Runtime, days: int = 1) -> None:
    """Move the demo's records back in time, so the week they belong to is over."""
    shift = timedelta(days=days)
    tables = (
        (Vote, "created_at"),
        (Usage, "created_at"),
        (Comment, "created_at"),
        (Acknowledgement, "created_at"),
        (Question, "created_at"),
        (AnnouncementPost, "posted_at"),
    )
    with unit_of_work(runtime.db) as session:
        for model, column in tables:
            for row in session.exec(select(model)).all():
                moment = getattr(row, column)
                if moment is not None:
                    setattr(row, column, moment - shift)
                    session.add(row)


def _wait_for_digest(sandbox: SlackSandbox, channel: str, timeout: float = 20) -> dict[str, Any]:
    """The digest message, once the delivery worker has posted it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sandbox.messages(channel):
            if any(b.get("type") == "data_visualization" for b in message.get("blocks", [])):
                return message
            if "digest" in str(message.get("text", "")).lower():
                return message
        time.sleep(0.1)
    raise RuntimeError("the scheduled digest did not arrive in time")


def _campaign_id(message: dict[str, Any]) -> int:
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == "got_it":
                return int(element["value"])
    raise RuntimeError("the announcement has no Got it button")


def run_demo(*, out: str | None = None) -> int:
    """Run the tour; returns the exit code."""
    folder = Path(out) if out else Path(tempfile.mkdtemp(prefix="liaison-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "liaison-demo.db"
    for stale in folder.glob("liaison-demo.db*"):
        stale.unlink()
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    secret = secrets.token_hex(16)
    started = time.monotonic()
    print(
        "Liaison demo: a local Slack sandbox, a throw-away SQLite database, the real app over HTTP."
    )
    with (
        SlackSandbox(bot_scopes=manifest["oauth_config"]["scopes"]["bot"]) as sandbox,
        running_app(sandbox, f"sqlite:///{database}", secret) as (events_url, runtime),
        SlackDriver(events_url, secret, sandbox=sandbox) as driver,
    ):
        tour = Tour(driver, sandbox, folder)
        pricing = sandbox.set_page("acme/pricing-2027", body=PRICING_PAGE)
        tour.say("1. An admin sets Liaison up: where launches go and where the digest goes.")
        tour.command("UADMIN", "/liaison", "sales here", channel="C0SALES")
        tour.command("UADMIN", "/liaison", "digest here", channel="C0LEADS")
        tour.command("UADMIN", "/liaison", "admins add <@U0MKT1|morgan>", channel="C0LEADS")
        tour.say("   Settings are for admins; a rep gets a polite no.")
        tour.command("U0REP1", "/liaison", "schedule friday 16:00 Europe/Berlin")
        tour.say("2. Marketing registers collateral; with no title, Liaison reads the page's.")
        tour.command("U0MKT1", "/collateral", f"add {pricing}")
        tour.command(
            "U0MKT1", "/collateral", "add https://example.com/roi-calculator ROI calculator"
        )
        tour.command(
            "U0MKT1", "/collateral", "add https://example.com/acme-story Customer story: Acme"
        )
        tour.launch(runtime)
        tour.say("4. Reps vote on each asset with an emoji on its thread reply.")
        tour.vote(runtime)
        tour.say("5. ... or with /feedback, which takes a comment too.")
        tour.command("U0REP1", "/feedback", "PD-4 up the new tier table closed a renewal today")
        tour.say("   An accusatory comment is saved, and its author gets a private nudge:")
        tour.command(
            "U0REP3", "/feedback", "roi calculator down marketing never checks these numbers"
        )
        tour.feedback_form()
        tour.say("6. Reps find assets and say which ones reached customers.")
        tour.command("U0REP1", "/collateral", "search pricing")
        tour.command("U0REP1", "/collateral", "used PD-1")
        tour.command("U0REP2", "/collateral", "used roi calculator")
        tour.say("   Mistakes get the correct form back, and nothing is lost.")
        tour.command("U0REP2", "/collateral", "add not-a-link")
        tour.command("U0REP2", "/feedback", "pricing sheet up")
        tour.command("U0REP2", "/feedback", "PD-4 <!channel> fantastic")
        tour.say("7. Anyone can see what's working.")
        tour.command("U0REP1", "/collateral", "")
        tour.say(
            "8. Morgan opens Liaison's App Home: how each asset lands, comments anonymous\n"
            "   unless the rep opted in to a follow-up, the angry one held back."
        )
        tour.home("U0MKT1")
        tour.say("9. Devon opens it for the first time: the loop, and this week's launch.")
        tour.home("U0REP3")
        tour.say("   Morgan also registers last year's battlecard; its page has since gone.")
        retired = sandbox.set_page("acme/battlecard-2025", body="gone", status=404)
        tour.command("U0MKT1", "/collateral", f"add {retired} Battlecard 2025")
        tour.say(
            "10. A week goes by. (The demo moves its records back a day, so the digest's week\n"
            "    has closed, then sets the schedule to this minute and lets it fire.)"
        )
        tour.digest(runtime)
        tour.save()
    print(f"\nDone in {time.monotonic() - started:.1f} s. Files in {folder}:")
    for path in sorted(folder.iterdir()):
        print(f"  {path.name}")
    sys.stdout.flush()
    return 0
