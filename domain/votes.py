"""Vote rules (SPEC: "The launch modal and announcement", one vote per person per asset).

Reactions on a tracked asset message are votes: `+1`/`thumbsup` useful, `-1`/`thumbsdown`
needs work, `dart` used with a customer. One person has one vote per asset whatever the
source (reaction, button, command, modal) and the latest wins; removing the reaction that
set the vote removes it. The bot's own reactions and unknown emoji are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """What a reaction says about an asset (values match the stored vote values)."""

    USEFUL = "useful"
    NEEDS_WORK = "needs_work"
    USED = "used"


REACTIONS: dict[str, Verdict] = {
    "+1": Verdict.USEFUL,
    "thumbsup": Verdict.USEFUL,
    "-1": Verdict.NEEDS_WORK,
    "thumbsdown": Verdict.NEEDS_WORK,
    "dart": Verdict.USED,
}

# Slack appends a skin tone to the emoji name: "+1::skin-tone-3".
_SKIN_TONE = re.compile(r"::skin-tone-[2-6]$")
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
_ID = re.compile(r"^[A-Z0-9]{2,32}$")


def reaction_verdict(name: str) -> Verdict | None:
    """The verdict an emoji name stands for, or None for emoji that are not votes."""
    return REACTIONS.get(_SKIN_TONE.sub("", name.strip().lower()))


@dataclass(frozen=True)
class ReactionChange:
    """A reaction event that may change a vote, once its message is known to be tracked."""

    added: bool
    verdict: Verdict
    user_id: str
    channel_id: str
    ts: str
    at: datetime


def read_reaction(event: dict[str, Any], *, bot_user_id: str | None) -> ReactionChange | None:
    """The vote change a `reaction_added`/`reaction_removed` event asks for, or None.

    None for the bot's own reactions, emoji that are not votes, reactions on files or
    anything but a message, and events whose fields are missing or malformed.
    """
    kind = event.get("type")
    if kind not in ("reaction_added", "reaction_removed"):
        return None
    user = event.get("user")
    reaction = event.get("reaction")
    item = event.get("item")
    if not isinstance(user, str) or not isinstance(reaction, str) or not isinstance(item, dict):
        return None
    if not _ID.match(user) or (bot_user_id is not None and user == bot_user_id):
        return None
    verdict = reaction_verdict(reaction[:100])
    if verdict is None or item.get("type") != "message":
        return None
    channel, ts = item.get("channel"), item.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str):
        return None
    if not _ID.match(channel) or not _TS.match(ts):
        return None
    return ReactionChange(
        added=kind == "reaction_added",
        verdict=verdict,
        user_id=user,
        channel_id=channel,
        ts=ts,
        at=event_time(event.get("event_ts")),
    )


def event_time(event_ts: object, *, default: datetime | None = None) -> datetime:
    """An event's `event_ts` as an aware UTC time (the epoch when it cannot be read)."""
    if isinstance(event_ts, str) and _TS.match(event_ts):
        try:
            return datetime.fromtimestamp(float(event_ts), UTC)
        except (ValueError, OverflowError, OSError):
            pass  # twelve digits of seconds reach past the year 9999
    return default if default is not None else datetime.fromtimestamp(0, UTC)


# The stored source of votes set by a reaction. Taking a reaction back clears only a vote
# this source set, and never one given later by a button, command or form (services.votes).
REACTION_SOURCE = "reaction"


@dataclass(frozen=True)
class LoggedReaction:
    """One stored reaction event of one person on one asset."""

    verdict: Verdict
    added: bool
    at: datetime
    seq: int = 0  # the order it was stored in: breaks ties between equal times


@dataclass(frozen=True)
class ReactionState:
    """What a person's reactions on an asset amount to."""

    vote: Verdict | None  # the standing reaction vote (useful or needs work), if any
    vote_at: datetime | None  # when it was set, or when it was taken back; None: never
    used_at: datetime | None  # when the standing 🎯 was put; None: no 🎯 stands


def fold_reactions(log: Iterable[LoggedReaction]) -> ReactionState:
    """Replay reaction events in the order people made them (event time).

    The latest reaction sets the vote; taking back the reaction that set it clears it
    (taking back an older one changes nothing); a 🎯 stands until it is taken back. The
    result depends only on the events, not on the order they were stored in: retried
    and out-of-order deliveries, at any instance, end in the same votes.
    """
    vote: Verdict | None = None
    vote_at: datetime | None = None
    used_at: datetime | None = None
    for event in sorted(log, key=lambda e: (e.at, e.seq)):
        if event.verdict is Verdict.USED:
            used_at = event.at if event.added else None
        elif event.added:
            vote, vote_at = event.verdict, event.at
        elif vote is event.verdict:
            vote, vote_at = None, event.at
    return ReactionState(vote=vote, vote_at=vote_at, used_at=used_at)


# Removals kept after the latest 👍/👎 put. Slack sends one removal per reaction put, so a
# person has at most one or two here; a bound keeps a flood of forged removals from growing
# the row (only the earliest ones decide anything).
MAX_REMEMBERED_REMOVALS = 16


@dataclass(frozen=True)
class ReactionMemory:
    """All that a person's reaction events on an asset leave to remember (not the events).

    Replaying every event by event time (fold_reactions) needs only: the latest 👍/👎 put,
    the removals made after it (a later put forgets them), and the latest 🎯 event. A new
    event arrives after every stored one, so at equal times it counts as the later one,
    as in fold_reactions' (time, storage order) sort.
    """

    vote: Verdict | None = None  # the verdict of the latest 👍/👎 put
    vote_at: datetime | None = None  # when it was put
    removals: tuple[tuple[Verdict, datetime], ...] = ()  # taken back after it, by time
    used: bool = False  # whether the latest 🎯 event put it (True) or took it back
    used_at: datetime | None = None  # when the latest 🎯 event was made


def remember_reaction(memory: ReactionMemory, event: LoggedReaction) -> ReactionMemory:
    """The memory once `event` (stored after every event already remembered) is added.

    Equivalent to fold_reactions over every event so far, in any arrival order.
    """
    at = event.at
    if event.verdict is Verdict.USED:
        if memory.used_at is None or at >= memory.used_at:
            return replace(memory, used=event.added, used_at=at)
        return memory
    if memory.vote_at is not None and at < memory.vote_at:
        return memory  # made before the latest put: it can change nothing any more
    if event.added:
        later = tuple(r for r in memory.removals if r[1] > at)
        return replace(memory, vote=event.verdict, vote_at=at, removals=later)
    removals = sorted((*memory.removals, (event.verdict, at)), key=lambda r: r[1])
    return replace(memory, removals=tuple(removals[:MAX_REMEMBERED_REMOVALS]))


def remembered_state(memory: ReactionMemory) -> ReactionState:
    """What the remembered reactions amount to (the same as fold_reactions of the events)."""
    used_at = memory.used_at if memory.used else None
    if memory.vote is None:
        return ReactionState(vote=None, vote_at=None, used_at=used_at)
    taken_back = [at for verdict, at in memory.removals if verdict is memory.vote]
    if taken_back:
        return ReactionState(vote=None, vote_at=min(taken_back), used_at=used_at)
    return ReactionState(vote=memory.vote, vote_at=memory.vote_at, used_at=used_at)
