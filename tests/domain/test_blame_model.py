"""The shipped blame model (domain/lexicon/blame_model.json) is what the trainer fits."""

from __future__ import annotations

import json

import pytest

from domain import blame_model
from domain.review import review_by_rules, review_comment
from scripts import train_blame_model as trainer


def test_the_shipped_weights_are_the_fit_of_the_training_corpus() -> None:
    rows = trainer.prepare_rows(trainer.load(trainer.training_files()) + trainer.own_examples())
    weights, bias = trainer.fit(rows)
    shipped = json.loads(blame_model.MODEL_FILE.read_text(encoding="utf-8"))
    assert shipped["comments"] == len(rows)
    assert shipped["bias"] == pytest.approx(bias, abs=1e-4)
    assert set(shipped["weights"]) == set(weights)
    for feature, weight in weights.items():
        assert shipped["weights"][feature] == pytest.approx(weight, abs=1e-4), feature
    assert 0.5 <= shipped["flag"] < 1 and 0 < shipped["quote"] <= 0.3


def test_the_model_only_adds_to_the_rules() -> None:
    texts = [
        "Dana's deck is garbage",
        "The ROI numbers are wrong on slide 3",
        "Fijn dat de klantcase zo vaag is, dan kan de klant zelf bedenken wat we gedaan hebben",
        "Slide 6 pricing made the CFO ask for a proposal; add the EMEA tiers after it",
        "",
        "🤮",
    ]
    for text in texts:
        rules, both = review_by_rules(text), review_comment(text)
        assert set(rules.reasons) <= set(both.reasons), text
        assert both.quotable <= rules.quotable, text
        if both.flagged and not rules.flagged:
            assert both.reasons == ("tone",)


def test_features_are_bounded_on_hostile_input() -> None:
    folded = ("abcdefgh " * 20_000)[:100_000]
    found = blame_model.features(folded, folded)
    assert len(found) < 50
    many = " ".join(f"w{i}x" for i in range(30_000))
    assert len(blame_model.features(many, many)) < 2 * blame_model.FEATURE_LIMIT
