"""Cues in a few languages the rules do not support (Swedish, Polish, Turkish, Indonesian).

Comments in these languages are never quoted and count as theme "Other" whatever they
say; these cues only let the most plain swearing, team generalisations and eye-rolls get
their author the same private nudge. Each applies only to a comment identified as written
in its language. Written as the supported languages are (see domain.lexicon.cues).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.lexicon.cues import (
    HABIT,
    HOSTILE,
    INSULT,
    OPENER,
    PROBLEM,
    PROFANITY,
    QUESTION,
    ROLE,
    SARCASM,
    TEAM,
)


@dataclass(frozen=True)
class Extra:
    """A language with a few cues, shaped like a language module of domain.lexicon."""

    LANG: str
    CUES: dict[str, tuple[str, ...]]
    TEAM_NOUNS: tuple[str, ...] = ()
    ASSET_NOUNS: tuple[str, ...] = ()
    NUMBER_WORDS: tuple[str, ...] = ()
    ORDINALS: tuple[str, ...] = ()


def _here(*patterns: str) -> tuple[str, ...]:
    return tuple("=" + p for p in patterns)


SV = Extra(
    LANG="sv",
    CUES={
        PROFANITY: _here(r"fan", r"javla*", r"helvete", r"skitdalig*", r"satan"),
        INSULT: _here(r"idioter", r"amatorer", r"klantiga"),
        TEAM: _here(
            r"marknadsavdelning*",
            r"marknadsforing(?:en)?",
            r"saljavdelning*",
            r"saljarna",
            r"saljteamet",
            r"marknadsteamet",
        ),
        ROLE: _here(r"den som (?:gjorde|skrev|godkande)", r"vem (?:har|gjorde|godkande)"),
        HABIT: _here(r"alltid", r"aldrig", r"typiskt", r"som vanligt", r"som alltid"),
        HOSTILE: _here(r"igen", r"uppenbarligen", r"ingen aning"),
        PROBLEM: _here(r"inte", r"fel", r"ingen", r"inget"),
    },
)
PL = Extra(
    LANG="pl",
    CUES={
        PROFANITY: _here(
            r"kurw*", r"chuj*", r"pierdol*", r"spierdal*", r"jeban*", r"gowno", r"dupa"
        ),
        INSULT: _here(
            r"banda (?:amatorow|idiotow|debili|nieudacznikow)",
            r"idioci",
            r"debil*",
            r"nieudacznicy",
        ),
        TEAM: _here(
            r"marketingu",
            r"marketing",
            r"dzial (?:sprzedazy|marketingu)",
            r"handlowcy",
            r"sprzedawcy",
        ),
        ROLE: _here(
            r"ktos (?:w|z|ze) ",
            r"kto to (?:zatwierdzil|zrobil|przygotowal|pisal)",
        ),
        QUESTION: _here(r"kto to (?:zatwierdzil|zrobil|przygotowal|wymyslil)"),
        HABIT: _here(r"zawsze", r"nigdy", r"jak zwykle", r"znowu", r"znow", r"typowe"),
        HOSTILE: _here(r"znowu", r"znow", r"chyba nigdy"),
        PROBLEM: _here(r"nie", r"zle", r"blad", r"bledy"),
    },
)
TR = Extra(
    LANG="tr",
    CUES={
        PROFANITY: _here(r"amk", r"siktir*", r"aq", r"bok gibi"),
        INSULT: _here(r"salak*", r"aptal*", r"gerizekal*", r"beceriksiz*"),
        TEAM: _here(r"pazarlama*", r"satis ekibi*", r"satisci*"),
        ROLE: _here(r"hazirlayan kisi", r"kim (?:yapti|hazirladi|onayladi)"),
        QUESTION: _here(r"kim (?:yapti|hazirladi|onayladi) (?:bunu|bu)"),
        HABIT: _here(r"her zaman", r"asla", r"hic", r"yine", r"gene", r"tipik"),
        OPENER: _here(r"harika", r"super", r"muhtesem"),
        SARCASM: _here(r"kimsenin istemedigi", r"tebrikler (?:pazarlama|satis)"),
        HOSTILE: _here(r"yine", r"belli ki", r"tebrikler"),
        PROBLEM: _here(r"yok", r"degil", r"yanlis", r"denememis"),
    },
)
ID = Extra(
    LANG="id",
    CUES={
        PROFANITY: _here(r"anjing", r"bangsat", r"goblok", r"brengsek", r"kampret", r"tai"),
        INSULT: _here(r"bodoh", r"tolol", r"goblok"),
        TEAM: _here(
            r"tim (?:sales|marketing|pemasaran|penjualan)",
            r"orang (?:sales|marketing)",
            r"anak (?:sales|marketing)",
        ),
        ROLE: _here(r"siapa (?:sih )?yang", r"yang bikin"),
        QUESTION: _here(r"siapa (?:sih )?yang (?:bikin|buat|approve|setuju)"),
        HABIT: _here(
            r"selalu",
            r"emang",
            r"gak pernah",
            r"nggak pernah",
            r"tidak pernah",
            r"ga pernah",
            r"kayak gak pernah",
        ),
        HOSTILE: _here(r"asal-asalan", r"asal ?asalan", r"lagi"),
        PROBLEM: _here(r"gak", r"nggak", r"tidak", r"salah", r"ga"),
    },
)
EXTRA = (SV, PL, TR, ID)
