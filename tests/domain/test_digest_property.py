"""Blame-free rule 1 as a property: whatever people write, the digest names nobody.

Workspaces get random users (ids, user names, display names, real names, emails) and
random assets, launches, questions and comments whose text embeds those users in many
forms: raw, capitalised, in capitals, inside punctuation, possessive, as Slack mention
markup (raw and escaped), as `@handles`, bare ids and `mailto:` links. No string
anywhere in the assembled Digest may contain a user's id, a `<@`/`<!` mention, an email
or, as a whole word in any case, a name (user name, display name, real name, or the
first name of a real name).

Names are made of syllables and filtered so that none is a common word
(`domain.redact.COMMON_WORDS`, which the redactor only hides where capitalised) or a
word of the fixture text: otherwise "deck" as a name would be found in "the deck" and
the property would test the fixture, not the redactor.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
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
from domain.redact import COMMON_WORDS, PLACEHOLDERS

PERIOD = Period(
    start=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    end=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    label="16-23 Nov 2026",
)
_FIXTURE = (
    "the pricing deck is outdated please add a healthcare example the webinar slides "
    "are too long mobile view broken link compared to competitors battlecard needs "
    "an update roi calculator great for onboarding customers loved it spring launch "
    "summer push when is the next demo can we get this in german thanks ask about "
    "from with and for our new one page summary works well on calls"
)
FIXTURE_WORDS = _FIXTURE.split()
SYLLABLES = ["zor", "vak", "quil", "mex", "thal", "bex", "yon", "kri", "sul", "pom", "wex"]
SYLLABLES += ["jur", "fen", "lio", "ras", "tuv", "nix", "gud", "oxa", "ebb", "ulm", "ziv"]
WRAPS = ["{}", "({})", "{},", '"{}"', "{}'s", "—{}—", "[{}]", "{}!", "{}?", "*{}*", "_{}_"]
WRAPS += ["{}.", "'{}'", "{}:", "<{}>"]
FORBIDDEN = COMMON_WORDS | set(FIXTURE_WORDS) | {p.strip("[]") for p in PLACEHOLDERS}


@dataclass(frozen=True)
class User:
    id: str
    name: str  # the Slack user name, e.g. "zorvak.quil"
    display: str
    first: str
    last: str
    email: str

    @property
    def real(self) -> str:
        return f"{self.first} {self.last}"

    def names(self) -> list[str]:
        return [self.name, self.display, self.real, self.first]

    def terms(self) -> list[str]:
        return [self.id, self.name, self.display, self.real, self.email]


word = (
    st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3)
    .map("".join)
    .filter(lambda w: w not in FORBIDDEN)
)
ids = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=8, max_size=11)
emails = st.emails()


@st.composite
def users(draw: st.DrawFn) -> User:
    first, last, nick = draw(word), draw(word), draw(word)
    name = draw(st.sampled_from([f"{first}.{last}", f"{first}{last}", f"{first}_{last}", nick]))
    email = draw(
        st.one_of(
            emails,
            st.just(f"{first}.{last}@example.com"),
            st.just(f"{nick}@{last}.io"),
        )
    )
    display = draw(st.sampled_from([nick, nick.capitalize(), first.capitalize(), name]))
    return User(
        id="U" + draw(ids),
        name=name,
        display=display,
        first=first.capitalize(),
        last=last.capitalize(),
        email=email,
    )


def forms(user: User) -> list[str]:
    """The ways a person turns up in text people write."""
    found = [user.id, f"<@{user.id}>", f"<@{user.id}|{user.name}>", f"&lt;@{user.id}&gt;"]
    found += [user.email, f"<mailto:{user.email}|{user.email}>", f"@{user.name}"]
    for name in user.names():
        found += [name, name.lower(), name.upper(), name.title()]
    return found


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
