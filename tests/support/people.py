"""Random workspace people for the blame-free properties, and the forms they turn up in.

Names are made of syllables and filtered so that none is a common word
(`domain.redact.COMMON_WORDS`, which the redactor only hides where capitalised) or a
word of the fixture text: otherwise "deck" as a name would be found in "the deck" and
the property would test the fixture, not the redactor.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import strategies as st

from domain.redact import COMMON_WORDS, PLACEHOLDERS

_FIXTURE = (
    "the pricing deck is outdated please add a healthcare example the webinar slides "
    "are too long mobile view broken link compared to competitors battlecard needs "
    "an update roi calculator great for onboarding customers loved it spring launch "
    "summer push when is the next demo can we get this in german thanks ask about "
    "from with and for our new one page summary works well on calls"
)
# The words the properties write their texts with; no generated name is one of them.
FIXTURE_WORDS = _FIXTURE.split()
SYLLABLES = ["zor", "vak", "quil", "mex", "thal", "bex", "yon", "kri", "sul", "pom", "wex"]
SYLLABLES += ["jur", "fen", "lio", "ras", "tuv", "nix", "gud", "oxa", "ebb", "ulm", "ziv"]
FORBIDDEN = COMMON_WORDS | set(FIXTURE_WORDS) | {p.strip("[]") for p in PLACEHOLDERS}


@dataclass(frozen=True)
class User:
    """A workspace person, with every name Slack knows them by."""

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
    """A person whose names are made of syllables that are no common or fixture word."""
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
