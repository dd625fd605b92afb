"""The blame-free review on a corpus written blind (tests/domain/corpus), and the digest of it.

The tuning half (tune.jsonl) lives in the repository; a held-out half is scored the same way
by pointing LIAISON_CORPUS at it:

    LIAISON_CORPUS=/path/to/heldout.jsonl .venv/bin/python -m pytest tests/domain/test_corpus.py -s

Targets (issue 14): recall of at least 0.9 for blame, at most 5% of ok comments nudged;
polite mentions never nudged and never quotable; unsupported languages never quoted.
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
from tests.domain.corpus_eval import DEFAULT, load, report, score

CORPUS = Path(os.environ.get("LIAISON_CORPUS") or DEFAULT)
MIN_RECALL = 0.9
MAX_NUDGED = 0.05


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return load(CORPUS)


def test_blame_recall_and_ok_nudge_rate_meet_the_targets(rows: list[dict[str, object]]) -> None:
    tallies = score(rows)
    print(f"\ncorpus: {CORPUS}")
    print(report(tallies, verbose=True))
    total = tallies["total"]["all languages"]
    assert total.blame >= 50 and total.ok >= 50
    assert total.recall is not None and total.recall >= MIN_RECALL
    assert total.nudge_rate is not None and total.nudge_rate <= MAX_NUDGED
    assert total.quoted_blame == 0


def test_polite_mentions_are_neither_nudged_nor_quotable(rows: list[dict[str, object]]) -> None:
    polite = [row for row in rows if row["category"] == "polite_mention"]
    assert polite
    for row in polite:
        review = review_comment(str(row["text"]))
        assert not review.flagged, row["text"]
        assert not review.quotable, row["text"]


def test_unsupported_languages_are_never_quotable(rows: list[dict[str, object]]) -> None:
    other = [row for row in rows if row["lang"] not in SUPPORTED]
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
    rows: list[dict[str, object]],
) -> None:
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
