from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.urls import (
    InvalidUrl,
    is_response_url,
    parse_collateral_url,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://example.com/deck", "https://example.com/deck"),
        ("http://example.com/deck", "http://example.com/deck"),
        ("  https://example.com/deck \n", "https://example.com/deck"),
        ("<https://example.com/deck>", "https://example.com/deck"),
        ("<https://example.com/deck|Pricing deck>", "https://example.com/deck"),
        ("<https://example.com/a?b=1&amp;c=2|label>", "https://example.com/a?b=1&c=2"),
        ("https://example.com/deck.", "https://example.com/deck"),
        ("https://example.com/deck,", "https://example.com/deck"),
        ("<https://example.com/deck>.", "https://example.com/deck"),
        ("(https://example.com/deck)", "https://example.com/deck"),
        ('"https://example.com/deck"', "https://example.com/deck"),
        ("\u201chttps://example.com/deck\u201d", "https://example.com/deck"),
        (
            "https://en.wikipedia.org/wiki/Spin_(physics)",
            "https://en.wikipedia.org/wiki/Spin_(physics)",
        ),
        (
            "(see https://en.wikipedia.org/wiki/Spin_(physics))"[5:],
            "https://en.wikipedia.org/wiki/Spin_(physics)",
        ),
        ("HTTPS://Example.COM/Deck", "https://example.com/Deck"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com.", "https://example.com/"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://bücher.de/katalog", "https://xn--bcher-kva.de/katalog"),
        ("https://BÜCHER.de/", "https://xn--bcher-kva.de/"),
        ("https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"),
        ("https://example.com/a#section-2", "https://example.com/a#section-2"),
        ("https://[2001:db8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
        ("https://93.184.216.34/", "https://93.184.216.34/"),
        ("https://my_host.example.com/", "https://my_host.example.com/"),
    ],
)
def test_parse_collateral_url_accepts(typed: str, expected: str) -> None:
    assert parse_collateral_url(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message_part"),
    [
        ("", "paste a link"),
        ("   ", "paste a link"),
        ("<>", "paste a link"),
        ("javascript:alert(1)", "https://"),
        ("JavaScript://example.com/%0aalert(1)", "https://"),
        ("file:///etc/passwd", "https://"),
        ("ftp://example.com/deck.pdf", "https://"),
        ("data:text/html,<script>alert(1)</script>", "https://"),
        ("example.com/deck", "https://"),
        ("www.example.com", "https://"),
        ("https:example.com", "https://"),
        ("https:/example.com", "https://"),
        ("https://", "no site name"),
        ("https:///path", "no site name"),
        ("https://:443/", "no site name"),
        ("https://user:pass@example.com/", "password"),
        ("https://user@example.com/", "password"),
        ("https://example.com@evil.test/", "password"),
        ("https://example.com:99999/", "port"),
        ("https://example.com:0/", "port"),
        ("https://example.com:http/", "port"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com/a b", "spaces"),
        ("https://example.com/a\tb", "spaces"),
        ("https://example.com/\x00", "hidden"),
        ("https://example.com/\u200b", "hidden"),
        ("https://example.com/\u202e", "hidden"),
        ("https://example.com/" + "a" * 2000, "too long"),
        ("https://exa%41mple.com/", "https://"),
        ("https://[fe80::1%25eth0]/", "https://"),
        ("https://[not-ipv6]/", "https://"),
        ("https://a..b/", "https://"),
        ("https://ex!ample.com/", "https://"),
        ("https://" + "a" * 64 + ".com/", "https://"),
    ],
)
def test_parse_collateral_url_rejects(typed: str, message_part: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        parse_collateral_url(typed)
    assert message_part in str(caught.value)
    # Short enough for an ephemeral reply and never echoing a huge input back.
    assert len(str(caught.value)) < 120


def test_invalid_url_is_a_value_error() -> None:
    assert issubclass(InvalidUrl, ValueError)


@given(st.text(max_size=300))
def test_parse_collateral_url_only_raises_invalid_url(text: str) -> None:
    try:
        result = parse_collateral_url(text)
    except InvalidUrl:
        return
    assert result.startswith(("http://", "https://"))
    assert len(result) <= 2000


@given(
    st.from_regex(r"\A<?https?://[a-zA-Z0-9.\-\[\]:@%_]{0,40}(/[^\s]{0,40})?(\|[^>]{0,10})?>?\Z")
)
def test_parse_collateral_url_only_raises_invalid_url_on_url_like_text(text: str) -> None:
    try:
        result = parse_collateral_url(text)
    except InvalidUrl:
        return
    # A canonical URL is a fixed point: parsing it again changes nothing.
    assert parse_collateral_url(result) == result


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://example.com/a|b", "https://example.com/a%7Cb"),
        ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%c3%a9"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("https://example.com/日本", "https://example.com/%E6%97%A5%E6%9C%AC"),
        ("https://example.com/?q=a|b&x=<y>", "https://example.com/?q=a%7Cb&x=%3Cy%3E"),
        ("https://example.com/?q=ü", "https://example.com/?q=%C3%BC"),
        ("https://example.com/a#x|y", "https://example.com/a#x%7Cy"),
        ("https://example.com/a#%7Cdone", "https://example.com/a#%7Cdone"),
        ("https://example.com/a#b#c", "https://example.com/a#b%23c"),
        ('https://example.com/"{x}"^\\y`z', "https://example.com/%22%7Bx%7D%22%5E%5Cy%60z"),
        ("https://example.com/a[1]", "https://example.com/a%5B1%5D"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://example.com/%zz/%4", "https://example.com/%25zz/%254"),
        ("<https://example.com/a&lt;b&gt;c|label>", "https://example.com/a%3Cb%3Ec"),
        ("https://example.com/&amp;lt;x", "https://example.com/&lt%3Bx"),
        # Everything RFC 3986 allows stays as typed.
        (
            "https://example.com/p;x=1/a:b@c!$&'()*+,=-._~?q=/?:@#f/?g",
            "https://example.com/p;x=1/a:b@c!$&'()*+,=-._~?q=/?:@#f/?g",
        ),
    ],
)
def test_parse_collateral_url_percent_encodes_what_a_url_may_not_contain(
    typed: str, expected: str
) -> None:
    assert parse_collateral_url(typed) == expected


_RFC3986_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?#[]%"
)


def _assert_canonical(result: str) -> None:
    # Pure ASCII, nothing outside RFC 3986, nothing that breaks Slack's <url|label>, and
    # a fixed point: parsing the stored form again changes nothing.
    assert result.isascii()
    assert set(result) <= _RFC3986_ALLOWED
    assert not set(result) & set('|<>"`{}^\\ ')
    assert parse_collateral_url(result) == result


@given(st.text(max_size=300))
def test_parse_collateral_url_output_is_canonical(text: str) -> None:
    try:
        result = parse_collateral_url(text)
    except InvalidUrl:
        return
    _assert_canonical(result)


@given(
    st.sampled_from(["https://example.com/", "http://bücher.de:8080/x?", "https://a.b/c#"]),
    st.lists(
        st.one_of(
            st.sampled_from(list("|<>\"`{}^\\[]#?%&;=/()'.,*!")),
            st.sampled_from(["%7C", "%C3%A9", "%4", "&amp;", "&lt;", "&gt;", "&amp;lt;"]),
            st.characters(codec="utf-8", exclude_categories=["Cs"]),
        ),
        max_size=20,
    ).map("".join),
)
def test_parse_collateral_url_is_idempotent_on_urls_with_awkward_characters(
    prefix: str, rest: str
) -> None:
    try:
        result = parse_collateral_url(prefix + rest)
    except InvalidUrl:
        return
    _assert_canonical(result)


@pytest.mark.parametrize(
    ("url", "api_url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", "https://slack.com/api/", True),
        ("https://hooks.slack.com:443/actions/T1/2/abc", "https://slack.com/api/", True),
        ("https://hooks.slack-gov.com/commands/T1/2/x", "https://slack-gov.com/api/", True),
        ("http://hooks.slack.com/commands/T1/2/abc", "https://slack.com/api/", False),
        ("https://hooks.slack.com.evil.example/x", "https://slack.com/api/", False),
        ("https://evil.example/hooks.slack.com", "https://slack.com/api/", False),
        ("https://user@hooks.slack.com/x", "https://slack.com/api/", False),
        ("https://hooks.slack.com:8443/x", "https://slack.com/api/", False),
        ("http://127.0.0.1:9/x", "https://slack.com/api/", False),
        ("file:///etc/passwd", "https://slack.com/api/", False),
        ("https://hooks.slack.com/x\u202e", "https://slack.com/api/", False),
        ("", "https://slack.com/api/", False),
        # The local sandbox plays Slack: exactly its scheme, host and port.
        ("http://127.0.0.1:8123/response/abc", "http://127.0.0.1:8123/api/", True),
        ("http://127.0.0.1:8124/response/abc", "http://127.0.0.1:8123/api/", False),
        ("https://127.0.0.1:8123/response/abc", "http://127.0.0.1:8123/api/", False),
        ("https://hooks.slack.com/x", "http://127.0.0.1:8123/api/", True),
        ("https://slack.com/api/x", "https://slack.com/api/", False),
    ],
)
def test_response_urls_are_only_slacks(url: str, api_url: str, allowed: bool) -> None:
    assert is_response_url(url, api_url=api_url) is allowed


def test_a_response_url_that_is_not_text_is_refused() -> None:
    for value in (None, 7, ["https://hooks.slack.com/x"], {"url": "x"}):
        assert is_response_url(value, api_url="https://slack.com/api/") is False
