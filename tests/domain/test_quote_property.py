"""Rule 3 as a property: whatever people write, quotes name and imply nobody, and need three.

For any mix of comments (asset content, colleagues' names in every form, first names from
the name list, roles, teams, mentions, emails, phone numbers, in several languages) and
any workspace people, every quote the digest shows:

- contains no person's id, name, email or mention, and the review of the quote itself finds
  no person, role or team in it;
- comes from an asset at least three different people commented on in the period.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from random import Random

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.digest import assemble_digest
from domain.digest_data import CommentRecord, DigestInput, Participation, Period, WeekVolume
from domain.redact import safe_quote
from domain.review import review_comment
from domain.themes import MIN_COMMENTERS, QUOTE_LIMIT
from tests.support.people import User, forms, users

PERIOD = Period(
    start=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    end=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    label="16-23 Nov 2026",
)
CONTENT = [
    "the pricing slide converted two prospects this week",
    "slide 7 still shows last year's prices",
    "the ROI calculator gives a negative payback under 50 seats",
    "la diapositiva de precios es muy clara para el cliente",
    "die Preistabelle auf Folie 3 stimmt nicht",
    "le tableau des prix page 2 est faux",
    "il listino a pagina 3 non è aggiornato",
    "o slide de preços convenceu o cliente",
    "de prijstabel op pagina 6 telt niet op",
    "the demo video is too long, cut the intro",
]
ABOUT_PEOPLE = [
    "{name} made this",
    "thanks {name}",
    "ask {name} about it",
    "{name}'s deck",
    "{name}, seriously",
    "the intern who made this",
    "whoever wrote this",
    "marketing never checks",
    "el equipo de ventas",
    "der Vertrieb",
    "les commerciaux",
    "@{name}",
    "his numbers",
    "call me at +44 20 7946 0958",
    "write to {email}",
]
FIRST_NAMES = ["Lukas", "Sabine", "Priya", "Martín", "Chloé", "Joris", "Bruno", "Inês", "Marcus"]


@st.composite
def mixes(draw: st.DrawFn) -> tuple[DigestInput, list[User], dict[str, set[str]]]:
    people = draw(st.lists(users(), min_size=1, max_size=4))
    rnd = draw(st.randoms(use_true_random=False))
    n_assets = draw(st.integers(1, 4))
    comments: list[CommentRecord] = []
    authors: dict[str, set[str]] = defaultdict(set)
    for i in range(draw(st.integers(1, 14))):
        handle = f"AS-{rnd.randrange(n_assets)}"
        author = f"U{rnd.randrange(6):07d}"
        # A version number first makes every text unique, so a quote has one source.
        text = f"v{i + 1}: {_text(rnd, people)}"
        comments.append(
            CommentRecord(
                text=text,
                flagged=rnd.random() < 0.1,
                value=rnd.choice(["useful", "needs_work", None]),
                asset_handle=handle,
                campaign_name=None,
                author=author,
            )
        )
        authors[handle].add(author)
    data = DigestInput(
        period=PERIOD,
        launches=[],
        assets=[],
        comments=comments,
        questions=[],
        this_week=Participation(commenters=6, comments=len(comments)),
        last_week=Participation(),
        volume=[WeekVolume(date(2026, 11, 16), 0, len(comments))],
        people=[term for user in people for term in user.terms()],
    )
    return data, people, authors


def _text(rnd: Random, people: list[User]) -> str:
    parts = [rnd.choice(CONTENT)]
    for _ in range(rnd.randint(0, 2)):
        user = rnd.choice(people)
        name = rnd.choice([rnd.choice(forms(user)), rnd.choice(FIRST_NAMES)])
        template = rnd.choice(ABOUT_PEOPLE)
        parts.insert(rnd.randint(0, len(parts)), template.format(name=name, email=user.email))
    return ", ".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixes())
def test_quotes_name_and_imply_nobody_and_need_three_commenters(
    mix: tuple[DigestInput, list[User], dict[str, set[str]]],
) -> None:
    data, people, authors = mix
    digest = assemble_digest(data)
    quotes = [quote for theme in digest.themes for quote in theme.quotes]
    event("quoted" if quotes else "nothing quoted")
    for quote in quotes:
        assert "<@" not in quote and "<!" not in quote and "@" not in quote
        review = review_comment(quote)
        assert not review.references, quote
        assert not review.flagged, quote
        for user in people:
            assert user.id.casefold() not in quote.casefold()
            assert user.email.casefold() not in quote.casefold()
            for name in user.names():
                assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", quote, re.I)
        for name in FIRST_NAMES:
            assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", quote), quote
        sources = [
            c
            for c in data.comments
            if safe_quote(c.text, people=data.people, limit=QUOTE_LIMIT) == quote
        ]
        [source] = sources
        assert len(authors[source.asset_handle or ""]) >= MIN_COMMENTERS
