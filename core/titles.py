"""A page's title read from its HTML, cleaned for display (link previews)."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

MAX_TITLE_LENGTH = 200

# Bidi overrides and isolates can make a title read differently from what it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def extract_title(html_text: str) -> str | None:
    """Return the page's first <title>, else its og:title, cleaned for display; else None."""
    parser = _TitleParser()
    try:
        parser.feed(html_text)
        parser.close()
    except (AssertionError, ValueError):
        # html.parser can still trip on pathological markup; keep whatever was found.
        pass
    for raw in (parser.title, parser.og_title):
        cleaned = _clean_title(raw)
        if cleaned:
            return cleaned
    return None


def _clean_title(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = "".join(
        ch for ch in raw if ch not in _BIDI_CONTROLS and unicodedata.category(ch) != "Cc"
    )
    text = " ".join(text.split())
    if len(text) > MAX_TITLE_LENGTH:
        text = text[: MAX_TITLE_LENGTH - 1].rstrip() + "…"
    return text or None


class _TitleParser(HTMLParser):
    """Collects the first document <title> and the first og:title meta tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.og_title: str | None = None
        self._in_title = False
        self._title_done = False
        self._title_parts: list[str] = []
        # An inline <svg> has its own <title> elements, which are not the page title.
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and not self._title_done and self._svg_depth == 0:
            self._in_title = True
        elif tag == "meta" and self.og_title is None:
            values = {name: value or "" for name, value in attrs}
            key = values.get("property") or values.get("name") or ""
            if key.strip().lower() == "og:title":
                # html.parser has already unescaped attribute values.
                self.og_title = values.get("content", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "svg":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "title" and self._in_title:
            self._finish_title()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)

    def close(self) -> None:
        super().close()
        if self._in_title:
            # A title left open at the end of the text still names the page, as in browsers.
            self._finish_title()

    def _finish_title(self) -> None:
        self._in_title = False
        self._title_done = True
        self.title = "".join(self._title_parts)
