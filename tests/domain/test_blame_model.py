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
    assert 0.3 <= shipped["flag"] < 1 and 0 < shipped["quote"] <= 0.3
    assert 0 <= shipped["veto"] < shipped["flag"]


def test_the_model_settles_nudges_and_never_loosens_quotes() -> None:
    shipped = blame_model.model()
    texts = [
        "Dana's deck is garbage",
        "The ROI numbers are wrong on slide 3",
        "Fijn dat de klantcase zo vaag is, dan kan de klant zelf bedenken wat we gedaan hebben",
        "Slide 6 pricing made the CFO ask for a proposal; add the EMEA tiers after it",
        "this deck is painfully long and the pricing slide is useless",
        "Whoever made this clearly never talked to a customer",
        "",
        "🤮",
    ]
    for text in texts:
        rules, both = review_by_rules(text), review_comment(text)
        # A quote needs the rules' consent and the model's: the model never adds one.
        assert both.quotable <= rules.quotable, text
        if both.flagged and not rules.flagged:
            assert both.reasons == ("tone",) and both.blame_score >= shipped.flag, text
        elif rules.flagged and not both.flagged:
            # Let go only when the model reads it as about the material; never quoted.
            assert both.blame_score < shipped.veto and not both.quotable, text
        elif both.flagged:
            assert set(rules.reasons) <= set(both.reasons), text
    assert review_comment("Dana's deck is garbage").flagged
    assert review_comment("Whoever made this clearly never talked to a customer").flagged
    assert not review_comment("The ROI numbers are wrong on slide 3").flagged


def test_features_are_bounded_on_hostile_input() -> None:
    folded = ("abcdefgh " * 20_000)[:100_000]
    found = blame_model.features(folded, folded)
    assert len(found) < 50
    many = " ".join(f"w{i}x" for i in range(30_000))
    assert len(blame_model.features(many, many)) < 2 * blame_model.FEATURE_LIMIT
