"""Drives the app's HTTP endpoint with signed requests, exactly as Slack would send them."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from sandbox import payloads
from sandbox.server import SlackSandbox
from sandbox.signer import sign_request

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class SlackDriver:
    """Sends signed slash commands, events and interactivity payloads to the app over HTTP."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        sandbox: SlackSandbox | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.sandbox = sandbox
        self.last_response_url: str | None = None
        self.last_trigger_id: str | None = None
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self._http.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def raw(
        self,
        body: str | bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        sign: bool = True,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a body as-is; forge, omit or age the signature for verification tests."""
        headers = {"Content-Type": content_type}
        if sign:
            headers.update(sign_request(self.signing_secret, body, timestamp))
            if signature is not None:
                headers["X-Slack-Signature"] = signature
        elif signature is not None or timestamp is not None:
            if timestamp is not None:
                headers["X-Slack-Request-Timestamp"] = str(timestamp)
            if signature is not None:
                headers["X-Slack-Signature"] = signature
        headers.update(extra_headers or {})
        content = body.encode("utf-8") if isinstance(body, str) else body
        return self._http.post(self.app_url, content=content, headers=headers)

    def _retry_headers(self, retry_num: int | None, retry_reason: str) -> dict[str, str]:
        if retry_num is None:
            return {}
        return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0REP1",
        channel_id: str = "C0SALES",
        retry_num: int | None = None,
        **fields: Any,
    ) -> httpx.Response:
        """Send a slash command (form body); its response URL is kept in ``last_response_url``."""
        response_url = fields.pop("response_url", None)
        if response_url is None:
            response_url = (
                self.sandbox.new_response_url()
                if self.sandbox is not None
                else "https://hooks.slack.com/commands/T0SANDBOX/0000000000/sandbox"
            )
        form = payloads.slash_command(
            command,
            text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            **fields,
        )
        self.last_response_url = response_url
        self.last_trigger_id = form["trigger_id"]
        return self.raw(
            urlencode(form),
            content_type=FORM,
            extra_headers=self._retry_headers(retry_num, "http_timeout"),
        )

    def command_form(self, form: dict[str, str]) -> httpx.Response:
        """Send a slash command's form fields as built (e.g. reshaped by ``org_wide``)."""
        self.last_response_url = form.get("response_url", self.last_response_url)
        self.last_trigger_id = form.get("trigger_id", self.last_trigger_id)
        return self.raw(urlencode(form), content_type=FORM)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        **envelope: Any,
    ) -> httpx.Response:
        """Send an inner event wrapped in its ``event_callback`` envelope (JSON body)."""
        body = payloads.event_callback(event, event_id=event_id, **envelope)
        return self.raw(
            json.dumps(body),
            content_type=JSON,
            extra_headers=self._retry_headers(retry_num, retry_reason),
        )

    def envelope(self, body: dict[str, Any], *, retry_num: int | None = None) -> httpx.Response:
        """Send a complete, already built Events API body (e.g. to replay the same event_id)."""
        return self.raw(
            json.dumps(body),
            content_type=JSON,
            extra_headers=self._retry_headers(retry_num, "http_timeout"),
        )

    def interactive(self, payload: dict[str, Any]) -> httpx.Response:
        """Send an interactivity payload as Slack does: form field ``payload`` holding JSON."""
        self.last_trigger_id = payload.get("trigger_id", self.last_trigger_id)
        if payload.get("response_url"):
            self.last_response_url = payload["response_url"]
        return self.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)

    def url_verification(self, challenge: str) -> httpx.Response:
        """Send the ``url_verification`` handshake."""
        return self.raw(json.dumps(payloads.url_verification(challenge)), content_type=JSON)
