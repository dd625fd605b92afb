"""Local Slack sandbox: a stateful Web API fake over real HTTP, and a signed request driver."""

from __future__ import annotations

from sandbox.blockkit import validate_blocks, validate_message_blocks, validate_view
from sandbox.driver import SlackDriver
from sandbox.payloads import (
    app_home_opened,
    app_uninstalled,
    as_partner,
    block_actions,
    block_suggestion,
    button_action,
    event_callback,
    message,
    message_action,
    modal_view,
    org_wide,
    reaction_added,
    reaction_removed,
    slash_command,
    tokens_revoked,
    url_verification,
    view_submission,
)
from sandbox.server import METHOD_SCOPES, Call, SlackSandbox
from sandbox.signer import sign_request

__all__ = [
    "METHOD_SCOPES",
    "Call",
    "SlackDriver",
    "SlackSandbox",
    "app_home_opened",
    "app_uninstalled",
    "as_partner",
    "block_actions",
    "block_suggestion",
    "button_action",
    "event_callback",
    "message",
    "message_action",
    "modal_view",
    "org_wide",
    "reaction_added",
    "reaction_removed",
    "sign_request",
    "slash_command",
    "tokens_revoked",
    "url_verification",
    "validate_blocks",
    "validate_message_blocks",
    "validate_view",
    "view_submission",
]
