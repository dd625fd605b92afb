from __future__ import annotations

import pytest

from domain.digest_data import CommentRecord, Theme
from domain.themes import THEMES, themes

PEOPLE = ["U012ABCDEF", "Jane Doe", "jane.doe", "jane@acme.com", "Orlanda"]


def comment(text: str, *, flagged: bool = False) -> CommentRecord:
    return CommentRecord(
        text=text, flagged=flagged, value="needs_work", asset_handle="PD-3", campaign_name=None
    )


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The prices are wrong for EMEA", "Pricing"),
        ("Needs the per seat cost", "Pricing"),
        ("This is out of date", "Outdated content"),
        ("still shows last year's logo", "Outdated content"),
        ("It needs an update", "Outdated content"),
        ("Way too long for a first call", "Length"),
        ("tl;dr please", "Length"),
        ("Add a case study from a bank", "Examples and case studies"),
        ("could use a customer story", "Examples and case studies"),
        ("nothing for healthcare buyers", "Industries"),
        ("Which verticals is this for?", "Industries"),
        ("Unreadable on mobile", "Mobile"),
        ("the iPhone view is cut", "Mobile"),
        ("Link is broken", "Broken or hard-to-open links"),
        ("I can't open it without access", "Broken or hard-to-open links"),
        ("The PDF doesn't load", "Broken or hard-to-open links"),
        ("How do we compare to Acme?", "Competitors"),
        ("Need a battlecard vs Initech", "Competitors"),
        ("Send it as an editable PPTX", "Format and design"),
        ("The value prop is unclear", "Clarity and messaging"),
        ("Where is the ROI calculator?", "Data and ROI"),
        ("Is there a German translation?", "Language and localisation"),
    ],
)
def test_theme_table(text: str, label: str) -> None:
    found = themes([comment(text)], people=PEOPLE, limit=20)
    assert label in [t.label for t in found]


def test_every_table_theme_has_a_label() -> None:
    labels = [rule.label for rule in THEMES]
    assert len(labels) == len(set(labels)) >= 8
    assert all(len(label) <= 40 for label in labels)


def test_no_comments_no_themes() -> None:
    assert themes([], people=PEOPLE) == []
    assert themes([comment("👍")], people=PEOPLE) == []


def test_flagged_comments_count_but_are_never_quoted() -> None:
    comments = [
        comment("Marketing never updates the pricing, useless", flagged=True),
        # Not marked flagged when stored, but accusatory: review_comment catches it.
        comment("Whose fault is this pricing mess? Sales always ignores it"),
        comment("The pricing table is confusing"),
        comment("<@U012ABCDEF> the pricing is off"),  # a mention: flagged by review_comment
    ]
    (pricing, *_rest) = themes(comments, people=PEOPLE)
    assert pricing.label == "Pricing"
    assert pricing.count == 4
    assert pricing.quotes == ("The pricing table is confusing",)


def test_quotes_are_redacted_capped_and_not_repeated() -> None:
    comments = [
        comment("Jane Doe says the pricing is outdated"),
        comment("Pricing from jane@acme.com: add EMEA"),
        comment("pricing: call +44 20 7946 0958 for the real numbers"),
        comment("Our pricing page is outdated too"),
    ]
    found = themes(comments, people=PEOPLE)
    pricing = next(t for t in found if t.label == "Pricing")
    assert pricing.count == 4
    assert pricing.quotes == (
        "someone says the pricing is outdated",
        "Pricing from [email]: add EMEA",
    )
    outdated = next(t for t in found if t.label == "Outdated content")
    assert outdated.count == 2
    # The first outdated comment is quoted under Pricing already.
    assert outdated.quotes == ("Our pricing page is outdated too",)


def test_quotes_are_shortened_to_the_limit() -> None:
    found = themes([comment("pricing " + "x" * 500)], people=PEOPLE, quote_limit=50)
    assert all(len(q) <= 50 for t in found for q in t.quotes)


def test_order_is_count_then_table_order_then_words() -> None:
    comments = [
        comment("mobile view broken"),  # Mobile, Broken links
        comment("onboarding checklist missing on mobile"),
        comment("onboarding steps are missing"),
        comment("prices wrong"),
    ]
    found = themes(comments, people=PEOPLE, limit=10)
    assert [(t.label, t.count) for t in found] == [
        ("Mobile", 2),
        ("Missing", 2),
        ("Onboarding", 2),
        ("Pricing", 1),
        ("Broken or hard-to-open links", 1),
    ]
    assert themes(comments, people=PEOPLE, limit=2) == found[:2]
    # Deterministic: the same input gives the same themes in the same order.
    assert themes(list(comments), people=PEOPLE, limit=10) == found


def test_frequent_words_never_name_people_teams_or_insults() -> None:
    comments = [
        comment("Orlanda loved the webinar"),
        comment("orlanda used the webinar twice"),
        comment("sales loved the webinar; sales again"),
        comment("jane doe liked it; Doe wants more"),
        comment("this is crap, idiots", flagged=True),
        comment("more crap from idiots", flagged=True),
    ]
    labels = [t.label for t in themes(comments, people=PEOPLE, limit=10)]
    assert "Webinar" in labels
    for bad in ("Orlanda", "Sales", "Jane", "Doe", "Crap", "Idiots", "Someone"):
        assert bad not in labels


def test_a_word_only_flagged_comments_use_is_no_theme() -> None:
    comments = [
        comment("the roadmap slide is a joke", flagged=True),
        comment("roadmap again wrong", flagged=True),
    ]
    assert "Roadmap" not in [t.label for t in themes(comments, people=PEOPLE)]


def test_theme_values() -> None:
    assert themes([comment("too long"), comment("Too long!")], people=PEOPLE) == [
        Theme(label="Length", count=2, quotes=("too long", "Too long!"))
    ]
