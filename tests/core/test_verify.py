"""core.verify: Slack's v0 signature, checked on the raw bytes, headers first."""

from __future__ import annotations

import pytest

from core.verify import WINDOW_S, Refusal, Signature, check_headers
from sandbox.signer import signature

NOW = 1_800_000_000.0
SECRET = "shh-0123456789"


def test_a_fresh_well_formed_pair_passes_and_the_hmac_matches_in_chunks() -> None:
    body = b"token=x&text=hello+%F0%9F%91%8B"
    ts = str(int(NOW))
    good = signature(SECRET, body, ts)
    assert check_headers([ts], [good], now=NOW) is None
    signed = Signature(SECRET, ts)
    for i in range(0, len(body), 5):
        signed.update(body[i : i + 5])
    assert signed.matches(good)
    assert not signed.matches(signature("another", body, ts))


@pytest.mark.parametrize(
    ("timestamps", "signatures", "refusal"),
    [
        ([], ["v0=" + "a" * 64], Refusal.NO_TIMESTAMP),
        (["1"], [], Refusal.NO_SIGNATURE),
        (["1", "1"], ["v0=" + "a" * 64], Refusal.DUPLICATE),
        (["1"], ["v0=" + "a" * 64] * 2, Refusal.DUPLICATE),
        (["abc"], ["v0=" + "a" * 64], Refusal.BAD_TIMESTAMP),
        (["1e9"], ["v0=" + "a" * 64], Refusal.BAD_TIMESTAMP),
        (["4" * 400], ["v0=" + "a" * 64], Refusal.BAD_TIMESTAMP),
        (["-1"], ["v0=" + "a" * 64], Refusal.BAD_TIMESTAMP),
        (["\u0661\u0662"], ["v0=" + "a" * 64], Refusal.BAD_TIMESTAMP),
        ([str(int(NOW))], ["v0=" + "A" * 64], Refusal.BAD_SIGNATURE),
        ([str(int(NOW))], ["v1=" + "a" * 64], Refusal.BAD_SIGNATURE),
        ([str(int(NOW))], ["v0=" + "a" * 63], Refusal.BAD_SIGNATURE),
        ([str(int(NOW - WINDOW_S - 1))], ["v0=" + "a" * 64], Refusal.STALE),
        ([str(int(NOW + WINDOW_S + 1))], ["v0=" + "a" * 64], Refusal.STALE),
    ],
)
def test_malformed_missing_or_stale_headers_are_refused(
    timestamps: list[str], signatures: list[str], refusal: Refusal
) -> None:
    assert check_headers(timestamps, signatures, now=NOW) is refusal


def test_the_window_edges_are_inclusive() -> None:
    sig = ["v0=" + "0" * 64]
    assert check_headers([str(int(NOW - WINDOW_S))], sig, now=NOW) is None
    assert check_headers([str(int(NOW + WINDOW_S))], sig, now=NOW) is None


def test_a_non_ascii_signature_never_raises() -> None:
    assert not Signature(SECRET, "1").matches("v0=" + "é" * 64)
