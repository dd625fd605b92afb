"""The optional model reviewer (LIAISON_LLM_URL, LIAISON_LLM_MODEL): stricter, never looser.

The rules (domain.review) decide first. The model is asked whether the comment blames,
insults or mocks a person or a team, and for a rewording that keeps the point about the
asset. It can only make a decision stricter: its "blame" flags a comment the rules let
through (so it is nudged and never quoted); its "no" never unflags what the rules
flagged, and it never makes a comment quotable. A timeout, an HTTP error or a malformed
answer falls back to the rules: the person notices nothing, and a WARNING line (without
the comment) tells the admin.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Protocol

from core.llm import ChatClient, LLMError
from domain.language import detect_language
from domain.lexicon import matcher

logger = logging.getLogger(__name__)

MAX_COMMENT = 3_000
PROMPT = (
    "You review feedback that sales reps give on marketing collateral, in any language. "
    "Feedback may criticise the asset as strongly as it likes. It must not blame, insult, "
    "mock or generalise about a person, a role or a team (sales, marketing, 'whoever made "
    "this'), and must not be sarcastic or passive-aggressive. Answer with JSON only: "
    '{"blame": true or false, "rewording": "the comment rewritten in its own language, '
    'keeping what it says about the asset and dropping any accusation"}.'
)


def prepare_rules() -> None:
    """Compile the blame-free rules now (seconds of CPU) rather than on the first comment.

    Built on first use, they held the interpreter for 3 s while every other request of
    the process waited, and the first comments after a start missed Slack's 3 s.
    """
    matcher()
    matcher("quote")
    detect_language("The pricing slide is clear.")  # loads the language model (0.7 s)


@dataclass(frozen=True)
class ModelVerdict:
    """What the model said about one comment."""

    blame: bool
    rewording: str | None


class CommentReviewer(Protocol):
    """Anything that can give a second opinion on a comment (None: no opinion)."""

    def judge(self, text: str) -> ModelVerdict | None:
        """The model's verdict, or None when it could not be had."""


class ModelReviewer:
    """The model reviewer over an OpenAI-compatible chat completions endpoint."""

    def __init__(self, client: ChatClient) -> None:
        self._client = client

    def judge(self, text: str) -> ModelVerdict | None:
        """Ask the model; on any failure log it for the admin and return None."""
        messages = [
            {"role": "system", "content": PROMPT},
            {"role": "user", "content": text[:MAX_COMMENT]},
        ]
        try:
            answer = json.loads(self._client.complete(messages))
        except LLMError as error:
            logger.warning("comment reviewer unavailable, rules only: %s", error)
            return None
        except ValueError:
            logger.warning("comment reviewer gave no JSON, rules only")
            return None
        if not isinstance(answer, dict) or not isinstance(answer.get("blame"), bool):
            logger.warning("comment reviewer answered without a verdict, rules only")
            return None
        rewording = answer.get("rewording")
        if not isinstance(rewording, str) or not rewording.strip():
            rewording = None
        return ModelVerdict(blame=answer["blame"], rewording=rewording)


def make_reviewer(
    *, url: str | None, model: str | None, api_key: str | None, timeout_s: float
) -> ModelReviewer | None:
    """The reviewer the settings ask for, or None when it is off (the default)."""
    if not url or not model:
        return None
    return ModelReviewer(ChatClient(url=url, model=model, api_key=api_key, timeout_s=timeout_s))
