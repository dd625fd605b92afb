"""The review's fast pattern forms find exactly what their plain forms find.

For speed, patterns scanned over a whole comment start with a character class instead
of a lookbehind, the disguise hints run as separate patterns, and runs of a repeated
character are only squeezed where an array comparison found one. Each plain form below
is the obvious pattern the fast one replaces; hypothesis compares them on texts made of
the characters that matter to them. The lexicon matcher keys patterns that open with a
short word by their second word; it is compared with the matcher that does not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import disguise, text_fold
from domain import language as language_module
from domain import review as review_module
from domain.blame_model import _CAPS
from domain.language import detect_language
from domain.lexicon import SHORT_LEAD, Hit, build_matcher

TUNE = Path(__file__).resolve().parent / "corpus" / "tune.jsonl"

# Letters in both cases (accented too), digits, the symbols the patterns look at,
# spaces and line breaks: dense enough that every branch fires in a short text.
_ALPHABET = "aAbBfFkKsSuUcChHiItTlLmMeEéÉßÄäÖ01357@*$!#|(+.'-?_ \n"
texts = st.text(alphabet=_ALPHABET, max_size=80)

PLAIN = {
    "_SHOUT": re.compile(r"(?<![\w])[A-ZÄÖÜÉÈÀ]{4,}(?![\w])"),
    "_PLAIN_MENTION": re.compile(r"(?<![\w.+\-/@])@([^\W\d_][\w.\-]{0,80})"),
    "_CAPITALISED": re.compile(r"(?<![\w@.'\-])([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{1,30})(?=('s|'|\b))"),
    "_INITIALS": re.compile(r"(?<![\w@.'\-])([A-Z]{2,3})(?![\w\-])"),
}
PLAIN_CAPS = re.compile(r"(?<!\w)[^\W\d_a-z]{4,}(?!\w)")
PLAIN_HINT = re.compile(
    r"[a-z][*$@!#|(+]+[a-z*]|[a-z][*$@!]{2,}|[a-z][013457]+[a-z]|[*$][a-z]|[a-z]@[a-z]|@[s$5]{2}"
    r"|(?<![a-z])[a-z] [a-z] [a-z] [a-z](?![a-z])"
    r"|half[\s-]?assed|fuu"
)
PLAIN_RUN = re.compile(r"(.)\1{2,}", re.IGNORECASE)
PLAIN_LINK = re.compile(r"https?://\S{1,500}|www\.\S{1,500}", re.IGNORECASE)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], ...]]:
    return [
        tuple(match.span(g) for g in range(pattern.groups + 1)) for match in pattern.finditer(text)
    ]


@settings(max_examples=400)
@given(texts)
def test_class_first_patterns_find_what_their_lookbehind_forms_find(text: str) -> None:
    for name, plain in PLAIN.items():
        fast: re.Pattern[str] = getattr(review_module, name)
        assert _spans(fast, text) == _spans(plain, text), name
    assert _spans(_CAPS, text) == _spans(PLAIN_CAPS, text)


def _plain_swearing(folded: str) -> list[tuple[int, int]]:
    """disguised_swearing as it was written with one hint pattern."""
    windows: list[list[int]] = []
    for hint in PLAIN_HINT.finditer(folded):
        lo, hi = max(0, hint.start() - 24), min(len(folded), hint.end() + 24)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    spans: list[tuple[int, int]] = []
    for lo, hi in windows:
        spans += [m.span() for m in disguise._DISGUISED.finditer(folded, lo, hi)]
    return spans[: disguise.MAX_SPANS]


@settings(max_examples=400)
@given(st.text(alphabet="fuckshitabdmnpr*$@!1034 .-\n", max_size=120))
def test_disguised_swearing_finds_what_one_hint_pattern_found(folded: str) -> None:
    assert disguise.disguised_swearing(folded) == _plain_swearing(folded)


def test_the_hints_still_find_each_disguise() -> None:
    for text, word in [
        ("this is sh1t", "sh1t"),
        ("what the f*ck", "f*ck"),
        ("f u c k this", "f u c k"),
        ("half-assed deck", "half-assed"),
        ("a b@stard move", "b@stard"),
    ]:
        found = [text[s:e] for s, e in disguise.disguised_swearing(text)]
        assert any(word in span for span in found), (text, found)


@settings(max_examples=400)
@given(texts)
def test_runs_are_squeezed_as_the_run_pattern_squeezes_them(text: str) -> None:
    runs = text_fold._runs(text)
    fast = runs.sub(lambda m: m.group(0)[:2], text) if runs is not None else text
    assert fast == PLAIN_RUN.sub(lambda m: m.group(0)[:2], text)


def test_fold_pair_squeezes_runs_in_both_views() -> None:
    cased, folded = text_fold.fold_pair("Sooooo GOOOOD... really....\n\n\nyes")
    assert cased == "Soo GOOD.. really..\n\n\nyes"
    assert folded == cased.lower()


@settings(max_examples=300)
@given(st.text(alphabet="hHtTpPsSwW:/.x ", max_size=40))
def test_links_are_looked_for_wherever_one_could_start(text: str) -> None:
    if PLAIN_LINK.search(text):
        assert review_module._LINK_HINT.search(text)


@settings(max_examples=300)
@given(st.text(alphabet="ab1_ .é²\n-", max_size=40))
def test_enough_letters_is_a_count_of_letters(text: str) -> None:
    letters = len(re.findall(r"[^\W\d_]", text))
    enough = review_module._ENOUGH_LETTERS.match(text) is not None
    assert enough == (letters >= review_module.MIN_QUOTE_LETTERS)


_EMOJI_TEXT = st.text(
    alphabet="a :\U0001f595\U0001f644\U0001f642\U0001f389\U0001f44f\U0001f600"
    "\U0001f300\U0001faff\u263a",
    max_size=30,
)


@settings(max_examples=300)
@given(_EMOJI_TEXT)
def test_emoji_patterns_find_their_emoji_and_no_other(text: str) -> None:
    for fast in (review_module._HOSTILE_EMOJI, review_module._SOFT_SMILE, review_module._PARTY):
        chars = fast.pattern.split("(?<=[", 1)[1][:-2]
        plain = re.compile(f"[{chars}]")
        assert _spans(fast, text) == _spans(plain, text)


def _hits(found: list[Hit]) -> list[tuple[str, str, int, int]]:
    return sorted((h.category, h.lang, h.start, h.end) for h in found)


def test_keying_patterns_by_their_second_word_finds_the_same_cues() -> None:
    """Patterns opening with a short word ("the", "de", "que") are keyed by the word
    after it; the matcher that keys every pattern by its first word is the reference."""
    texts = [json.loads(line)["text"] for line in TUNE.read_text(encoding="utf-8").splitlines()]
    texts += [" ".join(texts[i : i + 40]) for i in range(0, len(texts), 40)]
    assert len(texts) > 300
    for part in ("decide", "quote"):
        shifted = build_matcher(part, SHORT_LEAD)
        reference = build_matcher(part, 0)
        assert any(e.lead for entries in shifted.by_key.values() for e in entries)
        assert not any(e.lead for entries in reference.by_key.values() for e in entries)
        for text in texts:
            _, folded = text_fold.fold_pair(text)
            for lang in (detect_language(text), None):
                assert _hits(list(shifted.find(folded, lang=lang))) == _hits(
                    list(reference.find(folded, lang=lang))
                ), text


def test_the_language_read_from_a_long_comments_start_is_the_language_of_more_of_it() -> None:
    """The identifier reads MAX_CHARS characters (its cost grows with each one): on long
    comments made of the corpus's comments, that gives the answer 400 characters give."""
    by_lang: dict[str, list[str]] = {}
    for path in sorted((TUNE.parent / "heldout").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            by_lang.setdefault(row["lang"], []).append(row["text"])
    assert len(by_lang) == 7
    checked = 0
    for comments in by_lang.values():
        for start in range(0, 200, 10):
            text = " ".join(comments[start : start + 8])
            if len(text) < 400:
                continue
            with_more = language_module._identifier().classify(text[:400])
            expected = with_more[0] if with_more[1] >= language_module.MIN_CONFIDENCE else None
            assert detect_language(text) == expected, text[:400]
            checked += 1
    assert language_module.MAX_CHARS < 400
    assert checked >= 100


PLAIN_SENTENCE_START = re.compile(r"(?:^|[.!?\n:;]\s*|^\W+)$")


@settings(max_examples=500)
@given(st.text(alphabet="ab. !?:;\n\t,é_1-\u00a0", max_size=12))
def test_a_sentence_start_is_what_the_sentence_start_pattern_finds(before: str) -> None:
    expected = PLAIN_SENTENCE_START.search(before) is not None
    assert review_module._sentence_start(before) == expected


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(["thanks", "to", "de", "deck", "merci", "a", "hi", "x", "é", "."])
        | st.text(alphabet=" \n\t,.", min_size=1, max_size=3),
        max_size=6,
    )
)
def test_names_patterns_are_only_skipped_where_they_cannot_match(parts: list[str]) -> None:
    before = "".join(parts)
    for pattern in (review_module._PERSON_BEFORE, review_module._BEFORE_POSSESSOR):
        if pattern.search(before):
            assert review_module._word_then_space(before), (pattern.pattern, before)
