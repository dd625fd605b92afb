"""Shared builders for tests: reading the app's replies the way a Slack client would."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from blocks.ids import Ids
from models import Asset
from sandbox import SlackDriver, SlackSandbox


def message_text(message: dict[str, Any]) -> str:
    """Everything a person would read in a message: its text and every block's text."""
    parts = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            text = node.get("text")
            if isinstance(text, str):
                parts.append(text)
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(parts)


def reply(
    response: httpx.Response,
    driver: SlackDriver,
    sandbox: SlackSandbox,
    timeout: float = 8.0,
    url: str | None = None,
) -> dict[str, Any]:
    """The ephemeral reply to a slash command: in the HTTP response, or later via response_url.

    `url` is the command's response URL when other commands were sent since.
    """
    assert response.status_code == 200, (response.status_code, response.text)
    if response.content:
        body: dict[str, Any] = json.loads(response.content)
        return body
    url = url or driver.last_response_url
    assert url is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posted = sandbox.responses(url)
        if posted:
            return posted[-1]
        time.sleep(0.02)
    raise AssertionError(f"no reply arrived at {url} within {timeout} s")


def reply_text(
    response: httpx.Response, driver: SlackDriver, sandbox: SlackSandbox, url: str | None = None
) -> str:
    """The text of the reply to a slash command (`url`: its response URL, if others followed)."""
    return message_text(reply(response, driver, sandbox, url=url))


def assets(engine: Engine) -> list[Asset]:
    """Every asset in the database, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(Asset).order_by(col(Asset.id))).all())


def shown_modal(sandbox: SlackSandbox, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
    """The view of the app's `count`-th views.update in this test, checking it replaced a
    "Loading…" modal opened first (modals open before their lookups: triggers live 3 s)."""
    update = sandbox.wait_for_calls("views.update", count, timeout=timeout)[count - 1]
    assert update.ok, update.response
    opened = {
        str(call.response["view"]["id"]): call.json_param("view")
        for call in sandbox.calls("views.open") + sandbox.calls("views.push")
        if call.ok
    }
    first = opened.get(str(update.params.get("view_id")))
    assert first is not None and first["callback_id"] == Ids.LOADING_MODAL, first
    view: dict[str, Any] = update.json_param("view")
    return view
