"""Bounded outbound HTTP for link previews and link checks.

Every hop is resolved and checked against core.addresses.is_public_ip before it is requested,
and the connection then goes to exactly the address that was checked, so a name that
re-resolves somewhere else (DNS rebinding) can't slip past the check. Redirects are followed
by hand so each one is resolved, checked and pinned again, and the whole fetch is held to
one deadline and one byte budget (SPEC: outbound HTTP is bounded and never reaches private
networks).
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Final

import httpx

from core.addresses import is_public_ip
from core.titles import extract_title

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT: Final = "LiaisonBot/0.1 (+link preview)"

_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_ALLOWED_SCHEMES: Final = {"http": 80, "https": 443}
# Pages that declare their charset only in markup do so in the first kilobyte or so.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_META_SNIFF_BYTES: Final = 2048
# Python text codecs that are no page's charset: they only fail, warn or mangle on HTML.
_NOT_PAGE_CHARSETS: Final = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}
)

# Abandoned name lookups (see _resolve) each hold a thread until the OS resolver gives up;
# this many may be outstanding at once, after which lookups are refused rather than queued.
MAX_PENDING_LOOKUPS: Final = 8
_lookup_slots = threading.BoundedSemaphore(MAX_PENDING_LOOKUPS)
# How long a lookup waits for a slot held by other, ordinary lookups before giving up.
_LOOKUP_SLOT_WAIT_S: Final = 0.1
# A host with several addresses is tried on at most this many before the hop fails.
_MAX_CONNECT_ATTEMPTS: Final = 3


class FetchError(Exception):
    """An outbound request Liaison refused to make or to keep following."""


class BlockedAddress(FetchError):
    """The URL points somewhere Liaison must not call: a private network or a non-web scheme."""


class PrivateAddress(BlockedAddress):
    """The URL's host is (or resolves to) a private, loopback or otherwise internal address.

    Its message never says which address: an answer that echoed it would tell anyone
    what internal names resolve to.
    """


class TooManyRedirects(FetchError):
    """The page redirected more times than allowed."""


class UnresolvableHost(FetchError):
    """The host name did not resolve (in time); the link is broken rather than forbidden."""


@dataclass(frozen=True)
class ResolvedUrl:
    """A web address whose host was resolved and checked: connect only to `addresses`."""

    url: httpx.URL
    addresses: tuple[IPAddress, ...]

    @property
    def host(self) -> str:
        """The host as it appears in the URL, IDNA-encoded and without IPv6 brackets."""
        return self.url.raw_host.decode("ascii")

    @property
    def host_is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def make_http_client(*, timeout_s: float = 3.0) -> httpx.Client:
    """Build the shared httpx client for page titles and link checks."""
    client = httpx.Client(
        timeout=httpx.Timeout(connect=timeout_s, read=timeout_s, write=timeout_s, pool=timeout_s),
        headers={"User-Agent": USER_AGENT},
        # Redirects are followed by fetch_page_title so every hop passes check_public_url.
        follow_redirects=False,
        # Environment proxies would send traffic somewhere other than the address we
        # checked, and .netrc would attach credentials to URLs that users typed.
        trust_env=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=5),
    )
    # Previews never need a session, and pinned requests are addressed by IP, so a stored
    # cookie would go to every site sharing that address: keep none.
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client


def resolve_public(url: str, *, allow_private: bool, timeout_s: float | None = None) -> ResolvedUrl:
    """Resolve url's host once and check every address; raise BlockedAddress if any is private.

    Requests must then go to one of the returned addresses (see pinned_request): resolving
    the name again could give a different answer than the one that was checked.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise BlockedAddress("not a valid web address") from exc
    if parsed.scheme not in _ALLOWED_SCHEMES or not parsed.raw_host:
        raise BlockedAddress(f"only http and https links are fetched, not {parsed.scheme!r}")
    host = parsed.raw_host.decode("ascii", errors="replace")
    port = parsed.port or _ALLOWED_SCHEMES[parsed.scheme]
    addresses = _resolve(host, port, timeout_s)
    if not allow_private:
        for address in addresses:
            if not is_public_ip(address):
                raise PrivateAddress("the link points to a private or internal address")
    return ResolvedUrl(url=parsed, addresses=tuple(addresses))


def check_public_url(url: str, *, allow_private: bool, timeout_s: float | None = None) -> None:
    """Raise BlockedAddress unless url is http(s) and all its host's addresses are public."""
    resolve_public(url, allow_private=allow_private, timeout_s=timeout_s)


