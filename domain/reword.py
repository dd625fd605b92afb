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
# What is cut out of a clause; a clause with nothing about the asset left is dropped.
_CUT = (PROFANITY, INSULT, TEAM, ROLE, PRONOUN, OPENER, PASSIVE, SARCASM, QUESTION, NEVER_MET)
_CONTENT = (ASSET, OUTCOME, ACTION, PROBLEM)
# Of the hostile and habitual cues only these words go: the others are verbs ("forgot",
# "copied") the rest of the sentence needs.
_HOSTILE_WORDS = re.compile(
    r"(?:once |yet )?again|seriously|obviously|clearly|evidently|apparently|as usual|as always"
    r"|(?:una vez mas|otra vez|de nuevo|en serio|claramente|obviamente|como siempre)"
    r"|(?:schon )?wieder|ernsthaft|offensichtlich|wie immer|mal wieder"
    r"|encore|serieusement|visiblement|clairement|comme d'hab(?:itude)?"
    r"|di nuovo|ancora una volta|sul serio|evidentemente|come sempre"
    r"|de novo|outra vez|mais uma vez|a serio|claramente|como sempre"
    r"|weer|alweer|serieus|duidelijk|zoals altijd"
)
# Left at a clause's edges once something was cut out.
_EDGE = re.compile(
    r"^(?:[\s,;:.\-\u2013\u2014'\"]|(?:and|but|so|y|pero|und|aber|et|mais|e|ma|mas|en|maar|who|that"
    r"|que|qui|che|die|der|das|dat|the|a|an|la|el|los|las|le|les|il|lo|gli|o|os|as|de|het"
    r"|den|un|una|um|uma|ein|eine)\b)+|[\s,;:\-\u2013\u2014'\"]+$",
    re.IGNORECASE,
)
_REFS = (TEAM, ROLE, PRONOUN)
_SPECIFIC = re.compile(r"\d")
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
    cut: list[tuple[int, int]] = []
    for hit in hits:
        if hit.category in _CUT or (
            hit.category in (HOSTILE, HABIT)
            and _HOSTILE_WORDS.fullmatch(folded[hit.start : hit.end])
        ):
            cut.append((origin[hit.start], origin[hit.end - 1] + 1))
    cased = "".join(clause[i] for i in origin)
    refs = [(origin[h.start], origin[h.end - 1] + 1) for h in hits if h.category in _REFS]
    named = [(origin[s], origin[e - 1] + 1) for s, e in _names(cased, folded)]
    named += [m.span() for m in _MENTION.finditer(clause)]
    # "le deck de Mathieu" loses "de Mathieu", not only the name.
    refs += [(s - _owner_lead(clause[:s]), e) for s, e in named]
    cut += refs
    lead = len(clause) - len(clause.lstrip(" \t\"'"))
    if any(s <= lead + 4 for s, _ in refs) and not _SPECIFIC.search(clause):
        return None  # about the person or team it starts with, and nothing specific
    cut += [m.span() for m in _EMOJI.finditer(clause)]
    content = [h for h in hits if h.category in _CONTENT]
    if not any(all(not (s <= origin[h.start] < e) for s, e in cut) for h in content):
        return None  # nothing about the asset outside what is cut
    kept = _without(clause, cut)
    if cut:
        kept = _AUTHORING.sub("", kept)
        kept = re.sub(r"^(?:'s|')\s*", "", kept.strip())
    kept = _EDGE.sub("", kept).strip()
    if len(re.findall(r"[^\W\d_]{2,}", kept)) < 2:
        return None
    return kept


_OWNER = re.compile(r"(?:de|di|of|by|van|von|do|da|du|del|della|des|from)\s+$", re.IGNORECASE)


def _owner_lead(before: str) -> int:
    found = _OWNER.search(before[-12:])
    return len(found.group(0)) if found else 0


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
    sentences = [k.rstrip(".!?\u2026 ") for k in kept]
    joined = ". ".join(s[:1].upper() + s[1:] for s in sentences if s) + "."
    return redact(joined, people=people)[:MAX_REWORDING]
