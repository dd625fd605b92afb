"""One error handler: known errors become a short ephemeral reply, unknown ones a reference id."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.context.respond import Respond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from blocks.replies import build_message
from core.logs import current_request_id
from core.metrics import api_method
from core.slack import ReplyNotSent
from domain.commands import CommandError
from domain.slack_errors import Kind, classify
from domain.urls import InvalidUrl
from models import WorkspaceRef
from services.errors import UserError

logger = logging.getLogger("liaison.errors")

KNOWN = (CommandError, InvalidUrl, UserError)


BUSY = (
    "Slack is asking Liaison to slow down right now, so nothing was changed by this request. "
    "Please try again in a minute."
)


def reply_for(error: Exception) -> str:
    """The text a person sees for an error; unknown errors are logged with a reference."""
    if isinstance(error, KNOWN):
        return str(error)
    if isinstance(error, SlackApiError) and _slack_error(error) in ("ratelimited", "rate_limited"):
        # Listeners wait out only short rate limits (core.slack): say so, no traceback.
        logger.warning("a Slack call was rate limited for longer than a person can wait")
        return BUSY
    refused = _refused_for_good(error)
    if refused is not None:
        return refused
    if isinstance(error, ReplyNotSent):
        logger.warning("could not reply to the person: %s", error)
        return str(error)
    # The request's own id when there is one, so the person's reference finds its log lines.
    ref = current_request_id() or uuid.uuid4().hex[:8]
    logger.error("unhandled error ref=%s", ref, exc_info=error)
    return (
        "Sorry, something went wrong on our side and nothing was changed by this request. "
        f"Please try again; if it keeps happening, give your admin this reference: `{ref}`."
    )


def _refused_for_good(error: Exception) -> str | None:
    """The reply for a Slack error that trying again cannot fix (domain.slack_errors), or None.

    The person reads why (the channel is archived, the click's window expired, ...) rather
    than a reference to look up: logged at WARNING, with the method and the code only.
    """
    if not isinstance(error, SlackApiError):
        return None
    code = _slack_error(error)
    if code is None:
        return None
    url = getattr(getattr(error, "response", None), "api_url", None)
    method = api_method(url) if isinstance(url, str) else "other"
    meaning = classify(method, code)
    if meaning.kind is not Kind.PERMANENT:
        return None
    logger.warning("Slack refused %s for good: %s", method, code)
    return f"Slack refused this: {meaning.reason}."


def _slack_error(error: SlackApiError) -> str | None:
    response = getattr(error, "response", None)
    try:
        code = response.get("error") if response is not None else None
    except (AttributeError, TypeError):
        return None
    if getattr(response, "status_code", None) == 429:
        return "ratelimited"
    return code if isinstance(code, str) else None


def handle_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
) -> BoltResponse | None:
    """Bolt's global error handler."""
    text = reply_for(error)
    payload = build_message(text)
    if response is not None and body.get("command"):
        # Not yet acknowledged: the reply travels in the HTTP response itself.
        return BoltResponse(
            status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
        )
    if respond is not None and getattr(respond, "response_url", None):
        try:
            respond(payload)
        except Exception:  # the reply is best effort; the error is already logged
            logger.warning("could not deliver error reply", exc_info=True)
    if response is not None:
        # Events and interactions: acknowledge so Slack does not retry what already failed.
        return BoltResponse(status=200, body="")
    return None


def after_ack(listener: Callable[..., None]) -> Callable[..., None]:
    """Report errors raised after a listener's ack() to the person, instead of re-raising.

    Bolt replaces an acknowledged response with nothing when the listener then raises
    (the request would end as a 404), so a listener that acks first reports its own
    errors: through `respond` when Slack gave a response URL, else in a DM via `client`.
    """

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", None) is None:
                raise  # not acknowledged yet: the error handler answers in the HTTP response
            text = reply_for(error)
            respond = kwargs.get("respond")
            body = kwargs.get("body") or {}
            try:
                if respond is not None and getattr(respond, "response_url", None):
                    respond(build_message(text))
                elif kwargs.get("client") is not None and (body.get("user") or {}).get("id"):
                    note = build_message(text)
                    kwargs["client"].chat_postMessage(
                        channel=body["user"]["id"], text=note["text"], blocks=note["blocks"]
                    )
                else:
                    # Not the text: it can repeat what the person typed.
                    logger.warning("no way to tell the person about an error")
            except Exception:
                logger.warning("could not deliver error reply", exc_info=True)

    return guarded


# A request whose payload names no team (handlers.middleware set no workspace).
NO_WORKSPACE = "Liaison couldn't tell which workspace this came from."


def require_workspace(workspace: WorkspaceRef | None) -> WorkspaceRef:
    """The request's workspace, or the clear answer that it named none."""
    if workspace is None:
        raise UserError(NO_WORKSPACE)
    return workspace