def pinned_request(
    client: httpx.Client,
    method: str,
    target: ResolvedUrl,
    address: IPAddress,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.Request:
    """Build a request for target.url that connects to address and to nothing else.

    The URL names the checked address, so httpx has no name left to resolve; the Host
    header carries the real name (and port), and for https the real name is also what TLS
    sends as SNI and verifies the certificate against.
    """
    if address not in target.addresses:
        raise BlockedAddress("that address was not checked for this link")
    request_headers = dict(headers or {})
    request_headers["Host"] = target.url.netloc.decode("ascii")
    extensions: dict[str, str] = {}
    if target.url.scheme == "https" and not target.host_is_ip_literal:
        extensions["sni_hostname"] = target.host
        # Pooled connections are keyed by address, not name: a kept-alive connection that
        # was verified for one name must not carry a request for another name at that address.
        request_headers["Connection"] = "close"
    request = client.build_request(
        method,
        target.url.copy_with(host=str(address)),
        headers=request_headers,
        extensions=extensions,
        timeout=timeout if timeout is not None else client.timeout,
    )
    # The client's cookie jar is keyed by the address in the URL, which other sites share.
    request.headers.pop("Cookie", None)
    return request


def _resolve(host: str, port: int, timeout_s: float | None) -> list[IPAddress]:
    # getaddrinfo has no timeout of its own, so it runs in a daemon thread we can abandon
    # when the deadline passes; a stuck resolver must not hold up a digest. The slots
    # bound how many abandoned threads a resolver that never answers can pile up.
    wait_s = (
        _LOOKUP_SLOT_WAIT_S if timeout_s is None else max(0.0, min(_LOOKUP_SLOT_WAIT_S, timeout_s))
    )
    if not _lookup_slots.acquire(timeout=wait_s):
        raise UnresolvableHost(f"{host} not looked up: too many name lookups still pending")
    found: list[list[IPAddress]] = []
    failed: list[Exception] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            # IPv6 sockaddrs may carry a "%zone" suffix, which ip_address accepts.
            addresses = [
                ipaddress.ip_address(sockaddr[0])
                for family, _type, _proto, _canon, sockaddr in infos
                if family in (socket.AF_INET, socket.AF_INET6)
            ]
            found.append(list(dict.fromkeys(addresses)))
        except (OSError, UnicodeError, ValueError) as exc:
            failed.append(exc)
        finally:
            _lookup_slots.release()

    worker = threading.Thread(target=lookup, name="liaison-resolve", daemon=True)
    try:
        worker.start()
    except BaseException:
        _lookup_slots.release()
        raise
    worker.join(timeout_s)
    if failed:
        raise UnresolvableHost(f"{host} did not resolve") from failed[0]
    if not found:
        raise UnresolvableHost(f"{host} did not resolve within {timeout_s} s")
    if not found[0]:
        raise UnresolvableHost(f"{host} has no IP address")
    return found[0]


def fetch_page_title(
    url: str,
    *,
    client: httpx.Client,
    allow_private: bool = False,
    max_bytes: int = 262_144,
    max_redirects: int = 3,
    deadline_s: float = 5.0,
) -> str | None:
    """Return the title of the HTML page at url, or None when there is no usable page."""
    started = time.monotonic()
    current = url
    for _hop in range(max_redirects + 1):
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            logger.debug("title fetch ran out of time before %s", _for_log(current))
            return None
        try:
            target = resolve_public(current, allow_private=allow_private, timeout_s=remaining)
        except UnresolvableHost as exc:
            logger.debug("title fetch skipped %s: %s", _for_log(current), exc)
            return None
        try:
            outcome = _fetch_once(
                target,
                client=client,
                max_bytes=max_bytes,
                started=started,
                deadline_s=deadline_s,
            )
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, zlib.error) as exc:
            # Timeouts, refused connections, TLS and protocol errors all mean "no preview".
            logger.debug("title fetch failed for %s: %s", _for_log(current), type(exc).__name__)
            return None
        if isinstance(outcome, httpx.URL):
            current = str(outcome)
            continue
        return outcome
    raise TooManyRedirects(f"more than {max_redirects} redirects")


def _fetch_once(
    target: ResolvedUrl, *, client: httpx.Client, max_bytes: int, started: float, deadline_s: float
) -> httpx.URL | str | None:
    """Request one hop: the next URL for a redirect, else the page title or None."""
    response = _send_pinned(target, client=client, started=started, deadline_s=deadline_s)
    if response is None:
        logger.debug("title fetch ran out of time connecting to %s", _for_log(str(target.url)))
        return None
    try:
        if response.has_redirect_location:
            # Relative to the name that was asked for, not the address it was sent to.
            return target.url.join(response.headers["location"])
        if not response.is_success:
            logger.debug(
                "title fetch got HTTP %s for %s", response.status_code, _for_log(str(target.url))
            )
            return None
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in _HTML_TYPES:
            return None
        body = _read_capped(response, max_bytes=max_bytes, started=started, deadline_s=deadline_s)
        if body is None:
            logger.debug("title fetch ran out of time reading %s", _for_log(str(target.url)))
            return None
        return extract_title(_decode(response, body))
    finally:
        response.close()


