"""Limits Slack documents for the app-manifest keys Liaison uses (data only, no logic).

Transcribed by hand from Slack's published JSON schema and reference pages; every value
carries the source it came from. tests/test_manifest_schema.py applies them to
manifest.yml.

Sources (read for this transcription):

SCHEMA_V1
    Repository slackapi/manifest-schema, file schemas/manifest.schema.1.0.0.json,
    commit 19557f58d932d71155ce85c581dc7c72637abe1c (the schema for
    _metadata.major_version 1, which manifest.yml targets). JSON-pointer-ish names
    below ("#/definitions/...") refer to that file.
DOC_MANIFEST_REF
    https://api.slack.com/reference/manifests (manifest reference: the
    _metadata major_version 1 / minor_version 1 layout and field names).
DOC_MANIFEST_REF_NEW
    Slack's newer app-manifest reference (docs.slack.dev/reference/app-manifest, read
    as the preview build https://docs-slack-d-branch-for-vxiqxw.herokuapp.com/reference/app-manifest):
    "long_description ... minimum length is 174 characters and the maximum length is
    4,000 characters. The app manifest in App Settings throws an error if it is less
    than 174 characters."
SCHEMASTORE
    https://www.schemastore.org/slack-app-manifest.json (as rendered at
    https://catalog.lintel.tools/schemas/schemastore/slack-app-manifest): request URLs
    are described as "The full https URL".
Event and scope pages, one per row of EVENT_REQUIRED_SCOPES below.
"""

from __future__ import annotations

SCHEMA_V1 = (
    "slackapi/manifest-schema schemas/manifest.schema.1.0.0.json "
    "@19557f58d932d71155ce85c581dc7c72637abe1c"
)
DOC_MANIFEST_REF = "https://api.slack.com/reference/manifests"
DOC_MANIFEST_REF_NEW = "https://docs-slack-d-branch-for-vxiqxw.herokuapp.com/reference/app-manifest"
SCHEMASTORE = "https://www.schemastore.org/slack-app-manifest.json"

# --- _metadata ---------------------------------------------------------------------
# SCHEMA_V1 #/definitions/app-manifests.metadata: integer fields, no others.
METADATA_KEYS = frozenset({"schema_version", "min_version", "major_version", "minor_version"})
# DOC_MANIFEST_REF: the reference example uses major_version 1, minor_version 1.
METADATA_MAJOR_VERSION = 1
METADATA_MINOR_VERSION = 1

# --- top level ---------------------------------------------------------------------
# SCHEMA_V1 root: "required": ["display_information"], "additionalProperties": false.
TOP_LEVEL_REQUIRED = frozenset({"display_information"})
TOP_LEVEL_KEYS = frozenset(
    {
        "$schema",
        "_metadata",
        "app_directory",
        "display_information",
        "features",
        "oauth_config",
        "settings",
        "functions",
        "workflows",
        "datastores",
        "outgoing_domains",
        "types",
        "external_auth_providers",
    }
)

# --- display_information -----------------------------------------------------------
# SCHEMA_V1 #/definitions/app-manifests.v1.display_information.schema
DISPLAY_INFORMATION_REQUIRED = frozenset({"name"})
DISPLAY_INFORMATION_KEYS = frozenset(
    {"name", "description", "background_color", "long_description"}
)
NAME_MIN_LENGTH = 1  # "name": minLength 1
NAME_MAX_LENGTH = 35  # "name": maxLength 35
DESCRIPTION_MIN_LENGTH = 1  # "description": minLength 1
DESCRIPTION_MAX_LENGTH = 140  # "description": maxLength 140
# "long_description": minLength 175, maxLength 4000 in SCHEMA_V1. DOC_MANIFEST_REF_NEW
# says the minimum is 174; we enforce the stricter schema value (175).
LONG_DESCRIPTION_MIN_LENGTH = 175
LONG_DESCRIPTION_MAX_LENGTH = 4000
# "background_color": minLength 4, maxLength 7, "regex": "^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"
# (the schema spells the keyword "regex"; SCHEMASTORE has the equivalent
# "pattern": "^#(?:[0-9a-fA-F]{3}){1,2}$").
BACKGROUND_COLOR_MIN_LENGTH = 4
BACKGROUND_COLOR_MAX_LENGTH = 7
BACKGROUND_COLOR_PATTERN = r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"

