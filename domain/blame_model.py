"""A small linear model of blame, trained on comments written blind (SPEC: blame-free rules).

The lexicon rules in domain.review catch what they list; comments written by people who
never saw the lists showed that blame hides in wording no list holds ("Que alguien le
explique a producto lo que es un cliente"). This model reads the same folded text as the
rules and scores how much a comment reads as aimed at people rather than at the material.

It is a logistic regression over sparse binary features: words, word pairs, character
4-grams inside words (they carry meaning across the inflections of seven languages),
emoji, a few shapes of punctuation, and the rules' own cue categories. Scoring is a sum
of weights, so it costs a few dictionary lookups per word and needs no library at run
time; the weights ship in blame_model.json beside the lexicons (nothing is downloaded).
`scripts/train_blame_model.py` fits it from the corpora under tests/domain/corpus
(writers who had not read the rules) and chooses the two thresholds by cross-validation:

- `flag`: at or above it, the comment is nudged even when no rule fired;
- `veto`: below it, a comment a rule fired on is not nudged after all (a strong word
  about the material, a name that is a customer's): the model has read the rule's cue
  among its features and, on comments nobody tuned it on, such comments were constructive.
  A vetoed comment is still never quoted (the quote gate reads the rules alone);
- `quote`: below it only may a comment be quoted. It is set low, so that a comment the
  model has any doubt about only counts toward themes (quote by evidence, never by
  absence of evidence).

Why hand-written: inference is a dot product over a few hundred features; a machine
learning library would add hundreds of megabytes to every install for that sum.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, repeat
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parent / "lexicon" / "blame_model.json"
FEATURE_LIMIT = 700  # characters read: every training comment fits, and the opening says enough
_WORD = re.compile(r"[^\W\d_]+|\d+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_CAPS = re.compile(r"[^\W\d_a-z](?<!\w.)[^\W\d_a-z]{3,}(?!\w)")  # class first: see review._SHOUT


@dataclass(frozen=True)
class BlameModel:
    """Weights, bias and the two thresholds chosen by cross-validation."""

    weights: Mapping[str, float]
    bias: float
    flag: float
    quote: float
    veto: float = 0.0

    def probability(self, features: set[str]) -> float:
        """How likely the comment blames people, from 0 to 1."""
        # A feature the model does not know weighs nothing; `map` over `get` runs in C.
        z = self.bias + sum(map(self.weights.get, features, repeat(0.0)))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


def features(
    folded: str,
    cased: str,
    *,
    cues: Iterable[str] = (),
    references: Iterable[str] = (),
    language: str | None = None,
) -> set[str]:
    """The sparse binary features of one comment (folded and cased as domain.review has them)."""
    text = folded[:FEATURE_LIMIT]
    words = _WORD.findall(text)
    # Each word's own features come from a cache (words repeat from comment to comment);
    # pairs are formatted by a bound method in `map`: no Python frame per word.
    found = set(chain.from_iterable(map(_word_features, words)))
    found.update(map("b:{}_{}".format, words, words[1:]))
    if words:  # how a comment opens and ends carries its tone ("oh good, ...", "... né")
        found.add("f:" + words[0])
        found.add("f:" + "_".join(words[:2]))
        found.add("z:" + words[-1])
    raw = cased[:FEATURE_LIMIT]
    # No ASCII character is a symbol of category So (emoji, ©, ☺): only the others are read.
    found.update("e:" + ch for ch in _NOT_ASCII.findall(raw) if unicodedata.category(ch) == "So")
    if "!!" in raw:
        found.add("p:!!")
    if "?!" in raw or "!?" in raw or "??" in raw:
        found.add("p:?!")
    if "..." in raw or "\u2026" in raw:
        found.add("p:...")
    if '"' in raw or "\u201c" in raw or "\u00ab" in raw:
        found.add("p:quote")
    if _CAPS.search(raw):
        found.add("p:caps")
    if not words:
        found.add("p:nowords")
    cues, references = list(cues), list(references)
    found.update("q:" + cue for cue in cues)
    found.update("r:" + reference for reference in references)
    # Who and what together: a person with a problem is the shape of blame.
    found.update(f"x:{reference}+{cue}" for reference in references for cue in cues)
    found.add(f"l:{language or 'none'}")
    return found


@lru_cache(maxsize=50_000)
def _word_features(word: str) -> tuple[str, ...]:
    """A word as a feature and, when longer than three letters, its character 4-grams
    (cached: words repeat from comment to comment)."""
    if len(word) <= 3 or word.isdigit():
        return ("w:" + word,)
    padded = f"<{word}>"
    return ("w:" + word, *("c:" + padded[i : i + 4] for i in range(len(padded) - 3)))


@cache
def model() -> BlameModel:
    """The shipped model, read once on first use."""
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return BlameModel(
        weights={str(k): float(v) for k, v in data["weights"].items()},
        bias=float(data["bias"]),
        flag=float(data["flag"]),
        quote=float(data["quote"]),
        veto=float(data.get("veto", 0.0)),
    )
