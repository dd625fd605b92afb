from __future__ import annotations

import time

import pytest

from domain.redact import redact, safe_quote

PEOPLE = [
    "U012ABCDEF",
    "W0ENTERPRISE1",
    "jane.doe",
    "Jane Doe",
    "Janie",
    "jane@acme.com",
    "Quentin Zarkowski-Lee",
    "Will",  # a name that is a common word
    "Will Price",  # a real name made of common words
    "Mark Obuya",  # a common-word first name with an uncommon last name
    "Al",  # two letters, shown only capitalised
    "X",  # one character: ignored
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Slack mentions, raw and escaped, with and without labels.
        ("Ask <@U012ABCDEF> about it", "Ask someone about it"),
        ("Ask <@U999ZZZ999|bob> about it", "Ask someone about it"),
        ("&lt;@U999ZZZ999&gt; said so", "someone said so"),
        ("<@w0123abcd> too", "someone too"),
        ("cc <!subteam^S0123ABCD|@design-team>", "cc a team"),
        ("<!channel> <!here|here> <!everyone>", "everyone everyone everyone"),
        ("&lt;!channel&gt; look", "everyone look"),
        ("see <#C0123ABCD|general>", "see a channel"),
        ("see <#C0123ABCD>", "see a channel"),
        ("by <!date^1392734382^{date}|Feb 18>", "by Feb 18"),
        ("the <https://example.com/deck|new deck> is good", "the new deck is good"),
        ("the <https://example.com/deck> is good", "the https://example.com/deck is good"),
        # People strings: case-insensitive, whole words, in punctuation, possessive.
        ("JANE DOE liked it", "someone liked it"),
        ("(jane doe), jane.doe; Jane's deck", "(someone), someone; someone's deck"),
        ("jane\ndoe liked it", "someone liked it"),
        ("ask Janie!", "ask someone!"),
        ("janedoe and janet", "janedoe and janet"),  # other words stay
        ("ping jane_doe", "ping someone_someone"),
        # Parts of multi-part names, 3+ letters, hyphenated ones too.
        ("Quentin agreed", "someone agreed"),
        ("zarkowski said so", "someone said so"),
        ("Zarkowski-Lee said so", "someone said so"),
        ("Obuya liked it", "someone liked it"),
        # Common-word names: only where capitalised or in capitals.
        (
            "we will update it; Will said so; WILL knows",
            "we will update it; someone said so; someone knows",
        ),
        ("we will price it", "we will price it"),
        ("Will Price approved", "someone approved"),
        ("Mark it as done", "Mark it as done"),
        ("et al. and Al agreed", "et al. and someone agreed"),
        ("X marks the spot", "X marks the spot"),
        # Ids.
        ("U012ABCDEF said", "someone said"),
        ("w0enterprise1 said", "someone said"),
        (
            "ids U0G9QF9C6, W1234ABCD, S0123ABCD, T0001ABCD",
            "ids someone, someone, a team, a workspace",
        ),
        ("SUPERUSEFUL and USEFULNESS", "SUPERUSEFUL and USEFULNESS"),
        ("U2 and S3 and T100", "U2 and S3 and T100"),
        # Emails.
        ("mail jane@acme.com or JANE@ACME.COM", "mail [email] or [email]"),
        ("mail bob.smith+x@other.co.uk.", "mail [email]."),
        ("<mailto:bob@other.org|bob@other.org>", "[email]"),
        ("weird!#$%&'*+/=?^_`{|}~-local@ex-ample.io works", "[email] works"),
        # Plain handles.
        ("thanks @bob.smith and @here", "thanks someone and everyone"),
        ("2 @ $50 each", "2 @ $50 each"),
        ("x@ and @", "x@ and @"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, people=PEOPLE) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+49-30-1234-5678",
        "+33 6 12 34 56 78",
        "+4930123456",
        "+44 (0)20 7946 0958",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "555 123 4567",
        "1-800-555-1234",
        "555-1234",
        "030 1234 5678",
        "06 12 34 56 78",
        "020-7946-0958",
        "5551234567",
        "00441234567890",
    ],
)
def test_phone_numbers_are_redacted(phone: str) -> None:
    assert redact(f"call {phone} today", people=[]) == "call [phone] today"


@pytest.mark.parametrize(
    "text",
    [
        "costs $1,299.99 or €1.299,00 per seat",
        "up 45% to 12.5% in Q4 2026",
        "from 2025-2026 and 1999",
        "on 2026-11-16, 16.11.2026, 05.11.2026, 16/11/2026 and 11/16/26",
        "at 10:30 for 3-5 days, 24/7",
        "1,234,567 downloads and 12 345 678 views",
        "version 2.10.3 on 10.0.0.1",
        "slides 12-14 and pages 100-120",
        "order #12345 and ticket 987654",
        "+5 points and -3 votes",
    ],
)
def test_numbers_that_are_not_phones_stay(text: str) -> None:
    assert redact(text, people=[]) == text


@pytest.mark.parametrize(
    "text",
    [
        "<<@U012ABCDEF>>",
        "<@U012ABCDEF",
        "< @U012ABCDEF>",
        "<@U1|<@U2>>",
        "&lt;@U999ZZZ999",
        "<!subteam^S1|x",
        "<!channel",
        "<#C1",
        "<!foo^bar|<!here>>",
        "<@<@U012ABCDEF>>",
        "&amp;lt;@U012ABCDEF&amp;gt;",
    ],
)
def test_no_mention_markup_survives(text: str) -> None:
    out = redact(text, people=PEOPLE)
    assert "<@" not in out and "<!" not in out and "<#" not in out
    assert "U012ABCDEF" not in out


def test_redact_strips_controls_that_hide_names() -> None:
    assert redact("Ja\u200bne Doe said", people=PEOPLE) == "someone said"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  The deck\n\nis   outdated  ", "The deck is outdated"),
        ("<@U012ABCDEF> said the deck is great", "someone said the deck is great"),
        ("<@U012ABCDEF>", None),
        ("<@U012ABCDEF> <!here> jane@acme.com +44 20 7946 0958", None),
        ("👍👍", None),
        ("ok", None),
        ("", None),
        ("   ", None),
    ],
)
def test_safe_quote(text: str, expected: str | None) -> None:
    assert safe_quote(text, people=PEOPLE) == expected


def test_safe_quote_shortens() -> None:
    quote = safe_quote("word " * 100, people=PEOPLE, limit=30)
    assert quote is not None
    assert len(quote) <= 30 and quote.endswith("…")


def test_many_people_stay_fast() -> None:
    people = [f"Person{i:04d} Surname{i:04d}" for i in range(3000)]
    people += [f"U{i:09d}" for i in range(3000)] + [f"p{i}@corp.example" for i in range(3000)]
    texts = [f"Person{i:04d} says the deck for U{i:09d} is outdated" for i in range(0, 3000, 3)]
    started = time.perf_counter()
    out = [redact(t, people=people) for t in texts]
    assert time.perf_counter() - started < 5
    assert all(o == "someone says the deck for someone is outdated" for o in out)
