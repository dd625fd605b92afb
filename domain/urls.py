"""Collateral links: what a user may register, and which addresses Liaison may call.

SPEC rule enforced here: outbound HTTP (title fetch, link checks) is bounded and never
reaches private networks. This module turns what a person types in Slack into one
canonical http(s) URL; which addresses may be called is decided where the calls are made
(core/addresses.py, core/fetch.py). No sockets, no clock.
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from urllib.parse import urlsplit

import idna

MAX_URL_LENGTH = 2000

_NOT_A_LINK = (
    "That doesn't look like a web link: use a full address such as https://example.com/deck."
)
_NO_HOST = "That link has no site name in it: use a full address such as https://example.com/deck."

# Characters people put around a link in a sentence: "see (https://x.y/z)." or "'https://..'".
# Curly quotes are spelled as escapes so they can't be mistaken for ASCII ones.
_TRAILING_PUNCTUATION = ".,;:!?'\"`*\u201d\u2019\u00bb"
_LEADING_PUNCTUATION = "('\"`*\u201c\u2018\u00ab"

# After IDNA every label is plain ASCII; underscores are tolerated because real hosts use them.
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")

_DEFAULT_PORTS = {"http": 80, "https": 443}

# What RFC 3986 allows unescaped in a path, query or fragment: unreserved characters,
# sub-delims, ":", "@", "/" and "?". Everything else (including "|", "<", ">", which would
# break Slack's <url|label> markup, and any non-ASCII) is stored percent-encoded.
_URL_SAFE = frozenset(string.ascii_letters + string.digits + "-._~" + "!$&'()*+,;=" + ":@/?")
_HEX_DIGITS = frozenset(string.hexdigits)
_SLACK_ENTITY_STEMS = ("&lt", "&gt", "&amp")


class InvalidUrl(ValueError):
    """A link a user typed that Liaison will not store; the message is safe to show them."""


def parse_collateral_url(text: str) -> str:
    """Return the canonical http(s) URL in what a user typed, or raise InvalidUrl."""
    candidate = _unwrap(text)
    if not candidate:
        raise InvalidUrl("Please paste a link, such as https://example.com/deck.")
    if len(candidate) > MAX_URL_LENGTH:
        raise InvalidUrl(f"That link is too long (over {MAX_URL_LENGTH} characters).")
    if any(_is_space_or_control(ch) for ch in candidate):
        raise InvalidUrl("That link contains spaces or hidden characters: paste just the link.")
    try:
        parts = urlsplit(candidate)
    except ValueError as exc:
        raise InvalidUrl(_NOT_A_LINK) from exc

    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not candidate[len(scheme) :].startswith("://"):
        raise InvalidUrl(_NOT_A_LINK)
    # "@" anywhere in the authority is a credential or a trick ("https://good.com@evil.com").
    if "@" in parts.netloc:
        raise InvalidUrl("Links with a user name or password can't be shared: remove them.")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl("That link has an invalid port number.") from exc
    if port == 0:
        raise InvalidUrl("That link has an invalid port number.")

    host = _normalise_host(parts.hostname or "")
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    url = f"{scheme}://{netloc}{_escape(parts.path) or '/'}"
    if parts.query:
        url += f"?{_escape(parts.query)}"
    if parts.fragment:
        url += f"#{_escape(parts.fragment)}"
    while _trim_punctuation(url) != url:
        # Parsing again would trim a trailing "." or unbalanced ")" as sentence punctuation
        # (an empty "#" or "?" that hid it is gone now): encode it so the link stays put.
        url = url[:-1] + "".join(f"%{byte:02X}" for byte in url[-1].encode("utf-8"))
    if len(url) > MAX_URL_LENGTH:
        # IDNA can lengthen the host, so the limit is checked on the stored form too.
        raise InvalidUrl(f"That link is too long (over {MAX_URL_LENGTH} characters).")
    return url


def _escape(component: str) -> str:
    """Percent-encode what RFC 3986 doesn't allow in component; keep existing %XX as is."""
    escaped: list[str] = []
    for index, ch in enumerate(component):
        following = component[index + 1 : index + 3]
        if ch == ";" and component[:index].endswith(_SLACK_ENTITY_STEMS):
            # A literal "&lt;" would read as Slack's escape for "<" when parsed again.
            escaped.append("%3B")
        elif ch in _URL_SAFE or (
            # Already an escape: encoding it again would change what the link means.
            ch == "%" and len(following) == 2 and _HEX_DIGITS.issuperset(following)
        ):
            escaped.append(ch)
        else:
            escaped.extend(f"%{byte:02X}" for byte in ch.encode("utf-8"))
    return "".join(escaped)


