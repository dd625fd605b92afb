"""`/feedback` and the feedback modal's rules (SPEC: Slash commands, `/feedback`).

`/feedback` alone opens the modal; `/feedback <asset> <up|down> [comment]` records a vote
(and comment) directly, the asset named by its handle or words of its title. Every
malformed input becomes a FeedbackError whose message says what was wrong and the
correct form; a submitted modal becomes a FeedbackForm or errors by block id. Nothing a
user types makes this raise anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.commands import CommandError
from domain.payloads import db_id
from domain.text import one_line, strip_controls, unescape_slack
from domain.votes import Verdict

MAX_TEXT = 4000  # the whole command; longer text is refused before parsing
MAX_COMMENT = 3000  # what a plain_text_input can hold, and what we store
MAX_ASSET_NAME = 200

FEEDBACK_FORM = "`/feedback <asset> <up|down> [comment]`"
FEEDBACK_EXAMPLE = "e.g. `/feedback PD-3 up customers loved the pricing slide`"

# Words and emoji that say "useful" or "needs work"; Slack sends typed emoji as :name:.
VERDICT_WORDS: dict[str, Verdict] = {
    "up": Verdict.USEFUL,
    "+1": Verdict.USEFUL,
    ":+1:": Verdict.USEFUL,
    ":thumbsup:": Verdict.USEFUL,
    "👍": Verdict.USEFUL,
    "useful": Verdict.USEFUL,
    "down": Verdict.NEEDS_WORK,
    "-1": Verdict.NEEDS_WORK,
    ":-1:": Verdict.NEEDS_WORK,
    ":thumbsdown:": Verdict.NEEDS_WORK,
    "👎": Verdict.NEEDS_WORK,
    "needs-work": Verdict.NEEDS_WORK,
}
MAX_SPLITS = 5  # ways to read "<asset> <vote> <comment>" worth trying
_WORDS = re.compile(r"\S+")
_SKIN_TONE = re.compile(r"(:[+-]1:|:thumbs(?:up|down):):skin-tone-[2-6]:$")
_ASSET_ID = re.compile(r"^[1-9][0-9]{0,17}$")
_CAMPAIGN_META = re.compile(r"^campaign:([1-9][0-9]{0,17})$")


class FeedbackError(CommandError):
    """Command text that cannot be understood; the message is the reply."""


class FeedbackField(StrEnum):
    """Block ids (and action ids: the same string) of the feedback modal's inputs."""

    ASSET = "feedback_asset"
    VERDICT = "feedback_verdict"
    COMMENT = "feedback_comment"
    FOLLOWUP = "feedback_followup"


FOLLOWUP_VALUE = "followup"


@dataclass(frozen=True)
class OpenForm:
    """Open the feedback modal."""


@dataclass(frozen=True)
class FeedbackHelp:
    """Explain the command."""


@dataclass(frozen=True)
class QuickFeedback:
    """A vote given in the command itself, with an optional comment.

    A title may itself hold a vote word ("Scale up playbook up"), so every other way to
    split the text is kept in `alternatives`, in order, for the caller to try.
    """

    asset: str
    verdict: Verdict
    comment: str
    alternatives: tuple[QuickFeedback, ...] = ()


FeedbackCommand = OpenForm | FeedbackHelp | QuickFeedback


def verdict_word(word: str) -> Verdict | None:
    """The verdict a word of the command stands for, if any."""
    folded = _SKIN_TONE.sub(r"\1", word.strip().lower())
    return VERDICT_WORDS.get(folded)


def feedback_usage() -> str:
    """The command's correct forms, for help and error replies."""
    return (
        f"• {FEEDBACK_FORM}, {FEEDBACK_EXAMPLE}; the asset is its handle (such as `PD-3`) "
        "or words of its title\n"
        "• `/feedback` alone opens a form with an asset picker and a comment box\n"
        "• find assets with `/collateral search <words>`"
    )


