"""Blame-free review benchmark: ``review_comment`` on 3,000-character and 100 KB comments.

Run: ``.venv/bin/python bench/review.py [--repeats 30]`` (not part of the test suite; see
bench/README.md).

What it does
------------
1. **Warm up.** Every comment of the tuning corpus is reviewed once, so the one-time
   costs (the language model, the first-name list, the compiled lexicons) are paid
   before timing, as they are in a running server; then the heap built so far is frozen
   (`app.serve.freeze_startup_heap`), as `bot.py serve` freezes its start-up heap, so
   a full garbage collection does not walk the lexicons and the model in the middle of
   a timed review (``--no-freeze`` leaves them to it: a 20 ms pause can then land on
   any review, and the 100 KB worst case reports it).
2. **3,000 characters.** For each language of the corpus, its comments joined (in a
   fixed shuffled order) until the text is 3,000 characters, the length a feedback
   comment may have; also the project's long English comments repeated to 3,000. Each
   text is reviewed R times; the median of all timings is ``p50_ms``.
3. **100 KB hostile.** Texts made to be expensive: one letter repeated, a swear word,
   team nouns with "never", mentions, names, emoji, URLs, markup, a blaming phrase and
   mixed scripts, each 100,000 characters. The slowest single review is
   ``worst_100kb_ms``.
4. **Baseline.** In the same run, the least any review must do: fold the text
   (``domain.text_fold.fold_pair``) and find its words (one regex pass), for the same
   3,000-character texts; ``ratio`` = review / baseline.

The last line is always ``result: p50_ms=<x> worst_100kb_ms=<y>``; the targets are 2 ms
and 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.review import review_comment
from domain.text_fold import fold_pair
from tests.support.nudge_corpus import LONG_BAD, LONG_FINE, LONG_MARKETING_FINE

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "domain" / "corpus" / "tune.jsonl"
LENGTH = 3_000
HOSTILE = 100_000
_WORDS = re.compile(r"[a-z0-9]+")


def _to_length(text: str, length: int) -> str:
    return ((text + " ") * (length // max(len(text), 1) + 1))[:length]


def texts_3000(rows: list[dict[str, str]]) -> dict[str, str]:
    """One 3,000-character text per corpus language, and the long English comments."""
    rng = random.Random(7)
    by_lang: dict[str, list[str]] = {}
    for row in rows:
        by_lang.setdefault(row["lang"], []).append(row["text"])
    out: dict[str, str] = {}
    for lang, comments in sorted(by_lang.items()):
        rng.shuffle(comments)
        out[lang] = _to_length(" ".join(comments), LENGTH)
    for name, text in (("en_long_fine", LONG_FINE), ("en_long_bad", LONG_BAD)):
        out[name] = _to_length(text, LENGTH)
    out["en_long_marketing"] = _to_length(LONG_MARKETING_FINE, LENGTH)
    return out


def hostile_texts() -> dict[str, str]:
    """100 KB texts made to be expensive."""
    units = {
        "one_letter": "a",
        "swearing": "fuck ",
        "team_never": "marketing never ",
        "mentions": "<@U0123ABCD> ",
        "handles": "@someone ",
        "names": "Lukas Sabine ",
        "emoji": "🖕🙄",
        "urls": "https://example.com/a?b=c ",
        "markup": "<!subteam^S1|@x><#C1|c>&lt;@U1&gt;",
        "blame": "the intern who made this never talked to a customer ",
        "passive": "per my last email ",
        "mixed_scripts": "fu\u0441k \u0448\u0438\u0442 ",
        "accents": "é",
        "disguised": "f*ck sh1t a$$ ",
    }
    return {name: _to_length(unit, HOSTILE) for name, unit in units.items()}


def _time(text: str) -> float:
    start = time.perf_counter()
    review_comment(text)
    return (time.perf_counter() - start) * 1000


def _baseline(text: str) -> float:
    start = time.perf_counter()
    _, folded = fold_pair(text)
    _WORDS.findall(folded)
    return (time.perf_counter() - start) * 1000


def main(argv: list[str]) -> int:
    """Run the benchmark and print a table, then the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the warmed-up heap to the garbage collector's full passes",
    )
    args = parser.parse_args(argv)
    with CORPUS.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    for row in rows:
        review_comment(row["text"])
    if not args.no_freeze:
        # Imported here: it brings the whole app's modules, which --no-freeze leaves out.
        from app.serve import freeze_startup_heap

        freeze_startup_heap()  # as `bot.py serve` does once started

    timings: list[float] = []
    base: list[float] = []
    print(f"{'3,000 characters':<22} {'p50 ms':>8} {'max ms':>8} {'baseline':>9} {'ratio':>6}")
    for name, text in texts_3000(rows).items():
        mine = [_time(text) for _ in range(args.repeats)]
        floor = [_baseline(text) for _ in range(args.repeats)]
        timings += mine
        base += floor
        p50, b50 = statistics.median(mine), statistics.median(floor)
        print(f"{name:<22} {p50:8.2f} {max(mine):8.2f} {b50:9.3f} {p50 / b50:6.1f}")
    p50_all = statistics.median(timings)
    print(f"{'all':<22} {p50_all:8.2f} {max(timings):8.2f} {statistics.median(base):9.3f}")

    print(f"\n{'100 KB hostile':<22} {'worst ms':>8}")
    worst = 0.0
    for name, text in hostile_texts().items():
        slowest = max(_time(text) for _ in range(3))
        worst = max(worst, slowest)
        print(f"{name:<22} {slowest:8.2f}")
    print(f"result: p50_ms={p50_all:.2f} worst_100kb_ms={worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
