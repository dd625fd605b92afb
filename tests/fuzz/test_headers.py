"""Signature and timestamp headers as a forger might write them: every one a clean 401.

Any value for `X-Slack-Request-Timestamp` and `X-Slack-Signature` (missing, repeated,
numbers of any form, any text), with a body that names a response URL and a trigger: the
answer is 401 before the body is read, nothing is called, nothing is stored, nothing is
logged at ERROR. The real signature of the same body at a valid time is the only way in.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from sandbox import slash_command
from tests.support.fuzzing import Rig, fuzz_settings
from tests.support.serving import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"

# Header values httpx will put on the wire (it refuses CR, LF and NUL, as HTTP does).
header_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]),
    max_size=80,
).map(str.strip)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:e}"),
    st.integers(min_value=1, max_value=400).map(lambda n: "9" * n),
)
timestamps = st.one_of(st.none(), numbers, header_text)
signatures = st.one_of(
    st.none(),
    header_text,
    st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=70).map(lambda h: "v0=" + h),
)


def _sign(body: bytes, timestamp: str) -> str:
    base = b"v0:" + timestamp.encode("utf-8", "replace") + b":" + body
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


@fuzz_settings()
@given(
    timestamp=timestamps,
    signature=signatures,
    sign_own_timestamp=st.booleans(),
    repeat=st.sampled_from([None, "timestamp", "signature"]),
)
@example(timestamp="abc", signature="v0=" + "0" * 64, sign_own_timestamp=False, repeat=None)
@example(timestamp="1e9", signature=None, sign_own_timestamp=True, repeat=None)
@example(timestamp="4" * 400, signature=None, sign_own_timestamp=True, repeat=None)
def test_forged_headers_are_refused_before_anything(
    rig: Rig,
    timestamp: str | None,
    signature: str | None,
    sign_own_timestamp: bool,
    repeat: str | None,
) -> None:
    response_url = rig.sandbox.new_response_url()
    fields = slash_command(
        "/collateral",
        "add https://example.com/f Fuzzed",
        user_id="U0MKT1",
        response_url=response_url,
    )
    body = urlencode(fields).encode()
    now = int(time.time())
    fresh = timestamp is not None and timestamp.isascii() and timestamp.isdigit()
    if fresh and abs(now - int(str(timestamp))) <= 300:
        timestamp = str(now - 301)  # a fresh, well-formed time is not a forgery
    headers: list[tuple[str, str]] = [("Content-Type", FORM)]
    if timestamp is not None:
        headers.append(("X-Slack-Request-Timestamp", timestamp))
        if sign_own_timestamp:
            signature = _sign(body, timestamp)  # the right HMAC, over a bad or stale time
    if signature is not None:
        headers.append(("X-Slack-Signature", signature))
    if repeat == "timestamp":
        headers.append(("X-Slack-Request-Timestamp", str(now)))
    elif repeat == "signature":
        headers.append(("X-Slack-Signature", _sign(body, str(now))))
    mark = len(rig.sandbox.calls())
    raw = [(name.encode("ascii"), value.encode("utf-8")) for name, value in headers]
    try:
        response = httpx.post(rig.driver.app_url, content=body, headers=raw, timeout=10)
    except httpx.LocalProtocolError:
        return  # not sendable as HTTP at all
    # 400: a byte HTTP itself forbids in a header, refused by the server's parser.
    assert response.status_code in (400, 401), (timestamp, signature, response.status_code)
    assert len(response.text) < 200
    time.sleep(0.01)
    assert rig.sandbox.calls()[mark:] == []
    rig.check_no_errors((timestamp, signature))
    rig.count("headers")
