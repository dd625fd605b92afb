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
from typing import NamedTuple

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


class Hit(NamedTuple):
    """One cue found in folded text (a named tuple: made by the hundred per comment, and
    a frozen dataclass costs four attribute sets each)."""

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
    # Keyed by its second word: tried where the word before starts, when that word is
    # `lead` (its first word: "the", "de", "que"). "" for a pattern keyed by its first word.
    lead: str = ""


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


def _keys(source: str, *, strict: bool = False) -> set[str]:
    """The index keys of a pattern: what its first word starts with.

    `strict`: the first word must be there (an optional lead is an error), as it must be
    for the second word of a pattern keyed by it (see `_second_keys`).
    """
    if source.startswith("(?!") or source.startswith("(?="):
        return _keys(source[_group_end(source, 0) :], strict=strict)
    if source.startswith("("):
        end = _group_end(source, 0)
        inner = source[1 : end - 1]
        if inner.startswith("?:"):
            inner = inner[2:]
        rest = source[end:]
        optional = rest[:1] in {"?", "*"}
        if optional:
            rest = rest[1:]
        if optional and strict:
            raise LexiconError(f"optional lead: {source!r}")
        if optional:
            # An optional lead ("(?:the )?marketing") is keyed by what follows it: the
            # pattern is tried where that word starts, so the lead is simply not there.
            return _keys(rest.lstrip())
        keys: set[str] = set()
        for alternative in _alternatives(inner):
            keys |= _keys(alternative + rest, strict=strict)
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


# A pattern whose first words are all this short ("the", "de", "a", "que", "what") is
# keyed by its second word instead: such words start a few hundred patterns and occur
# every few words, and nearly every attempt at them failed.
SHORT_LEAD = 4


def _leads(source: str) -> list[tuple[str, str]] | None:
    """The pattern's first words, each with what follows its space; None when the first
    word is not a written-out word followed by a space (a lookaround, an optional group,
    a word that continues as a pattern)."""
    if source.startswith("("):
        if source.startswith(("(?!", "(?=", "(?<")):
            return None
        end = _group_end(source, 0)
        inner = source[1 : end - 1]
        if inner.startswith("?:"):
            inner = inner[2:]
        rest = source[end:]
        if rest[:1] in {"?", "*", "+", "{"}:
            return None
        leads: list[tuple[str, str]] = []
        for alternative in _alternatives(inner):
            found = _leads(alternative + rest)
            if found is None:
                return None
            leads += found
        return leads
    word = _LITERAL.match(source)
    if word is None or not source[word.end() :].startswith(" "):
        return None
    return [(word.group(0), source[word.end() + 1 :])]


def _second_keys(sources: list[str], lead: str, short_lead: int) -> set[str] | None:
    """Keys of the word after `lead` in every pattern of a group keyed by `lead`, when
    that word is always there and indexable; else None (the group keeps its key)."""
    if len(lead) > short_lead:
        return None
    keys: set[str] = set()
    for source in sources:
        leads = _leads(source)
        rests = [rest for word, rest in leads or () if word == lead]
        if not rests:
            return None  # the lead is reached another way (a lookahead, an optional lead)
        for rest in rests:
            if not rest[:1].isalnum() and not rest.startswith("("):
                return None  # a second space, a class, an escape: not a written-out word
            try:
                keys |= _keys(rest, strict=True)
            except LexiconError:
                return None
    # A word also covered by a prefix key would be tried twice at one place ("merda" and
    # "merd..."), and found twice.
    return {k for k in keys if not (k.startswith("w:") and "p:" + k[2:5] in keys)}


def _compile(source: str) -> tuple[str, re.Pattern[str]]:
    here_only = source.startswith("=")
    body = source[1:] if here_only else source
    if body.endswith("*") and _LITERAL.fullmatch(body[:-1].replace("ß", "")):
        body = body[:-1] + "[a-z0-9]*"
    expanded = _spaces(_expand(body))
    return body, re.compile(f"(?:{expanded})(?![a-z0-9])")


_WORD_CACHE = 50_000  # distinct words remembered with their candidate patterns


# The patterns to try at a word: those keyed by it, and by the word before it (lead -> them).
_AtWord = tuple[tuple[_Entry, ...], dict[str, tuple[_Entry, ...]]]


