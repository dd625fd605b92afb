"""Score the blame-free review on a labelled corpus (JSONL: text, lang, label, category, ...).

    python -m tests.domain.corpus_eval                      # the held-out half
    python -m tests.domain.corpus_eval tests/domain/corpus/tune.jsonl
    LIAISON_CORPUS=/path/to/other.jsonl python -m tests.domain.corpus_eval

The corpus (tests/domain/corpus/) was written blind, by writers who never saw the rules:

- tune.jsonl: the lexicon rules were written looking at it;
- train/*.jsonl: the blame model (domain/blame_model.py) is fitted on them;
- heldout/*.jsonl: never looked at while writing rules or fitting: the reported numbers;
- hard/*.jsonl: blind sets concentrated on sarcasm, named colleagues, passive aggression
  and blunt criticism; nothing learns from them: a stress test, reported beside.

Prints, per language and per category: how many comments, blame recall (blaming comments
nudged) and the share of ok comments nudged, then the totals, with and without the
languages the rules do not support. `label` is "blame" or "ok"; a "polite_mention" must
not be nudged and must never be quotable.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from domain.lexicon import SUPPORTED
from domain.review import Review, review_comment

CORPUS_DIR = Path(__file__).parent / "corpus"
DEFAULT = CORPUS_DIR / "heldout"
TUNE = CORPUS_DIR / "tune.jsonl"
TRAIN = CORPUS_DIR / "train"
# Blind sets concentrated on the hardest cases, used by nothing that learns (see README).
HARD = CORPUS_DIR / "hard"


@dataclass
class Tally:
    """Counts for one slice of the corpus."""

    blame: int = 0
    caught: int = 0
    ok: int = 0
    nudged: int = 0
    quoted_blame: int = 0
    missed: list[str] = field(default_factory=list)
    wrongly: list[str] = field(default_factory=list)

    def add(self, row: dict[str, object], review: Review) -> None:
        text = str(row["text"])
        if row["label"] == "blame":
            self.blame += 1
            self.caught += review.flagged
            self.quoted_blame += review.quotable
            if not review.flagged:
                self.missed.append(text)
        else:
            self.ok += 1
            self.nudged += review.flagged
            if review.flagged:
                self.wrongly.append(f"{text}  {review.reasons}")

    @property
    def recall(self) -> float | None:
        return self.caught / self.blame if self.blame else None

    @property
    def nudge_rate(self) -> float | None:
        return self.nudged / self.ok if self.ok else None


def load(path: Path) -> list[dict[str, object]]:
    """The corpus rows of a JSONL file, or of every JSONL file in a folder."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    rows: list[dict[str, object]] = []
    for file in files:
        with file.open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines if line.strip()]
    return rows


def whole_corpus() -> list[dict[str, object]]:
    """Tuning, training, held-out and hard-case rows together."""
    return load(TUNE) + load(TRAIN) + load(DEFAULT) + load(HARD)


def score(rows: Iterable[dict[str, object]]) -> dict[str, dict[str, Tally]]:
    """Tallies by language, by category, and in total (all, and supported languages only)."""
    out: dict[str, dict[str, Tally]] = {
        "lang": defaultdict(Tally),
        "category": defaultdict(Tally),
        "total": defaultdict(Tally),
    }
    for row in rows:
        review = review_comment(str(row["text"]))
        out["lang"][str(row["lang"])].add(row, review)
        out["category"][str(row["category"])].add(row, review)
        out["total"]["all languages"].add(row, review)
        if row["lang"] in SUPPORTED:
            out["total"]["supported languages"].add(row, review)
        if row["category"] == "polite_mention" and review.quotable:
            out["total"]["polite mentions quotable (must be 0)"].add(row, review)
    return out


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def report(tallies: dict[str, dict[str, Tally]], *, verbose: bool = False) -> str:
    """The table the closing note quotes."""
    lines = []
    for group in ("lang", "category", "total"):
        lines.append(f"\n{group:<44} {'n':>4} {'blame':>5} {'recall':>7} {'ok':>4} {'nudged':>7}")
        for name, t in sorted(tallies[group].items()):
            lines.append(
                f"{name:<44} {t.blame + t.ok:>4} {t.blame:>5} {_pct(t.recall):>7} "
                f"{t.ok:>4} {_pct(t.nudge_rate):>7}"
            )
    total = tallies["total"]["all languages"]
    lines.append(f"\nblaming comments that would be quotable: {total.quoted_blame}")
    if verbose:
        lines.append("\nmissed blame:")
        lines += [f"  - {m}" for m in total.missed]
        lines.append("\nok comments nudged:")
        lines += [f"  - {w}" for w in total.wrongly]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Score the corpus named on the command line or in LIAISON_CORPUS."""
    args = [a for a in argv if not a.startswith("-")]
    path = Path(args[0] if args else os.environ.get("LIAISON_CORPUS") or DEFAULT)
    print(f"corpus: {path}")
    print(report(score(load(path)), verbose="-v" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
