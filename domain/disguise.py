"""Swear words in disguise: leetspeak, masks and spacing ("sh1t", "f*ck", "F U C K").

The lexicons (domain.lexicon) match words as written; this module covers the English
swear words people disguise, which no word list does. It runs only on text that has a
disguise in it (a symbol or digit inside a word, or letters spaced out), so ordinary
comments never pay for it.
"""

from __future__ import annotations

import re

_LEET = {
    "a": "a@4",
    "b": "b8",
    "c": "c(",
    "e": "e3",
    "g": "g9",
    "i": "i1!|",
    "l": "l1|",
    "o": "o0",
    "s": "s$5",
    "t": "t7+",
    "u": "uv",
}
MAX_SPANS = 50  # one disguised swear word is enough to flag; a few more help the rewording
_WILDCARDS = "*"  # not "#": placeholders such as "S####" are common in templates


def _letter(ch: str, *, first: bool, long: bool) -> str:
    variants = _LEET.get(ch, ch)
    if not long:  # digits and wildcards in a three-letter word hit model numbers and *bold*
        return "[" + re.escape("".join(v for v in variants if not v.isdigit())) + "]{1,2}"
    return "[" + re.escape(variants + ("" if first else _WILDCARDS)) + "]{1,2}"


def _swear(stem: str, *, prefixes: str = "", suffixes: str = "", left: bool = True) -> str:
    """One profane word with its leetspeak, masked (sh*t) and spaced-out (f u c k) spellings."""
    long = len(stem) >= 4
    spellings = ["".join(_letter(ch, first=i == 0, long=long) for i, ch in enumerate(stem))]
    if long:
        letters = ("[" + re.escape(_LEET.get(ch, ch)) + "]" for ch in stem)
        spellings.append(r"[\s.\-]".join(letters))
    boundary = "(?<![a-z0-9])" if left else ""
    prefix = f"(?:{prefixes})?" if prefixes else ""
    suffix = f"(?:{suffixes})?" if suffixes else ""
    return f"{boundary}{prefix}(?:{'|'.join(spellings)}){suffix}(?![a-z])"


_DISGUISED = re.compile(
    "|".join(
        [
            _swear("fuck", left=False, suffixes="ing|in'?|ed|er|ers|s|up|ups|off|k+"),
            r"(?<![a-z0-9])(?:f\*{1,3}(?:ing|in|ed|k)?|f\*ck\w*|fu+c?k+\w*)(?![a-z])",
            _swear("shit", prefixes="b[uv*#]ll|horse|dip|bat", suffixes="s|ty|head|show|hole"),
            _swear(
                "ass", prefixes="dumb|jack|smart|half|bad|lazy|hard", suffixes="hole|holes|hat|ed"
            ),
            _swear("bitch", suffixes="es|y|ing"),
            _swear("crap", suffixes="py|s"),
            _swear("damn", prefixes="god", suffixes="it"),
            _swear("cunt", suffixes="s"),
            _swear("piss", suffixes="ed|ing"),
            _swear("bastard", suffixes="s"),
            r"(?<![a-z0-9])(?:half[\s-]?assed|a[s$]{2}(?![a-z0-9]))",
            r"(?<![a-z])s\s+h\s+i\s+t(?![a-z])",
            r"(?<![a-z])f\s+u\s+c\s+k(?![a-z])",
        ]
    )
)
# Where a disguise may be: a symbol or a digit inside a word, letters spaced out. Each hint
# is its own pattern starting with the character it needs (so the regex engine skips to
# it in C); one alternation of them all tried every branch at every position. The number
# is how many characters before the match the hint starts (the letter before a symbol).
_HINTS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"[*$@!#|(+](?<=[a-z].)[*$@!#|(+]*[a-z*]"), 1),  # "f*ck", "sh!t"
    (re.compile(r"[*$@!](?<=[a-z].)[*$@!]+"), 1),  # "f**", "a$$"
    (re.compile(r"[013457](?<=[a-z].)[013457]*[a-z]"), 1),  # "sh1t"
    (re.compile(r"[*$][a-z]"), 0),  # "*uck", "$hit"
    (re.compile(r"@(?<=[a-z].)[a-z]"), 1),  # "b@stard"
    (re.compile(r"@[s$5]{2}"), 0),  # "@ss"
    (re.compile(r" (?<=(?<![a-z])[a-z] )[a-z] [a-z] [a-z](?![a-z])"), 1),  # "f u c k"
    (re.compile(r"half[\s-]?assed"), 0),
    (re.compile(r"fuu"), 0),
)


def _hints(folded: str) -> list[tuple[int, int]]:
    return sorted(
        (match.start() - back, match.end())
        for pattern, back in _HINTS
        for match in pattern.finditer(folded)
    )


def disguised_swearing(folded: str) -> list[tuple[int, int]]:
    """Spans of disguised English swear words in folded text."""
    windows: list[list[int]] = []
    for hint_start, hint_end in _hints(folded):
        lo, hi = max(0, hint_start - 24), min(len(folded), hint_end + 24)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)  # overlapping hints: one window
        else:
            windows.append([lo, hi])
    spans: list[tuple[int, int]] = []
    for lo, hi in windows:
        spans += [m.span() for m in _DISGUISED.finditer(folded, lo, hi)]
        if len(spans) >= MAX_SPANS:
            break
    return spans[:MAX_SPANS]
