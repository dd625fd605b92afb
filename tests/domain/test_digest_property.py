"""Blame-free rule 1 as a property: whatever people write, the digest names nobody.

Workspaces get random users (ids, user names, display names, real names, emails) and
random assets, launches, questions and comments whose text embeds those users in many
forms: raw, capitalised, in capitals, inside punctuation, possessive, as Slack mention
markup (raw and escaped), as `@handles`, bare ids and `mailto:` links. No string
anywhere in the assembled Digest may contain a user's id, a `<@`/`<!` mention, an email
or, as a whole word in any case, a name (user name, display name, real name, or the
first name of a real name).

Names are made of syllables and filtered so that none is a common word or a word of the
fixture text (tests/support/people.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.digest import assemble_digest
from domain.digest_data import (
    AssetRecord,
    BrokenLink,
    CommentRecord,
    DigestInput,
    LaunchRecord,
    Participation,
    Period,
    QuestionRecord,
    WeekVolume,
)
from tests.support.people import FIXTURE_WORDS, User, forms, users

PERIOD = Period(
    start=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    end=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    label="16-23 Nov 2026",
)
WRAPS = ["{}", "({})", "{},", '"{}"', "{}'s", "—{}—", "[{}]", "{}!", "{}?", "*{}*", "_{}_"]
WRAPS += ["{}.", "'{}'", "{}:", "<{}>"]


def sentence(rnd: Random, people: list[User]) -> str:
    """A sentence of fixture words with up to three people mixed in, in some form."""
    parts = rnd.choices(FIXTURE_WORDS, k=rnd.randint(1, 8))
    for _ in range(rnd.randint(0, 3)):
        form = rnd.choice(forms(rnd.choice(people)))
        parts.insert(rnd.randint(0, len(parts)), rnd.choice(WRAPS).format(form))
    return " ".join(parts)


@st.composite
def workspaces(draw: st.DrawFn) -> tuple[DigestInput, str, list[User]]:
    people = draw(st.lists(users(), min_size=1, max_size=5))
    # Texts come from a seeded Random drawn once: thousands of small draws per example
    # made generation, not the digest, the slow part.
    rnd = draw(st.randoms(use_true_random=False))

    def text() -> str:
        return sentence(rnd, people)

    at = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    n_assets = draw(st.integers(0, 6))
    assets = [
        AssetRecord(
            asset_id=i,
            handle=f"AS-{i}",
            title=text(),
            url=f"https://example.com/assets/{i}",
            campaign_name=text(),
            useful=draw(st.integers(0, 5)),
            needs_work=draw(st.integers(0, 5)),
            used=draw(st.integers(0, 3)),
            useful_before=draw(st.integers(0, 3)),
            needs_work_before=draw(st.integers(0, 3)),
            used_before=0,
        )
        for i in range(n_assets)
    ]
    launches = [
        LaunchRecord(i, text(), date(2026, 11, 16 + i % 7), 2, 0, 3, 1)
        for i in range(draw(st.integers(0, 4)))
    ]
    comments = [
        CommentRecord(
            text=text(),
            flagged=draw(st.booleans()),
            value=draw(st.sampled_from(["useful", "needs_work", None])),
            asset_handle=None,
            campaign_name=None,
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    questions = [
        QuestionRecord(text(), text(), at + timedelta(hours=i))
        for i in range(draw(st.integers(0, 3)))
    ]
    links = [
        BrokenLink(f"AS-{i}", text(), f"https://example.com/{i}", text())
        for i in range(draw(st.integers(0, 2)))
    ]
    data = DigestInput(
        period=PERIOD,
        launches=launches,
        assets=assets,
        comments=comments,
        questions=questions,
        this_week=Participation(voters=3, votes=5, commenters=len(comments)),
        last_week=Participation(votes=2),
        volume=[WeekVolume(date(2026, 11, 16), 5, len(comments))],
        broken_links=links,
        people=[term for user in people for term in user.terms()],
    )
    return data, text(), people


def strings(value: Any) -> Iterator[str]:
    """Every string in a digest, however deep."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workspaces())
def test_the_digest_names_nobody(workspace: tuple[DigestInput, str, list[User]]) -> None:
    data, workspace_name, people = workspace
    digest = assemble_digest(data, workspace_name=workspace_name)
    for text in strings(digest):
        folded = text.casefold()
        assert "<@" not in text and "<!" not in text, text
        for user in people:
            assert user.id.casefold() not in folded, (user.id, text)
            assert user.email.casefold() not in folded, (user.email, text)
            for name in user.names():
                assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I), (name, text)
