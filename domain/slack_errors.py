"""What each documented error of the Slack methods Liaison calls means for us (SPEC: rate
limits delay messages but never lose them; a message that cannot be sent is reported to
the person who asked, with the reason, at once).

One table: every error Slack documents for each method we call is classified here, once.
`permanent` errors fail the same way however often they are retried, so the marketer hears
at once, in the words of `reason`; `retry` errors are Slack's own trouble and are tried
again with a backoff (an attempt used); `rate_limited` asks us to wait (Retry-After, or a
backoff) and uses up no attempt; `revoked` means the workspace's token no longer works;
`join` (chat.postMessage only) is a public channel the bot can join before posting again.
An error the table does not know is retried like Slack's own trouble, attempts counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Kind(StrEnum):
    """How an error is handled."""

    PERMANENT = "permanent"
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REVOKED = "revoked"
    JOIN = "join"


@dataclass(frozen=True)
class Meaning:
    """An error's kind, the words a person reads when it ends a request, and whether the
    call may have done part of its work before failing (look before doing it again)."""

    kind: Kind
    reason: str = ""
    maybe_done: bool = False


def _permanent(reason: str) -> Meaning:
    return Meaning(Kind.PERMANENT, reason)


RETRY: Final = Meaning(Kind.RETRY, "Slack kept failing")
MAYBE_DONE: Final = Meaning(Kind.RETRY, "Slack kept failing", maybe_done=True)
RATE_LIMITED: Final = Meaning(Kind.RATE_LIMITED, "Slack kept asking Liaison to slow down")
REVOKED: Final = Meaning(Kind.REVOKED, "Liaison is not installed in this workspace any more")

_OUR_BUG = _permanent("Slack could not read Liaison's request (a bug in Liaison: tell your admin)")
_NOT_ALLOWED = _permanent(
    "the workspace's settings do not let Liaison do this (ask your Slack admin)"
)
_SCOPE = _permanent("Liaison lacks a permission for this (reinstall it from manifest.yml)")
_BAD_CONTENT = _permanent("Slack refused the message's content (a bug in Liaison: tell your admin)")
_TOO_LONG = _permanent("the message is too long for Slack")
_CHANNEL_GONE = _permanent(
    "Liaison isn't in this channel: private channels need an invitation "
    "(`/invite @Liaison`), or the channel no longer exists"
)
_ARCHIVED = _permanent("the channel is archived")
_MESSAGE_GONE = _permanent("the announcement this belongs to is gone")
_NOT_A_MEMBER = _permanent("Liaison is not a member of this channel (`/invite @Liaison`)")
_CONNECT_BLOCKED = _permanent(
    "an admin has blocked sharing this kind of content with other organisations"
)
_FILES_REFUSED = _permanent("the workspace does not accept this file")
_PERSON_GONE = _permanent("that person's Slack account is not available to Liaison")
_TRIGGER_GONE = _permanent(
    "Slack no longer accepts opening a window for this click (it waits 3 seconds): try again"
)
_VIEW_TOO_LARGE = _permanent("the window has too much in it for Slack")
_INSTALL_REFUSED = _permanent("Slack refused the installation: start it again from the app page")

# Errors every Web API method can answer (Slack documents them on each method).
COMMON: Final[MappingProxyType[str, Meaning]] = MappingProxyType(
    {
        # Being told to wait is not a failure.
        "ratelimited": RATE_LIMITED,
        "rate_limited": RATE_LIMITED,
        # Slack's own trouble; the first two may have done part of the work.
        "fatal_error": MAYBE_DONE,
        "internal_error": MAYBE_DONE,
        "request_timeout": MAYBE_DONE,
        "service_unavailable": MAYBE_DONE,
        # The workspace is moving into an Enterprise organisation: it comes back.
        "team_added_to_org": RETRY,
        "org_login_required": RETRY,
        # A rotating token that expired is refreshed before the next attempt.
        "token_expired": RETRY,
        # The token no longer works: uninstalled, or the workspace is gone.
        "not_authed": REVOKED,
        "invalid_auth": REVOKED,
        "account_inactive": REVOKED,
        "token_revoked": REVOKED,
        # Liaison asked in a way Slack cannot take: the same request fails every time.
        "invalid_arg_name": _OUR_BUG,
        "invalid_array_arg": _OUR_BUG,
        "invalid_charset": _OUR_BUG,
        "invalid_form_data": _OUR_BUG,
        "invalid_post_type": _OUR_BUG,
        "missing_post_type": _OUR_BUG,
        "deprecated_endpoint": _OUR_BUG,
        "method_deprecated": _OUR_BUG,
        "unknown_method": _OUR_BUG,
        "is_bot": _OUR_BUG,
        "not_allowed_token_type": _OUR_BUG,
        "missing_argument": _OUR_BUG,
        "invalid_cursor": _OUR_BUG,
        "invalid_limit": _OUR_BUG,
        "limit_required": _OUR_BUG,
        # The workspace (or its admins) forbid it: only a person there can change that.
        "missing_scope": _SCOPE,
        "no_permission": _NOT_ALLOWED,
        "access_denied": _NOT_ALLOWED,
        "accesslimited": _NOT_ALLOWED,
        "enterprise_is_restricted": _NOT_ALLOWED,
        "ekm_access_denied": _permanent(
            "the workspace's admins have blocked Liaison's messages here (key management)"
        ),
        "two_factor_setup_required": _NOT_ALLOWED,
        "app_access_restricted": _NOT_ALLOWED,
        "plan_upgrade_required": _permanent("the workspace's Slack plan does not allow this"),
        # Whatever the method, a conversation that is not there (or not for us).
        "channel_not_found": _CHANNEL_GONE,
        "is_archived": _ARCHIVED,
        "channel_is_limited_access": _NOT_ALLOWED,
        "method_not_supported_for_channel_type": _permanent(
            "Slack does not allow this in that kind of conversation"
        ),
        "not_in_channel": _NOT_A_MEMBER,
        "message_not_found": _MESSAGE_GONE,
        "thread_not_found": _MESSAGE_GONE,
        "user_not_found": _PERSON_GONE,
        "user_not_visible": _PERSON_GONE,
        "user_disabled": _PERSON_GONE,
    }
)

# What a message Liaison posts or edits can be refused for (chat.postMessage, chat.update,
# chat.postEphemeral share most of these).
_MESSAGE: Final = {
    "msg_blocks_too_long": _TOO_LONG,
    "msg_too_long": _TOO_LONG,
    "attachment_payload_limit_exceeded": _TOO_LONG,
    "metadata_too_large": _TOO_LONG,
    "too_many_attachments": _BAD_CONTENT,
    "too_many_contact_cards": _BAD_CONTENT,
    "invalid_blocks": _BAD_CONTENT,
    "invalid_blocks_format": _BAD_CONTENT,
    "invalid_attachments": _BAD_CONTENT,
    "invalid_metadata_format": _BAD_CONTENT,
    "invalid_metadata_schema": _BAD_CONTENT,
    "metadata_must_be_sent_from_app": _BAD_CONTENT,
    "markdown_text_conflict": _BAD_CONTENT,
    "no_text": _permanent("the message was empty"),
    "as_user_not_supported": _OUR_BUG,
    "missing_file_data": _OUR_BUG,
    "send_on_behalf_not_allowed": _OUR_BUG,
    "team_not_found": _OUR_BUG,
    "restricted_action": _permanent("a workspace setting stops Liaison posting here"),
    "restricted_action_read_only_channel": _permanent("the channel is read-only"),
    "restricted_action_thread_only_channel": _permanent(
        "the channel only allows replies in threads"
    ),
    "restricted_action_non_threadable_channel": _permanent("the channel does not allow threads"),
    "restricted_action_thread_locked": _permanent("an admin has locked the thread"),
    "cannot_reply_to_message": _permanent("that message cannot have replies"),
    "posting_to_channel_denied": _permanent("Liaison may not post in this channel"),
    "messages_tab_disabled": _permanent(
        "the person has turned off direct messages from Liaison (its Messages tab)"
    ),
    # Free workspaces have a message allowance; waiting minutes does not restore it.
    "message_limit_exceeded": _permanent("the workspace has used up its plan's messages"),
    "slack_connect_canvas_sharing_blocked": _CONNECT_BLOCKED,
    "slack_connect_file_link_sharing_blocked": _CONNECT_BLOCKED,
    "slack_connect_lists_sharing_blocked": _CONNECT_BLOCKED,
    "slack_connect_clip_sharing_blocked": _CONNECT_BLOCKED,
    "slack_connect_file_upload_sharing_blocked": _CONNECT_BLOCKED,
    "slack_connect_blocked_file_type": _CONNECT_BLOCKED,
    # Drafts and client_msg_id duplicates: features Liaison does not use.
    "draft_already_deleted": _OUR_BUG,
    "draft_already_sent": _OUR_BUG,
    "draft_has_conflict": _OUR_BUG,
    "draft_not_found": _OUR_BUG,
    "duplicate_channel_not_found": _OUR_BUG,
    "duplicate_message_not_found": _OUR_BUG,
}

_VIEWS_OPEN: Final = {
    "expired_trigger_id": _TRIGGER_GONE,
    "exchanged_trigger_id": _TRIGGER_GONE,
    "invalid_trigger_id": _TRIGGER_GONE,
    "duplicate_external_id": _OUR_BUG,
    "view_too_large": _VIEW_TOO_LARGE,
}
_VIEWS_CHANGE: Final = {
    "duplicate_external_id": _OUR_BUG,
    "view_too_large": _VIEW_TOO_LARGE,
    # Someone else changed the view meanwhile: render it again and retry.
    "hash_conflict": RETRY,
    "not_found": _permanent("the window was closed"),
}

_FILES: Final = {
    "alt_txt_too_large": _OUR_BUG,
    "snippet_too_large": _FILES_REFUSED,
    "unknown_snippet_type": _OUR_BUG,
    "unknown_subtype": _OUR_BUG,
    "file_type_not_allowed": _FILES_REFUSED,
    "file_upload_size_restricted": _FILES_REFUSED,
    "file_uploads_disabled": _FILES_REFUSED,
    "file_uploads_except_images_disabled": _FILES_REFUSED,
    "storage_limit_reached": _permanent("the workspace has no file storage left"),
}

# Per-method meanings: what differs from COMMON, and what only that method answers.
METHODS: Final[MappingProxyType[str, MappingProxyType[str, Meaning]]] = MappingProxyType(
    {
        method: MappingProxyType(table)
        for method, table in {
            "chat.postMessage": {
                **_MESSAGE,
                # A public channel the bot has not joined yet: join, then post.
                "not_in_channel": Meaning(Kind.JOIN, _NOT_A_MEMBER.reason),
            },
            "chat.update": {
                **_MESSAGE,
                "cant_update_message": _permanent("Liaison can only edit its own messages"),
                "edit_window_closed": _permanent("the message is too old to edit"),
                "is_inactive": _ARCHIVED,
                "block_mismatch": _BAD_CONTENT,
                "cant_broadcast_message": _OUR_BUG,
                "no_dual_broadcast_content_update": _OUR_BUG,
                "streaming_state_conflict": _OUR_BUG,
                "blocked_file_type": _FILES_REFUSED,
                "file_deleted": _FILES_REFUSED,
                "file_is_deleted": _FILES_REFUSED,
                "file_not_found": _FILES_REFUSED,
                "file_share_limit_reached": _FILES_REFUSED,
                "max_file_sharing_exceeded": _FILES_REFUSED,
                "unable_to_share_files": _FILES_REFUSED,
                # Both pass on their own: Slack says nothing was changed.
                "external_channel_migrating": RETRY,
                "update_failed": RETRY,
            },
            "chat.postEphemeral": {
                **_MESSAGE,
                "user_not_in_channel": _permanent("that person is not in the channel"),
            },
            "chat.getPermalink": {},
            "conversations.history": {
                "invalid_metadata_filter_keys": _OUR_BUG,
                "invalid_ts_latest": _OUR_BUG,
                "invalid_ts_oldest": _OUR_BUG,
            },
            "conversations.info": {},
            "conversations.join": {
                "too_many_members": _permanent("the channel is too large for Liaison to join"),
            },
            "conversations.members": {"fetch_members_failed": RETRY},
            "conversations.open": {
                "invalid_user_combination": _OUR_BUG,
                "not_enough_users": _OUR_BUG,
                "too_many_users": _OUR_BUG,
                "users_list_not_supplied": _OUR_BUG,
            },
            "conversations.replies": {
                "invalid_metadata_filter_keys": _OUR_BUG,
                "invalid_ts_latest": _OUR_BUG,
                "invalid_ts_oldest": _OUR_BUG,
                "list_record_comment_fetch_failed": RETRY,
            },
            "usergroups.users.list": {
                "no_such_subteam": _permanent("that user group no longer exists"),
            },
            "users.conversations": {"invalid_types": _OUR_BUG},
            "users.info": {"too_many_users": _OUR_BUG},
            "users.list": {},
            "views.open": _VIEWS_OPEN,
            "views.push": {
                **_VIEWS_OPEN,
                "push_limit_reached": _permanent("too many windows are open on top of each other"),
                "not_found": _permanent("the window was closed"),
            },
            "views.update": _VIEWS_CHANGE,
            "views.publish": {
                **_VIEWS_CHANGE,
                "missing_profile_id": _OUR_BUG,
                "not_enabled": _permanent("Liaison's Home tab is turned off (see manifest.yml)"),
                "not_implemented": _OUR_BUG,
            },
            "files.getUploadURLExternal": _FILES,
            "files.completeUploadExternal": {
                **_FILES,
                "invalid_blocks": _BAD_CONTENT,
                "invalid_channel": _CHANNEL_GONE,
                "channels_limit_exceeded": _OUR_BUG,
                "file_not_found": _OUR_BUG,
                "posting_to_channel_denied": _permanent("Liaison may not post in this channel"),
                # Slack had the file but could not attach it: a second try usually passes.
                "file_update_failed": RETRY,
            },
            "auth.test": {},
            "oauth.v2.access": {
                "invalid_code": _INSTALL_REFUSED,
                "invalid_code_verifier": _INSTALL_REFUSED,
                "invalid_grant_type": _OUR_BUG,
                "bad_client_secret": _permanent(
                    "Liaison's client secret is wrong (check SLACK_CLIENT_SECRET)"
                ),
                "invalid_client_id": _permanent(
                    "Liaison's client id is wrong (check SLACK_CLIENT_ID)"
                ),
                "bad_redirect_uri": _permanent(
                    "the redirect URL does not match the app's settings (check manifest.yml)"
                ),
                "oauth_authorization_url_mismatch": _INSTALL_REFUSED,
                "invalid_refresh_token": REVOKED,
                "cannot_install_an_org_installed_app": _permanent(
                    "Liaison is already installed for the whole organisation"
                ),
                "no_scopes": _OUR_BUG,
                "pkce_not_allowed": _OUR_BUG,
                "preview_feature_not_available": _OUR_BUG,
                "user_email_unverified": _permanent(
                    "the installing person must verify their email address in Slack first"
                ),
            },
        }.items()
    }
)

UNKNOWN: Final = Meaning(Kind.RETRY, "Slack kept failing")


def known(method: str, error: str) -> bool:
    """True when the table classifies `error` for `method` (documented errors all are)."""
    table = METHODS.get(method)
    return (table is not None and error in table) or error in COMMON


def classify(method: str, error: str | None) -> Meaning:
    """What `error`, answered by `method`, means (unknown errors are retried, counted)."""
    if error is None:
        return UNKNOWN
    table = METHODS.get(method)
    own = table.get(error) if table is not None else None
    if own is not None:
        return own
    return COMMON.get(error, UNKNOWN)
