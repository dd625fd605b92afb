"""`bot.py demo`: a scripted tour of Liaison against the local Slack sandbox, no workspace."""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from blocks.terminal import render_message
from core.app import Runtime, create_app, create_runtime
from core.db import make_engine, migrate
from core.serve import bound_socket, make_server
from core.settings import Settings
from sandbox import SlackDriver, SlackSandbox, app_home_opened

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = {
    "UADMIN": "Avery (workspace admin)",
    "U0MKT1": "Morgan (marketing)",
    "U0REP1": "Riley (sales rep)",
    "U0REP2": "Sam (sales rep)",
}

PRICING_PAGE = """<!doctype html><html><head>
<title>Pricing deck 2027 | Acme Marketing</title></head><body>Pricing</body></html>"""


@contextmanager
def _running_app(sandbox: SlackSandbox, database_url: str, secret: str) -> Iterator[str]:
    """Serve the real app over HTTP on a free loopback port; yields its events URL."""
    settings = Settings(
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
    sock = bound_socket("127.0.0.1", 0)
    server = make_server(app, runtime, host="127.0.0.1", port=sock.getsockname()[1])
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo's HTTP server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/slack/events"
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
        _running_app(sandbox, f"sqlite:///{database}", secret) as events_url,
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
        tour.say("3. Reps find assets and say which ones reached customers.")
        tour.command("U0REP1", "/collateral", "search pricing")
        tour.command("U0REP1", "/collateral", "used PD-1")
        tour.command("U0REP2", "/collateral", "used roi calculator")
        tour.command("U0REP2", "/collateral", "used PD-1")
        tour.say("   Mistakes get the correct form back, and nothing is lost.")
        tour.command("U0REP2", "/collateral", "add not-a-link")
        tour.command("U0REP2", "/collateral", "used pricing sheet")
        tour.say("4. Anyone can see what's working.")
        tour.command("U0REP1", "/collateral", "")
        driver.event(app_home_opened(user="U0REP1"))
        home = sandbox.wait_for_calls("views.publish")[-1].json_param("view")
        tour.say("5. Riley opens Liaison's App Home:")
        tour._print(textwrap.indent(render_message(home), "    │ "))
        tour.say(
            "Coming next: /launch announcements, emoji votes and /feedback, and the weekly "
            "blame-free digest (charts included) join this tour as they are built."
        )
        tour.save()
    print(f"\nDone in {time.monotonic() - started:.1f} s. Files in {folder}:")
    for path in sorted(folder.iterdir()):
        print(f"  {path.name}")
    sys.stdout.flush()
    return 0
