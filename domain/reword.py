"""A rewording of a flagged comment that keeps its point about the asset (SPEC: rule 4).

The comment is cut into clauses. A clause that is only an attack (passive aggression,
sarcasm, a rhetorical question, an insult, an eye-roll) is dropped; in a clause about the
asset, the names, mentions, roles and team nouns, swear words and hostile words ("again",
"seriously", "obviously") are cut out and the rest is kept as the person wrote it. When
nothing about the asset is left, a short prompt in the comment's language asks for it.
"""

from __future__ import annotations

import re

from domain.lexicon.cues import (
    ACTION,
    ASSET,
    HABIT,
    HOSTILE,
    INSULT,
    NEVER_MET,
    OPENER,
    OUTCOME,
    PASSIVE,
    PROBLEM,
    PROFANITY,
    PRONOUN,
    QUESTION,
    ROLE,
    SARCASM,
    TEAM,
)
from domain.redact import redact

MAX_REWORDING = 600

_CLAUSE = re.compile(r"(?<=[.!?…;:])\s+|\n+|\s+[\u2014\u2013]\s+|(?<=,)\s+")
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\u2600-\u27bf]\ufe0f?(?:\u200d[\U0001f300-\U0001faff\u2640\u2642]\ufe0f?)*"
)
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^<>]*)?>|(?<![\w.+\-/@])@[^\W\d_][\w.\-]{0,80}")
# What is cut from a clause that stays; what drops a clause altogether.
_CUT = (PROFANITY, HOSTILE, HABIT, TEAM, ROLE, PRONOUN, OPENER)
_DROP = (PASSIVE, SARCASM, QUESTION, NEVER_MET, INSULT)
_CONTENT = (ASSET, OUTCOME, ACTION, PROBLEM)
# Left at a clause's edges once something was cut out.
_EDGE = re.compile(
    r"^(?:[\s,;:.\-\u2013\u2014'\"]|(?:and|but|so|y|pero|und|aber|et|mais|e|ma|mas|en|maar|who|that"
    r"|que|qui|che|die|der|dat)\b)+|[\s,;:\-\u2013\u2014'\"]+$",
    re.IGNORECASE,
)
_AUTHORING = re.compile(
    r"^\s*(?:who|that|que|qui|che|die|der|dat|el que|la que)?\s*(?:made|wrote|built|designed"
    r"|approved|put together|created|hizo|armo|armó|escribió|escribio|hat|heeft|a fait|a pondu"
    r"|a écrit|ha fatto|ha scritto|fez|montou|escreveu|gemacht|geschrieben|gemaakt|geschreven)"
    r"(?:\s+(?:this|it|that|esto|eso|ça|ca|questo|isso|isto|dit|das|es))?\b",
    re.IGNORECASE,
)

PROMPTS = {
    "en": "About this asset: what should change, and what happened with the customer?",
    "es": "Sobre este material: ¿qué habría que cambiar y qué pasó con el cliente?",
    "de": "Zu diesem Material: Was sollte sich ändern, und wie hat der Kunde reagiert?",
    "fr": "Sur ce support : qu'est-ce qui devrait changer, et comment le client a-t-il réagi ?",
    "it": "Su questo materiale: cosa andrebbe cambiato e come ha reagito il cliente?",
    "pt": "Sobre este material: o que deveria mudar e como o cliente reagiu?",
    "nl": "Over dit materiaal: wat moet er anders, en hoe reageerde de klant?",
}


def _clean_clause(clause: str, *, language: str | None) -> str | None:
    from domain.review import _names, cue_spans

    folded, origin, hits = cue_spans(clause, language=language)
    categories = {hit.category for hit in hits}
    if categories & set(_DROP):
        return None
    cut: list[tuple[int, int]] = []
    for hit in hits:
        if hit.category in _CUT:
            cut.append((origin[hit.start], origin[hit.end - 1] + 1))
    cased = "".join(clause[i] for i in origin)
    for start, end in _names(cased, folded):
        cut.append((origin[start], origin[end - 1] + 1))
    cut += [m.span() for m in _MENTION.finditer(clause)]
    cut += [m.span() for m in _EMOJI.finditer(clause)]
    if not categories & set(_CONTENT):
        return None
    kept = _without(clause, cut)
    if cut:
        kept = _AUTHORING.sub("", kept)
        kept = re.sub(r"^(?:'s|')\s*", "", kept.strip())
    kept = _EDGE.sub("", kept).strip()
    if len(re.findall(r"[^\W\d_]{2,}", kept)) < 2:
        return None
    return kept


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            start = position
        if end <= start:
            continue
        out.append(text[position:start])
        position = end
    out.append(text[position:])
    return re.sub(r"\s{2,}", " ", "".join(out))


def reword(text: str, *, language: str | None, people: tuple[str, ...] = ()) -> str:
    """The comment with its accusation dropped and its point about the asset kept."""
    clauses = [c for c in _CLAUSE.split(text) if c and c.strip()]
    kept: list[str] = []
    for clause in clauses:
        cleaned = _clean_clause(clause, language=language)
        if cleaned:
            kept.append(cleaned.rstrip(",;:"))
    if not kept:
        return PROMPTS.get(language or "", PROMPTS["en"])
    joined = ". ".join(k.rstrip(".!?…") for k in kept) + "."
    joined = redact(joined, people=people)
    joined = joined[0].upper() + joined[1:]
    return joined[:MAX_REWORDING]
