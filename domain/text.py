"""Safe text for Slack: user text is cleaned before it is stored and escaped before it is shown.

SPEC: "Nothing a user sends, however long or malformed, makes the app answer with an
error page, crash, or lose earlier data" and markup such as `<!channel>` is never echoed live.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def strip_controls(text: str) -> str:
    """Remove control and bidi-override characters, keeping tabs and newlines."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces and trim."""
    return _SPACES.sub(" ", strip_controls(text)).strip()


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as markup, so `<!channel>` shows as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def unescape_slack(text: str) -> str:
    """Undo Slack's escaping of &, < and > in text it sends us."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]{1,40}(?:\|[^<>]{0,80})?>")
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]{1,40}(?:\|[^<>]{0,80})?>")
_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^<>]{0,80})?>")


def strip_mentions(text: str) -> str:
    """Replace people and group mentions with neutral words, so shown text names nobody."""
    text = _USER_MENTION.sub("@someone", text)
    text = _GROUP_MENTION.sub("@a-group", text)
    return _SPECIAL_MENTION.sub(r"@\1", text)