@dataclass
class Matcher:
    """Every cue of every language, indexed by the start of its first word."""

    by_key: dict[str, tuple[_Entry, ...]]

    def __post_init__(self) -> None:
        self._whole = {k[2:]: v for k, v in self.by_key.items() if k.startswith("w:")}
        self._prefix = {k[2:]: v for k, v in self.by_key.items() if k.startswith("p:")}
        # Per language, each word seen and the patterns that may start at it or, by their
        # first word, just before it (words repeat from comment to comment, so most
        # lookups are one dictionary get).
        self._words: dict[str | None, dict[str, _AtWord | None]] = {}

    def _candidates(self, word: str, lang: str | None) -> _AtWord | None:
        """The patterns that may start at a word, or at the word before it, in a language."""
        own: list[_Entry] = []
        after: dict[str, list[_Entry]] = {}
        for entry in self._whole.get(word, ()) + self._prefix.get(word[:3], ()):
            if entry.here_only and entry.lang != lang:
                continue
            if entry.lead:
                after.setdefault(entry.lead, []).append(entry)
            else:
                own.append(entry)
        if not own and not after:
            return None
        return tuple(own), {lead: tuple(entries) for lead, entries in after.items()}

    def find(self, folded: str, *, lang: str | None) -> Iterator[Hit]:
        """Every cue in folded text (language-bound cues only in their own language)."""
        seen = self._words.get(lang)
        if seen is None:
            seen = self._words.setdefault(lang, {})
        # Words and what lies between them, split in C: [gap, word, gap, word, ..., gap].
        # Only words that key a pattern are visited in Python; a word's offset is the
        # running sum of the lengths before it.
        parts = _SPLIT.split(folded)
        words = parts[1::2]
        known = seen
        new = set(words).difference(seen)
        if new:
            if len(seen) + len(new) > _WORD_CACHE:
                known = dict(seen)  # the cache is full: this comment's words are not kept
            for word in new:
                known[word] = self._candidates(word, lang)
        offsets = list(accumulate(map(len, parts)))
        visits = [(i, at) for i, word in enumerate(words) if (at := known[word]) is not None]
        for index, (own, after) in visits:
            if after and index:
                led = after.get(words[index - 1])
                if led:
                    start = offsets[2 * index - 2]
                    for entry in led:
                        found = entry.pattern.match(folded, start)
                        if found is not None:
                            yield Hit(entry.category, entry.lang, start, found.end())
            start = offsets[2 * index]
            for entry in own:
                found = entry.pattern.match(folded, start)
                if found is not None:
                    yield Hit(entry.category, entry.lang, start, found.end())


# Cues only needed to decide whether an unflagged comment may be quoted, and how useful
# it is: looked for in a second pass, and only for comments that could be quoted.
QUOTE_CATEGORIES = frozenset({"asset", "action", "outcome"})


def matcher(part: str = "decide") -> Matcher:
    """The compiled matcher for deciding (default) or for quoting."""
    return build_matcher(part, SHORT_LEAD)


@lru_cache(maxsize=4)
def build_matcher(part: str, short_lead: int) -> Matcher:
    """The compiled matcher (built once, on first use).

    Patterns that share a key, a category and a language are joined into one
    alternation, so each word start costs one `match` per category at most. Patterns
    that open with a short word are keyed by their second word (`_second_keys`).
    """
    grouped: dict[tuple[str, str, str, bool], list[str]] = {}
    sources_of: dict[tuple[str, str, str, bool], list[str]] = {}
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
            expanded = _expand(body)
            for key in _keys(expanded):
                patterns = grouped.setdefault((key, category, lang, here_only), [])
                if pattern.pattern not in patterns:
                    patterns.append(pattern.pattern)
                    sources_of.setdefault((key, category, lang, here_only), []).append(expanded)
    by_key: dict[str, list[_Entry]] = {}
    for group, patterns in grouped.items():
        key, category, lang, here_only = group
        joined = re.compile("|".join(f"(?:{p})" for p in patterns))
        # The whole group moves to its second words, or none of it: a group finds at most
        # one cue per place, and moving part of it would find two.
        second = (
            _second_keys(sources_of[group], key[2:], short_lead) if key.startswith("w:") else None
        )
        lead = "" if second is None else key[2:]
        for index_key in {key} if second is None else second:
            by_key.setdefault(index_key, []).append(_Entry(category, lang, here_only, joined, lead))
    return Matcher({key: tuple(entries) for key, entries in by_key.items()})
