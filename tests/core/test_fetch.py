from __future__ import annotations

import contextlib
import gzip
import ipaddress
import logging
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest

from core.fetch import (
    MAX_PENDING_LOOKUPS,
    USER_AGENT,
    BlockedAddress,
    FetchError,
    LinkStatus,
    ResolvedUrl,
    TooManyRedirects,
    UnresolvableHost,
    check_link,
    check_public_url,
    fetch_page_title,
    make_http_client,
    pinned_request,
    resolve_public,
)

FIVE_MB = 5 * 1024 * 1024
# A global address the fake DNS hands out for public.test; the fake connect below makes
# sure nothing is ever sent to it.
FAKE_PUBLIC_IP = "93.184.216.34"
# Another global address, listed first for fallback.test, where nothing answers.
FAKE_DEAD_IP = "93.184.216.35"
# Names whose (fake) DNS answers name somewhere Liaison must never call, alone or mixed
# with a public address: every one of them must be refused before anything is dialed.
PRIVATE_ANSWERS: dict[str, tuple[str, ...]] = {
    "ten.test": ("10.1.2.3",),
    "one72.test": ("172.16.0.5",),
    "one72-top.test": ("172.31.255.254",),
    "one92.test": ("192.168.1.1",),
    "loop.test": ("127.0.0.1",),
    "loop-other.test": ("127.53.0.1",),
    "zero.test": ("0.0.0.0",),
    "metadata.test": ("169.254.169.254",),
    "cgnat.test": ("100.64.0.1",),
    "loop6.test": ("::1",),
    "unspecified6.test": ("::",),
    "linklocal6.test": ("fe80::1",),
    "ula.test": ("fd00::1",),
    "ula-fc.test": ("fc00::1",),
    "aws-metadata6.test": ("fd00:ec2::254",),
    "mapped.test": ("::ffff:127.0.0.1",),
    "mapped-metadata.test": ("::ffff:169.254.169.254",),
    "sixtofour.test": ("2002:7f00:1::1",),
    "nat64.test": ("64:ff9b::a9fe:a9fe",),
    "mixed-private-first.test": ("10.0.0.7", FAKE_PUBLIC_IP),
    "mixed-public-first.test": (FAKE_PUBLIC_IP, "192.168.0.1"),
    "mixed-v6-loopback.test": (FAKE_PUBLIC_IP, "::1"),
    "mixed-metadata.test": (FAKE_PUBLIC_IP, "169.254.169.254"),
}


def _html(
    body: bytes, content_type: str = "text/html; charset=utf-8"
) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": content_type}, body


def _redirect(location: str) -> tuple[int, dict[str, str], bytes]:
    return 302, {"Location": location}, b""


