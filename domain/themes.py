"""Themes from comments (SPEC: the weekly digest, blame-free rules 1 and 3).

A theme is a subject several comments raise: first the subjects of THEMES, a small table
of phrases (pricing, outdated content, length, examples, industries, mobile, broken
links, competitors, format, clarity, data, language); then, for what the table misses,
words of four letters or more that at least two comments use (not common words, not a
team, not anyone's name, not on their own an accusation).

Rule 3: accusatory comments count toward themes but are never quoted. A theme's count
includes every comment that raises it (each comment once per theme); its quotes, at most
two, come only from comments that are neither marked flagged nor flagged by
`review_comment`, redacted by `safe_quote` (rule 1), and no comment is quoted twice.
Themes are ordered by count, then table themes (in table order) before frequent words
(alphabetically).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.digest_data import CommentRecord, Theme
from domain.nudge import review_comment
from domain.redact import COMMON_WORDS, PLACEHOLDERS, redact, safe_quote

MAX_QUOTES = 2
QUOTE_LIMIT = 160
MIN_WORD_COMMENTS = 2  # a frequent word is a theme only when two comments or more use it


@dataclass(frozen=True)
class ThemeRule:
    """One subject of the table: its label and the phrases (regex) that raise it."""

    label: str
    pattern: re.Pattern[str]


def _rule(label: str, *phrases: str) -> ThemeRule:
    body = "|".join(phrases)
    return ThemeRule(label, re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"))


# Matched on lower-case, accent-free text. Order breaks ties between equal counts.
THEMES: tuple[ThemeRule, ...] = (
    _rule(
        "Pricing",
        r"pric(?:e|es|ed|ing)",
        r"cost(?:s|ing)?",
        r"discounts?",
        r"expensive",
        r"cheap(?:er)?",
        r"budgets?",
        r"licen[cs](?:e|es|ing)",
        r"quotes?\s+(?:for|to)",
        r"tiers?",
        r"per\s+seat",
    ),
    _rule(
        "Outdated content",
        r"out\s*-?\s*dated",
        r"out\s+of\s+date",
        r"stale",
        r"obsolete",
        r"deprecated",
        r"old\s+(?:version|logo|branding|numbers|data|screenshots?|ui|pricing|prices)",
        r"last\s+year'?s?",
        r"no\s+longer",
        r"(?:needs?|needing)\s+(?:an?\s+)?(?:update|updating|refresh|refreshing)",
        r"not\s+(?:current|up\s+to\s+date)",
        r"legacy",
    ),
    _rule(
        "Length",
        r"too\s+(?:long|short|wordy|dense|much\s+text)",
        r"lengthy",
        r"wordy",
        r"verbose",
        r"shorter",
        r"condense[ds]?",
        r"too\s+many\s+(?:slides|pages|words)",
        r"tl;?\s?dr",
        r"wall\s+of\s+text",
    ),
    _rule(
        "Examples and case studies",
        r"examples?",
        r"case\s+stud(?:y|ies)",
        r"use\s+cases?",
        r"customer\s+stor(?:y|ies)",
        r"success\s+stor(?:y|ies)",
        r"testimonials?",
        r"proof\s+points?",
        r"references?",
        r"logos?\s+(?:slide|page)",
    ),
    _rule(
        "Industries",
        r"industr(?:y|ies)",
        r"verticals?",
        r"sectors?",
        r"healthcare",
        r"fintech",
        r"banking",
        r"insurance",
        r"retail",
        r"manufacturing",
        r"government",
        r"public\s+sector",
        r"education",
        r"pharma",
        r"smb",
        r"enterprise\s+(?:customers|buyers|accounts)",
    ),
    _rule(
        "Mobile",
        r"mobile",
        r"iphone",
        r"android",
        r"tablets?",
        r"ipad",
        r"small\s+screens?",
        r"responsive",
    ),
    _rule(
        "Broken or hard-to-open links",
        r"broken",
        r"404",
        r"dead\s+links?",
        r"(?:doesn'?t|does\s+not|won'?t|will\s+not|didn'?t|not)\s+(?:load|open|work)(?:ing)?",
        r"(?:can'?t|cannot|couldn'?t|unable\s+to)\s+(?:open|access|download|load|find)",
        r"access\s+denied",
        r"request\s+access",
        r"permissions?",
        r"login\s+(?:wall|required)",
        r"link\s+(?:is\s+)?(?:down|expired)",
    ),
    _rule(
        "Competitors",
        r"competitors?",
        r"competitive",
        r"competition",
        r"battle\s?cards?",
        r"versus",
        r"vs\.?",
        r"compared?\s+(?:to|with)",
        r"comparison",
        r"rivals?",
        r"alternatives?",
    ),
    _rule(
        "Format and design",
        r"formats?",
        r"formatting",
        r"pdfs?",
        r"pptx?",
        r"powerpoint",
        r"keynote",
        r"google\s+slides",
        r"editable",
        r"templates?",
        r"fonts?",
        r"layout",
        r"design",
        r"branding",
        r"readable",
        r"hard\s+to\s+read",
        r"resolution",
        r"blurry",
    ),
    _rule(
        "Clarity and messaging",
        r"unclear",
        r"confus(?:ing|ed)",
        r"jargon",
        r"messaging",
        r"value\s+prop(?:osition)?",
        r"too\s+technical",
        r"hard\s+to\s+(?:follow|understand|explain)",
        r"vague",
        r"generic",
    ),
    _rule(
        "Data and ROI",
        r"roi",
        r"metrics?",
        r"stats",
        r"statistics",
        r"benchmarks?",
        r"calculators?",
        r"numbers",
        r"figures",
        r"tco",
    ),
    _rule(
        "Language and localisation",
        r"translat(?:e|ed|ion|ions)",
        r"locali[sz](?:e|ed|ation)",
        r"languages?",
        r"german",
        r"french",
        r"spanish",
        r"japanese",
        r"portuguese",
        r"italian",
        r"dutch",
    ),
)

# Words never made into a theme of their own: feedback small talk, and the two teams
# (SPEC rule 2: the digest is organised around assets and campaigns, never teams).
_SMALL_TALK = """
    asset assets deck decks slide slides collateral doc docs document documents file files
    page pages link links thing things stuff really great good nice love like useful helpful
    needs work works worked working better improve improved improvement please thanks thank
    would could should might maybe also much many very just still need needed needing want
    wanted there their they them then than that this these those what when where which
    with without about after before from into over your yours ours have having been being
    does doing done made make makes making used using uses sent send sending shared share
    customer customers client clients prospect prospects buyer buyers call calls meeting
    meetings demo demos deal deals week weeks today yesterday tomorrow time times sales
    marketing marketer marketers team teams rep reps seller sellers people person folks
    everyone someone anyone nobody guys email phone comment comments feedback version
    channel channels workspace workspaces
