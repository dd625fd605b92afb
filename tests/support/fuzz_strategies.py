"""Hypothesis strategies for what people (and forgers) can send Liaison."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from domain.commands import WEEKDAYS
from domain.feedback import VERDICT_WORDS

# Words of every grammar we parse (domain/commands.py, domain/feedback.py), to recombine.
GRAMMAR = (
    "help",
    "add",
    "search",
    "find",
    "used",
    "digest",
    "here",
    "now",
    "preview",
    "schedule",
    "sales",
    "admins",
    "launchers",
    "everyone",
    "list",
    "remove",
    "group",
    "export",
    "payload",
    "PD-1",
    "FP-2",
    "pd-1",
    "PD-0",
    "PD-99999999999999999999",
    "Pricing",
    "deck",
    "Fuzz",
    "page",
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Etc/GMT+14",
    "localtime",
    "../../etc/passwd",
    "09:00",
    "23:59",
    "24:00",
    "9:5",
    "-1:00",
    *WEEKDAYS,
    "mon",
    "tu",
    *VERDICT_WORDS,
    ":+1::skin-tone-3:",
    ":thumbsdown::skin-tone-6:",
)

MARKUP = (
    "<@U0REP1>",
    "<@U0REP1|riley.rep>",
    "<@UADMIN>",
    "<@W0AAAAAAAA|x>",
    "<@U123>",
    "<@>",
    "<@U0REP1",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0SALESTEAM|@sales-team>",
    "<!subteam^S0NOPE>",
    "<!date^1392734382^{date}|Feb 18>",
    "<#C0SALES|sales>",
    "<#C1|x>",
    "<#C0SALES>",
    "<http://example.com|x>",
    "<https://example.com/a?b=c&amp;d=e|label>",
    "<mailto:someone@example.com|someone>",
    "<tel:+15555550100>",
    "&lt;",
    "&gt;",
    "&amp;",
    "&amp;lt;",
    "&#60;",
    "`",
    "```",
    "*bold*",
    "_it_",
    "~s~",
    "> quote",
    ":tada:",
    ":",
    "|",
    "||",
    "%",
    "%00",
    "%0a",
    "%26payload%3D%7B%7D",
    "payload=%7B%22type%22%3A%22block_actions%22%7D",
    "&payload=x",
    "payload={}",
    "=",
    "&",
    "+",
    "\\",
    '"',
    "'",
)

URLS = (
    "https://example.com/deck",
    "http://example.invalid/deck",
    "https://deck.invalid/a%7Cb?x=1#frag",
    "http://10.0.0.1/",
    "http://127.0.0.1:1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://public@127.0.0.1/",
    "http://localhost/",
    "https://bücher.invalid/",
    "https://xn--.invalid/",
    "javascript:alert(1)",
    "ftp://example.com/file",
    "file:///etc/passwd",
    "https://",
    "https://:80/",
    "https://example.com:99999/",
    "https://example.com:0/",
    "www.example.com",
    "<https://example.com/x|Deck>",
    "<https://example.com/x>",
    "https://example.com/" + "a" * 2100,
    "https://" + "a" * 70 + ".invalid/",
)

CONTROLS = (
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x1b[31m",
    "\x7f",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\u0085",
    "\u00a0",
    "\u200b",
    "\u200d",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffd",
    "\U0001f44d",
    "\U0001f44e",
    "\U0001f3af",
    "e\u0301",
    "\U000e0001",
)

SEPARATORS = st.sampled_from((" ", "  ", "\t", "\n", " \u00a0", "", "\u3000"))

token = st.one_of(
    st.sampled_from(GRAMMAR),
    st.sampled_from(MARKUP),
    st.sampled_from(URLS),
    st.sampled_from(CONTROLS),
    st.text(max_size=12),
    st.from_regex(r"[A-Za-z]{1,3}-[0-9]{1,4}", fullmatch=True),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)


@st.composite
def recombined(draw: st.DrawFn) -> str:
    """Words of our grammar, markup, links and control characters, in any order."""
    words = draw(st.lists(token, max_size=12))
    out = ""
    for word in words:
        out += word + draw(SEPARATORS)
    return out


def huge(alphabet: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Text around and beyond Slack's limits: repeated pieces up to ~45,000 characters."""
    piece = alphabet if alphabet is not None else st.one_of(token, st.just("a"), st.just("👍 "))
    sizes = st.sampled_from((2_999, 3_000, 3_001, 3_999, 4_000, 4_001, 12_000, 45_000))
    return st.tuples(st.sampled_from((*GRAMMAR, "")), piece, sizes).map(
        lambda t: (t[0] + " " + (t[1] or "x") * (t[2] // max(1, len(t[1] or "x")) + 1))[: t[2]]
    )


any_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300
)  # every code point but lone surrogates (which can't be sent as UTF-8)

command_text = st.one_of(
    st.just(""),
    any_text,
    recombined(),
    st.tuples(st.sampled_from(GRAMMAR), recombined()).map(" ".join),
    st.tuples(st.sampled_from(GRAMMAR), st.sampled_from(GRAMMAR), recombined()).map(" ".join),
    huge(),
)

# Values of every JSON type, including the wrong ones for each field.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
    st.sampled_from(("", "1", "0", "-1", "1.5", "1e3", " 1", "99999999999999999999", "NaN")),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or any other JSON value in its place."""
    return st.one_of(value, value, value, json_values)


ids = st.one_of(
    st.sampled_from(
        ("1", "2", "0", "-1", "", " 1 ", "1.0", "\uff11", "0x1", "99999999999999999999")
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    any_text,
)
users = st.sampled_from(("U0REP1", "U0REP2", "U0MKT1", "UADMIN", "UOWNER", "U0LEAD1"))
channels = st.sampled_from(("C0SALES", "C0LEADS", "C0SALESWEST", "G0PRIVATE", "D0DIRECT01"))