STATIC_ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/title": _html(b"<html><head><title>Q3 pricing deck</title></head><body>hi</body></html>"),
    "/og": _html(b'<html><head><meta property="og:title" content="OG only"></head></html>'),
    "/notitle": _html(b"<html><body>nothing to see</body></html>"),
    "/xhtml": _html(b"<html><title>XHTML page</title></html>", "application/xhtml+xml"),
    "/json": _html(b'{"title": "<title>not html</title>"}', "application/json"),
    "/no-content-type": (200, {}, b"<title>Untyped</title>"),
    "/missing": (404, {"Content-Type": "text/html"}, b"<title>Not Found</title>"),
    "/error": (500, {"Content-Type": "text/html"}, b"<title>Oops</title>"),
    "/latin1": _html(
        "<title>Café crème</title>".encode("latin-1"), "text/html; charset=ISO-8859-1"
    ),
    "/latin1-meta": _html(
        '<html><head><meta charset="iso-8859-1"><title>Déjà vu</title>'.encode("latin-1"),
        "text/html",
    ),
    "/bad-charset": _html("<title>Naïve</title>".encode(), "text/html; charset=klingon"),
    # Codecs Python knows but that are no page's charset: each must fall back to utf-8.
    "/charset-idna": _html("<title>Naïve</title>".encode(), "text/html; charset=idna"),
    "/charset-punycode": _html("<title>Naïve</title>".encode(), "text/html; charset=punycode"),
    "/charset-undefined": _html("<title>Naïve</title>".encode(), "text/html; charset=undefined"),
    "/charset-base64": _html("<title>Naïve</title>".encode(), "text/html; charset=base64_codec"),
    "/charset-rot13": _html("<title>Naïve</title>".encode(), "text/html; charset=rot13"),
    "/charset-zlib": _html("<title>Naïve</title>".encode(), "text/html; charset=zlib"),
    "/charset-unicode-escape": _html(
        "<title>Naïve \\] \\N{</title>".encode(), "text/html; charset=unicode_escape"
    ),
    "/meta-charset-idna": _html('<meta charset="idna"><title>Naïve</title>'.encode(), "text/html"),
    "/utf16-no-bom": _html(
        "<title>Naïve</title>".encode(f"utf-16-{'le' if sys.byteorder == 'little' else 'be'}"),
        "text/html; charset=utf-16",
    ),
    "/utf16-odd-length": _html(
        "<title>Naïve</title>".encode("utf-16") + b"\x00", "text/html; charset=utf-16"
    ),
    "/set-cookie": (
        200,
        {"Content-Type": "text/html", "Set-Cookie": "session=s3cret; Path=/"},
        b"<title>Cookie jar</title>",
    ),
    "/invalid-utf8": _html(b"<title>Broken \xff bytes</title>"),
    "/gzip": (
        200,
        {"Content-Type": "text/html", "Content-Encoding": "gzip"},
        gzip.compress(b"<title>Compressed title</title>"),
    ),
    "/gzip-bomb": (
        200,
        {"Content-Type": "text/html", "Content-Encoding": "gzip"},
        gzip.compress(b"<html>" + b" " * (20 * 1024 * 1024) + b"<title>Bomb</title>"),
    ),
    "/brotli": (200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"\x0b\x02\x80"),
    "/big-late": _html(b"<html><head>" + b" " * FIVE_MB + b"<title>Too late</title>"),
    "/big-early": _html(b"<html><head><title>Early bird</title>" + b" " * FIVE_MB),
    "/relative": _redirect("title"),
    "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-ftp": _redirect("ftp://public.test/file"),
    "/to-bad-location": _redirect("http://[broken/"),
}


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer

    def do_GET(self) -> None:
        self.server.seen_headers.append(dict(self.headers))
        path = self.path.split("?", 1)[0]
        try:
            if path == "/to":
                # Redirect to whatever the test asks for: /to?url=<percent-encoded Location>.
                query = parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "")
                self._respond(*_redirect(query["url"][0]))
            elif path.startswith("/redirect/"):
                hops = int(path.rsplit("/", 1)[1])
                target = f"/redirect/{hops - 1}" if hops > 1 else "/title"
                self._respond(*_redirect(target))
            elif path == "/to-localhost":
                self._respond(*_redirect(f"http://localhost:{self.server.server_port}/title"))
            elif path == "/to-rebind":
                self._respond(*_redirect(f"http://rebind.test:{self.server.server_port}/title"))
            elif path == "/slow":
                time.sleep(3)
                self._respond(*STATIC_ROUTES["/title"])
            elif path == "/drip":
                self._drip()
            elif path in STATIC_ROUTES:
                self._respond(*STATIC_ROUTES[path])
            else:
                self._respond(404, {}, b"")
        except OSError:
            # The client hung up on purpose (cap reached, deadline passed).
            pass

    def _respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><head>")
        for _ in range(30):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.1)
        self.wfile.write(b"<title>Dripped</title>")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen_headers: list[dict[str, str]] = []
        self.seen_sni: list[str | None] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that stop reading early are expected here, not failures.
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[_PageServer]:
    page_server = _PageServer()
    thread = threading.Thread(target=page_server.serve_forever, daemon=True)
    thread.start()
    yield page_server
    page_server.shutdown()
    page_server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def local(server: _PageServer) -> str:
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def public(server: _PageServer, fake_dns: _FakeNet) -> str:
    return f"http://public.test:{server.server_port}"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_http_client() as http_client:
        yield http_client


