"""Asset handles and asset lookup by handle or title words (SPEC: `/collateral`, `/feedback`).

A handle is short, unique in its workspace and shown in backticks (``PD-3``); a user may
name an asset by its handle or by words of its title, and an ambiguous or unknown name
gets the closest matches back.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_WORD = re.compile(r"[A-Za-z0-9]+")
_HANDLE = re.compile(r"^`?([A-Za-z]{1,3})-(\d{1,7})`?$")
_STOPWORDS = frozenset({"a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "our"})


@dataclass(frozen=True)
class AssetRef:
    """What lookup needs to know of an asset."""

    id: int
    handle: str
    title: str


@dataclass(frozen=True)
class AssetSummary:
    """An asset as lists show it: handle, title, link and plain counts."""

    id: int
    handle: str
    title: str
    url: str
    useful: int
    needs_work: int
    used: int


@dataclass(frozen=True)
class Lookup:
    """The outcome of naming an asset: one match, several candidates, or none."""

    match: AssetRef | None
    candidates: tuple[AssetRef, ...]


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(folded)


def handle_prefix(title: str) -> str:
    """Two capital letters from the title's first meaningful words ("Pricing deck" -> "PD")."""
    words = [w for w in _ascii_words(title) if w.lower() not in _STOPWORDS and w.isalpha()]
    if not words:
        return "AS"
    if len(words) == 1:
        return words[0][:2].upper().ljust(2, "X")
    return (words[0][0] + words[1][0]).upper()


def make_handle(title: str, number: int) -> str:
    """The handle for the workspace's `number`-th asset."""
    return f"{handle_prefix(title)}-{number}"


def fallback_title(url: str) -> str:
    """A readable name for a page whose title could not be read: host and last path part."""
    parts = urlsplit(url)
    host = parts.hostname or "link"
    host = host.removeprefix("www.")
    last = unquote(parts.path.rstrip("/").rpartition("/")[2])
    name = f"{host}/{last}" if last else host
    return name[:200]


def normalise_handle(text: str) -> str | None:
    """Canonical handle form of text that looks like one, else None."""
    match = _HANDLE.match(text.strip())
    if match is None:
        return None
    return f"{match.group(1).upper()}-{int(match.group(2))}"


def _words(text: str) -> list[str]:
    """Case-folded words in any script ("Прайс-лист" -> ["прайс", "лист"])."""
    return [w for w in re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())]


def search_terms(query: str) -> list[str]:
    """Case-folded words of a query worth matching (no stopwords, at most 8)."""
    words = _words(query)
    meaningful = [w for w in words if w not in _STOPWORDS] or words
    return meaningful[:8]


def score(query_terms: list[str], asset: AssetRef) -> float:
    """How well query words match an asset's title and handle, from 0 to 1."""
    if not query_terms:
        return 0.0
    title_words = _words(asset.title)
    hits = 0.0
    for term in query_terms:
        if term == asset.handle.lower() or term in title_words:
            hits += 1.0
        elif any(w.startswith(term) for w in title_words if len(term) >= 2):
            hits += 0.75
        elif difflib.get_close_matches(term, title_words, n=1, cutoff=0.8):
            hits += 0.5
    return hits / len(query_terms)


def rank(query: str, assets: list[AssetRef], *, limit: int = 5) -> list[AssetRef]:
    """Assets ordered by how well they match the query; non-matches dropped."""
    terms = search_terms(query)
    scored = [(score(terms, a), a) for a in assets]
    scored = [(s, a) for s, a in scored if s >= 0.5]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return [a for _, a in scored[:limit]]


def lookup(name: str, assets: list[AssetRef]) -> Lookup:
    """Resolve a user's name for an asset: an exact handle, or a single best title match."""
    handle = normalise_handle(name)
    if handle is not None:
        for asset in assets:
            if asset.handle.upper() == handle:
                return Lookup(match=asset, candidates=())
    terms = search_terms(name)
    scored = sorted(
        ((score(terms, a), a) for a in assets), key=lambda pair: (-pair[0], -pair[1].id)
    )
    full = [a for s, a in scored if s >= 1.0]
    if len(full) == 1:
        return Lookup(match=full[0], candidates=())
    if full:
        return Lookup(match=None, candidates=tuple(full[:5]))
    near = [a for s, a in scored if s >= 0.5][:5]
    if not near and handle is not None:
        # A mistyped handle: offer handles that look alike.
        by_handle = {a.handle.upper(): a for a in assets}
        close = difflib.get_close_matches(handle, list(by_handle), n=5, cutoff=0.6)
        near = [by_handle[h] for h in close]
    return Lookup(match=None, candidates=tuple(near))
