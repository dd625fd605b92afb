from __future__ import annotations

import gzip
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from core.fetch import (
    USER_AGENT,
    BlockedAddress,
    FetchError,
    TooManyRedirects,
    UnresolvableHost,
    check_public_url,
    fetch_page_title,
    make_http_client,
)

FIVE_MB = 5 * 1024 * 1024
# A global address the fake DNS hands out for public.test; the fake connect below makes
# sure nothing is ever sent to it.
FAKE_PUBLIC_IP = "93.184.216.34"


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
            if path.startswith("/redirect/"):
                hops = int(path.rsplit("/", 1)[1])
                target = f"/redirect/{hops - 1}" if hops > 1 else "/title"
                self._respond(*_redirect(target))
            elif path == "/to-localhost":
                self._respond(*_redirect(f"http://localhost:{self.server.server_port}/title"))
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
def public(server: _PageServer, fake_dns: None) -> str:
    return f"http://public.test:{server.server_port}"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_http_client() as http_client:
        yield http_client


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch the OS boundary only: name lookup and TCP connect, never Liaison's code.

    public.test resolves to a global address, so the policy treats it as public, and the
    connect is steered to the loopback test server so no packet leaves the machine.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name == "public.test":
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs)
        if name == "mixed.test":
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs) + real_getaddrinfo(
                "10.0.0.7", port, *args, **kwargs
            )
        if name == "slow-dns.test":
            time.sleep(1.5)
            return real_getaddrinfo(FAKE_PUBLIC_IP, port, *args, **kwargs)
        if name.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def fake_create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        host, port = address
        if host in ("public.test", FAKE_PUBLIC_IP):
            return real_create_connection(("127.0.0.1", port), *args, **kwargs)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", fake_create_connection)


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
    client: httpx.Client, server: _PageServer, fake_dns: None, url: str
) -> None:
    with pytest.raises(BlockedAddress):
        fetch_page_title(url.format(port=server.server_port), client=client)
    assert issubclass(BlockedAddress, FetchError)


def test_unresolvable_host_is_no_title(client: httpx.Client, fake_dns: None) -> None:
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


def test_deadline_bounds_slow_dns(client: httpx.Client, fake_dns: None) -> None:
    started = time.monotonic()
    assert fetch_page_title("http://slow-dns.test/", client=client, deadline_s=0.5) is None
    assert time.monotonic() - started < 1.2


def test_big_page_with_early_title_stops_reading(client: httpx.Client, public: str) -> None:
    started = time.monotonic()
    assert fetch_page_title(public + "/big-early", client=client, max_bytes=1024) == "Early bird"
    assert time.monotonic() - started < 2


def test_failures_are_logged_without_the_query_string(
    client: httpx.Client, fake_dns: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="core.fetch")
    assert fetch_page_title("http://nowhere.test/page?token=s3cret", client=client) is None
    assert "nowhere.test/page" in caplog.text
    assert "s3cret" not in caplog.text


def test_check_public_url_allows_public_and_private_when_told(fake_dns: None) -> None:
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