# --- features ----------------------------------------------------------------------
# SCHEMA_V1 #/definitions/app-manifests.v1.features.schema (additionalProperties false)
FEATURES_KEYS = frozenset(
    {
        "app_home",
        "bot_user",
        "functions",
        "shortcuts",
        "slash_commands",
        "workflow_steps",
        "unfurl_domains",
        "assistant_view",
    }
)
# SCHEMA_V1 #/definitions/app-manifests.v1.features.app_home: three booleans only.
APP_HOME_KEYS = frozenset(
    {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
)
# SCHEMA_V1 #/definitions/app-manifests.v1.features.bot_user
BOT_USER_REQUIRED = frozenset({"display_name"})
BOT_USER_KEYS = frozenset({"display_name", "always_online"})
BOT_DISPLAY_NAME_MIN_LENGTH = 1  # "display_name": minLength 1
BOT_DISPLAY_NAME_MAX_LENGTH = 80  # "display_name": maxLength 80

# SCHEMA_V1 #/definitions/app-manifests.v1.features.slash_commands
SLASH_COMMANDS_MIN_ITEMS = 1
SLASH_COMMANDS_MAX_ITEMS = 50
SLASH_COMMAND_REQUIRED = frozenset({"command", "description"})
SLASH_COMMAND_KEYS = frozenset({"command", "url", "description", "usage_hint", "should_escape"})
SLASH_COMMAND_MIN_LENGTH = 2  # "command": minLength 2
SLASH_COMMAND_MAX_LENGTH = 32  # "command": maxLength 32
SLASH_COMMAND_PATTERN = r"^\/"  # "command": pattern "^\\/" (must start with a slash)
SLASH_COMMAND_URL_PATTERN = r"^https?:\/\/"  # "url": pattern "^https?:\\/\\/"
SLASH_COMMAND_URL_MAX_LENGTH = 3000  # "url": maxLength 3000
SLASH_COMMAND_DESCRIPTION_MIN_LENGTH = 1  # "description": minLength 1
SLASH_COMMAND_DESCRIPTION_MAX_LENGTH = 2000  # "description": maxLength 2000
USAGE_HINT_MIN_LENGTH = 1  # "usage_hint": minLength 1
USAGE_HINT_MAX_LENGTH = 1000  # "usage_hint": maxLength 1000
# "should_escape": {"type": "boolean", "default": false}

# SCHEMA_V1 #/definitions/app-manifests.v1.features.shortcuts
SHORTCUTS_MIN_ITEMS = 1
SHORTCUTS_MAX_ITEMS = 10
SHORTCUT_REQUIRED = frozenset({"name", "type", "callback_id", "description"})
SHORTCUT_KEYS = SHORTCUT_REQUIRED
SHORTCUT_NAME_MIN_LENGTH = 1  # "name": minLength 1
SHORTCUT_NAME_MAX_LENGTH = 24  # "name": maxLength 24
SHORTCUT_TYPES = frozenset({"message", "global"})  # "type": enum ["message", "global"]
SHORTCUT_CALLBACK_ID_MIN_LENGTH = 1  # "callback_id": minLength 1
SHORTCUT_CALLBACK_ID_MAX_LENGTH = 255  # "callback_id": maxLength 255
SHORTCUT_DESCRIPTION_MIN_LENGTH = 1  # "description": minLength 1
SHORTCUT_DESCRIPTION_MAX_LENGTH = 150  # "description": maxLength 150

# --- oauth_config ------------------------------------------------------------------
# SCHEMA_V1 #/definitions/app-manifests.v1.oauth_config.schema (additionalProperties false)
OAUTH_CONFIG_KEYS = frozenset(
    {"redirect_urls", "scopes", "token_management_enabled", "pkce_enabled"}
)
# SCHEMA_V1 #/definitions/app-manifests.v1.oauth_config.redirect_urls:
# uniqueItems true, maxItems 1000, items maxLength 2500 (no pattern in the schema:
# "_note": "Not including a regex bc currently we accept anything like '://asdf'").
REDIRECT_URLS_MAX_ITEMS = 1000
REDIRECT_URL_MAX_LENGTH = 2500
# SCHEMA_V1 #/definitions/app-manifests.v1.oauth_config.scopes: each of user, bot,
# user_optional, bot_optional is an array, maxItems 255, items maxLength 50.
SCOPES_KEYS = frozenset({"user", "bot", "user_optional", "bot_optional"})
SCOPES_MAX_ITEMS = 255
SCOPE_MAX_LENGTH = 50

# --- settings ----------------------------------------------------------------------
# SCHEMA_V1 #/definitions/app-manifests.v1.settings.schema (additionalProperties false)
SETTINGS_KEYS = frozenset(
    {
        "allowed_ip_address_ranges",
        "event_subscriptions",
        "incoming_webhooks",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "is_hosted",
        "token_rotation_enabled",
        "siws_links",
        "hermes_app_type",
        "function_runtime",
        "is_mcp_enabled",
    }
)
SETTINGS_BOOLEAN_KEYS = frozenset(
    {"org_deploy_enabled", "socket_mode_enabled", "is_hosted", "token_rotation_enabled"}
)
# SCHEMA_V1 #/definitions/app-manifests.v1.settings.event_subscriptions
EVENT_SUBSCRIPTIONS_KEYS = frozenset(
    {"request_url", "user_events", "bot_events", "metadata_subscriptions"}
)
EVENTS_REQUEST_URL_PATTERN = r"^https?:\/\/"  # "request_url": pattern "^https?:\\/\\/"
EVENTS_REQUEST_URL_MAX_LENGTH = 3500  # "request_url": maxLength 3500
BOT_EVENTS_MAX_ITEMS = 100  # "bot_events": maxItems 100, uniqueItems true
BOT_EVENT_MAX_LENGTH = 50  # "bot_events" items: maxLength 50
# SCHEMA_V1 #/definitions/app-manifests.v1.settings.interactivity
INTERACTIVITY_REQUIRED = frozenset({"is_enabled"})
INTERACTIVITY_KEYS = frozenset({"is_enabled", "request_url", "message_menu_options_url"})
INTERACTIVITY_URL_PATTERN = r"^https?:\/\/"  # both URLs: pattern "^https?:\\/\\/"
INTERACTIVITY_URL_MAX_LENGTH = 3500  # both URLs: maxLength 3500

# Slack's schema accepts http:// for request URLs; SCHEMASTORE and DOC_MANIFEST_REF
# describe them as "The full https URL", and Liaison only ever serves HTTPS in
# production, so the tests require https.
REQUIRED_URL_SCHEME = "https://"

# --- events ------------------------------------------------------------------------
# Bot events Liaison may subscribe to, with the OAuth scopes Slack requires for each
# (any one of the listed scopes suffices; an empty set means "no scope required").
EVENT_REQUIRED_SCOPES: dict[str, frozenset[str]] = {
    # https://docs.slack.dev/reference/events/app_home_opened and
    # https://api.slack.com/events/app_home_opened: no scope; "Your Slack app must have
    # a bot user configured and installed to use this event."
    "app_home_opened": frozenset(),
    # https://docs.slack.dev/reference/scopes/reactions.read.md: "Compatible events:
    # reaction_added, reaction_removed"; https://docs.slack.dev/reference/events/reaction_added
    "reaction_added": frozenset({"reactions:read"}),
    "reaction_removed": frozenset({"reactions:read"}),
    # https://api.slack.com/events/app_uninstalled: Events API-only event, no scope.
    "app_uninstalled": frozenset(),
    # https://docs.slack.dev/reference/events/tokens_revoked: "Required Scopes: No
    # scopes required!"
    "tokens_revoked": frozenset(),
}
# Events that need a bot user in features.bot_user (see app_home_opened above).
EVENTS_REQUIRING_BOT_USER = frozenset({"app_home_opened"})

# https://docs.slack.dev/reference/scopes/commands: "This scope enables shortcuts and
# slash commands for a workspace."
SCOPE_FOR_COMMANDS_AND_SHORTCUTS = "commands"
