from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.nudge import REASONS, Review, review_comment
from tests.domain.nudge_corpus import CORPUS


def corpus_scores() -> tuple[float, float, int]:
    """Precision and recall of review_comment on the labelled corpus, and its size."""
    flagged = [(review_comment(text).flagged, label) for text, label in CORPUS]
    true_pos = sum(1 for got, want in flagged if got and want)
    precision = true_pos / max(1, sum(1 for got, _ in flagged if got))
    recall = true_pos / max(1, sum(1 for _, want in flagged if want))
    return precision, recall, len(CORPUS)


def test_corpus_precision_and_recall() -> None:
    precision, recall, size = corpus_scores()
    print(f"nudge corpus: {size} comments, precision {precision:.3f}, recall {recall:.3f}")
    assert size >= 80
    assert 0.4 <= sum(label for _, label in CORPUS) / size <= 0.6
    assert precision >= 0.9
    assert recall >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "The pricing deck is outdated, slide 4 still shows last year's prices",
        "Needs a one-pager for healthcare",
        "The ROI calculator never loads on mobile",
        "Customers said the case study was too long",
        "This is not useful for enterprise deals",
        "This comparison sheet is useless for mid-market",
        "the sales deck always opens on the wrong slide",
        "Sales cycle in the deck says 30 days, ours is 90",
        "Sales always spike in Q4, move the promo slide earlier",
        "reps can't find the new battlecard in the portal",
        "The \u2018Why now\u2019 slide can\u2019t load the video",
        "Can you guys add a healthcare slide?",
        "Thanks you guys, the battlecard won us the deal!",
        "Email jane.doe@example.com or rfp@contoso.com",
        "2 @ $50 per seat, or 3 @ $45",
        "Our Scunthorpe customer liked the class-by-class assessment",
        "Arsenal fans loved slide 3; the rebuttals on page 2 pass the test",
        "The slide says we're fault-tolerant",
        "The customer blamed last year's outage on us, a reliability one-pager would help",
        "not blaming anyone, the link just 404s",
        "<https://example.com/deck.pdf|Pricing deck> works now",
        "The email field never validates phone numbers",
        "Thanks to the new deck we closed two deals",
        "",
    ],
)
def test_criticism_of_assets_is_not_flagged(text: str) -> None:
    assert review_comment(text) == Review(flagged=False, reasons=(), suggestion=None)


@pytest.mark.parametrize(
    "text",
    [
        "marketing never asks what customers need",
        "Sales always wants a discount slide",
        "The marketing team can't get a number right",
        "the marketing team cannot write for CFOs",
        "you guys clearly never talk to customers",
        "you people",
        "those reps",
        "these marketers again",
        "as usual marketing sent something nobody asked for",
        "Typical marketing: 40 slides of fluff",
        "Marketing, as usual, nowhere to be found",
        "marketing has no clue what a CFO wants",
        "reps won't use anything longer than a page",
        "reps don't even open the launch emails",
        "AEs only care about commission",
        "nobody in marketing has been on a call",
        "why is sales like this",
        "the geniuses in marketing strike",
        "MARKETING NEVER LISTENS",
        "marketing doesn\u2019t listen",
        "Marketing keeps shipping decks nobody reads",
    ],
)
def test_generalisations_are_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.flagged
    assert "generalisation" in review.reasons


@pytest.mark.parametrize(
    "text",
    [
        "whose fault is this?",
        "It's your fault the calculator is wrong",
        "marketing's fault we missed the quarter",
        "I blame marketing for this",
        "Thanks to marketing we lost the Contoso deal",
        "we lost Fabrikam because of sales",
        "marketing cost us the deal",
        "Sales dropped the ball on the launch",
        "they threw us under the bus",
        "thanks for nothing",
        "who approved this?",
        "who the hell thought a 12 page PDF was a good idea",
    ],
)
def test_blame_is_flagged(text: str) -> None:
    assert "blame" in review_comment(text).reasons


@pytest.mark.parametrize(
    "text",
    [
        "Whoever made this deck is an idiot",
        "you're clueless",
        "sales is lazy",
        "the sales team is too lazy to read a brief",
        "the SDRs are morons",
        "what a bunch of clowns",
        "incompetent",
        "lazy reps keep sending the old pdf",
        "Another useless asset from a useless team",
        "the people in marketing are completely out of touch",
        "she was totally clueless about pricing",
    ],
)
def test_insults_are_flagged(text: str) -> None:
    assert "insult" in review_comment(text).reasons


@pytest.mark.parametrize(
    "text",
    [
        "this is shit",
        "SHIT",
        "Shitty deck",
        "f*ck",
        "f**k this",
        "fuuuuuck",
        "f u c k",
        "fck",
        "sh1t",
        "sh*t",
        "$hit",
        "bullsh!t",
        "b*llsh*t",
        "a$$",
        "@ss",
        "half-assed",
        "what an asshole",
        "clusterf**k",
        "motherfucker",
        "WTF",
        "\uff37\uff34\uff26",  # fullwidth
        "f\u200buck",  # zero-width space inside
        "sh\x00it",
        "fu\u0441k",  # Cyrillic es
        "damn good deck",
        "crap",
        "pissed off",
        "total bs",
        "🖕",
    ],
)
def test_profanity_is_flagged_wherever_it_is(text: str) -> None:
    assert "profanity" in review_comment(text).reasons


