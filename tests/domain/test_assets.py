from __future__ import annotations

import pytest

from domain.assets import (
    AssetRef,
    fallback_title,
    handle_prefix,
    lookup,
    make_handle,
    normalise_handle,
    rank,
)


@pytest.mark.parametrize(
    ("title", "prefix"),
    [
        ("Pricing deck", "PD"),
        ("The ROI calculator", "RC"),
        ("Battlecard", "BA"),
        ("Q3 pricing deck", "PD"),
        ("Élan brochure", "EB"),
        ("日本語", "AS"),
        ("", "AS"),
        ("a", "AS"),
        ("X", "XX"),
    ],
)
def test_handle_prefix(title: str, prefix: str) -> None:
    assert handle_prefix(title) == prefix


def test_make_handle_numbers_the_prefix() -> None:
    assert make_handle("Pricing deck", 3) == "PD-3"


@pytest.mark.parametrize(
    ("text", "handle"),
    [("PD-3", "PD-3"), ("pd-3", "PD-3"), ("`PD-03`", "PD-3"), ("PD3", None), ("pricing", None)],
)
def test_normalise_handle(text: str, handle: str | None) -> None:
    assert normalise_handle(text) == handle


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.example.com/files/Pricing%20Deck.pdf", "example.com/Pricing Deck.pdf"),
        ("https://example.com/", "example.com"),
        ("https://example.com", "example.com"),
    ],
)
def test_fallback_title(url: str, title: str) -> None:
    assert fallback_title(url) == title


ASSETS = [
    AssetRef(id=1, handle="PD-1", title="Pricing deck 2026"),
    AssetRef(id=2, handle="RC-2", title="ROI calculator"),
    AssetRef(id=3, handle="PD-3", title="Pricing deck for partners"),
    AssetRef(id=4, handle="CS-4", title="Customer story: Acme"),
]


def test_lookup_by_exact_handle_wins() -> None:
    assert lookup("pd-3", ASSETS).match == ASSETS[2]


def test_lookup_by_unique_title_words() -> None:
    assert lookup("roi calculator", ASSETS).match == ASSETS[1]
    assert lookup("acme", ASSETS).match == ASSETS[3]


def test_lookup_ambiguous_returns_candidates() -> None:
    found = lookup("pricing deck", ASSETS)
    assert found.match is None
    assert {c.id for c in found.candidates} == {1, 3}


def test_lookup_unknown_offers_close_spellings() -> None:
    found = lookup("pricng dek", ASSETS)
    assert found.match is None
    assert {c.id for c in found.candidates} >= {1, 3}


def test_lookup_mistyped_handle_offers_similar_handles() -> None:
    found = lookup("PD-8", ASSETS)
    assert found.match is None
    assert "PD-1" in {c.handle for c in found.candidates}


def test_lookup_nothing_close() -> None:
    assert lookup("zebra", ASSETS).candidates == ()


def test_rank_orders_by_match_quality() -> None:
    assert rank("partners pricing", ASSETS)[0].id == 3
    assert rank("zebra", ASSETS) == []


def test_titles_in_any_script_can_be_found() -> None:
    assets = [
        AssetRef(id=1, handle="AS-1", title="Прайс-лист 2027"),
        AssetRef(id=2, handle="AS-2", title="価格 表"),
        AssetRef(id=3, handle="CA-3", title="Café brochure"),
    ]
    assert lookup("прайс", assets).match == assets[0]
    assert lookup("ПРАЙС-ЛИСТ", assets).match == assets[0]
    assert lookup("価格", assets).match == assets[1]
    assert lookup("café", assets).match == assets[2]
