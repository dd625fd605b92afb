"""Multilingual cue lexicons, compiled into one word-indexed matcher.

Why hand-written: the language-identification model (py3langid) and the first-name list
(gender-guesser) come from PyPI packages, but no maintained package lists what this
product needs: the team nouns of a sales and marketing org, passive-aggressive and
sarcastic constructions, rhetorical blame questions, or swearing as reps write it
(compounds such as "Scheißvideo" and "kutdeck"). The profanity packages we looked at
(glin-profanity, safetext) mostly list sexual and anatomical vocabulary and everyday
words that would nudge constructive comments (Italian "duro", Portuguese "comer",
French "bosser"); sentiment lexicons score "great, another deck" as praise. So each
supported language has a module here, written from the constructions, with their
variants, not from example sentences.

Matching is anchored at word starts: every pattern is indexed by the first three letters
of its first word (or the whole word when it is shorter), and only patterns whose key
occurs in a comment are tried, each with `match` at the positions where its key is. A
3,000-character comment costs a few hundred anchored matches, not a scan per pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from types import ModuleType

from domain.lexicon import de, en, es, fr, it, nl, pt
from domain.lexicon.cues import CATEGORIES
from domain.lexicon.other import EXTRA, Extra

LANGUAGES: tuple[ModuleType, ...] = (en, es, de, fr, it, pt, nl)
SUPPORTED = tuple(module.LANG for module in LANGUAGES)
# Matched too, each only in its own language, but never "supported": never quoted.
MATCHED: tuple[ModuleType | Extra, ...] = (*LANGUAGES, *EXTRA)

_TOKEN = re.compile(r"[a-z0-9]+")
_SPLIT = re.compile(r"([a-z0-9]+)")
_LITERAL = re.compile(r"[a-z0-9]+")


class LexiconError(ValueError):
    """A pattern the matcher cannot index (its first word is not written out)."""


@dataclass(frozen=True)
class Hit:
    """One cue found in folded text."""

    category: str
    lang: str
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    category: str
    lang: str
    here_only: bool  # only when the comment is written in `lang`
    pattern: re.Pattern[str]


def _union(attribute: str) -> str:
    parts = [p.lstrip("=") for module in LANGUAGES for p in getattr(module, attribute)]
    return "(?:" + "|".join(f"(?:{p})" for p in parts) + ")"


@lru_cache(maxsize=1)
def _placeholders() -> dict[str, str]:
    return {
        "{team}": _union("TEAM_NOUNS"),
        "{asset}": _union("ASSET_NOUNS"),
        "{num}": "(?:\\d+|" + _union("NUMBER_WORDS") + ")",
        "{ord}": _union("ORDINALS"),
    }


def _expand(source: str) -> str:
    for name, value in _placeholders().items():
        source = source.replace(name, value)
    return source


def _spaces(source: str) -> str:
    """A space outside a character class stands for any run of whitespace."""
    out: list[str] = []
    in_class = escaped = False
    for ch in source:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class:
            out.append(r"\s+")
        else:
            out.append(ch)
    return "".join(out)


def _group_end(source: str, start: int) -> int:
    """Index just after the `)` closing the group that opens at `start`."""
    depth = 0
    i = start
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise LexiconError(f"unbalanced group in {source!r}")


def _alternatives(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    in_class = False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            current.append(body[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _keys(source: str) -> set[str]:
    """The index keys of a pattern: what its first word starts with."""
    if source.startswith("(?!") or source.startswith("(?="):
        return _keys(source[_group_end(source, 0) :])
    if source.startswith("("):
        end = _group_end(source, 0)
        inner = source[1 : end - 1]
        if inner.startswith("?:"):
            inner = inner[2:]
        rest = source[end:]
        optional = rest[:1] in {"?", "*"}
        if optional:
            rest = rest[1:]
        if optional:
            # An optional lead ("(?:the )?marketing") is keyed by what follows it: the
            # pattern is tried where that word starts, so the lead is simply not there.
            return _keys(rest.lstrip())
        keys: set[str] = set()
        for alternative in _alternatives(inner):
            keys |= _keys(alternative + rest)
        return keys
    found = _LITERAL.match(source)
    if found is None:
        raise LexiconError(f"pattern must start with a written-out word: {source!r}")
    word = found.group(0)
    rest = source[found.end() :]
    # A word written out to its end is keyed whole; one whose end is a pattern by its start.
    if rest == "" or (
        rest[0] in {" ", "'", "-", ".", ",", "!", ":", "?"} and not rest.startswith("?")
    ):
        return {"w:" + word}
    if rest.startswith(("\\s", "\\W", "\\b", "[\\s", "\\.", "\\*", "\\$", "\\!")):
        return {"w:" + word}  # followed by a space or a symbol: the word ends there
    if rest[0] in {"?", "*", "+", "{"}:
        word = word[:-1]  # the last letter is optional: it is no part of the key
    if len(word) >= 3:
        return {"p:" + word[:3]}
    raise LexiconError(f"first word too short to index: {source!r}")


def _compile(source: str) -> tuple[str, re.Pattern[str]]:
    here_only = source.startswith("=")
    body = source[1:] if here_only else source
    if body.endswith("*") and _LITERAL.fullmatch(body[:-1].replace("ß", "")):
        body = body[:-1] + "[a-z0-9]*"
    expanded = _spaces(_expand(body))
    return body, re.compile(f"(?:{expanded})(?![a-z0-9])")


_WORD_CACHE = 50_000  # distinct words remembered with their candidate patterns


@dataclass
class Matcher:
    """Every cue of every language, indexed by the start of its first word."""

    by_key: dict[str, tuple[_Entry, ...]]

    def __post_init__(self) -> None:
        self._whole = {k[2:]: v for k, v in self.by_key.items() if k.startswith("w:")}
        self._prefix = {k[2:]: v for k, v in self.by_key.items() if k.startswith("p:")}
        # Per language, each word seen and the patterns that may start at it (words repeat
        # from comment to comment, so most lookups are one dictionary get).
        self._words: dict[str | None, dict[str, tuple[_Entry, ...]]] = {}

    def _candidates(self, word: str, lang: str | None) -> tuple[_Entry, ...]:
        """The patterns that may start at a word in a language."""
        return tuple(
            entry
            for entry in self._whole.get(word, ()) + self._prefix.get(word[:3], ())
            if not entry.here_only or entry.lang == lang
        )

    def find(self, folded: str, *, lang: str | None) -> Iterator[Hit]:
        """Every cue in folded text (language-bound cues only in their own language)."""
        seen = self._words.get(lang)
        if seen is None:
            seen = self._words.setdefault(lang, {})
        # Words and what lies between them, split in C: [gap, word, gap, word, ..., gap].
        # Only words that start a pattern are visited in Python, and their offsets are the
        # running sum of the lengths before them.
        parts = _SPLIT.split(folded)
        words = parts[1::2]
        known: dict[str, tuple[_Entry, ...]] = seen
        new = set(words).difference(seen)
        if new:
            if len(seen) + len(new) > _WORD_CACHE:
                known = dict(seen)  # the cache is full: this comment's words are not kept
            for word in new:
                known[word] = self._candidates(word, lang)
        offsets = list(accumulate(map(len, parts)))
        for index in [i for i, word in enumerate(words) if known[word]]:
            start = offsets[2 * index]
            for entry in known[words[index]]:
                found = entry.pattern.match(folded, start)
                if found is not None:
                    yield Hit(entry.category, entry.lang, start, found.end())


# Cues only needed to decide whether an unflagged comment may be quoted, and how useful
# it is: looked for in a second pass, and only for comments that could be quoted.
QUOTE_CATEGORIES = frozenset({"asset", "action", "outcome"})


@lru_cache(maxsize=2)
def matcher(part: str = "decide") -> Matcher:
    """The compiled matcher (built once, on first use).

    Patterns that share a key, a category and a language are joined into one
    alternation, so each word start costs one `match` per category at most.
    """
    grouped: dict[tuple[str, str, str, bool], list[str]] = {}
    for module in MATCHED:
        sources = [(s, "team") for s in module.TEAM_NOUNS]
        sources += [(c, cat) for cat in CATEGORIES for c in module.CUES.get(cat, ())]
        for source, category in sources:
            if (category in QUOTE_CATEGORIES) != (part == "quote"):
                continue
            here_only = source.startswith("=")
            body, pattern = _compile(source)
            # A word every language lists ("logo", "demo") is one pattern, not seven.
            lang = module.LANG if here_only else "*"
            for key in _keys(_expand(body)):
                patterns = grouped.setdefault((key, category, lang, here_only), [])
                if pattern.pattern not in patterns:
                    patterns.append(pattern.pattern)
    by_key: dict[str, list[_Entry]] = {}
    for (key, category, lang, here_only), patterns in grouped.items():
        joined = re.compile("|".join(f"(?:{p})" for p in patterns))
        by_key.setdefault(key, []).append(_Entry(category, lang, here_only, joined))
    return Matcher({key: tuple(entries) for key, entries in by_key.items()})
