"""Local, stateful fake of the Slack Web API that the real ``slack_sdk.WebClient`` talks to.

Start it, point the client at ``sandbox.api_url`` and assert on what was recorded::

    with SlackSandbox() as sandbox:
        client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
        client.chat_postMessage(channel="C0SALES", text="hi")
        assert sandbox.messages("C0SALES")[0]["text"] == "hi"

It serves, on ``127.0.0.1`` and a free port:

* ``POST|GET /api/<method>``: Web API methods (form, multipart or JSON bodies; token in
  ``Authorization: Bearer`` or the ``token`` parameter), see ``workspace.METHOD_SCOPES``.
* ``POST /upload/v1/<file_id>``: the upload URLs of ``files.getUploadURLExternal``
  (logged as ``files.upload``).
* ``POST /response/<id>``: response URLs from ``new_response_url()`` (logged as
  ``response_url``; nothing is mirrored into channels, read them with ``responses()``).
* ``GET|HEAD /pages/<path>``: web pages scripted with ``set_page()`` (title fetches).
* ``GET /oauth/v2/authorize``: redirects to ``redirect_uri`` with a fresh code and ``state``.

and, on a second free port, the Socket Mode WebSocket that ``apps.connections.open`` (with
an ``xapp-`` token such as ``APP_TOKEN``) points to: see ``socket_mode.py`` and the
``socket_*`` methods, e.g. ``socket_send_command()`` then ``socket_ack()``.

Default seed after ``start()`` and ``reset()`` (workspace ``T0SANDBOX`` "Sandbox Co"):

========== ================= ====================================================
id         name              notes
========== ================= ====================================================
U0BOT      liaison           the app's bot user (bot id B0BOT, app A0LIAISON)
UADMIN     avery.admin       Avery Admin, avery@example.com, workspace admin
UOWNER     olivia.owner      Olivia Owner, primary owner (and admin)
U0REP1     riley.rep         Riley Rep, sales rep
U0REP2     casey.closer      Casey Closer, sales rep, America/Los_Angeles
U0REP3     devon.deals       Devon Deals, sales rep, Europe/London
U0MKT1     morgan.marketing  Morgan Marketing, marketer
U0MKT2     taylor.content    Taylor Content, marketer, America/Chicago
U0LEAD1    jamie.lead        Jamie Lead, team lead
C0SALES    sales             public, bot is a member
C0SALESWEST sales-west       public, bot is not a member
C0LEADS    team-leads        public, bot is a member
G0PRIVATE  private-deals     private, bot is not a member
C0ARCHIVED old-launches      public, archived, bot is not a member
S0SALESTEAM @sales-team      user group "Sales Team": U0REP1, U0REP2, U0REP3
========== ================= ====================================================

Every user has time zone America/New_York unless noted; every email is
``<first name>@example.com``. Message timestamps are the posting time (as Slack's are),
at least 100 microseconds apart and never reused, across resets.

Messages carry Slack message metadata (``metadata={"event_type", "event_payload"}`` on
chat.postMessage / chat.update); conversations.history and conversations.replies return it
only with ``include_all_metadata=true``, and ``find_messages()`` filters by event type.

Rate limits are off by default. ``enforce_rate_limits()`` turns on Slack's chat.postMessage
limits (per channel token bucket, optional workspace window; see ``ratelimit.py`` for the
model and why chat.update and chat.postEphemeral stay unlimited): a post over a limit gets
HTTP 429, ``Retry-After`` and ``ratelimited`` with no side effect. ``post_times()`` and
``rate_limit_stats()`` report accepted posts (recorded whether limits are on or off).
``reset()`` turns limits off again.

Trigger ids behave as Slack's (see ``triggers.py``): ``views.open`` and ``views.push``
accept one only within 3 seconds of its issue (``payloads.new_trigger_id()``, which every
interaction payload builder uses) and only once; a late one gets ``expired_trigger_id``,
one the sandbox never issued ``invalid_trigger_id``.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sandbox import constants, payloads
from sandbox.ratelimit import PostRateLimiter, RateLimitConfig
from sandbox.socket_mode import SocketModeServer
from sandbox.workspace import METHOD_SCOPES, OAuthCode, TokenInfo, Workspace

__all__ = ["METHOD_SCOPES", "Call", "SlackSandbox"]

JsonDict = dict[str, Any]

_TS_STEP_MICROS = 100


# The fake model endpoint (OpenAI-compatible chat completions) for the comment reviewer.
LLM_PATH = "llm/v1/chat/completions"


@dataclass(frozen=True)
class Call:
    """One request the sandbox answered, as recorded in its call log."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    response: dict[str, Any]

    def json_param(self, name: str) -> Any:
        """Return a parameter decoded from JSON when it was sent as a string (blocks, view...)."""
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    @property
    def ok(self) -> bool:
        """Tell whether Slack would call this a success (HTTP 200 and ``ok: true``)."""
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str | None
    times: int


