"""The private nudge toward constructive wording (SPEC: blame-free rule 4).

A flagged comment is stored (it counts toward themes) and its author, only they, reads
why it will not be quoted and a concrete rewording of their own comment: the part about
the asset kept, the accusation dropped (domain.reword). A "Reword" button opens that
rewording to edit; saving replaces the stored comment and keeps the vote. The decision
itself is domain.review's; this module only words it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.review import Review
from domain.reword import reword

MAX_REWORDING = 600

# Why the comment will not be quoted, in the order of domain.review.REASONS.
WHY = {
    "generalisation": "it speaks about a whole team",
    "blame": "it points at a person",
    "insult": "it calls people names",
    "profanity": "it uses strong language",
    "sarcasm": "it reads as sarcasm",
    "passive_aggression": "it reads as a dig",
    "hostile_emoji": "its emoji read as hostile",
    "tone": "it reads as aimed at people rather than at the material",
}
OPENING = "Thanks, your feedback is saved and counts toward the digest's themes."


@dataclass(frozen=True)
class Nudge:
    """What the author of a flagged comment reads, and the rewording the button opens."""

    why: str  # "it speaks about a whole team and it uses strong language"
    rewording: str  # plain text, to show (escaped) and to prefill the Reword form


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def build_nudge(
    text: str,
    review: Review,
    *,
    people: Iterable[str] = (),
    rewording: str | None = None,
) -> Nudge | None:
    """The nudge for a flagged comment (None when it is not flagged).

    `rewording` is a suggestion from the optional model reviewer; without one the
    comment's own words are reworded by the rules.
    """
    if not review.flagged:
        return None
    why = _joined([WHY[reason] for reason in review.reasons if reason in WHY])
    suggestion = (rewording or "").strip()
    if not suggestion:
        suggestion = reword(text, language=review.language, people=tuple(people))
    return Nudge(why=why or "of how it is worded", rewording=suggestion[:MAX_REWORDING])
