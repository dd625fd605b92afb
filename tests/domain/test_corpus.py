"""The blame-free review on a corpus written blind (tests/domain/corpus), and the digest of it.

The corpus has three parts (tests/domain/corpus_eval.py says what each is for). The
held-out part is the one that measures: neither rules nor model ever saw it. Another file
is scored the same way with

    LIAISON_CORPUS=/path/to/file.jsonl .venv/bin/python -m pytest tests/domain/test_corpus.py -s

Issue 14's targets on held-out comments are recall of at least 0.9 for blame and at most
5% of constructive comments nudged; both are asserted (README, "The blame-free promise",
gives the measured numbers). What must hold everywhere, and is asserted as such: no
blaming comment in a digest of the whole corpus (hard cases included), polite mentions
neither nudged nor quoted, unsupported languages never quoted.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.digest import assemble_digest
from domain.digest_data import (
    AssetRecord,
    CommentRecord,
    DigestInput,
    Participation,
    Period,
    WeekVolume,
)
from domain.lexicon import SUPPORTED
from domain.redact import safe_quote
from domain.review import review_comment
from domain.themes import OTHER
from tests.domain.corpus_eval import DEFAULT, TRAIN, TUNE, load, report, score, whole_corpus

CORPUS = Path(os.environ.get("LIAISON_CORPUS") or DEFAULT)
MAX_NUDGED = 0.05  # the target
HELDOUT_RECALL_FLOOR = 0.90  # the target (measured: README)
HELDOUT_QUOTABLE_BLAME_CEILING = 0


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return load(CORPUS)


@pytest.fixture(scope="module")
def everything() -> list[dict[str, object]]:
    return whole_corpus()


def test_the_corpus_is_large_blind_and_in_seven_languages() -> None:
    heldout, tune, train = load(DEFAULT), load(TUNE), load(TRAIN)
    assert len(heldout) >= 400 and len(tune) + len(train) >= 400
    for part in (heldout, train):
        languages = Counter(str(row["lang"]) for row in part)
        assert all(languages[lang] >= 40 for lang in SUPPORTED), languages
        categories = {str(row["category"]) for row in part}
        assert {"team_marketing", "team_sales", "constructive_strong", "sarcasm"} <= categories

    # The held-out comments are nowhere in what the rules and the model learned from
    # (a row of emoji may be written by two writers alike: it has no words to share).
    def worded(part: list[dict[str, object]]) -> set[str]:
        return {str(row["text"]) for row in part if any(c.isalpha() for c in str(row["text"]))}

    assert not worded(tune + train) & worded(heldout)


def test_held_out_recall_and_ok_nudge_rate(rows: list[dict[str, object]]) -> None:
    tallies = score(rows)
    print(f"\ncorpus: {CORPUS}")
    print(report(tallies, verbose=True))
    total = tallies["total"]["all languages"]
    assert total.blame >= 50 and total.ok >= 50
    assert total.nudge_rate is not None and total.nudge_rate <= MAX_NUDGED
    if CORPUS == DEFAULT:
        assert total.recall is not None and total.recall >= HELDOUT_RECALL_FLOOR
        assert total.quoted_blame <= HELDOUT_QUOTABLE_BLAME_CEILING


def test_the_learned_parts_are_fitted_not_memorised() -> None:
    """On what the rules and model learned from, the targets hold: a sanity check of the fit."""
    total = score(load(TUNE) + load(TRAIN))["total"]["all languages"]
    assert total.recall is not None and total.recall >= 0.9
    assert total.nudge_rate is not None and total.nudge_rate <= MAX_NUDGED
    assert total.quoted_blame == 0


def test_polite_mentions_are_neither_nudged_nor_quotable(
    everything: list[dict[str, object]],
) -> None:
    polite = [row for row in everything if row["category"] == "polite_mention"]
    assert len(polite) >= 50
    nudged = [row["text"] for row in polite if review_comment(str(row["text"])).flagged]
    assert len(nudged) <= 0.05 * len(polite), nudged
    for row in polite:
        assert not review_comment(str(row["text"])).quotable, row["text"]


def test_unsupported_languages_are_never_quotable(everything: list[dict[str, object]]) -> None:
    other = [row for row in everything if row["lang"] not in SUPPORTED]
    assert other
    for row in other:
        assert not review_comment(str(row["text"])).quotable, row["text"]


PERIOD = Period(
    start=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    end=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    label="16-23 Nov 2026",
)


def _digest_of(rows: list[dict[str, object]]) -> tuple[DigestInput, list[CommentRecord]]:
    """Every comment of the corpus on one of ten assets, each by a different rep."""
    handles = [f"PD-{n}" for n in range(1, 11)]
    comments = [
        CommentRecord(
            text=str(row["text"]),
            flagged=False,  # as if stored before the rules existed: the digest decides again
            value="needs_work",
            asset_handle=handles[i % len(handles)],
            campaign_name="Q4 launch",
            author=f"U{i:08d}",
        )
        for i, row in enumerate(rows)
    ]
    assets = [
        AssetRecord(
            i, handle, f"Asset {handle}", f"https://example.com/{handle}", None, 5, 3, 1, 2, 2, 0
        )
        for i, handle in enumerate(handles, start=1)
    ]
    data = DigestInput(
        period=PERIOD,
        launches=[],
        assets=assets,
        comments=comments,
        questions=[],
        this_week=Participation(voters=80, votes=80, commenters=len(rows), comments=len(rows)),
        last_week=Participation(),
        volume=[WeekVolume(date(2026, 11, 16), 80, len(rows))],
        people=[],
    )
    return data, comments


def test_a_digest_of_the_whole_corpus_quotes_no_blaming_comment(
    everything: list[dict[str, object]],
) -> None:
    rows = everything
    data, _ = _digest_of(rows)
    digest = assemble_digest(data, workspace_name="Acme")
    quotes = [quote for theme in digest.themes for quote in theme.quotes]
    assert quotes, "the corpus has quotable comments: the digest should quote some"
    blaming = {
        safe_quote(str(row["text"]), people=(), limit=160)
        for row in rows
        if row["label"] == "blame"
    }
    polite = {
        safe_quote(str(row["text"]), people=(), limit=160)
        for row in rows
        if row["category"] == "polite_mention"
    }
    for quote in quotes:
        assert quote not in blaming
        assert quote not in polite
        review = review_comment(quote)
        assert not review.flagged and not review.references
    counts = Counter(theme.label for theme in digest.themes)
    assert all(n == 1 for n in counts.values())
    assert all(theme.label != OTHER or not theme.quotes for theme in digest.themes)