@dataclass
class _Page:
    body: bytes
    status: int
    content_type: str
    delay: float
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sandbox: SlackSandbox) -> None:
        self.sandbox = sandbox
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # One request per connection: keeps shutdown simple and matches what urllib does anyway.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        # Silence the default stderr access log; the call log is the record.
        return

    def do_GET(self) -> None:
        self.server.sandbox._handle(self, "GET")

    def do_HEAD(self) -> None:
        self.server.sandbox._handle(self, "HEAD")

    def do_POST(self) -> None:
        self.server.sandbox._handle(self, "POST")

    def read_body(self) -> bytes:
        """Read the request body, plain or chunked."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        head_only: bool = False,
    ) -> None:
        """Send a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Decode a form, multipart or JSON body into parameters; returns (params, error)."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, None
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return {}, "invalid_json"
        return (data, None) if isinstance(data, dict) else ({}, "invalid_json")
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, body), None
    return _parse_form(body.decode("utf-8", errors="replace")), None


def _parse_form(text: str) -> dict[str, Any]:
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            params[name] = raw
        else:
            params[name] = raw.decode("utf-8", errors="replace")
    return params


class SlackSandbox:
    """A stateful Slack Web API over real HTTP on 127.0.0.1, for tests and the demo."""

    BOT_TOKEN = constants.BOT_TOKEN
    APP_TOKEN = constants.APP_TOKEN
    TEAM_ID = constants.TEAM_ID
    TEAM_NAME = constants.TEAM_NAME
    TEAM_DOMAIN = constants.TEAM_DOMAIN
    BOT_USER_ID = constants.BOT_USER_ID
    BOT_ID = constants.BOT_ID
    APP_ID = constants.APP_ID

    def __init__(self, *, bot_scopes: Iterable[str] | None = None) -> None:
        self.bot_scopes: frozenset[str] | None = (
            frozenset(bot_scopes) if bot_scopes is not None else None
        )
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._last_ts_micros = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.api_url = ""
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._latency: dict[str, float] = {}
        self._pages: dict[str, _Page] = {}
        self._response_urls: set[str] = set()
        self._responses: list[tuple[str, JsonDict]] = []
        self._socket = SocketModeServer(app_id=constants.APP_ID)
        self._limiter: PostRateLimiter | None = None
        self._post_times: list[tuple[str, float]] = []
        self._limit_stats: dict[str, dict[str, int]] = {}
        self._ws = self._new_workspace()
        self._llm_script: deque[tuple[str | None, int, float]] = deque()
        self._llm_requests: list[JsonDict] = []

    # ------------------------------------------------------------ lifecycle

    def start(self) -> SlackSandbox:
        """Bind a free port, serve in a daemon thread and seed the workspace."""
        if self._server is not None:
            return self
        self._server = _Server(self)
        self._socket.start()
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/"
        self.api_url = self.base_url + "api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"slack-sandbox-{port}", daemon=True
        )
        self._thread.start()
        self.reset()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._socket.stop()

    def __enter__(self) -> SlackSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Clear state, call log, faults, pages and response URLs; re-seed the defaults."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._latency.clear()
            self._pages.clear()
            self._response_urls.clear()
            self._responses.clear()
            self._limiter = None
            self._post_times.clear()
            self._limit_stats.clear()
            self._llm_script.clear()
            self._llm_requests.clear()
            self._ws = self._new_workspace()
        self._socket.reset()

    def _new_workspace(self) -> Workspace:
        return Workspace(
            base_url=self.base_url,
            next_ts=self._next_ts,
            bot_scopes=self.bot_scopes,
            new_socket_url=self._socket.issue_url,
        )

    def _next_ts(self) -> str:
        # Called under the lock. Like Slack's, a ts is the posting time (so `oldest`/`latest`
        # filters mean what they say), made strictly increasing and never reused.
        now_micros = int(time.time() * 1_000_000)
        self._last_ts_micros = max(now_micros, self._last_ts_micros + _TS_STEP_MICROS)
        micros = self._last_ts_micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ------------------------------------------------------------ seeding helpers

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "America/New_York",
        team_id: str | None = None,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> dict[str, Any]:
        """Create or replace a person; returns their users.info object.

        `team_id` makes them someone of another organisation (a Slack Connect partner);
        `is_restricted` / `is_ultra_restricted` a multi- / single-channel guest.
        """
        with self._lock:
            return self._ws.add_user(
                user_id,
                name=name,
                real_name=real_name,
                email=email,
                is_admin=is_admin,
                is_owner=is_owner,
                is_primary_owner=is_primary_owner,
                is_bot=is_bot,
                deleted=deleted,
                tz=tz,
                team_id=team_id,
                is_restricted=is_restricted,
                is_ultra_restricted=is_ultra_restricted,
            )

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_archived: bool = False,
        members: Iterable[str] = (),
        bot_is_member: bool = False,
        shared_with: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Create or replace a channel; returns its conversations.info object.

        `shared_with`: other organisations' teams in it (a Slack Connect channel).
        """
        with self._lock:
            return self._ws.add_channel(
                channel_id,
                name=name,
                is_private=is_private,
                is_archived=is_archived,
                members=members,
                bot_is_member=bot_is_member,
                shared_with=shared_with,
            )

    def add_message(
        self, channel: str, *, user: str, text: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message written by a person (not the bot); returns it with its ts."""
        with self._lock:
            return copy.deepcopy(
                self._ws.add_message(channel, user=user, text=text, thread_ts=thread_ts)
            )

    def add_usergroup(
        self,
        usergroup_id: str,
        *,
        handle: str,
        name: str,
        users: Iterable[str],
        description: str = "",
        disabled: bool = False,
    ) -> dict[str, Any]:
        """Create or replace a user group; returns its usergroup object (``users`` included)."""
        with self._lock:
            return self._ws.add_usergroup(
                usergroup_id,
                handle=handle,
                name=name,
                users=users,
                description=description,
                disabled=disabled,
            )

    def set_bot_member(self, channel_id: str, is_member: bool = True) -> None:
        """Add the bot to, or remove it from, a channel (e.g. an invitation to a private one)."""
        with self._lock:
            members = self._ws.channel(channel_id).members
            if is_member and constants.BOT_USER_ID not in members:
                members.append(constants.BOT_USER_ID)
            if not is_member and constants.BOT_USER_ID in members:
                members.remove(constants.BOT_USER_ID)

    def channel_info(self, channel_id: str) -> dict[str, Any]:
        """Return the conversation object of a channel as the bot sees it."""
        with self._lock:
            return self._ws.channel_object(self._ws.channel(channel_id), member_count=True)

    def channel_members(self, channel_id: str) -> list[str]:
        """Return a channel's member ids (the bot included when it is a member)."""
        with self._lock:
            return list(self._ws.channel(channel_id).members)

    # ------------------------------------------------------------ OAuth

    def register_oauth_client(
        self, client_id: str, client_secret: str, *, rotation_expires_in: int | None = None
    ) -> None:
        """Accept this client id and secret at oauth.v2.access.

        With `rotation_expires_in`, the app has token rotation on: its bot tokens expire
        after that many seconds and come with a refresh token.
        """
        with self._lock:
            self._ws.oauth_clients[client_id] = client_secret
            if rotation_expires_in is None:
                self._ws.oauth_rotation.pop(client_id, None)
            else:
                self._ws.oauth_rotation[client_id] = rotation_expires_in

    def token_team(self, token: str) -> str | None:
        """The team a token issued by oauth.v2.access acts in (None: unknown token)."""
        with self._lock:
            info = self._ws.tokens.get(token)
            return None if info is None else info.team_id

    def issue_oauth_code(
        self,
        *,
        team_id: str = constants.TEAM_ID,
        user_id: str = "UADMIN",
        scopes: Iterable[str] = ("chat:write", "commands"),
        team_name: str | None = None,
        enterprise_id: str | None = None,
    ) -> str:
        """Return a single-use code that oauth.v2.access exchanges for a bot token.

        With `enterprise_id`, the install is org-wide (Enterprise Grid): the token acts in
        the organisation, whose workspace here is `team_id`.
        """
        code = f"{int(time.time())}.{secrets.token_hex(12)}"
        name = team_name or (constants.TEAM_NAME if team_id == constants.TEAM_ID else team_id)
        with self._lock:
            self._ws.oauth_codes[code] = OAuthCode(
                team_id, name, user_id, tuple(scopes), enterprise_id=enterprise_id
            )
        return code

    def revoke_token(self, token: str) -> None:
        """Make a token answer ``token_revoked`` from now on (uninstall scenarios)."""
        with self._lock:
            info = self._ws.tokens.get(token)
            if info is None:
                info = self._ws.tokens[token] = TokenInfo(token)
            info.revoked = True

    # ------------------------------------------------------------ response URLs, pages, faults

    def new_response_url(self) -> str:
        """Return a fresh response URL; posts to it are recorded and answer ``{"ok": true}``."""
        url = f"{self.base_url}response/{secrets.token_hex(8)}"
        with self._lock:
            self._response_urls.add(url)
        return url

    def set_page(
        self,
        path: str,
        *,
        body: bytes | str,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` at ``base_url + "pages/" + path`` (GET/HEAD); returns the full URL."""
        path = path.lstrip("/")
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._pages[path] = _Page(data, status, content_type, delay, dict(headers or {}))
        return f"{self.base_url}pages/{path}"

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Script the next ``times`` calls of ``method`` to fail without side effects.

        ``status=429`` answers ``ratelimited`` with a ``Retry-After`` header (``retry_after``
        seconds, 1 when not given, as Slack always sends one); 5xx answers an HTML error
        page; ``error="..."`` answers HTTP 200 ``{"ok": false, "error": error}`` whatever
        the status (with a ``Retry-After`` header when ``retry_after`` is given, e.g. for
        a ``rate_limited`` body).
        """
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                _Fault(status, retry_after, error, times)
            )

    def set_latency(self, method: str, seconds: float) -> None:
        """Make every call of ``method`` take at least ``seconds`` (0 removes it)."""
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    # ------------------------------------------------------------ rate limits

    def enforce_rate_limits(
        self,
        *,
        per_channel_per_second: float = 1.0,
        burst: int = 0,
        workspace_per_minute: int | None = None,
    ) -> None:
        """Limit chat.postMessage like Slack until ``stop_rate_limits()`` or ``reset()``.

        Per channel: ``per_channel_per_second`` sustained plus ``burst`` extra messages
        (token bucket, full at first). Workspace-wide, when given: at most
        ``workspace_per_minute`` posts in any 60 s. Over a limit: HTTP 429 ``ratelimited``
        with ``Retry-After`` (whole seconds, rounded up, at least 1) and nothing posted.
        """
        config = RateLimitConfig(per_channel_per_second, burst, workspace_per_minute)
        with self._lock:
            self._limiter = PostRateLimiter(config)

    def stop_rate_limits(self) -> None:
        """Stop limiting (recorded post times and stats are kept until ``reset()``)."""
        with self._lock:
            self._limiter = None

    def post_times(self, channel: str | None = None) -> list[float]:
        """Return ``time.monotonic()`` of every accepted chat.postMessage, in order.

        ``channel`` is a conversation id (a DM by its D... id); None means all channels.
        """
        with self._lock:
            return [t for c, t in self._post_times if channel is None or c == channel]

    def rate_limit_stats(self) -> dict[str, dict[str, int]]:
        """Return ``{method: {"accepted": n, "rejected": m}}`` for rate-limited methods.

        ``accepted`` counts successful posts (limits on or off); ``rejected`` counts 429s
        from ``enforce_rate_limits()`` (not the scripted ones of ``fail_next()``).
        """
        with self._lock:
            stats = {"chat.postMessage": {"accepted": 0, "rejected": 0}}
            for method, counts in self._limit_stats.items():
                stats[method] = dict(counts)
            return stats

    def _count(self, method: str, outcome: str) -> None:
        counts = self._limit_stats.setdefault(method, {"accepted": 0, "rejected": 0})
        counts[outcome] += 1

    # ------------------------------------------------------------ Socket Mode

    def socket_connected(self, timeout: float = 10.0) -> bool:
        """Wait until a Socket Mode client is connected and got ``hello``; False on timeout."""
        return self._socket.wait_connected(timeout)

    def socket_send_command(
        self, command: str, text: str = "", *, user_id: str = "U0REP1", channel_id: str = "C0SALES"
    ) -> str:
        """Send a ``slash_commands`` envelope (fresh response URL); returns its envelope_id."""
        payload = payloads.slash_command(
            command,
            text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=self.new_response_url(),
        )
        return self._socket.send("slash_commands", payload, accepts_response_payload=True)

    def socket_send_event(self, event: dict[str, Any]) -> str:
        """Send an ``events_api`` envelope wrapping ``event`` in ``event_callback``."""
        payload = payloads.event_callback(event)
        return self._socket.send("events_api", payload, accepts_response_payload=False)

    def socket_send_interactive(self, payload: dict[str, Any]) -> str:
        """Send an ``interactive`` envelope (block_actions, view_submission...)."""
        # Only these answer in the ack itself (response_action, options); the rest ack empty.
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return self._socket.send("interactive", payload, accepts_response_payload=accepts)

    def socket_envelope(self, envelope_id: str) -> dict[str, Any]:
        """Return the envelope sent as ``envelope_id`` (e.g. its payload's response_url)."""
        return self._socket.envelope(envelope_id)

    def socket_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the client's ack of an envelope: ``{"envelope_id": ..., "payload": ...}``."""
        return self._socket.wait_ack(envelope_id, timeout)

    # ------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Return recorded calls in order (failed attempts included), optionally of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` were recorded; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"expected {count} {method} call(s) within {timeout}s, "
                        f"got {len(found)}; calls so far: {seen}"
                    )
                self._changed.wait(remaining)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Return a channel's top-level messages, oldest first (threads via ``replies()``)."""
        with self._lock:
            return copy.deepcopy(self._ws.channel(channel).messages)

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Return the replies of a thread (parent excluded), oldest first."""
        with self._lock:
            return copy.deepcopy(self._ws.channel(channel).replies.get(thread_ts, []))

    def find_messages(
        self, channel: str, *, event_type: str | None = None, thread_ts: str | None = None
    ) -> list[dict[str, Any]]:
        """Return a channel's messages carrying metadata ``event_type``, oldest first.

        Top-level messages by default; with ``thread_ts`` (the parent's or any reply's ts)
        the replies of that thread instead. ``event_type=None`` does not filter. Messages
        are returned whole, ``metadata`` included.
        """
        with self._lock:
            found = self._ws.find_messages(channel, event_type=event_type, thread_ts=thread_ts)
            return copy.deepcopy(found)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Return one message (top level or reply) by ts, or None."""
        with self._lock:
            found = self._ws.channel(channel).by_ts.get(ts)
            return copy.deepcopy(found) if found is not None else None

    def ephemerals(
        self, channel: str | None = None, user: str | None = None
    ) -> list[dict[str, Any]]:
        """Return ephemeral messages (channel, user, message_ts, text, blocks), filtered."""
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ws.ephemerals
                if (channel is None or e["channel"] == channel)
                and (user is None or e["user"] == user)
            ]

    def views(self) -> list[dict[str, Any]]:
        """Return modal views (current state, creation order) with ``trigger_id``, ``method``."""
        with self._lock:
            out = []
            for view_id, view in self._ws.views.items():
                item = copy.deepcopy(view)
                item["trigger_id"] = self._ws.view_triggers.get(view_id)
                item["method"] = self._ws.view_methods[view_id]
                out.append(item)
            return out

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """Return the App Home view last published for a user, or None."""
        with self._lock:
            view = self._ws.home_views.get(user_id)
            return copy.deepcopy(view) if view is not None else None

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Return completed uploads: id, filename, title, channel_id, content (bytes), ..."""
        with self._lock:
            return copy.deepcopy(self._ws.files)

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """Return JSON bodies posted to response URLs (all, or those of one URL), in order."""
        with self._lock:
            return [copy.deepcopy(b) for u, b in self._responses if url is None or u == url]

    # ------------------------------------------------------------ HTTP handling

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _handle(self, req: _Handler, verb: str) -> None:
        parts = urlsplit(req.path)
        path = parts.path.lstrip("/")
        headers = {k.lower(): v for k, v in req.headers.items()}
        body = req.read_body() if verb == "POST" else b""
        try:
            if path.startswith("api/"):
                self._handle_api(req, path[4:], parts.query, headers, body)
            elif path.startswith("upload/v1/") and verb == "POST":
                self._handle_upload(req, path[len("upload/v1/") :], headers, body)
            elif path.startswith("response/") and verb == "POST":
                self._handle_response_url(req, headers, body)
            elif path.startswith("pages/") and verb in ("GET", "HEAD"):
                self._handle_page(req, path[len("pages/") :], head_only=verb == "HEAD")
            elif path == "oauth/v2/authorize" and verb == "GET":
                self._handle_authorize(req, parts.query, headers)
            elif path == LLM_PATH and verb == "POST":
                self._handle_llm(req, headers, body)
            else:
                req.reply(404, b"Not Found", "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. a title fetch timed out on a slow page): nothing to answer.
            return

    # ------------------------------------------------------------ fake model endpoint

    @property
    def llm_url(self) -> str:
        """An OpenAI-compatible chat completions endpoint that answers as scripted."""
        return self.base_url + LLM_PATH

    def script_llm(
        self,
        content: str | JsonDict | None = None,
        *,
        status: int = 200,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue the next `times` answers of the model endpoint (a dict is sent as JSON text)."""
        text = json.dumps(content) if isinstance(content, dict) else content
        with self._lock:
            for _ in range(times):
                self._llm_script.append((text, status, delay))

    def llm_requests(self) -> list[JsonDict]:
        """The JSON bodies the model endpoint received, oldest first."""
        with self._lock:
            return copy.deepcopy(self._llm_requests)

    def _handle_llm(self, req: _Handler, headers: dict[str, str], body: bytes) -> None:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {"malformed": True}
        with self._lock:
            self._llm_requests.append(request)
            scripted = self._llm_script.popleft() if self._llm_script else None
        text, status, delay = scripted or (json.dumps({"blame": False, "rewording": ""}), 200, 0.0)
        if delay > 0:
            time.sleep(delay)
        if status != 200:
            req.reply(status, b'{"error": {"message": "scripted failure"}}', "application/json")
            return
        reply = {
            "id": "chatcmpl-sandbox",
            "object": "chat.completion",
            "model": str(request.get("model", "")),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }
        req.reply(200, json.dumps(reply).encode(), "application/json; charset=utf-8")

    def _fault_response(
        self, req: _Handler, method: str, params: JsonDict, headers: dict[str, str]
    ) -> bool:
        with self._lock:
            fault = self._take_fault(method)
        if fault is None:
            return False
        extra: dict[str, str] = {}
        if fault.error is not None:
            status, response = 200, {"ok": False, "error": fault.error}
            if fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
            req.reply(200, json.dumps(response).encode(), "application/json; charset=utf-8", extra)
        elif fault.status == 429:
            status, response = 429, {"ok": False, "error": "ratelimited"}
            extra["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 1)
            req.reply(429, json.dumps(response).encode(), "application/json; charset=utf-8", extra)
        else:
            status, response = fault.status, {"ok": False, "error": f"http_{fault.status}"}
            page = f"<html><body><h1>{fault.status} Server Error</h1></body></html>".encode()
            req.reply(fault.status, page, "text/html; charset=utf-8")
        self._record(Call(method, params, headers, status, response))
        return True

    def _handle_api(
        self, req: _Handler, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> None:
        content_type = headers.get("content-type", "")
        params: JsonDict = _parse_form(query)
        parsed, parse_error = _parse_body(content_type, body)
        params.update(parsed)
        if self._fault_response(req, method, params, headers):
            return
        delay = self._latency.get(method, 0.0)
        if delay > 0:
            # Outside the lock: a slow method must not stall the others.
            time.sleep(delay)
        token: str | None = None
        basic: tuple[str, str] | None = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        elif auth.lower().startswith("basic "):
            try:
                user, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
                basic = (user, secret)
            except ValueError:
                basic = ("", "")
        if token is None and params.get("token"):
            token = str(params["token"])
        retry_after: int | None = None
        with self._lock:
            if parse_error is not None:
                response: JsonDict = {"ok": False, "error": parse_error}
            elif method == "chat.postMessage":
                now = time.monotonic()
                channel = self._ws.resolve_channel_id(str(params.get("channel") or ""))
                if self._limiter is not None:
                    retry_after = self._limiter.retry_after(channel, now)
                if retry_after is not None:
                    response = {"ok": False, "error": "ratelimited"}
                    self._count(method, "rejected")
                else:
                    response = self._ws.call(method, params, token=token, basic=basic)
                    if response.get("ok"):
                        posted = str(response.get("channel", channel))
                        if self._limiter is not None:
                            self._limiter.consume(posted, now)
                        self._post_times.append((posted, now))
                        self._count(method, "accepted")
            else:
                response = self._ws.call(method, params, token=token, basic=basic)
        if retry_after is not None:
            self._record(Call(method, params, headers, 429, copy.deepcopy(response)))
            req.reply(
                429,
                json.dumps(response).encode(),
                "application/json; charset=utf-8",
                {"Retry-After": str(retry_after)},
            )
            return
        kind = content_type.split(";")[0].strip().lower()
        if response.get("ok") and kind == "application/json" and "charset" not in content_type:
            # Slack warns (without failing) when a JSON body does not name its charset.
            response["warning"] = "missing_charset"
            response.setdefault("response_metadata", {}).setdefault("warnings", []).append(
                "missing_charset"
            )
        self._record(Call(method, params, headers, 200, copy.deepcopy(response)))
        req.reply(200, json.dumps(response).encode(), "application/json; charset=utf-8")

    def _handle_upload(
        self, req: _Handler, file_id: str, headers: dict[str, str], body: bytes
    ) -> None:
        params: JsonDict = {"file_id": file_id, "length": len(body)}
        if self._fault_response(req, "files.upload", params, headers):
            return
        content = body
        content_type = headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            fields = _parse_multipart(content_type, body)
            files = [v for v in fields.values() if isinstance(v, bytes)]
            content = files[0] if files else str(fields.get("file", "")).encode()
        with self._lock:
            known = self._ws.receive_upload(file_id, content)
        if not known:
            self._record(
                Call("files.upload", params, headers, 404, {"ok": False, "error": "file_not_found"})
            )
            req.reply(404, b"file not found", "text/plain; charset=utf-8")
            return
        params["length"] = len(content)
        self._record(Call("files.upload", params, headers, 200, {"ok": True}))
        req.reply(200, f"OK - {len(content)}".encode(), "text/plain; charset=utf-8")

    def _handle_response_url(self, req: _Handler, headers: dict[str, str], body: bytes) -> None:
        url = self.base_url + urlsplit(req.path).path.lstrip("/")
        parsed, error = _parse_body(headers.get("content-type", "application/json"), body)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            # Some clients post JSON without a JSON content type; Slack accepts either.
            try:
                loaded = json.loads(body or b"{}")
                parsed, error = (loaded, None) if isinstance(loaded, dict) else (parsed, error)
            except ValueError:
                pass
        params: JsonDict = {"url": url, **parsed}
        if self._fault_response(req, "response_url", params, headers):
            return
        with self._lock:
            known = url in self._response_urls
        if not known:
            self._record(
                Call("response_url", params, headers, 404, {"ok": False, "error": "expired_url"})
            )
            req.reply(404, b"expired_url", "text/plain; charset=utf-8")
            return
        if error is not None:
            self._record(Call("response_url", params, headers, 400, {"ok": False, "error": error}))
            req.reply(400, b"invalid_payload", "text/plain; charset=utf-8")
            return
        with self._lock:
            self._responses.append((url, copy.deepcopy(parsed)))
        self._record(Call("response_url", params, headers, 200, {"ok": True}))
        req.reply(200, b'{"ok": true}', "application/json; charset=utf-8")

    def _handle_page(self, req: _Handler, path: str, *, head_only: bool) -> None:
        with self._lock:
            page = self._pages.get(path)
        # Logged as "page" so tests can prove a fetch did (or did not) happen.
        status = page.status if page is not None else 404
        self._record(Call("page", {"path": path}, dict(req.headers.items()), status, {}))
        if page is None:
            req.reply(
                404, b"<html><title>Not Found</title></html>", "text/html", head_only=head_only
            )
            return
        if page.delay > 0:
            time.sleep(page.delay)
        req.reply(page.status, page.body, page.content_type, page.headers, head_only=head_only)

    def _handle_authorize(self, req: _Handler, query: str, headers: dict[str, str]) -> None:
        params = _parse_form(query)
        redirect_uri = str(params.get("redirect_uri", ""))
        if not redirect_uri:
            self._record(
                Call(
                    "oauth.v2.authorize",
                    params,
                    headers,
                    400,
                    {"ok": False, "error": "bad_redirect_uri"},
                )
            )
            req.reply(400, b"bad_redirect_uri", "text/plain")
            return
        scopes = [s for s in str(params.get("scope", "")).split(",") if s]
        # `team` preselects the workspace on Slack's consent screen; here it picks the team,
        # or with an enterprise id (E…) an org-wide install into the sandbox's workspace.
        team = str(params.get("team", "")) or constants.TEAM_ID
        if team.startswith("E"):
            code = self.issue_oauth_code(
                team_id=constants.TEAM_ID, scopes=scopes, enterprise_id=team
            )
        else:
            code = self.issue_oauth_code(team_id=team, scopes=scopes)
        target = redirect_uri + ("&" if "?" in redirect_uri else "?")
        target += urlencode({"code": code, "state": params.get("state", "")})
        self._record(Call("oauth.v2.authorize", params, headers, 302, {"ok": True, "code": code}))
        req.reply(302, b"", "text/plain", {"Location": target})
