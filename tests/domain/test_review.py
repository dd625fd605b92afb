"""The blame-free review (domain.review): what is nudged, what may be quoted, and how fast."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import blame_model
from domain.nudge import build_nudge
from domain.review import REASONS, REFERENCES, review_by_rules, review_comment
from tests.support.nudge_corpus import CORPUS


def test_english_corpus_precision_and_recall() -> None:
    flagged = [(review_comment(text).flagged, label) for text, label in CORPUS]
    true_pos = sum(1 for got, want in flagged if got and want)
    precision = true_pos / max(1, sum(1 for got, _ in flagged if got))
    recall = true_pos / max(1, sum(1 for _, want in flagged if want))
    print(f"english corpus: {len(CORPUS)} comments, precision {precision:.3f}, recall {recall:.3f}")
    assert len(CORPUS) >= 80
    assert precision >= 0.95
    assert recall >= 0.95


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
        "this deck is painfully long, 47 slides for a first call",
        "the ROI numbers are wrong on slide 6",
        "Terrible formatting in the PDF, tables break across pages.",
        "La presentación es demasiado larga y el audio es malísimo.",
        "Das Datenblatt ist veraltet, die Preise stimmen seit Januar nicht mehr.",
        "Le webinaire est beaucoup trop long, personne ne regarde 50 minutes.",
        "Il video è lento e noioso, i clienti si annoiano dopo un minuto.",
        "A apresentação é longa demais e os números de ROI estão errados.",
        "De presentatie is veel te lang en de prijzen kloppen niet meer.",
        "",
    ],
)
def test_criticism_of_assets_is_not_flagged(text: str) -> None:
    review = review_comment(text)
    assert not review.flagged
    assert review.reasons == ()


@pytest.mark.parametrize(
    "text",
    [
        "marketing never asks what customers need",
        "Sales always wants a discount slide",
        "you guys clearly never talk to customers",
        "as usual marketing sent something nobody asked for",
        "Typical marketing: 40 slides of fluff",
        "Marketing, as usual, nowhere to be found",
        "marketing has no clue what a CFO wants",
        "reps don't even open the launch emails",
        "nobody in marketing has been on a call",
        "MARKETING NEVER LISTENS",
        "marketing doesn\u2019t listen, again",
        "Marketing keeps shipping decks nobody reads",
        "el equipo de marketing siempre llega tarde con todo",
        "Der Vertrieb liest die Unterlagen sowieso nicht.",
        "les commerciaux ne lisent jamais rien",
        "I commerciali vogliono solo sconti, come sempre.",
        "o marketing sempre faz tudo em cima da hora",
        "De verkopers lezen toch nooit verder dan slide 2.",
    ],
)
def test_generalisations_about_a_team_are_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.flagged
    assert "team" in review.references


@pytest.mark.parametrize(
    "text",
    [
        "whose fault is this?",
        "It's your fault the calculator is wrong",
        "marketing's fault we missed the quarter",
        "I blame marketing for this",
        "Thanks to marketing we lost the Contoso deal",
        "marketing cost us the deal",
        "Sales dropped the ball on the launch",
        "they threw us under the bus",
        "thanks for nothing",
        "who approved this?",
        "who the hell thought a 12 page PDF was a good idea",
        "whoever wrote this has never been on a sales call",
        "quien hizo esta presentación no ha hablado con un cliente en su vida",
        "Wer hat das bitte freigegeben??",
        "qui a validé ça ??",
        "chi ha approvato questo template?",
        "quem aprovou esse vídeo?",
        "wie heeft dit goedgekeurd?",
        "Lakshmi's sheet is wrong again",
        "the intern who made this swapped our logo on slide 9",
    ],
)
def test_blame_of_a_person_role_or_team_is_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.flagged
    assert set(review.reasons) & {"blame", "generalisation", "sarcasm"}


@pytest.mark.parametrize(
    "text",
    [
        "Whoever made this deck is an idiot",
        "you're clueless",
        "the SDRs are morons",
        "what a bunch of clowns",
        "incompetent",
        "lazy reps keep sending the old pdf",
        "Another useless asset from a useless team",
        "she was totally clueless about pricing",
        "vaya panda de incompetentes",
        "die Deppen in der Zentrale",
        "ce connard a supprimé la version",
        "sti idioti hanno rimesso il link vecchio",
        "bando de amadores",
        "wat een stelletje prutsers",
    ],
)
def test_insults_are_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.flagged
    assert set(review.reasons) & {"insult", "profanity", "blame", "generalisation"}


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
        "qué puta mierda de deck",
        "Scheißvideo, 14 Minuten Intro",
        "putain mais c'est quoi ce deck de merde",
        "Questa battlecard fa cagare",
        "porra, de novo o link quebrado",
        "wat een kutdeck",
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
        "La presentazione con il cliente è andata bene",
        "Die Präsentation kam beim Kunden gut an",
    ],
)
def test_profanity_substrings_in_ordinary_words_are_not_flagged(text: str) -> None:
    assert not review_comment(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "🤮",
        "💩🙄",
        "🤡🤡🤡",
        "🙄 again",
        "great, another deck nobody asked for 🎉",
        "wow, only 3 months late this time",
        "per my last email, slide 12 still has the wrong figure",
        "maybe someone will read this one",
        "por una vez estaría bien que avisaran antes",
        "Wie bereits in meiner Mail geschrieben: die Preise stimmen nicht. Aber gut.",
        "Peut-être que quelqu'un lira celui-ci.",
        "Magari stavolta qualcuno risponde",
        "pela enésima vez, seria ótimo se avisassem",
        "voor de derde keer: de tabel telt niet op",
    ],
)
def test_hostile_emoji_passive_aggression_and_sarcasm_are_flagged(text: str) -> None:
    review = review_comment(text)
    assert review.flagged
    assert set(review.reasons) & {"hostile_emoji", "passive_aggression", "sarcasm"}


@pytest.mark.parametrize(
    "text",
    [
        "<@U024BE7LH> can you fix slide 4?",
        "<@W0123ABCD|maria> see this",
        "<!subteam^S0614TZR7|@pmm-team> please update",
        "<!channel> the deck is wrong",
        "cc @jordan",
        "@sam.lee the PDF won't open",
        "@morgan please fix slide 4",
        "thanks to Priya for the quick fix on the calculator, works great now",
        "Danke an Timo für die schnelle Korrektur der Preistabelle",
        "merci Yasmina voor de snelle fix in de calculator",
        "Grazie mille a Chiara per aver sistemato il listino",
        "@lotte kun jij slide 4 nog even aanpassen met de Q3-cijfers? dank je!",
    ],
)
def test_polite_mentions_are_not_flagged_and_never_quotable(text: str) -> None:
    review = review_comment(text)
    assert not review.flagged
    assert "person" in review.references
    assert not review.quotable


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
    review = review_comment(text)
    assert not review.flagged
    assert not review.mentions


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The pricing slide converted two prospects this week, keep it", "en"),
        ("la diapositiva de precios es clarísima, el cliente la entendió a la primera", "es"),
        ("Folie 7 mit der Preistabelle hat im Kundentermin super funktioniert", "de"),
        ("La slide 4 sur les prix a convaincu le client, à garder absolument", "fr"),
        ("La slide dei prezzi ha convinto il cliente, teniamola così", "it"),
        ("O slide de preços convenceu o cliente na hora, mantenham assim", "pt"),
        ("De prijsslide overtuigde de klant meteen, zo laten graag", "nl"),
    ],
)
def test_content_about_the_asset_in_a_supported_language_passes_the_rules_quote_gate(
    text: str, language: str
) -> None:
    """The rules see the evidence; the blame model then quotes only what it has no doubt
    about (a low score), so some of these only count: quoting less is the safe side."""
    assert review_by_rules(text).quotable
    review = review_comment(text)
    assert not review.flagged
    assert review.language == language
    assert review.quotable == (review.blame_score < blame_model.model().quote)


def test_plain_specific_praise_of_content_is_quoted() -> None:
    for text in (
        "The pricing slide converted two prospects this week, keep it",
        "Slide 6 pricing made the CFO ask for a proposal; add the EMEA tiers after it",
    ):
        assert review_comment(text).quotable, text


@pytest.mark.parametrize(
    "text",
    [
        "Презентация слишком длинная, нужно сократить до десяти слайдов.",
        "Alldeles för lång presentation, korta ner till max 15 slides.",
        "Deck-nya kepanjangan, 35 slide terlalu banyak buat meeting pertama.",
        "このデッキは長すぎる。スライド12〜20は顧客には不要だと思う。",
        "top 👏",
        "n/a",
    ],
)
def test_unsupported_or_unknown_languages_are_never_quotable(text: str) -> None:
    review = review_comment(text)
    assert not review.quotable
    assert not review.supported


def test_usefulness_prefers_specific_actionable_customer_outcomes() -> None:
    vague = review_comment("the deck is good")
    useful = review_comment(
        "Slide 7's ROI table made the CFO ask for a proposal; add the TCO slide after it"
    )
    assert useful.usefulness > vague.usefulness


def test_reasons_come_in_a_stable_order() -> None:
    review = review_comment("marketing never reads, whose fault, idiot, shit 🤮 per my last email")
    assert list(review.reasons) == [r for r in REASONS if r in review.reasons]
    assert len(review.reasons) >= 4
    assert set(review.references) <= set(REFERENCES)


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
        "🖕🙄" * 50_000,
        "you guys. thank you guys " * 4_000,
        "Lukas Sabine " * 8_000,
        "fu\u0441k " * 20_000,
    ],
)
def test_hostile_input_returns_quickly(text: str) -> None:
    review_comment("warm up the lexicons and the language model, once")
    started = time.perf_counter()
    review = review_comment(text)
    assert time.perf_counter() - started < 0.5
    assert review.flagged == bool(review.reasons)


def test_mentions_are_found_past_the_scan_limit() -> None:
    review = review_comment("x" * 20_000 + " <!channel>")
    assert review.mentions
    assert not review.quotable


def test_cues_are_judged_on_the_first_5000_characters() -> None:
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
        "slide",
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
        "Lukas",
        "🙄",
        ",",
        ".",
        "\n",
        "\u2019",
        "marketing",
        "Vertrieb",
        "equipo",
        "nunca",
    ]
)


@given(st.one_of(st.text(max_size=400), st.lists(WORDS | st.text(max_size=4)).map(" ".join)))
def test_review_never_raises_and_is_consistent(text: str) -> None:
    review = review_comment(text)
    assert review.flagged == bool(review.reasons)
    assert list(review.reasons) == [reason for reason in REASONS if reason in review.reasons]
    assert not (review.quotable and (review.flagged or review.references or review.mentions))
    nudge = build_nudge(text, review)
    assert (nudge is not None) == review.flagged
    if nudge is not None:
        assert "<@" not in nudge.rewording
        assert "<!" not in nudge.rewording