"""
_NOT_THEMES = frozenset(_SMALL_TALK.split())
_WORDS = re.compile(r"[^\W\d_]{4,}")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _name_words(people: Iterable[str]) -> frozenset[str]:
    """Every word of every people string: none may become a theme label."""
    words: set[str] = set()
    for entry in people:
        if isinstance(entry, str):
            words.update(_fold(w) for w in re.findall(r"[^\W_]+", entry))
    return frozenset(words)


def _quotable(comment: CommentRecord) -> bool:
    return not comment.flagged and not review_comment(comment.text).flagged


def themes(
    comments: Sequence[CommentRecord],
    *,
    people: Iterable[str],
    limit: int = 5,
    quote_limit: int = QUOTE_LIMIT,
) -> list[Theme]:
    """The most raised subjects in comments, with counts and at most two safe quotes each."""
    people = tuple(people)
    names = _name_words(people)
    # Matched on redacted text, so nobody's name raises a theme or becomes one.
    texts = [_fold(redact(c.text, people=people)) for c in comments]
    quotable = [_quotable(c) for c in comments]

    raised: list[tuple[int, int, str, list[int]]] = []  # (-count, kind, label, comment indexes)
    for order, rule in enumerate(THEMES):
        hits = [i for i, text in enumerate(texts) if rule.pattern.search(text)]
        if hits:
            raised.append((-len(hits), 0, f"{order:03d}", hits))

    covered = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in THEMES))
    users: dict[str, list[int]] = {}
    spoken: Counter[str] = Counter()  # words used in comments that may be quoted
    for i, text in enumerate(texts):
        for word in sorted(set(_WORDS.findall(covered.sub(" ", text)))):
            users.setdefault(word, []).append(i)
            if quotable[i]:
                spoken[word] += 1
    for word, hits in users.items():
        if (
            len(hits) >= MIN_WORD_COMMENTS
            and spoken[word]  # never a label only accusatory comments used
            and word not in COMMON_WORDS
            and word not in _NOT_THEMES
            and word not in names
            and word not in PLACEHOLDERS
            and not review_comment(word).flagged
        ):
            raised.append((-len(hits), 1, word, hits))

    raised.sort(key=lambda r: (r[0], r[1], r[2]))
    chosen: list[Theme] = []
    quoted: set[int] = set()
    for neg_count, kind, key, hits in raised[: max(limit, 0)]:
        label = THEMES[int(key)].label if kind == 0 else key.capitalize()
        quotes: list[str] = []
        for i in hits:
            if len(quotes) >= MAX_QUOTES:
                break
            if i in quoted or not quotable[i]:
                continue
            quote = safe_quote(comments[i].text, people=people, limit=quote_limit)
            if quote is not None and quote not in quotes:
                quotes.append(quote)
                quoted.add(i)
        chosen.append(Theme(label=label, count=-neg_count, quotes=tuple(quotes)))
    return chosen
