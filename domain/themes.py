"""Themes and quotes from comments (SPEC: the weekly digest, blame-free rules 1 and 3).

A theme is a subject from a curated taxonomy (THEMES), recognised by keywords in every
supported language; a comment that fits none, or is written in a language the rules do
not support, counts as OTHER. No theme is ever named after a word people used.

Quotes follow rule 3, quote by evidence: a comment is quoted only when
`domain.review.review_comment` finds it positively about the asset's content, referring to
no person, role or team, in a supported language, and neither flagged when stored nor
now; and only when at least MIN_COMMENTERS different people commented on that asset in
the period, so no quote can be traced back to one of one or two commenters. Quotes are
ranked by usefulness (specific, actionable, about a customer outcome), redacted with
`domain.redact.safe_quote`, at most MAX_QUOTES per theme, none twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.digest_data import CommentRecord, Theme
from domain.redact import safe_quote
from domain.review import Review, review_comment
from domain.text_fold import fold_pair

MAX_QUOTES = 2
QUOTE_LIMIT = 160
MIN_COMMENTERS = 3  # distinct people on one asset in the period before anything is quoted
OTHER = "Other"


@dataclass(frozen=True)
class ThemeRule:
    """One subject of the taxonomy: its label and the keywords (regex) that raise it."""

    label: str
    pattern: re.Pattern[str]


def _rule(label: str, *keywords: str) -> ThemeRule:
    body = "|".join(keywords)
    return ThemeRule(label, re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"))


# Matched on folded text (lower case, no accents). Each line: English, Spanish, German,
# French, Italian, Portuguese, Dutch. Order breaks ties between equal counts.
THEMES: tuple[ThemeRule, ...] = (
    _rule(
        "Pricing",
        r"pric(?:e|es|ed|ing)|costs?|discounts?|tiers?|licen[cs](?:e|es|ing)|per seat|budget",
        r"precios?|tarifas?|descuentos?|costes?|costos?|licencias?",
        r"preis\w*|rabatt\w*|kosten|lizenz\w*|tarif\w*",
        r"prix|tarifs?|tarifaires?|remises?|couts?|licences?",
        r"prezz[oi]|listin[oi]|scont[oi]|cost[oi]|licenz[ae]",
        r"precos?|descontos?|custos?|licencas?",
        r"prijs\w*|korting\w*|kosten|licenties?|tarieven",
    ),
    _rule(
        "Outdated content",
        r"out ?-?dated|out of date|stale|obsolete|deprecated|old (?:version|logo|ui|numbers|data"
        r"|pricing|prices|screenshots?)|last year'?s?|no longer|needs? (?:an )?update",
        r"desactualizad\w*|del ano pasado|version (?:antigua|vieja)|logo (?:viejo|antiguo)",
        r"veraltet\w*|nicht mehr aktuell|vom letzten jahr|alte[nr]? (?:version|logo|preise)",
        r"obsolete|pas a jour|de l'an dernier|ancienne version|ancien (?:logo|site)",
        r"obsolet[oi]|non aggiornat[oi]|dell'anno scorso|logo vecchio|versione vecchia",
        r"desatualizad\w*|do ano passado|versao antiga|logo antigo",
        r"verouderd|niet meer actueel|van vorig jaar|oude (?:versie|logo|prijzen|lijst)",
    ),
    _rule(
        "Missing content",
        r"missing|lacks?|there'?s no|would need|needs? (?:a|an|more)|without (?:a|any)",
        r"falta|faltan|faltaria|no hay|sin (?:ningun|un)",
        r"fehlt|fehlen|es gibt kein",
        r"manque|manquent|il n'y a pas|aucune?",
        r"manca|mancano|non c'e",
        r"falta|faltou|faltam|nao tem",
        r"ontbreekt|ontbreken|mist|er is geen",
    ),
    _rule(
        "Competitors",
        r"competitors?|competitive|competition|battle ?cards?|versus|vs\.?|compared? (?:to|with)"
        r"|comparison|rivals?",
        r"competencia|competidor(?:es)?|comparativa|comparacion",
        r"wettbewerb\w*|konkurren\w*|vergleich\w*",
        r"concurren\w*|comparatif|comparaison",
        r"concorren\w*|competitor|confronto",
        r"concorren\w*|comparativo|comparacao",
        r"concurren\w*|vergelijking",
    ),
    _rule(
        "Examples and case studies",
        r"examples?|case stud(?:y|ies)|use cases?|customer stor(?:y|ies)|success stor(?:y|ies)"
        r"|testimonials?|references?|proof points?",
        r"ejemplos?|casos? de exito|casos? de uso|testimonios?|referencias?",
        r"beispiel\w*|referenz\w*|fallstudie\w*|anwendungsf\w*",
        r"exemples?|cas clients?|etudes? de cas|temoignages?|references?",
        r"esempi?|casi? di successo|case study|referenze|testimonianz\w*",
        r"exemplos?|cases?|casos? de sucesso|depoimentos?|referencias?",
        r"voorbeeld\w*|klantcases?|referenties?|cases?",
    ),
    _rule(
        "Format and length",
        r"too (?:long|short|wordy|dense)|lengthy|wordy|shorter|wall of text"
        r"|too many (?:slides|pages|words)|formats?|formatting|fonts?|layout|design|editable"
        r"|pptx?|powerpoint|readable"
        r"|unreadable|hard to read|\d+ (?:slides|pages|minutes|min)",
        r"demasiado larg[oa]|muy larg[oa]|formato|tipografias?|diseno|editable|ilegible"
        r"|muro de texto|\d+ (?:diapositivas|paginas|minutos)",
        r"zu lang|viel zu lang|format|schrift\w*|layout|design|editierbar\w*|unleserlich"
        r"|\d+ (?:folien|seiten|minuten)",
        r"trop long(?:ue)?|mise en page|police|format|modifiable|illisible|\d+ (?:slides|pages"
        r"|minutes|diapos)",
        r"troppo lung[oa]|formato|font|impaginazione|modificabile|illeggibile|\d+ (?:slide"
        r"|pagine|minuti)",
        r"longo demais|muito long[oa]|formato|fonte|layout|editavel|ilegivel|interminavel"
        r"|\d+ (?:slides|paginas|minutos)",
        r"te lang|veel te lang|opmaak|lettertype|bewerkbare?|onleesbaar|\d+ (?:slides|pagina'?s"
        r"|minuten)",
    ),
    _rule(
        "Links and access",
        r"links?|urls?|404|broken|access|log ?in|permissions?|can'?t (?:open|access|download)"
        r"|doesn'?t (?:load|open)|qr",
        r"enlaces?|roto|acceso|permisos?|no (?:abre|carga)",
        r"kaputt|zugriff|zugang|berechtigung\w*|lasst sich nicht offnen|ins leere",
        r"liens?|casse|acces|impossible a ouvrir|ne s'ouvre pas",
        r"rott[oa]|accesso|permess[oi]|non (?:si apre|funziona)",
        r"quebrad[oa]|acesso|permissao|nao abre",
        r"kapot|toegang|rechten|werkt niet|verwijst",
    ),
    _rule(
        "Data and ROI",
        r"roi|tco|metrics?|stats|statistics|benchmarks?|calculators?|calcs?|numbers|figures|payback",
        r"calculadora|cifras|datos|metricas?|numeros",
        r"rechner|zahlen|kennzahlen|daten",
        r"calculateur|chiffres|donnees|metriques?",
        r"calcolatore|numeri|dati|metriche",
        r"calculadora|numeros|dados|metricas?",
        r"calculator|cijfers|data|terugverdientijd",
    ),
    _rule(
        "Errors and typos",
        r"typos?|spelling|mistakes?|errors?|wrong|incorrect|misspell\w*",
        r"erratas?|errores?|falta de ortografia|equivocad[oa]s?|mal escrit[oa]",
        r"tippfehler|fehler|falsch\w*|rechtschreib\w*",
        r"coquilles?|fautes?|erreurs?|faux|fausses?",
        r"refus[oi]|errori?|sbagliat[oi]",
        r"erros?|errad[oa]s?|erro de digitacao",
        r"tikfouten?|fouten?|fout|spelfouten?|klopt niet|kloppen niet",
    ),
    _rule(
        "Language and translation",
        r"translat\w*|locali[sz]\w*|english version|spanish|german|french|italian|portuguese|dutch",
        r"traduc\w*|version en (?:ingles|portugues|aleman|frances)",
        r"ubersetz\w*|englische version|auf englisch",
        r"traduction|version (?:en|fr|anglaise)",
        r"traduzion\w*|versione (?:in )?inglese|in inglese",
        r"tradu\w*|versao em (?:ingles|espanhol)|pt-pt|pt-br",
        r"vertal\w*|engelse versie",
    ),
    _rule(
        "Mobile",
        r"mobile|phones?|iphone|android|tablets?|ipad|small screens?",
        r"movil|celular|cel",
        r"handy|smartphone|mobil",
        r"mobile|telephone|portable",
        r"cellulare|mobile|smartphone",
        r"celular|telemovel",
        r"mobiel|telefoon",
    ),
    _rule(
        "Video and audio",
        r"videos?|audio|sound|music|recording|subtitles|captions|chapters|timestamps|intro",
        r"video|audio|musica|grabacion|subtitulos",
        r"video|ton|musik|aufzeichnung|untertitel",
        r"video|son|musique|enregistrement|sous-titres|replay",
        r"video|audio|musica|registrazione|sottotitoli",
        r"video|audio|musica|gravacao|legendas",
        r"video|geluid|muziek|opname|ondertiteling",
    ),
    _rule(
        "Industries",
        r"industr(?:y|ies)|verticals?|healthcare|hospitals?|banking|banks?|insurance|retail"
        r"|manufacturing|public sector|government|education|pharma",
        r"industria|sector|banca|bancos|seguros|retail|sector publico|salud",
        r"branche\w*|banken|versicherung\w*|handel|offentlich\w*",
        r"industrie|secteur|banques?|assurance|distrib\w*|retail",
        r"settore|banche|assicurazion\w*|retail|sanita",
        r"setor|bancos|seguros|varejo|agronegocio|saude",
        r"branche|sector|banken|verzekeraars?|zorg\w*|gemeente",
    ),
    _rule(
        "Clarity and messaging",
        r"unclear|confus\w*|jargon|messaging|value prop\w*|too technical|generic|vague|buzzwords?"
        r"|hard to (?:follow|understand)",
        r"confus\w*|poco claro|generic[oa]|demasiado tecnic[oa]|mensaje",
        r"unklar|verwirrend|zu technisch|buzzwords?|wertversprechen",
        r"pas clair|confus\w*|generiques?|trop technique|message",
        r"poco chiar[oa]|confus\w*|generic[oa]|troppo tecnic[oa]",
        r"confus[oa]|generic[oa]|tecnico demais|superficial",
        r"onduidelijk|verwarrend|te technisch|vaag|value story",
    ),
)


def _labels(folded: str, review: Review) -> list[str]:
    if review.language is not None and not review.supported:
        return [OTHER]  # a language the rules do not read (too short to tell: keywords decide)
    found = [rule.label for rule in THEMES if rule.pattern.search(folded)]
    return found or [OTHER]


@dataclass(frozen=True)
class _Comment:
    record: CommentRecord
    review: Review
    labels: tuple[str, ...]


def quote_allowed(comment: CommentRecord, review: Review, commenters: int) -> bool:
    """Rule 3: quotable by evidence, not flagged, on an asset with enough commenters."""
    return (
        review.quotable
        and not comment.flagged
        and comment.asset_handle is not None
        and commenters >= MIN_COMMENTERS
    )


def commenters_per_asset(comments: Iterable[CommentRecord]) -> Counter[str]:
    """How many different people commented on each asset (by handle)."""
    seen = {(c.asset_handle, c.author) for c in comments if c.asset_handle is not None}
    return Counter(handle for handle, _ in seen if handle is not None)


def themes(
    comments: Sequence[CommentRecord],
    *,
    people: Iterable[str],
    limit: int = 5,
    quote_limit: int = QUOTE_LIMIT,
) -> list[Theme]:
    """The most raised subjects in comments, with counts and the most useful safe quotes."""
    people = tuple(p for p in people if isinstance(p, str))
    reviewed: list[_Comment] = []
    for record in comments:
        review = review_comment(record.text, people=people)
        _, folded = fold_pair(record.text[:5_000])
        reviewed.append(_Comment(record, review, tuple(_labels(folded, review))))

    counts: Counter[str] = Counter(label for c in reviewed for label in c.labels)
    order = {rule.label: i for i, rule in enumerate(THEMES)} | {OTHER: len(THEMES)}
    chosen = sorted(counts, key=lambda label: (label == OTHER, -counts[label], order[label]))
    chosen = chosen[: max(limit, 0)]

    per_asset = commenters_per_asset(comments)
    candidates = [
        c
        for c in reviewed
        if quote_allowed(c.record, c.review, per_asset[c.record.asset_handle or ""])
    ]
    # Most useful first; among equals, the shorter, then by text so the choice is stable.
    candidates.sort(key=lambda c: (-c.review.usefulness, len(c.record.text), c.record.text))
    quotes: dict[str, list[str]] = {label: [] for label in chosen}
    used: set[str] = set()
    for candidate in candidates:
        for label in candidate.labels:
            if label not in quotes or len(quotes[label]) >= MAX_QUOTES:
                continue
            quote = safe_quote(candidate.record.text, people=people, limit=quote_limit)
            if quote is None or quote in used:
                break
            quotes[label].append(quote)
            used.add(quote)
            break
    return [
        Theme(label=label, count=counts[label], quotes=tuple(quotes[label])) for label in chosen
    ]
