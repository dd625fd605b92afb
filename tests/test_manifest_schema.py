"""manifest.yml against Slack's manifest limits (tests/support/manifest_schema.py) and the SPEC.

Each ``check_*`` helper returns a list of human-readable violations (empty when the
manifest is fine), so the same checks run on the real manifest and, in the negative
tests, on deliberately broken copies of it.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import manifest_schema as S

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yml"

# From SPEC.md: the four slash commands, and which ones parse mentions (should_escape).
SPEC_COMMANDS = {"/launch": False, "/feedback": True, "/collateral": False, "/liaison": True}
SPEC_EVENTS_PATH = "/slack/events"
SPEC_OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

# Scopes the SPEC does not need (least privilege). If a feature really needs one, remove
# it here and add it to manifest.yml with a comment naming the feature.
UNNEEDED_BOT_SCOPES = frozenset(
    {
        "users:read.email",
        "im:history",
        "mpim:history",
        "im:read",
        "mpim:read",
        "mpim:write",
        "channels:manage",
        "groups:write",
        "chat:write.customize",
        "team:read",
        "links:read",
        "links:write",
        "files:read",
        "users.profile:read",
        "admin",
    }
)

Manifest = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def load_manifest() -> Manifest:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{MANIFEST_PATH} must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return load_manifest()


def _section(m: Manifest, *path: str) -> dict[str, Any]:
    node: Any = m
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _list(m: Manifest, *path: str) -> list[Any]:
    *parents, last = path
    value = _section(m, *parents).get(last)
    return value if isinstance(value, list) else []


def _length(where: str, value: Any, lo: int, hi: int) -> list[str]:
    if not isinstance(value, str):
        return [f"{where} must be a string, got {type(value).__name__}"]
    if not lo <= len(value) <= hi:
        return [f"{where} is {len(value)} characters; Slack allows {lo}..{hi}"]
    return []


def _keys(
    where: str, node: Any, allowed: frozenset[str], required: Iterable[str] = ()
) -> list[str]:
    if not isinstance(node, dict):
        return [f"{where} must be a mapping, got {type(node).__name__}"]
    out = [f"{where} is missing required key {k!r}" for k in sorted(required) if k not in node]
    out += [
        f"{where} has key {k!r} that Slack's schema does not allow"
        for k in node
        if k not in allowed
    ]
    return out


def _url(where: str, value: Any, pattern: str, max_length: int) -> list[str]:
    if not isinstance(value, str):
        return [f"{where} must be a string URL, got {type(value).__name__}"]
    out = []
    if not re.match(pattern, value):
        out.append(f"{where} {value!r} does not match Slack's pattern {pattern!r}")
    if len(value) > max_length:
        out.append(f"{where} is {len(value)} characters; Slack allows at most {max_length}")
    return out


def _array(where: str, value: Any, lo: int, hi: int) -> list[str]:
    if not isinstance(value, list):
        return [f"{where} must be a list, got {type(value).__name__}"]
    if not lo <= len(value) <= hi:
        return [f"{where} has {len(value)} items; Slack allows {lo}..{hi}"]
    return []


def _duplicates(where: str, items: Iterable[Any]) -> list[str]:
    counts = Counter(repr(i) if isinstance(i, dict | list) else i for i in items)
    return [f"{where} lists {item} {n} times" for item, n in counts.items() if n > 1]


def _bot_scopes(m: Manifest) -> list[Any]:
    return _list(m, "oauth_config", "scopes", "bot")


def _bot_events(m: Manifest) -> list[Any]:
    return _list(m, "settings", "event_subscriptions", "bot_events")


def _all_urls(m: Manifest) -> Iterator[tuple[str, Any]]:
    for i, cmd in enumerate(_list(m, "features", "slash_commands")):
        if isinstance(cmd, dict) and "url" in cmd:
            yield f"features.slash_commands[{i}].url", cmd["url"]
    for i, url in enumerate(_list(m, "oauth_config", "redirect_urls")):
        yield f"oauth_config.redirect_urls[{i}]", url
    events = _section(m, "settings", "event_subscriptions")
    if "request_url" in events:
        yield "settings.event_subscriptions.request_url", events["request_url"]
    interactivity = _section(m, "settings", "interactivity")
    for key in ("request_url", "message_menu_options_url"):
        if key in interactivity:
            yield f"settings.interactivity.{key}", interactivity[key]


# ---------------------------------------------------------------- schema-limit checks


def check_top_level(m: Manifest) -> list[str]:
    out = _keys("manifest", m, S.TOP_LEVEL_KEYS, S.TOP_LEVEL_REQUIRED)
    meta = m.get("_metadata")
    out += _keys("_metadata", meta, S.METADATA_KEYS)
    if isinstance(meta, dict):
        for key, value in meta.items():
            if type(value) is not int:
                out.append(f"_metadata.{key} must be an integer, got {value!r}")
        if meta.get("major_version") != S.METADATA_MAJOR_VERSION:
            out.append(f"_metadata.major_version must be {S.METADATA_MAJOR_VERSION}")
        if meta.get("minor_version") != S.METADATA_MINOR_VERSION:
            out.append(f"_metadata.minor_version must be {S.METADATA_MINOR_VERSION}")
    return out


def check_display_information(m: Manifest) -> list[str]:
    info = m.get("display_information")
    out = _keys(
        "display_information", info, S.DISPLAY_INFORMATION_KEYS, S.DISPLAY_INFORMATION_REQUIRED
    )
    if not isinstance(info, dict):
        return out
    out += _length(
        "display_information.name", info.get("name"), S.NAME_MIN_LENGTH, S.NAME_MAX_LENGTH
    )
    if "description" in info:
        out += _length(
            "display_information.description",
            info["description"],
            S.DESCRIPTION_MIN_LENGTH,
            S.DESCRIPTION_MAX_LENGTH,
        )
    if "long_description" in info:
        out += _length(
            "display_information.long_description",
            info["long_description"],
            S.LONG_DESCRIPTION_MIN_LENGTH,
            S.LONG_DESCRIPTION_MAX_LENGTH,
        )
    if "background_color" in info:
        color = info["background_color"]
        out += _length(
            "display_information.background_color",
            color,
            S.BACKGROUND_COLOR_MIN_LENGTH,
            S.BACKGROUND_COLOR_MAX_LENGTH,
        )
        if isinstance(color, str) and not re.match(S.BACKGROUND_COLOR_PATTERN, color):
            out.append(
                f"display_information.background_color {color!r} is not a #rgb or #rrggbb hex "
                f"colour (pattern {S.BACKGROUND_COLOR_PATTERN!r})"
            )
    return out


def check_app_home_and_bot_user(m: Manifest) -> list[str]:
    out = _keys("features", m.get("features", {}), S.FEATURES_KEYS)
    features = _section(m, "features")
    if "app_home" in features:
        home = features["app_home"]
        out += _keys("features.app_home", home, S.APP_HOME_KEYS)
        if isinstance(home, dict):
            out += [
                f"features.app_home.{k} must be a boolean, got {v!r}"
                for k, v in home.items()
                if not isinstance(v, bool)
            ]
    if "bot_user" in features:
        bot = features["bot_user"]
        out += _keys("features.bot_user", bot, S.BOT_USER_KEYS, S.BOT_USER_REQUIRED)
        if isinstance(bot, dict):
            out += _length(
                "features.bot_user.display_name",
                bot.get("display_name"),
                S.BOT_DISPLAY_NAME_MIN_LENGTH,
                S.BOT_DISPLAY_NAME_MAX_LENGTH,
            )
            if "always_online" in bot and not isinstance(bot["always_online"], bool):
                out.append("features.bot_user.always_online must be a boolean")
    return out


def check_slash_commands(m: Manifest) -> list[str]:
    features = _section(m, "features")
    if "slash_commands" not in features:
        return []
    commands = features["slash_commands"]
    out = _array(
        "features.slash_commands", commands, S.SLASH_COMMANDS_MIN_ITEMS, S.SLASH_COMMANDS_MAX_ITEMS
    )
    if not isinstance(commands, list):
        return out
    for i, cmd in enumerate(commands):
        where = f"features.slash_commands[{i}]"
        out += _keys(where, cmd, S.SLASH_COMMAND_KEYS, S.SLASH_COMMAND_REQUIRED)
        if not isinstance(cmd, dict):
            continue
        name = cmd.get("command")
        out += _length(
            f"{where}.command", name, S.SLASH_COMMAND_MIN_LENGTH, S.SLASH_COMMAND_MAX_LENGTH
        )
        if isinstance(name, str) and not re.match(S.SLASH_COMMAND_PATTERN, name):
            out.append(f"{where}.command {name!r} must start with '/'")
        out += _length(
            f"{where}.description",
            cmd.get("description"),
            S.SLASH_COMMAND_DESCRIPTION_MIN_LENGTH,
            S.SLASH_COMMAND_DESCRIPTION_MAX_LENGTH,
        )
        if "usage_hint" in cmd:
            out += _length(
                f"{where}.usage_hint",
                cmd["usage_hint"],
                S.USAGE_HINT_MIN_LENGTH,
                S.USAGE_HINT_MAX_LENGTH,
            )
        if "url" in cmd:
            out += _url(
                f"{where}.url",
                cmd["url"],
                S.SLASH_COMMAND_URL_PATTERN,
                S.SLASH_COMMAND_URL_MAX_LENGTH,
            )
        if "should_escape" in cmd and not isinstance(cmd["should_escape"], bool):
            out.append(f"{where}.should_escape must be a boolean, got {cmd['should_escape']!r}")
    return out


def check_shortcuts(m: Manifest) -> list[str]:
    features = _section(m, "features")
    if "shortcuts" not in features:
        return []
    shortcuts = features["shortcuts"]
    out = _array("features.shortcuts", shortcuts, S.SHORTCUTS_MIN_ITEMS, S.SHORTCUTS_MAX_ITEMS)
    if not isinstance(shortcuts, list):
        return out
    for i, sc in enumerate(shortcuts):
        where = f"features.shortcuts[{i}]"
        out += _keys(where, sc, S.SHORTCUT_KEYS, S.SHORTCUT_REQUIRED)
        if not isinstance(sc, dict):
            continue
        out += _length(
            f"{where}.name", sc.get("name"), S.SHORTCUT_NAME_MIN_LENGTH, S.SHORTCUT_NAME_MAX_LENGTH
        )
        out += _length(
            f"{where}.callback_id",
            sc.get("callback_id"),
            S.SHORTCUT_CALLBACK_ID_MIN_LENGTH,
            S.SHORTCUT_CALLBACK_ID_MAX_LENGTH,
        )
        out += _length(
            f"{where}.description",
            sc.get("description"),
            S.SHORTCUT_DESCRIPTION_MIN_LENGTH,
            S.SHORTCUT_DESCRIPTION_MAX_LENGTH,
        )
        if sc.get("type") not in S.SHORTCUT_TYPES:
            out.append(f"{where}.type {sc.get('type')!r} is not one of {sorted(S.SHORTCUT_TYPES)}")
    return out


def check_oauth_config(m: Manifest) -> list[str]:
    if "oauth_config" not in m:
        return []
    oauth = m["oauth_config"]
    out = _keys("oauth_config", oauth, S.OAUTH_CONFIG_KEYS)
    if not isinstance(oauth, dict):
        return out
    if "redirect_urls" in oauth:
        urls = oauth["redirect_urls"]
        out += _array("oauth_config.redirect_urls", urls, 0, S.REDIRECT_URLS_MAX_ITEMS)
        if isinstance(urls, list):
            out += _duplicates("oauth_config.redirect_urls", urls)
            for i, url in enumerate(urls):
                out += _length(
                    f"oauth_config.redirect_urls[{i}]", url, 1, S.REDIRECT_URL_MAX_LENGTH
                )
    if "scopes" in oauth:
        scopes = oauth["scopes"]
        out += _keys("oauth_config.scopes", scopes, S.SCOPES_KEYS)
        if isinstance(scopes, dict):
            for kind, values in scopes.items():
                where = f"oauth_config.scopes.{kind}"
                out += _array(where, values, 0, S.SCOPES_MAX_ITEMS)
                if isinstance(values, list):
                    for j, scope in enumerate(values):
                        out += _length(f"{where}[{j}]", scope, 1, S.SCOPE_MAX_LENGTH)
    return out


def check_settings(m: Manifest) -> list[str]:
    if "settings" not in m:
        return []
    settings = m["settings"]
    out = _keys("settings", settings, S.SETTINGS_KEYS)
    if not isinstance(settings, dict):
        return out
    out += [
        f"settings.{k} must be a boolean, got {settings[k]!r}"
        for k in sorted(S.SETTINGS_BOOLEAN_KEYS)
        if k in settings and not isinstance(settings[k], bool)
    ]
    if "event_subscriptions" in settings:
        events = settings["event_subscriptions"]
        out += _keys("settings.event_subscriptions", events, S.EVENT_SUBSCRIPTIONS_KEYS)
        if isinstance(events, dict):
            if "request_url" in events:
                out += _url(
                    "settings.event_subscriptions.request_url",
                    events["request_url"],
                    S.EVENTS_REQUEST_URL_PATTERN,
                    S.EVENTS_REQUEST_URL_MAX_LENGTH,
                )
            if "bot_events" in events:
                bot_events = events["bot_events"]
                out += _array(
                    "settings.event_subscriptions.bot_events", bot_events, 0, S.BOT_EVENTS_MAX_ITEMS
                )
                if isinstance(bot_events, list):
                    for j, name in enumerate(bot_events):
                        out += _length(
                            f"settings.event_subscriptions.bot_events[{j}]",
                            name,
                            1,
                            S.BOT_EVENT_MAX_LENGTH,
                        )
    if "interactivity" in settings:
        inter = settings["interactivity"]
        out += _keys(
            "settings.interactivity", inter, S.INTERACTIVITY_KEYS, S.INTERACTIVITY_REQUIRED
        )
        if isinstance(inter, dict):
            if "is_enabled" in inter and not isinstance(inter["is_enabled"], bool):
                out.append("settings.interactivity.is_enabled must be a boolean")
            for key in ("request_url", "message_menu_options_url"):
                if key in inter:
                    out += _url(
                        f"settings.interactivity.{key}",
                        inter[key],
                        S.INTERACTIVITY_URL_PATTERN,
                        S.INTERACTIVITY_URL_MAX_LENGTH,
                    )
    return out


# ------------------------------------------------------------ project / SPEC checks


def check_https(m: Manifest) -> list[str]:
    return [
        f"{where} {url!r} must use https"
        for where, url in _all_urls(m)
        if not (isinstance(url, str) and url.startswith(S.REQUIRED_URL_SCHEME))
    ]


def check_spec_commands(m: Manifest) -> list[str]:
    commands = [c for c in _list(m, "features", "slash_commands") if isinstance(c, dict)]
    counts = Counter(c.get("command") for c in commands)
    out = [
        f"slash command {name} must be declared exactly once (found {counts[name]})"
        for name in SPEC_COMMANDS
        if counts[name] != 1
    ]
    out += [
        f"slash command {name!r} is not in the SPEC (only {sorted(SPEC_COMMANDS)})"
        for name in counts
        if name not in SPEC_COMMANDS
    ]
    for cmd in commands:
        name = cmd.get("command")
        if name in SPEC_COMMANDS and cmd.get("should_escape", False) is not SPEC_COMMANDS[name]:
            out.append(
                f"slash command {name} must have should_escape: {str(SPEC_COMMANDS[name]).lower()} "
                f"(got {cmd.get('should_escape')!r})"
            )
    return out


def check_no_duplicates(m: Manifest) -> list[str]:
    out = []
    for kind, values in _section(m, "oauth_config", "scopes").items():
        if isinstance(values, list):
            out += _duplicates(f"oauth_config.scopes.{kind}", values)
    out += _duplicates("settings.event_subscriptions.bot_events", _bot_events(m))
    out += _duplicates(
        "features.shortcuts callback_id",
        [s.get("callback_id") for s in _list(m, "features", "shortcuts") if isinstance(s, dict)],
    )
    return out


def check_event_scopes(m: Manifest) -> list[str]:
    granted = set(_bot_scopes(m))
    out = []
    for event in _bot_events(m):
        if event not in S.EVENT_REQUIRED_SCOPES:
            out.append(
                f"bot event {event!r} has no known scope requirement: look it up on "
                "docs.slack.dev/reference/events and add it to EVENT_REQUIRED_SCOPES"
            )
            continue
        needed = S.EVENT_REQUIRED_SCOPES[event]
        if needed and not needed & granted:
            out.append(f"bot event {event!r} needs one of the bot scopes {sorted(needed)}")
        if event in S.EVENTS_REQUIRING_BOT_USER and "bot_user" not in _section(m, "features"):
            out.append(f"bot event {event!r} needs features.bot_user")
    if (_list(m, "features", "slash_commands") or _list(m, "features", "shortcuts")) and (
        S.SCOPE_FOR_COMMANDS_AND_SHORTCUTS not in granted
    ):
        out.append("slash commands and shortcuts need the 'commands' bot scope")
    return out


ALL_CHECKS: tuple[Callable[[Manifest], list[str]], ...] = (
    check_top_level,
    check_display_information,
    check_app_home_and_bot_user,
    check_slash_commands,
    check_shortcuts,
    check_oauth_config,
    check_settings,
    check_https,
    check_spec_commands,
    check_no_duplicates,
    check_event_scopes,
)


def all_violations(m: Manifest) -> list[str]:
    return [v for check in ALL_CHECKS for v in check(m)]


def _report(violations: list[str]) -> str:
    return "manifest.yml violates:\n  - " + "\n  - ".join(violations)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_manifest_passes(manifest: Manifest, check: Callable[[Manifest], list[str]]) -> None:
    violations = check(manifest)
    assert not violations, _report(violations)


def test_metadata_targets_manifest_v1_1(manifest: Manifest) -> None:
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}, (
        "manifest.yml must declare _metadata major_version 1, minor_version 1"
    )


def test_display_name_and_bot_name(manifest: Manifest) -> None:
    assert manifest["display_information"]["name"] == "Liaison", "app name must be 'Liaison'"
    bot = manifest["features"]["bot_user"]
    assert bot["display_name"] == "Liaison", "bot display_name must be 'Liaison'"
    assert bot["always_online"] is True, "bot_user.always_online must be true"


def test_app_home_tabs(manifest: Manifest) -> None:
    home = manifest["features"]["app_home"]
    assert home == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": True,
    }, f"App Home must enable the Home tab and a read-only Messages tab, got {home}"


def test_spec_commands_present_exactly_once(manifest: Manifest) -> None:
    names = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert sorted(names) == sorted(SPEC_COMMANDS), (
        f"slash commands must be exactly {sorted(SPEC_COMMANDS)}, got {names}"
    )


@pytest.mark.parametrize(("command", "escape"), sorted(SPEC_COMMANDS.items()))
def test_should_escape_per_spec(manifest: Manifest, command: str, escape: bool) -> None:
    (cmd,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == command]
    assert cmd.get("should_escape") is escape, (
        f"{command} must declare should_escape: {str(escape).lower()} "
        "(SPEC: mentions are parsed in /feedback and /liaison only)"
    )
    assert cmd.get("usage_hint"), f"{command} must have a usage_hint"


def test_every_request_url_points_at_the_spec_endpoints(manifest: Manifest) -> None:
    for where, url in _all_urls(manifest):
        expected = (
            SPEC_OAUTH_REDIRECT_PATH if where.startswith("oauth_config") else SPEC_EVENTS_PATH
        )
        assert url.endswith(expected), (
            f"{where} {url!r} must end with {expected} (SPEC HTTP routes)"
        )
    assert manifest["oauth_config"]["redirect_urls"], "OAuth installs need a redirect URL"


def test_http_mode_declares_every_request_url(manifest: Manifest) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False, "HTTP is the production mode (SPEC)"
    for cmd in manifest["features"]["slash_commands"]:
        assert cmd.get("url"), f"{cmd['command']} needs a url when Socket Mode is off"
    assert settings["event_subscriptions"].get("request_url"), "events need a request_url"
    inter = settings["interactivity"]
    assert inter["is_enabled"] is True, "interactivity must be enabled (buttons, modals)"
    assert inter.get("request_url"), "interactivity needs a request_url"
    assert inter.get("message_menu_options_url"), "external select menus need an options URL"
    assert settings["org_deploy_enabled"] is False, "org_deploy_enabled must be false"
    assert settings["token_rotation_enabled"] is False, "token_rotation_enabled must be false"


def test_edit_launch_message_shortcut(manifest: Manifest) -> None:
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert "edit_launch" in shortcuts, "marketers edit campaigns via the edit_launch shortcut"
    assert shortcuts["edit_launch"]["type"] == "message", "edit_launch must be a message shortcut"
    assert shortcuts["edit_launch"]["name"] == "Edit launch", "shortcut name must be 'Edit launch'"


def test_bot_events_are_the_ones_liaison_handles(manifest: Manifest) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    expected = {
        "app_home_opened",
        "reaction_added",
        "reaction_removed",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert events == expected, f"bot_events must be {sorted(expected)}, got {sorted(events)}"
    assert "user_events" not in manifest["settings"]["event_subscriptions"], "no user events needed"


def test_no_unneeded_scopes(manifest: Manifest) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, f"only bot scopes are needed, got {sorted(scopes)}"
    extra = sorted(set(scopes["bot"]) & UNNEEDED_BOT_SCOPES)
    assert not extra, f"bot scopes {extra} are not needed by the SPEC (least privilege)"


def test_every_bot_scope_is_justified_by_a_comment() -> None:
    text = MANIFEST_PATH.read_text(encoding="utf-8")
    bot_block = text.split("    bot:\n", 1)[1].split("\n\n", 1)[0]
    lines = [ln for ln in bot_block.splitlines() if ln.strip().startswith("- ")]
    assert lines, "could not find the oauth_config.scopes.bot list"
    uncommented = [ln.strip() for ln in lines if " # " not in ln]
    assert not uncommented, f"each bot scope needs a comment naming its feature: {uncommented}"


# ------------------------------------------------------------------ negative tests


def test_checker_catches_a_broken_manifest(manifest: Manifest) -> None:
    broken = copy.deepcopy(manifest)
    broken["display_information"]["name"] = "L" * 36
    broken["features"]["slash_commands"][0]["command"] = "launch"
    broken["settings"]["event_subscriptions"]["request_url"] = (
        "http://liaison.example.com/slack/events"
    )

    violations = all_violations(broken)

    def found(fragment: str) -> bool:
        return any(fragment in v for v in violations)

    assert found("display_information.name is 36 characters; Slack allows 1..35"), violations
    assert found("features.slash_commands[0].command 'launch' must start with '/'"), violations
    assert found("slash command /launch must be declared exactly once"), violations
    assert found("settings.event_subscriptions.request_url 'http://"), violations
    assert not all_violations(manifest), "the unbroken manifest must stay clean"


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Manifest], None]:
    def mutate(m: Manifest) -> None:
        node: Any = m
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _append_scope(scope: str) -> Callable[[Manifest], None]:
    return lambda m: m["oauth_config"]["scopes"]["bot"].append(scope)


def _remove_scope(scope: str) -> Callable[[Manifest], None]:
    return lambda m: m["oauth_config"]["scopes"]["bot"].remove(scope)


def _append_event(event: str) -> Callable[[Manifest], None]:
    return lambda m: m["settings"]["event_subscriptions"]["bot_events"].append(event)


BROKEN_CASES: list[tuple[str, Callable[[Manifest], None], str]] = [
    (
        "short long_description",
        _set(("display_information", "long_description"), "Too short."),
        "Slack allows 175..4000",
    ),
    (
        "long description",
        _set(("display_information", "description"), "x" * 141),
        "Slack allows 1..140",
    ),
    (
        "bad colour",
        _set(("display_information", "background_color"), "1D4E89"),
        "not a #rgb or #rrggbb",
    ),
    (
        "33-char command",
        _set(("features", "slash_commands", 0, "command"), "/" + "a" * 32),
        "Slack allows 2..32",
    ),
    (
        "escape flipped",
        _set(("features", "slash_commands", 1, "should_escape"), False),
        "should_escape: true",
    ),
    (
        "25-char shortcut",
        _set(("features", "shortcuts", 0, "name"), "E" * 25),
        "Slack allows 1..24",
    ),
    ("shortcut type", _set(("features", "shortcuts", 0, "type"), "action"), "is not one of"),
    (
        "http redirect",
        _set(("oauth_config", "redirect_urls", 0), "http://x.example/slack/oauth_redirect"),
        "must use https",
    ),
    ("unknown key", _set(("features", "bot_user", "is_online"), True), "does not allow"),
    ("duplicate scope", _append_scope("chat:write"), "lists chat:write 2 times"),
    (
        "event scope missing",
        _remove_scope("reactions:read"),
        "'reaction_added' needs one of the bot scopes",
    ),
    ("commands scope missing", _remove_scope("commands"), "need the 'commands' bot scope"),
    ("unknown event", _append_event("message.channels"), "has no known scope requirement"),
    (
        "interactivity flag",
        _set(("settings", "interactivity", "is_enabled"), "yes"),
        "is_enabled must be a boolean",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [c[1:] for c in BROKEN_CASES], ids=[c[0] for c in BROKEN_CASES]
)
def test_checker_catches_each_violation(
    manifest: Manifest, mutate: Callable[[Manifest], None], expected: str
) -> None:
    broken = copy.deepcopy(manifest)
    mutate(broken)
    violations = all_violations(broken)
    assert any(expected in v for v in violations), (
        f"expected a violation containing {expected!r}, got {violations}"
    )