def parse_feedback(text: str) -> FeedbackCommand:
    """Parse `/feedback` text into a command, or raise FeedbackError with the reply."""
    if len(text) > MAX_TEXT:
        raise FeedbackError(
            f"That's {len(text):,} characters; `/feedback` takes at most {MAX_TEXT:,}. "
            "For a long comment, use `/feedback` alone to open the form."
        )
    cleaned = strip_controls(unescape_slack(text)).strip()
    if not cleaned:
        return OpenForm()
    if cleaned.lower() == "help":
        return FeedbackHelp()
    spans = list(_WORDS.finditer(cleaned))
    words = [m.group() for m in spans]
    splits: list[QuickFeedback] = []
    problem = ""
    for index, word in enumerate(words):
        verdict = verdict_word(word)
        if verdict is None:
            continue
        if len(splits) >= MAX_SPLITS:
            break
        asset = " ".join(words[:index]).strip("`'\"")
        comment = cleaned[spans[index].end() :].strip()
        why = _split_problem(asset, comment)
        if why is None:
            splits.append(QuickFeedback(asset=asset, verdict=verdict, comment=comment))
        else:
            problem = problem or why
    if splits:
        first, *rest = splits
        return QuickFeedback(
            asset=first.asset,
            verdict=first.verdict,
            comment=first.comment,
            alternatives=tuple(rest),
        )
    raise FeedbackError(
        problem
        or (
            "Say whether it's useful: `up` or `down` after the asset. "
            f"{FEEDBACK_FORM}, {FEEDBACK_EXAMPLE}. `/feedback` alone opens a form."
        )
    )


def _split_problem(asset: str, comment: str) -> str | None:
    """What is wrong with reading the text as this asset and comment, if anything."""
    if not asset:
        return f"Which asset? Name it before the vote: {FEEDBACK_FORM}, {FEEDBACK_EXAMPLE}."
    if len(asset) > MAX_ASSET_NAME:
        return f"Name the asset in at most {MAX_ASSET_NAME} characters."
    if len(comment) > MAX_COMMENT:
        return (
            f"That comment is {len(comment):,} characters; comments take at most "
            f"{MAX_COMMENT:,}. Nothing was saved: shorten it and send it again."
        )
    return None


@dataclass(frozen=True)
class FeedbackForm:
    """A feedback modal that passed every rule."""

    asset_id: int
    verdict: Verdict | None
    comment: str
    followup_ok: bool


def validate_feedback(values: Mapping[str, Any]) -> FeedbackForm | dict[str, str]:
    """Turn the modal's state values into a FeedbackForm, or errors by block id."""
    errors: dict[str, str] = {}
    option = _action(values, FeedbackField.ASSET).get("selected_option")
    raw_id = option.get("value") if isinstance(option, Mapping) else None
    asset_id = db_id(raw_id) if isinstance(raw_id, str) and _ASSET_ID.match(raw_id) else None
    if asset_id is None:
        errors[FeedbackField.ASSET] = "Pick the asset: type a few words of its title."

    choice = _action(values, FeedbackField.VERDICT).get("selected_option")
    raw_verdict = choice.get("value") if isinstance(choice, Mapping) else None
    verdict = (
        Verdict(raw_verdict)
        if raw_verdict in (Verdict.USEFUL.value, Verdict.NEEDS_WORK.value)
        else None
    )
    if raw_verdict is not None and verdict is None:
        errors[FeedbackField.VERDICT] = "Pick “Useful” or “Needs work”."

    raw_comment = _action(values, FeedbackField.COMMENT).get("value")
    comment = strip_controls(raw_comment).strip() if isinstance(raw_comment, str) else ""
    if len(comment) > MAX_COMMENT:
        errors[FeedbackField.COMMENT] = (
            f"Shorten the comment to {MAX_COMMENT:,} characters (it has {len(comment):,})."
        )
    if verdict is None and not comment and FeedbackField.VERDICT not in errors:
        errors[FeedbackField.VERDICT] = "Pick “Useful” or “Needs work”, or write a comment."

    ticked = _action(values, FeedbackField.FOLLOWUP).get("selected_options")
    followup_ok = isinstance(ticked, list) and any(
        isinstance(o, Mapping) and o.get("value") == FOLLOWUP_VALUE for o in ticked
    )
    if errors or asset_id is None:
        return errors
    return FeedbackForm(
        asset_id=asset_id, verdict=verdict, comment=comment, followup_ok=followup_ok
    )


def campaign_from_metadata(metadata: object) -> int | None:
    """The campaign a feedback modal was opened for (its private_metadata), if any."""
    if isinstance(metadata, str):
        found = _CAMPAIGN_META.match(metadata.strip())
        if found:
            return db_id(found.group(1))
    return None


def campaign_metadata(campaign_id: int | None) -> str:
    """The private_metadata that ties a feedback modal to a campaign."""
    return f"campaign:{campaign_id}" if campaign_id is not None else ""


def option_query(value: object) -> str:
    """What a person typed into the asset picker, cleaned and bounded."""
    return one_line(value[:MAX_ASSET_NAME]) if isinstance(value, str) else ""


def _action(values: Mapping[str, Any], field: FeedbackField) -> Mapping[str, Any]:
    """The state of a field's element, or an empty mapping when Slack sent none."""
    block = values.get(field) if isinstance(values, Mapping) else None
    if not isinstance(block, Mapping):
        return {}
    action = block.get(field)
    return action if isinstance(action, Mapping) else {}