@dataclass
class _FakeNet:
    """What the fake OS saw: every name looked up and every address dialed."""

    lookups: list[str] = field(default_factory=list)
    dialed: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> _FakeNet:
    """Patch the OS boundary only: name lookup and TCP connect, never Liaison's code.

    public.test resolves to a global address, so the policy treats it as public, and the
    connect is steered to the loopback test server so no packet leaves the machine.
    rebind.test is a hostile name server with a zero TTL: the first answer is public,
    every later one is 127.0.0.1.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    net = _FakeNet()

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        net.lookups.append(name)
        if name == "rebind.test":
            first = net.lookups.count("rebind.test") == 1
            return real_getaddrinfo(FAKE_PUBLIC_IP if first else "127.0.0.1", port, *args, **kwargs)
        if name in ("public.test", "alias.test"):
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs)
        if name == "fallback.test":
            return real_getaddrinfo(FAKE_DEAD_IP, port, *args, **kwargs) + real_getaddrinfo(
                FAKE_PUBLIC_IP, port, *args, **kwargs
            )
        if name == "mixed.test":
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs) + real_getaddrinfo(
                "10.0.0.7", port, *args, **kwargs
            )
        if name in PRIVATE_ANSWERS:
            return [
                info
                for address in PRIVATE_ANSWERS[name]
                for info in real_getaddrinfo(address, port, *args, **kwargs)
            ]
        if name == "slow-dns.test":
            time.sleep(1.5)
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs)
        if name.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def fake_create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        host, port = address
        net.dialed.append((host, port))
        if host == FAKE_DEAD_IP:
            raise ConnectionRefusedError("nothing listens there")
        if host in ("public.test", FAKE_PUBLIC_IP):
            return real_create_connection(("127.0.0.1", port), *args, **kwargs)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", fake_create_connection)
    return net


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/title", "Q3 pricing deck"),
        ("/og", "OG only"),
        ("/xhtml", "XHTML page"),
        ("/notitle", None),
        ("/json", None),
        ("/no-content-type", None),
        ("/missing", None),
        ("/error", None),
        ("/latin1", "Café crème"),
        ("/latin1-meta", "Déjà vu"),
        ("/bad-charset", "Naïve"),
        ("/charset-idna", "Naïve"),
        ("/charset-punycode", "Naïve"),
        ("/charset-undefined", "Naïve"),
        ("/charset-base64", "Naïve"),
        ("/charset-rot13", "Naïve"),
        ("/charset-zlib", "Naïve"),
        ("/charset-unicode-escape", "Naïve \\] \\N{"),
        ("/meta-charset-idna", "Naïve"),
        ("/utf16-no-bom", "Naïve"),
        ("/utf16-odd-length", "Naïve"),
        ("/invalid-utf8", "Broken \ufffd bytes"),
        ("/gzip", "Compressed title"),
        ("/gzip-bomb", None),
        ("/brotli", None),
        ("/big-late", None),
        ("/big-early", "Early bird"),
        ("/relative", "Q3 pricing deck"),
        ("/redirect/1", "Q3 pricing deck"),
        ("/redirect/2", "Q3 pricing deck"),
        ("/redirect/3", "Q3 pricing deck"),
        ("/not-a-route", None),
    ],
)
def test_fetch_page_title_through_public_host(
    client: httpx.Client, public: str, path: str, expected: str | None
) -> None:
    assert fetch_page_title(public + path, client=client) == expected


def test_fetch_page_title_on_loopback_when_private_allowed(
    client: httpx.Client, local: str
) -> None:
    assert (
        fetch_page_title(local + "/title", client=client, allow_private=True) == "Q3 pricing deck"
    )


def test_fetch_page_title_sends_the_liaison_user_agent(
    client: httpx.Client, public: str, server: _PageServer
) -> None:
    fetch_page_title(public + "/title?ua-check=1", client=client)
    assert server.seen_headers[-1]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("path", ["/redirect/4", "/redirect/5"])
def test_too_many_redirects(client: httpx.Client, public: str, path: str) -> None:
    with pytest.raises(TooManyRedirects):
        fetch_page_title(public + path, client=client, max_redirects=3)


def test_max_redirects_zero_refuses_any_redirect(client: httpx.Client, public: str) -> None:
    with pytest.raises(TooManyRedirects):
        fetch_page_title(public + "/redirect/1", client=client, max_redirects=0)


@pytest.mark.parametrize("path", ["/to-metadata", "/to-localhost", "/to-ftp"])
def test_redirect_to_a_forbidden_place_is_blocked(
    client: httpx.Client, public: str, path: str
) -> None:
    with pytest.raises(BlockedAddress):
        fetch_page_title(public + path, client=client)


def test_redirect_to_an_unparseable_location_is_no_title(client: httpx.Client, public: str) -> None:
    assert fetch_page_title(public + "/to-bad-location", client=client) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/title",
        "http://localhost:{port}/title",
        "http://[::1]:{port}/title",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://mixed.test:{port}/title",
        "file:///etc/passwd",
    ],
)
def test_private_addresses_are_blocked(
    client: httpx.Client, server: _PageServer, fake_dns: _FakeNet, url: str
) -> None:
    with pytest.raises(BlockedAddress):
        fetch_page_title(url.format(port=server.server_port), client=client)
    assert issubclass(BlockedAddress, FetchError)


def test_unresolvable_host_is_no_title(client: httpx.Client, fake_dns: _FakeNet) -> None:
    # Decision: a name that doesn't resolve is a broken link, not a policy violation, so
    # fetch_page_title returns None; check_public_url reports it as UnresolvableHost.
    assert fetch_page_title("http://nowhere.test/", client=client) is None
    with pytest.raises(UnresolvableHost):
        check_public_url("http://nowhere.test/", allow_private=False)


def test_connection_refused_is_no_title(client: httpx.Client) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{free_port}/"
    assert fetch_page_title(url, client=client, allow_private=True) is None


@pytest.mark.parametrize("path", ["/slow", "/drip"])
def test_deadline_bounds_slow_pages(client: httpx.Client, public: str, path: str) -> None:
    started = time.monotonic()
    assert fetch_page_title(public + path, client=client, deadline_s=0.5) is None
    assert time.monotonic() - started < 2


def test_deadline_bounds_slow_dns(client: httpx.Client, fake_dns: _FakeNet) -> None:
    started = time.monotonic()
    assert fetch_page_title("http://slow-dns.test/", client=client, deadline_s=0.5) is None
    assert time.monotonic() - started < 1.2


def test_big_page_with_early_title_stops_reading(client: httpx.Client, public: str) -> None:
    started = time.monotonic()
    assert fetch_page_title(public + "/big-early", client=client, max_bytes=1024) == "Early bird"
    assert time.monotonic() - started < 2


def test_failures_are_logged_without_the_query_string(
    client: httpx.Client, fake_dns: _FakeNet, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="core.fetch")
    assert fetch_page_title("http://nowhere.test/page?token=s3cret", client=client) is None
    assert "nowhere.test/page" in caplog.text
    assert "s3cret" not in caplog.text


def test_check_public_url_allows_public_and_private_when_told(fake_dns: _FakeNet) -> None:
    check_public_url("https://public.test/deck", allow_private=False)
    check_public_url("http://127.0.0.1:1/", allow_private=True)
    with pytest.raises(BlockedAddress):
        check_public_url("http://127.0.0.1:1/", allow_private=False)
    with pytest.raises(BlockedAddress):
        check_public_url("javascript:alert(1)", allow_private=True)


def test_make_http_client_settings() -> None:
    with make_http_client(timeout_s=2.5) as http_client:
        assert http_client.timeout == httpx.Timeout(2.5)
        assert http_client.follow_redirects is False
        assert http_client.headers["User-Agent"] == USER_AGENT


def test_dns_rebinding_connects_only_to_the_checked_address(
    client: httpx.Client, server: _PageServer, fake_dns: _FakeNet
) -> None:
    port = server.server_port
    assert fetch_page_title(f"http://rebind.test:{port}/title", client=client) == "Q3 pricing deck"
    # The name was resolved once, for the check; the connection went to that answer.
    assert fake_dns.lookups.count("rebind.test") == 1
    assert fake_dns.dialed == [(FAKE_PUBLIC_IP, port)]
    assert server.seen_headers[-1]["Host"] == f"rebind.test:{port}"


def test_dns_rebinding_on_a_redirect_hop_is_pinned_too(
    client: httpx.Client, public: str, server: _PageServer, fake_dns: _FakeNet
) -> None:
    assert fetch_page_title(public + "/to-rebind", client=client) == "Q3 pricing deck"
    assert fake_dns.lookups.count("rebind.test") == 1
    assert fake_dns.dialed
    assert {host for host, _port in fake_dns.dialed} == {FAKE_PUBLIC_IP}
    assert server.seen_headers[-1]["Host"] == f"rebind.test:{server.server_port}"


def test_relative_redirect_keeps_the_host_name(
    client: httpx.Client, public: str, server: _PageServer, fake_dns: _FakeNet
) -> None:
    assert fetch_page_title(public + "/relative", client=client) == "Q3 pricing deck"
    assert server.seen_headers[-1]["Host"] == f"public.test:{server.server_port}"
    assert fake_dns.lookups.count("public.test") == 2


def test_next_checked_address_is_tried_when_the_first_refuses(
    client: httpx.Client, server: _PageServer, fake_dns: _FakeNet
) -> None:
    port = server.server_port
    url = f"http://fallback.test:{port}/title"
    assert fetch_page_title(url, client=client) == "Q3 pricing deck"
    assert fake_dns.dialed == [(FAKE_DEAD_IP, port), (FAKE_PUBLIC_IP, port)]


def test_resolve_public_returns_the_checked_addresses(fake_dns: _FakeNet) -> None:
    resolved = resolve_public("http://mixed.test:8080/x", allow_private=True)
    assert resolved.host == "mixed.test"
    assert [str(address) for address in resolved.addresses] == [FAKE_PUBLIC_IP, "10.0.0.7"]
    with pytest.raises(BlockedAddress):
        resolve_public("http://mixed.test:8080/x", allow_private=False)


@pytest.mark.parametrize(
    ("url", "address", "expected_url", "expected_host", "expected_sni"),
    [
        (
            "https://bücher.de:8443/a%7Cb?q=1",
            "2606:4700::1111",
            "https://[2606:4700::1111]:8443/a%7Cb?q=1",
            "xn--bcher-kva.de:8443",
            "xn--bcher-kva.de",
        ),
        (
            "https://example.com/deck",
            "93.184.216.34",
            "https://93.184.216.34/deck",
            "example.com",
            "example.com",
        ),
        ("http://example.com/x", "93.184.216.34", "http://93.184.216.34/x", "example.com", None),
        (
            "https://[2606:4700::1111]/",
            "2606:4700::1111",
            "https://[2606:4700::1111]/",
            "[2606:4700::1111]",
            None,
        ),
    ],
)
def test_pinned_request_names_the_address_and_keeps_the_host(
    client: httpx.Client,
    url: str,
    address: str,
    expected_url: str,
    expected_host: str,
    expected_sni: str | None,
) -> None:
    ip = ipaddress.ip_address(address)
    request = pinned_request(client, "GET", ResolvedUrl(httpx.URL(url), (ip,)), ip)
    assert str(request.url) == expected_url
    assert request.headers["Host"] == expected_host
    assert request.extensions.get("sni_hostname") == expected_sni
    assert request.headers["User-Agent"] == USER_AGENT


def test_pinned_request_refuses_an_address_that_was_not_checked(client: httpx.Client) -> None:
    checked = ResolvedUrl(httpx.URL("http://example.com/"), (ipaddress.ip_address(FAKE_PUBLIC_IP),))
    with pytest.raises(BlockedAddress):
        pinned_request(client, "GET", checked, ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize("make_client", [make_http_client, httpx.Client])
def test_cookies_from_one_site_never_reach_another_at_the_same_address(
    make_client: Any, public: str, server: _PageServer
) -> None:
    with make_client() as http_client:
        assert fetch_page_title(public + "/set-cookie", client=http_client) == "Cookie jar"
        url = f"http://alias.test:{server.server_port}/title"
        assert fetch_page_title(url, client=http_client) == "Q3 pricing deck"
    assert server.seen_headers[-1]["Host"] == f"alias.test:{server.server_port}"
    assert "Cookie" not in server.seen_headers[-1]


# --- https: the connection is pinned to the address, TLS still uses the name ---------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=public.test", "-addext", "subjectAltName=DNS:public.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[_PageServer]:
    cert, key = tls_files
    page_server = _PageServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_sni(_sock: Any, server_name: str | None, _context: Any) -> None:
        page_server.seen_sni.append(server_name)

    context.sni_callback = remember_sni
    page_server.socket = context.wrap_socket(page_server.socket, server_side=True)
    thread = threading.Thread(target=page_server.serve_forever, daemon=True)
    thread.start()
    yield page_server
    page_server.shutdown()
    page_server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def tls_client(tls_files: tuple[Path, Path]) -> Iterator[httpx.Client]:
    # Trusts only the test certificate, which names public.test and no IP address.
    context = ssl.create_default_context(cafile=str(tls_files[0]))
    with httpx.Client(verify=context, trust_env=False, follow_redirects=False) as http_client:
        yield http_client


def test_https_is_pinned_but_verifies_the_certificate_for_the_name(
    tls_client: httpx.Client, tls_server: _PageServer, fake_dns: _FakeNet
) -> None:
    port = tls_server.server_port
    url = f"https://public.test:{port}/title"
    assert fetch_page_title(url, client=tls_client) == "Q3 pricing deck"
    assert fake_dns.dialed == [(FAKE_PUBLIC_IP, port)]
    assert tls_server.seen_sni[-1] == "public.test"
    assert tls_server.seen_headers[-1]["Host"] == f"public.test:{port}"
    # alias.test has the same address, but the certificate doesn't name it: no reuse of the
    # connection verified for public.test, and a fresh handshake that fails verification.
    assert fetch_page_title(f"https://alias.test:{port}/title", client=tls_client) is None
    assert tls_server.seen_sni[-1] == "alias.test"
    assert fake_dns.dialed == [(FAKE_PUBLIC_IP, port), (FAKE_PUBLIC_IP, port)]


# --- a resolver that never answers -----------------------------------------------------------


def _resolver_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "liaison-resolve"]


def _wait_for_resolver_threads() -> None:
    for thread in _resolver_threads():
        thread.join(timeout=10)


def test_a_hung_resolver_cannot_pile_up_lookup_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    _wait_for_resolver_threads()  # earlier tests may have abandoned a slow lookup
    answer = threading.Event()
    asked: list[str] = []

    def hung_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        answer.wait(10)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", hung_getaddrinfo)
    try:
        for index in range(MAX_PENDING_LOOKUPS):
            with pytest.raises(UnresolvableHost, match="within"):
                check_public_url(f"http://hung{index}.test/", allow_private=False, timeout_s=0.01)
        started = time.monotonic()
        with pytest.raises(UnresolvableHost, match="pending"):
            check_public_url("http://one-more.test/", allow_private=False, timeout_s=5)
        assert time.monotonic() - started < 1
        assert len(_resolver_threads()) <= MAX_PENDING_LOOKUPS
    finally:
        answer.set()
        _wait_for_resolver_threads()
    assert "one-more.test" not in asked
    # Once the resolver answers, the slots are free again.
    with pytest.raises(UnresolvableHost, match=r"did not resolve$"):
        check_public_url("http://after.test/", allow_private=False, timeout_s=5)
    assert asked[-1] == "after.test"


# --- SSRF: every spelling of a private address, every way to get there -------------------

# Literal addresses, as people (or attackers) spell them: all name a private network.
PRIVATE_URLS = [
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.0.1/",
    "http://127.0.0.1/",
    "http://127.127.127.127/",
    "http://0.0.0.0/",
    "http://0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://127.1/",
    "http://public@127.0.0.1/",
    "http://public.test@169.254.169.254/",
    "http://user:pass@10.0.0.1:8080/",
    "HTTP://LOCALHOST/",
    "http://localhost/",
    "http://127\u30020\u30020\u30021/",
    "https://127.0.0.1/",
    "https://[::1]:8443/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_in_any_spelling_are_refused_before_dialing(
    client: httpx.Client, fake_dns: _FakeNet, url: str
) -> None:
    with pytest.raises(BlockedAddress):
        fetch_page_title(url, client=client)
    assert check_link(url, client=client) == LinkStatus(None, "not a public address")
    assert fake_dns.dialed == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[fe80::1%25eth0]/",
        "http://[fe80::1%25lo]/",
        "http://%31%32%37.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.0.0.1./",
        "http://localhost./",
    ],
)
def test_odd_spellings_are_refused_or_unresolvable_never_dialed(
    client: httpx.Client, fake_dns: _FakeNet, url: str
) -> None:
    # Zone ids, percent-encoded or octal-dotted hosts and trailing dots either don't parse,
    # don't resolve, or resolve to a private address: no title, and nothing is dialed.
    with contextlib.suppress(BlockedAddress):
        assert fetch_page_title(url, client=client) is None
    assert check_link(url, client=client).ok is None
    assert fake_dns.dialed == []


@pytest.mark.parametrize("name", sorted(PRIVATE_ANSWERS))
def test_dns_answers_naming_a_private_address_are_refused(
    client: httpx.Client, fake_dns: _FakeNet, name: str
) -> None:
    url = f"http://{name}/title"
    with pytest.raises(BlockedAddress):
        fetch_page_title(url, client=client)
    assert check_link(url, client=client) == LinkStatus(None, "not a public address")
    with pytest.raises(BlockedAddress):
        resolve_public(url, allow_private=False)
    assert fake_dns.dialed == []


def _redirect_targets(port: int) -> list[str]:
    return [
        # (An HTTP header carries no raw non-ASCII, so the full-width dots stay out.)
        *(url for url in PRIVATE_URLS if url.isascii()),
        *(f"http://{name}:{port}/title" for name in sorted(PRIVATE_ANSWERS)),
        f"//127.0.0.1:{port}/title",  # scheme-relative: keeps http, changes the host
        f"//localhost:{port}/title",
        f"http://public.test:{port}@127.0.0.1:{port}/title",
        f"http://127.0.0.1:{port}/title#@public.test",
        "http://169.254.169.254:80/computeMetadata/v1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ]


def test_redirects_to_private_addresses_are_refused_at_every_hop(
    client: httpx.Client, server: _PageServer, fake_dns: _FakeNet
) -> None:
    port = server.server_port
    for target in _redirect_targets(port):
        start = f"http://public.test:{port}/to?url={quote(target, safe='')}"
        # A redirect after a redirect: the second hop is checked like the first.
        twice = f"http://public.test:{port}/to?url={quote(start, safe='')}"
        for url in (start, twice):
            fake_dns.dialed.clear()
            try:
                title = fetch_page_title(url, client=client)
            except BlockedAddress:
                title = "refused"
            assert title == "refused", target
            assert check_link(url, client=client) == LinkStatus(None, "not a public address"), (
                target
            )
            # Only the public hops were dialed; the private target never was.
            assert fake_dns.dialed, target
            assert {host for host, _port in fake_dns.dialed} == {FAKE_PUBLIC_IP}, target


def test_private_addresses_are_reached_only_when_allowed(
    client: httpx.Client, server: _PageServer, fake_dns: _FakeNet
) -> None:
    # The switch tests and the demo use: with it on, the same redirect is followed.
    port = server.server_port
    url = f"http://public.test:{port}/to?url={quote(f'http://loop.test:{port}/title', safe='')}"
    assert fetch_page_title(url, client=client, allow_private=True) == "Q3 pricing deck"
    assert check_link(url, client=client, allow_private=True) == LinkStatus(True)
    assert ("127.0.0.1", port) in fake_dns.dialed


def test_check_link_through_a_public_host_is_ok(
    client: httpx.Client, public: str, fake_dns: _FakeNet
) -> None:
    assert check_link(public + "/title", client=client) == LinkStatus(True)
    assert check_link(public + "/missing", client=client) == LinkStatus(False, "404 Not Found")
    assert check_link(public + "/redirect/2", client=client) == LinkStatus(True)
    assert check_link(public + "/redirect/5", client=client) == LinkStatus(
        None, "too many redirects"
    )


def test_redirects_are_checked_even_with_a_client_that_follows_them(
    server: _PageServer, fake_dns: _FakeNet
) -> None:
    # fetch_page_title and check_link follow redirects themselves, hop by hop; a client
    # configured to follow them would skip the checks on every hop after the first.
    port = server.server_port
    url = f"http://public.test:{port}/to?url={quote(f'http://loop.test:{port}/title', safe='')}"
    with httpx.Client(follow_redirects=True, trust_env=False) as following:
        with pytest.raises(BlockedAddress):
            fetch_page_title(url, client=following)
        assert check_link(url, client=following) == LinkStatus(None, "not a public address")
    # Both redirects stopped at the check: only the public first hop was ever dialed.
    assert fake_dns.dialed == [(FAKE_PUBLIC_IP, port), (FAKE_PUBLIC_IP, port)]
