"""core.titles: a page's title from its HTML, cleaned for display."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.titles import extract_title


@pytest.mark.parametrize(
    ("html_text", "expected"),
    [
        ("<html><head><title>Q3 pricing deck</title></head></html>", "Q3 pricing deck"),
        ("<TITLE>Upper case</TITLE>", "Upper case"),
        ("<title>  Spread \n\t over   lines  </title>", "Spread over lines"),
        ("<title>Caf&eacute; &amp; Bar &#8212; &lt;3</title>", "Café & Bar — <3"),
        ("<title>Bell\x07 and\x1b escape</title>", "Bell and escape"),
        ("<title>\u202eevil</title>", "evil"),
        ("<title>First</title><title>Second</title>", "First"),
        ('<meta property="og:title" content="Only OG &amp; friends">', "Only OG & friends"),
        ('<meta name="og:title" content="OG by name">', "OG by name"),
        ("<meta property='OG:Title' content='Mixed case'/>", "Mixed case"),
        ('<title>Real</title><meta property="og:title" content="OG">', "Real"),
        ('<meta property="og:title" content="OG"><title>Real</title>', "Real"),
        ('<title>   </title><meta property="og:title" content="Fallback">', "Fallback"),
        ("<svg><title>icon</title></svg><title>Page</title>", "Page"),
        ("<svg><title>icon</title></svg>", None),
        ("<title>Left open", "Left open"),
        ("", None),
        ("<html><body>No title here</body></html>", None),
        ("<title></title>", None),
        ("<title>\n \t</title>", None),
        ('<meta property="og:title" content="">', None),
        ('<meta property="og:description" content="Not a title">', None),
        ("plain text, no markup", None),
    ],
)
def test_extract_title(html_text: str, expected: str | None) -> None:
    assert extract_title(html_text) == expected


def test_extract_title_trims_long_titles_with_ellipsis() -> None:
    title = extract_title("<title>" + "word " * 100 + "</title>")
    assert title is not None
    assert len(title) == 200
    assert title.endswith("…")
    assert title.startswith("word word")


def test_extract_title_keeps_a_title_of_exactly_the_limit() -> None:
    assert extract_title("<title>" + "x" * 200 + "</title>") == "x" * 200


@given(st.text(max_size=500))
def test_extract_title_never_raises(text: str) -> None:
    title = extract_title(text)
    assert title is None or (0 < len(title) <= 200 and title == title.strip())