def _unwrap(text: str) -> str:
    """Strip sentence punctuation and Slack's <url|label> escaping from around a link."""
    candidate = _trim_punctuation(text.strip())
    if candidate.startswith("<") and candidate.endswith(">"):
        candidate = candidate[1:-1].split("|", 1)[0]
        candidate = _trim_punctuation(candidate.strip())
    # Slack escapes these three in message text, and only these.
    return candidate.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _trim_punctuation(candidate: str) -> str:
    while candidate:
        if candidate[0] in _LEADING_PUNCTUATION:
            candidate = candidate[1:]
        elif candidate[-1] in _TRAILING_PUNCTUATION or _is_unbalanced_close(candidate):
            candidate = candidate[:-1]
        else:
            break
    return candidate


def _is_unbalanced_close(candidate: str) -> bool:
    # A closing bracket belongs to the URL only when it closes one opened inside it,
    # as in https://en.wikipedia.org/wiki/Spin_(physics).
    return candidate.endswith(")") and candidate.count(")") > candidate.count("(")


def _is_space_or_control(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _normalise_host(host: str) -> str:
    if not host:
        raise InvalidUrl(_NO_HOST)
    if "%" in host:
        # Zone ids and percent-encoded hosts only ever name something local or obscure.
        raise InvalidUrl(_NOT_A_LINK)
    if ":" in host:
        # urlsplit only yields a colon in the host for a bracketed IPv6 literal.
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise InvalidUrl(_NOT_A_LINK) from exc
        return f"[{address.compressed}]"
    host = host.rstrip(".")
    if host.isascii():
        # Strict IDNA 2008 would refuse underscores, which real ASCII hosts do use.
        ascii_host = host
    else:
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise InvalidUrl(_NOT_A_LINK) from exc
    if len(ascii_host) > 253 or not all(
        _HOST_LABEL.match(label) for label in ascii_host.split(".")
    ):
        raise InvalidUrl(_NOT_A_LINK)
    return ascii_host


# Where Slack's response URLs live (commercial Slack and GovSlack).
SLACK_RESPONSE_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


def is_response_url(url: object, *, api_url: str) -> bool:
    """True when a request's `response_url` may be called: https on Slack's hook hosts.

    SPEC (Verified before anything): a response URL is only ever taken from a verified
    request, and even then only on Slack's hosts, so no payload can make the server call
    anywhere else. When SLACK_API_URL points somewhere other than Slack (the local
    sandbox), that exact scheme, host and port is accepted too.
    """
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH or not url.isascii():
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    host = parts.hostname
    if parts.scheme == "https" and host in SLACK_RESPONSE_HOSTS and port in (None, 443):
        return True
    api = urlsplit(api_url)
    if api.hostname in (None, "slack.com") or (api.hostname or "").endswith(".slack.com"):
        return False
    try:
        api_port = api.port or _DEFAULT_PORTS.get(api.scheme)
    except ValueError:
        return False
    return (
        parts.scheme == api.scheme
        and host == api.hostname
        and (port or _DEFAULT_PORTS.get(parts.scheme)) == api_port
    )
