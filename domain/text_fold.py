"""Text as the blame-free rules read it: visible characters only, folded for matching.

Slack text arrives escaped and people disguise words ("f\u200buck", a Cyrillic "\\u0441" in
"fu\\u0441k", "fuuuuck"), so a comment is first *prepared* (entities undone, NFKC, invisible
characters removed) and then *folded* for matching: lower case, accents removed, one
kind of apostrophe and quote, look-alike letters mapped to Latin, runs of three or more
equal characters cut to two. `fold_map` also says, for every folded character, which
prepared character it came from, so a rewording can cut spans out of what the person
actually wrote.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# Removed outright, so "f\u200buck" or "sh\x00it" read as the word they hide.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    r"\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
# Separators that are not plain spaces become spaces, so words stay apart.
_ODD_SPACE = re.compile(r"[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")

_SPECIAL = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u00df": "ss",
    "\u1e9e": "ss",
    "\u0153": "oe",
    "\u0152": "oe",
    "\u00e6": "ae",
    "\u00c6": "ae",
    "\u00f8": "o",
    "\u00d8": "o",
    "\u0142": "l",
    "\u0141": "l",
    # Cyrillic and Greek letters that look Latin, mapped to the letter they imitate.
    "\u0430": "a",
    "\u0432": "b",
    "\u0435": "e",
    "\u043a": "k",
    "\u043c": "m",
    "\u043d": "h",
    "\u043e": "o",
    "\u0440": "p",
    "\u0441": "c",
    "\u0442": "t",
    "\u0443": "y",
    "\u0445": "x",
    "\u0456": "i",
    "\u0455": "s",
    "\u03b1": "a",
    "\u03b5": "e",
    "\u03b9": "i",
    "\u03ba": "k",
    "\u03bf": "o",
    "\u03c1": "p",
    "\u03c4": "t",
    "\u03c5": "u",
}
# Look-alikes are only mapped inside a word that also has Latin letters: a Russian
# comment stays Russian for the language identifier and the rules.
_LOOKALIKE = frozenset(ch for ch in _SPECIAL if "\u0370" <= ch <= "\u04ff")


def prepare(text: str) -> str:
    """Slack entities undone, NFKC-normalised, invisible characters removed."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", _ODD_SPACE.sub(" ", text))


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    special = _SPECIAL.get(ch)
    if special is not None:
        return special
    lowered = ch.casefold()
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or ""


def fold_map(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the index it came from in `text`."""
    out: list[str] = []
    origin: list[int] = []
    latin_word = _has_latin_words(text)
    for i, ch in enumerate(text):
        if ch.isascii():
            piece = ch.lower() if ch != "`" else "'"
        elif ch in _LOOKALIKE and not latin_word(i):
            piece = ch.casefold()
        else:
            piece = _fold_char(ch)
        for c in piece:
            if len(out) >= 2 and out[-1] == c and out[-2] == c:
                continue  # "fuuuuck" -> "fuuck", "!!!!" -> "!!"
            out.append(c)
            origin.append(i)
    return "".join(out), origin


_WORD_SPAN = re.compile(r"[^\W\d_]+")


def _has_latin_words(text: str) -> _LatinWords:
    return _LatinWords(text)


class _LatinWords:
    """Whether the word around an index mixes Latin letters in (a disguise, not Russian)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._spans: list[tuple[int, int, bool]] | None = None

    def __call__(self, index: int) -> bool:
        if self._spans is None:
            self._spans = [
                (m.start(), m.end(), any("a" <= c.lower() <= "z" for c in m.group(0)))
                for m in _WORD_SPAN.finditer(self._text)
            ]
        for start, end, latin in self._spans:
            if start <= index < end:
                return latin
        return False


def fold(text: str) -> str:
    """Folded text for matching (see the module docstring)."""
    if text.isascii():
        lowered = text.lower().replace("`", "'")
        return _squeeze(lowered)
    return fold_map(text)[0]


_RUN = re.compile(r"(.)\1{2,}")


def _squeeze(text: str) -> str:
    return _RUN.sub(r"\1\1", text)


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_TRANSLATE = str.maketrans({k: v for k, v in _SPECIAL.items() if k not in _LOOKALIKE})
_RUN_ANY_CASE = re.compile(r"(.)\1{2,}", re.IGNORECASE)
_LOOKALIKES = str.maketrans({k: _SPECIAL[k] for k in _LOOKALIKE})
_DOTTED = str.maketrans({"\u0130": "I", "\u0131": "i"})
# A word that mixes Latin with Greek or Cyrillic letters: a disguise ("fu\\u0441k").
_GREEK_CYRILLIC = re.compile("[\u0370-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
_CYRILLIC_WORD = re.compile("[^\\W\\d_]*[\u0370-\u04ff][^\\W\\d_]*")


def _unmask(match: re.Match[str]) -> str:
    word = match.group(0)
    if _LATIN.search(word) and _GREEK_CYRILLIC.search(word):
        return word.translate(_LOOKALIKES)
    return word


_TRANSLATED = re.compile("[" + "".join(k for k in _SPECIAL if k not in _LOOKALIKE) + "]")


def _runs(text: str) -> re.Pattern[str] | None:
    """The runs of three or more of one character (any case) in the text: a pattern
    that finds them, or None when there is none.

    Code points are compared as one array (numpy, which the language identifier already
    needs), and the pattern returned starts with the class of the characters that run, so
    the regex engine skips to them in C; ``(.)\\1{2,}`` tried every position in turn.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return _RUN_ANY_CASE  # a letter whose lower case is longer: rare, the plain way
    points = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32)
    same = points[1:] == points[:-1]
    starts = np.flatnonzero(same[1:] & same[:-1])
    chars = frozenset(lowered[i] for i in starts.tolist()) - {"\n"}  # "." skips a line break
    return _runs_of(chars) if chars else None


@lru_cache(maxsize=1024)
def _runs_of(chars: frozenset[str]) -> re.Pattern[str]:
    """Runs of three or more of one of these characters, any case."""
    return re.compile("([" + "".join(map(re.escape, sorted(chars))) + "])\\1{2,}", re.IGNORECASE)


def _special(match: re.Match[str]) -> str:
    return _SPECIAL[match.group(0)]


def fold_pair(text: str) -> tuple[str, str]:
    """Two views of the text with the same offsets: accents removed (case kept) and folded."""
    if "\u0130" in text or "\u0131" in text:
        text = text.translate(_DOTTED)
    plain = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    plain = _TRANSLATED.sub(_special, plain)
    if not plain.isascii() and _GREEK_CYRILLIC.search(plain):
        plain = _CYRILLIC_WORD.sub(_unmask, plain)
    runs = _runs(plain)
    if runs is not None:
        plain = runs.sub(lambda m: m.group(0)[:2], plain)
    lowered = plain.lower()
    if len(lowered) == len(plain):
        return plain, lowered
    folded, origin = fold_map(text)  # a letter whose lower case is longer: rare, slower
    return "".join(text[i] for i in origin), folded