def _send_pinned(
    target: ResolvedUrl, *, client: httpx.Client, started: float, deadline_s: float
) -> httpx.Response | None:
    """Send the GET to the first checked address that accepts a connection, or None on time."""
    failure: httpx.TransportError | None = None
    for address in target.addresses[:_MAX_CONNECT_ATTEMPTS]:
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            break
        request = pinned_request(
            client,
            "GET",
            target,
            address,
            # Only encodings we can decompress under the byte cap ourselves.
            headers={
                "Accept": "text/html,application/xhtml+xml",
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=_capped_timeout(client.timeout, remaining),
        )
        try:
            # Never httpx's own redirect following, whatever the client was built with: it
            # would resolve and connect to the next hop unchecked and unpinned.
            return client.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Another address of the same host may be reachable (say IPv4 when IPv6 isn't).
            failure = exc
    if failure is not None:
        raise failure
    return None


def _read_capped(
    response: httpx.Response, *, max_bytes: int, started: float, deadline_s: float
) -> bytes | None:
    """Read at most max_bytes of decoded body, or None if the deadline passes first."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # wbits 32+15 accepts both gzip and zlib framing. Decompressing ourselves with
        # max_length keeps a compression bomb from inflating past the cap.
        inflater: zlib._Decompress | None = zlib.decompressobj(wbits=47)
    elif encoding in ("", "identity"):
        inflater = None
    else:
        # br, zstd and friends were not asked for and can't be bounded here: no preview.
        return b""
    body = bytearray()
    # No chunk_size: httpx would buffer up to that size, hiding a slow drip from the clock.
    for chunk in response.iter_raw():
        if inflater is not None:
            chunk = inflater.decompress(chunk, max(1, max_bytes - len(body)))
        body += chunk
        if len(body) >= max_bytes or b"</title" in body[-len(chunk) - 8 :].lower():
            # Either the budget is spent or the title is complete: stop downloading.
            break
        if time.monotonic() - started > deadline_s:
            return None
    return bytes(body[:max_bytes])


def _capped_timeout(base: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """The client's timeouts, each cut down so no single wait outlives the deadline."""

    def cap(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx.Timeout(
        connect=cap(base.connect), read=cap(base.read), write=cap(base.write), pool=cap(base.pool)
    )


def _decode(response: httpx.Response, body: bytes) -> str:
    """The body as text in its declared charset (header, then <meta>), else as utf-8."""
    for name in _charsets(response, body):
        try:
            return body.decode(name, errors="replace")
        except (UnicodeError, LookupError):
            # A codec can refuse the "replace" handler or fail outright; try the next one.
            continue
    return body.decode("utf-8", errors="replace")


def _charsets(response: httpx.Response, body: bytes) -> list[str]:
    """The declared charsets that name a real text encoding, header first."""
    candidates = [response.charset_encoding]
    match = _META_CHARSET.search(body[:_META_SNIFF_BYTES])
    if match:
        candidates.append(match.group(1).decode("ascii"))
    usable: list[str] = []
    for name in candidates:
        if not name:
            continue
        try:
            codec = codecs.lookup(name)
        except LookupError:
            continue
        # Byte-to-byte and str-to-str codecs (base64, zlib, rot13) are not charsets.
        if codec._is_text_encoding and codec.name not in _NOT_PAGE_CHARSETS:
            usable.append(codec.name)
    return usable


def _for_log(url: str) -> str:
    # Query strings often carry tokens or personal data; host and path are enough to debug.
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "<invalid url>"
    return f"{parsed.scheme}://{parsed.host}{parsed.path[:100]}"


# A link is reported broken only on a definite answer from its server: with no network at
# all, every check times out, and the digest must not call every link broken.
BROKEN_STATUSES: Final = frozenset({404, 410})


@dataclass(frozen=True)
class LinkStatus:
    """The outcome of one link check: ok, broken (with a short reason) or unknown (None)."""

    ok: bool | None
    reason: str = ""


def check_link(
    url: str,
    *,
    client: httpx.Client,
    allow_private: bool = False,
    max_redirects: int = 3,
    deadline_s: float = 4.0,
) -> LinkStatus:
    """Whether a collateral link still opens, under the same address rules as title fetches."""
    started = time.monotonic()
    current = url
    for _hop in range(max_redirects + 1):
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            return LinkStatus(None, "timed out")
        try:
            target = resolve_public(current, allow_private=allow_private, timeout_s=remaining)
        except BlockedAddress:
            return LinkStatus(None, "not a public address")
        except FetchError:
            return LinkStatus(None, "address not found")
        try:
            response = _send_pinned(target, client=client, started=started, deadline_s=deadline_s)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return LinkStatus(None, type(exc).__name__)
        if response is None:
            return LinkStatus(None, "timed out")
        try:
            if response.has_redirect_location:
                current = str(target.url.join(response.headers["location"]))
                continue
            if response.status_code in BROKEN_STATUSES:
                phrase = response.reason_phrase or ""
                return LinkStatus(False, f"{response.status_code} {phrase}".strip())
            return LinkStatus(True if response.status_code < 400 else None)
        finally:
            response.close()
    return LinkStatus(None, "too many redirects")