@pytest.mark.parametrize(
    "text",
    [
        "class",
        "assess the assets",
        "Scunthorpe",
        "passion for bass",
        "a cocktail version",
        "Essex and Middlesex",
        "scrap slide 3",
        "the shiitake case study",
        "Fukuoka office",
        "cocktail, hello, shell",
        "works with Salesforce",
        "Arsenal",
        "Galaxy A55 support",
    ],
)
def test_profanity_substrings_in_ordinary_words_are_not_flagged(text: str) -> None:
    assert not review_comment(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "<@U024BE7LH> can you fix slide 4?",
        "<@W0123ABCD|maria> see this",
        "<@u024be7lh>",
        "<!subteam^S0614TZR7|@pmm-team> please update",
        "<!subteam^S0614TZR7>",
        "<!channel> the deck is wrong",
        "<!here|here> heads up",
        "<!everyone>",
        "&lt;!channel&gt; typed by hand",
        "cc @jordan",
        "@sam.lee the PDF won't open",
        "ask @marketing-ops",
        "@here deck is broken",
        "\uff20jordan",  # fullwidth at sign
    ],
)
def test_mentions_are_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.reasons == ("mention",)
    assert review.suggestion is not None
    assert "not people" in review.suggestion


@pytest.mark.parametrize(
    "text",
    [
        "write to a@b.com",
        "2 @ $50",
        "2@50",
        "@ 3 seats",
        "medium.com/@author/post",
        "@2x images are blurry",
        "<#C024BE7LH|general> has the link",
    ],
)
def test_things_that_look_like_mentions_are_not(text: str) -> None:
    assert not review_comment(text).flagged


def test_reasons_come_in_a_stable_order_and_all_of_them_still_make_a_short_nudge() -> None:
    review = review_comment("<@U1> marketing never reads, whose fault, idiot, shit")
    assert review.reasons == REASONS
    assert review.suggestion is not None
    assert len(review.suggestion) < 600


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("marketing never asks us", "asset"),
        ("whose fault is this", "help next time"),
        ("you're clueless", "not people"),
        ("this is shit", "strong language"),
        ("cc <@U123>", "follow-up chat"),
    ],
)
def test_suggestion_is_tailored_to_the_reason(text: str, hint: str) -> None:
    suggestion = review_comment(text).suggestion
    assert suggestion is not None
    assert hint in suggestion


HOSTILE = [
    *(text for text, label in CORPUS if label and review_comment(text).flagged),
    "<!channel> marketing never",
    "<@U123|bob> you idiot",
    "<!subteam^S1|@team> whose fault",
    "<!here>",
    "shit",
    "@everyone",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_suggestion_never_echoes_the_comment_or_live_mentions(text: str) -> None:
    suggestion = review_comment(text).suggestion
    assert suggestion is not None
    assert text.strip() not in suggestion
    for live in ("<!", "<@", "<#", "&", "<", ">"):
        assert live not in suggestion
    assert len(suggestion) < 600
    assert not review_comment(suggestion).flagged


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t \r\n",
        "x" * 100_000,
        "marketing never " * 7_000,
        "f" + "*" * 100_000,
        "<@" * 50_000,
        "@a" * 50_000,
        "a." * 50_000,
        "".join(chr(i % 32) for i in range(100_000)),
        "\ufdfa" * 20_000,  # NFKC expands each to 18 characters
        "🔥" * 50_000,
        "you guys. thank you guys " * 4_000,
    ],
)
def test_hostile_input_returns_quickly(text: str) -> None:
    started = time.perf_counter()
    review = review_comment(text)
    assert time.perf_counter() - started < 1.0
    assert review.flagged == bool(review.reasons)


def test_mentions_are_found_past_the_language_limit() -> None:
    assert review_comment("x" * 20_000 + " <!channel>").reasons == ("mention",)


def test_language_is_judged_on_the_first_5000_characters() -> None:
    assert not review_comment("x " * 5_000 + "shit").flagged


WORDS = st.sampled_from(
    [
        "marketing",
        "sales",
        "reps",
        "never",
        "always",
        "can't",
        "is",
        "lazy",
        "useless",
        "deck",
        "you",
        "guys",
        "thanks",
        "fault",
        "blame",
        "f*ck",
        "sh1t",
        "@",
        "<@U1>",
        "<!here>",
        "a@b.com",
        ",",
        ".",
        "\n",
        "\u2019",
    ]
)


@given(st.one_of(st.text(max_size=400), st.lists(WORDS | st.text(max_size=4)).map(" ".join)))
def test_review_never_raises_and_is_consistent(text: str) -> None:
    review = review_comment(text)
    assert review.flagged == bool(review.reasons) == (review.suggestion is not None)
    assert list(review.reasons) == [reason for reason in REASONS if reason in review.reasons]
    if review.suggestion is not None:
        assert "<@" not in review.suggestion
        assert "<!" not in review.suggestion
        if text.strip():
            assert text.strip() not in review.suggestion
