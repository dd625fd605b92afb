"""Blame-free review of one comment (SPEC: the weekly digest, blame-free rules 1, 3 and 4).

Two separate decisions:

- **Nudge** (`flagged`): the comment blames or attacks. Profanity, insults, hostile
  emoji, passive aggression, sarcasm and rhetorical blame questions flag on their own; a
  person, role or team flags together with a hostile, habitual or problem cue near it,
  unless the comment is a polite request or thanks ("@morgan please fix slide 4").
  Criticism of the asset, however strong ("painfully long", "the ROI numbers are wrong"),
  is never flagged: it is the point of feedback.
- **Quote** (`quotable`): by positive evidence only. A comment may be shown verbatim
  where others read it only when it is in a supported language, names content of the
  asset (slides, pages, prices, the demo, …), refers to no person, role or team, is not
  flagged, and is not a sarcastic or rhetorical turn. Everything else only counts.

The cues come from domain.lexicon (seven languages); names from domain.names and from the
workspace's own people; the language from domain.language. Pure and bounded: at most
SCAN_LIMIT characters are read for cues, MENTION_LIMIT for mentions.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from domain import blame_model
from domain.disguise import disguised_swearing
from domain.language import detect_language, is_supported
from domain.lexicon import Hit, matcher
from domain.lexicon.cues import (
    ACTION,
    ASSET,
    HABIT,
    HOSTILE,
    INSULT,
    IRONIC,
    NEVER_MET,
    OPENER,
    OUTCOME,
    PASSIVE,
    POLITE,
    PRAISE,
    PROBLEM,
    PROFANITY,
    PRONOUN,
    QUESTION,
    ROLE,
    SARCASM,
    TEAM,
)
from domain.names import is_first_name
from domain.redact import people_found
from domain.text_fold import fold_map, fold_pair, prepare

# Why a comment is flagged, in the order Review.reasons lists them.
REASONS = (
    "generalisation",
    "blame",
    "insult",
    "profanity",
    "sarcasm",
    "passive_aggression",
    "hostile_emoji",
    "tone",  # no rule fired, but the blame model reads it as aimed at people
)
# Who a comment refers to (any of them: never quoted).
REFERENCES = ("person", "role", "team")

SCAN_LIMIT = 5_000  # comments are at most 3,000 characters; this bounds hostile input
MENTION_LIMIT = 40_000  # mentions are looked for as far as Slack's own message limit
WINDOW = 220
IRONY = "irony"  # scare quotes: hostile only next to a person ("la 'revisión' de RG")
_SENTENCE_BREAK = re.compile(r"[.!?\n]")
_BROADCAST = re.compile(r"<!(?:channel|here|everyone)|@(?:channel|here|everyone)\b", re.I)
MIN_QUOTE_LETTERS = 15
# MIN_QUOTE_LETTERS letters, whatever lies between them (matched, not all listed and counted).
_ENOUGH_LETTERS = re.compile(rf"(?:[\W\d_]*[^\W\d_]){{{MIN_QUOTE_LETTERS}}}")
MAX_QUOTE_CHARS = 400  # a quote is a sentence or two; a long text hides more than it shows
# Cues that never go with a quote, even where they flag nothing by themselves: a habit
# ("as usual"), a rhetorical question, a hostile turn. A cheer or ironic praise goes
# only where no problem is named.
_NOT_IN_QUOTES = (HABIT, SARCASM, PASSIVE, QUESTION, NEVER_MET, HOSTILE)
# Wording that is a tone more than a statement: emphasis, ellipses, scare quotes, a
# question (a question asks, it does not report), a smile after a statement.
_TONE_MARKS = re.compile(r"[!?]{2}|[?\u2026\u00ab\u00bb\u201c\u201d\u201e\"]|\.\.\.")

# --- emoji and punctuation ----------------------------------------------------------------

# Emoji that are an attack or an eye-roll on their own. Emoji sentiment lexicons score
# 🙃 and 🙂 as positive; in feedback they are the sarcasm, so this list is our own.
_EMOJI_BLOCK = ("\U0001f300", "\U0001faff")  # where every emoji named here lies


def _emoji(chars: str) -> re.Pattern[str]:
    """Any of these emoji: a range first (the regex engine skips to it in C; a class of
    single astral characters is tested one by one at every position), then which one."""
    low, high = _EMOJI_BLOCK
    assert all(low <= ch <= high for ch in chars), chars
    return re.compile(f"[{low}-{high}](?<=[{chars}])")


# Emoji that are an attack or an eye-roll on their own. Emoji sentiment lexicons score
# 🙃 and 🙂 as positive; in feedback they are the sarcasm, so this list is our own.
_HOSTILE_EMOJI = _emoji(
    "\U0001f595\U0001f92e\U0001f922\U0001f4a9\U0001f921\U0001f644\U0001f643\U0001f612"
    "\U0001f611\U0001f92c\U0001f621\U0001f620\U0001f624\U0001f926\U0001f480\U0001f971"
)
_HOSTILE_SHORTCODE = re.compile(
    r":(?:middle_finger|fu|face_vomiting|nauseated_face|poop|hankey|shit|clown_face|clown"
    r"|rolling_eyes|face_with_rolling_eyes|upside_down_face|unamused|expressionless|rage"
    r"|angry|face_with_symbols_on_mouth|triumph|facepalm|face_palm|skull|yawning_face):"
)
# A smile after a complaint is passive aggression; after thanks it is thanks.
_SOFT_SMILE = _emoji("\U0001f642\U0001f60a\U0001f609\U0001f60f\U0001f937\U0001f611")
_PARTY = _emoji("\U0001f389\U0001f44f\U0001f973\U0001f38a")
# Each pattern scanned over a whole comment starts with a character class, not a
# lookbehind: the regex engine then skips ahead in C to where that class occurs, and the
# lookbehind (over the character before and the first one) is checked only there.
_SHOUT = re.compile(r"[A-ZÄÖÜÉÈÀ](?<!\w.)[A-ZÄÖÜÉÈÀ]{3,}(?!\w)")
_ACRONYMS = frozenset(
    [
        "ROI",
        "TCO",
        "CFO",
        "CEO",
        "CTO",
        "CIO",
        "CISO",
        "COO",
        "PDF",
        "PPTX",
        "CTAS",
        "SDRS",
        "BDRS",
        "PMMS",
        "SAAS",
        "EMEA",
        "APAC",
        "LATAM",
        "DACH",
        "HTTP",
        "HTTPS",
        "HTML",
        "JSON",
        "SOC2",
        "GDPR",
        "HIPAA",
        "ISO",
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "BRL",
        "MXN",
        "NOTE",
        "TODO",
        "INSERT",
        "HERE",
        "STAT",
        "LINK",
        "FYI",
        "ASAP",
        "IMHO",
        "IMO",
        "BTW",
        "TLDR",
        "WEEK",
        "MWST",
        "AGB",
        "USA",
    ]
)
_RHETORICAL = re.compile(r"\?[?!]|![?]")
# "the 'review'", "die 'schnelle Übersicht'": a word of the asset's put in scare quotes.
_QUOTED = re.compile(r"['\"][^'\"\n]{2,30}['\"]")
_BEFORE_QUOTE = re.compile(
    r"(?<![a-z])(?:the|their|his|her|our|your|la|el|los|las|su|die|der|das|den|ihre|le|les"
    r"|sa|son|leur|il|lo|gli|o|os|as|de|het|hun|zijn|haar|vos|vostri|vuestra|vuestro)"
    r"\s+(?:\w+\s+)?$"
)

# --- people -------------------------------------------------------------------------------

_SLACK_MENTION = re.compile(
    r"<(?:@[UW][A-Z0-9]{1,30}|!subteam\^[A-Z0-9]{1,30}|!(?:channel|here|everyone))"
    r"(?:\|[^<>]{0,120})?>",
    re.IGNORECASE,
)
# "@name" typed as text; not an email (a@b.com), a URL path (/@author) or "2 @ $50".
_PLAIN_MENTION = re.compile(r"@(?<![\w.+\-/@].)([^\W\d_][\w.\-]{0,80})")
_SLACK_TOKEN = re.compile(
    r"<([@!#][^<>\n]{0,300}|(?:https?|mailto|tel|ftp|slack|file):[^<>\s|]{0,300}"
    r"(?:\|[^<>\n]{0,300})?)>",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://\S{1,500}|www\.\S{1,500}", re.IGNORECASE)
# Where a link could start ("://" or "www." in any case): the link pattern only runs then.
_LINK_HINT = re.compile(r"\.(?<=[wW][wW][wW]\.)|:(?=//)")
_CAPITALISED = re.compile(r"([A-ZÀ-ÖØ-Þ](?<![\w@.'\-].)[a-zß-öø-ÿ]{1,30})(?=('s|'|\b))")
_INITIALS = re.compile(r"([A-Z](?<![\w@.'\-].)[A-Z]{1,2})(?![\w\-])")
# Before a name, these say it is a customer or a place, not a colleague.
_CUSTOMERISH = re.compile(
    r"(?:case(?: study)?|caso(?: de exito)?|cas client|etude de cas|referenz|referentie"
    r"|klantcase|story|at|bei|chez|bij|presso|na|no|em|en|in|with the|for|fur|pour|para"
    r"|per|voor|vs\.?|versus|gegen|contre|contra|contro|tegen|than|que|als|dan|di|del)\s+$"
)
# After these a capitalised word is a person: thanks and greetings.
_PERSON_BEFORE = re.compile(
    r"(?:thanks?(?: you)?(?: to)?|thx|shout ?-?outs?(?: to)?|kudos(?: to)?|props(?: to)?"
    r"|danke(?: an)?|merci(?: a)?|gracias(?: a)?|grazie(?: mille)?(?: a)?|obrigad[oa](?: a| ao)?"
    r"|bedankt|dank je(?: wel)?|hi|hey|hello|dear|ciao|hola|hallo|salut|ola|oi|hoi|beste|liebe"
    r"|lieber|cher|chere|caro|cara|querid[oa]|cc)\s+$"
)
_DE_ETC = re.compile(r"(?:de|di|van|von|do|da|of|by|por|par|del|della|du)\s+$")
_BEFORE_POSSESSOR = re.compile(
    r"(?:decks?|slides?|presentation|presentacion|presentazione|apresentacao|presentatie"
    r"|praesentation|webinars?|videos?|datasheet|folien|diapos?|trabajo|werk|boulot|lavoro"
    r"|coup|revision|revisao|revisione|review|werk|deck)\W*\s+(?:de|di|van|von|do|da|of|by|du|del)"
    r"\s+$"
)
# At a sentence start, a name followed by one of these is a word ("Can we", "Will you").
_NOT_A_NAME_AFTER = re.compile(
    r"\s+(?:we|you|i|they|it|the|this|that|he|she|there|not|someone|anyone|wir|ich|du|sie"
    r"|nous|vous|je|tu|on|il|nosotros|usted|yo|noi|voi|io|nos|voce|eu|jij|je|ik)\b",
    re.IGNORECASE,
)
# After a team word, these make it a thing: "sales deck", "marketing site", "ventas del Q3".
_THING_AFTER = re.compile(
    r"[\s-]*(?:decks?|kit|site|sites|pages?|copy|speak|jargon|fluff|materials?|material"
    r"|materiales|materiaal|materiais|content|emails?|mails?|campaigns?|campaign|plans?"
    r"|budget|enablement|portal|cycles?|cycle|process|pipeline|numbers|figures|data|funnel"
    r"|playbooks?|sheets?|collateral|assets?|pitch|narrative|website|strategy|tools?|training"
    r"|videos?|webinars?|launch|calls?|meetings?|targets?|reports?|dashboards?|ops|motion"
    r"|automation|spikes?|dips?|drops?|figures|cijfers|zahlen|cifras|numeros|numeri"
    r"|(?:always |usually |often |typically )?(?:spike|dip|drop|peak|rise|fall|grow|went up"
    r"|go up|are up|were up|increase|decrease|slow down|pick up)"
    r"|del (?:trimestre|mes|ano)|do (?:trimestre|mes|ano))\b"
)
# "reps can't find it" is about finding the asset, not about the reps.
_ACCESS_AFTER = re.compile(
    r"\s+(?:(?:still )?(?:can'?t|cannot|couldn'?t|can not|are unable to|were unable to|have trouble"
    r"|don'?t know (?:where|how) to) (?:find|access|open|download|see|locate|load|view|edit"
    r"|get to|log ?in|sign in|print|play|preview|search|reach)"
    r"|no (?:pueden|consiguen|logran|encuentran)|(?:finden|konnen|können) (?:\w+ )?nicht"
    r"|n'arrivent pas|ne trouvent pas|non (?:riescono|trovano)|nao (?:conseguem|acham|encontram)"
    r"|kunnen (?:\w+ )?niet)"
)
# "newer reps", "14 reps", "some reps": a few people, not the team as a whole.
_SUBGROUP = re.compile(
    r"(?:\d+|new|newer|junior|some|few|several|many|most|other|two|three|my|algunos|varios"
    r"|nuevos|neue|einige|manche|nouveaux|quelques|certains|alcuni|nuovi|alguns|novos|nieuwe"
    r"|sommige|enkele)\s+$"
)
_BESIDE = re.compile(r"(?:with|avec|mit|con|com|met|and|und|et|y|e|en)\s+$")
_WHOSE_CUSTOMER = re.compile(
    r"(?:'s?)?\s+(?:account|client|customer|prospect|deal|territory|team|region|accounts)\b"
)
_WORD_CHARACTER = re.compile(r"\w")
_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


def _sentence_start(before: str) -> bool:
    """Whether `before` ends a sentence: it is empty or holds no word, or its last
    character other than spaces is one of . ! ? : ; or a line break follows it.

    Said with string methods, which run in C: a search for the pattern
    ``(?:^|[.!?\\n:;]\\s*|^\\W+)$`` tried every position of `before`, for every
    capitalised word of a comment.
    """
    tail = before.rstrip()
    return (
        tail.endswith((".", "!", "?", ":", ";"))
        or "\n" in before[len(tail) :]
        or _WORD_CHARACTER.search(before) is None
    )


def _word_then_space(before: str) -> bool:
    """Whether `before` ends with a letter a-z and then whitespace.

    Each pattern of a word before a name (_PERSON_BEFORE, _BEFORE_POSSESSOR) ends so
    (a written word, then ``\\s+$``): where this is false they cannot match, and are not
    searched.
    """
    tail = before.rstrip()
    return len(tail) < len(before) and tail[-1:] in _ASCII_LOWER


@dataclass(frozen=True)
class Review:
    """The verdict on one comment: nudge or not, quotable or not, and why."""

    flagged: bool  # blame, insult, profanity, sarcasm, …: the author gets a private nudge
    reasons: tuple[str, ...]  # codes from REASONS, in that order
    quotable: bool  # may be shown verbatim where others read it (positive evidence)
    language: str | None  # ISO code of a supported language, "xx" for another one, None
    references: tuple[str, ...] = ()  # from REFERENCES: who it is about
    mentions: bool = False  # a Slack mention or typed @handle
    usefulness: int = 0  # higher: more specific, actionable, about a customer outcome
    cues: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    blame_score: float = 0.0  # the blame model's probability (domain.blame_model)

    @property
    def supported(self) -> bool:
        """Whether the comment is in a language the rules are written for."""
        return is_supported(self.language)


def _mentions(prepared: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _SLACK_MENTION.finditer(prepared)]
    for match in _PLAIN_MENTION.finditer(prepared):
        handle = match.group(1).casefold()
        if re.fullmatch(r"s+|ss(?:hole)?", handle):  # "@ss" is a masked swear word
            continue
        spans.append(match.span())
    return spans


def _visible(prepared: str) -> str:
    """Slack markup replaced by spaces (link labels kept), so offsets stay comparable."""

    def token(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner[:1] in {"@", "!", "#"}:
            return " " * len(match.group(0))
        _, bar, label = inner.partition("|")
        if not bar:
            return " " * len(match.group(0))
        return (" " + label + " ").ljust(len(match.group(0)))[: len(match.group(0))]

    return _SLACK_TOKEN.sub(token, prepared)


def _names(text: str, folded: str) -> list[tuple[int, int]]:
    """Spans of colleagues named without a mention: first names and initials in place."""
    spans: list[tuple[int, int]] = []
    proper_end = -2  # end of the last capitalised word taken for a customer or a brand
    for match in _CAPITALISED.finditer(text):
        word = match.group(1)
        start, end = match.span(1)
        before = folded[max(0, start - 24) : start]
        if word.casefold() in _FUNCTION_WORDS or len(word) < 3:
            continue
        if start - proper_end <= 1:  # "Leroy Merlin", "Orange Business": one proper name
            proper_end = end
            continue
        wide = folded[max(0, start - 40) : start]
        if _word_then_space(before) and _PERSON_BEFORE.search(before):
            spans.append((start, end))  # "thanks to Priya", "Ciao Aminata", "merci Yasmina"
        elif _word_then_space(wide) and _BEFORE_POSSESSOR.search(wide):
            spans.append((start, end))  # "le deck de Mathieu", "il deck di Ferrante"
        elif is_first_name(word):
            if _CUSTOMERISH.search(before):
                proper_end = end
                continue
            if _sentence_start(before) and _NOT_A_NAME_AFTER.match(text, end):
                continue  # "Can we…", "Will you…": a word that is also a name
            spans.append((start, end))
        elif not _sentence_start(before):
            proper_end = end  # a brand or a customer; a name right after it belongs to it
    for match in _INITIALS.finditer(text):
        word = match.group(1)
        if word in _ACRONYM_INITIALS:
            continue
        start, end = match.span(1)
        before = folded[max(0, start - 40) : start]
        after = text[end : end + 3]
        at_start = _sentence_start(before)
        vocative = after.startswith(",") and at_start
        subject = at_start and len(word) == 2 and re.match(r" [a-zäöüéèàíóúñç]", after) is not None
        possessor = _word_then_space(before) and _BEFORE_POSSESSOR.search(before) is not None
        if vocative or subject or possessor or after.startswith("'s"):
            spans.append((start, end))
    return spans


# Capitalised at a sentence start, these are words, not names.
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "there",
        "then",
        "they",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "how",
        "our",
        "your",
        "his",
        "her",
        "its",
        "their",
        "some",
        "any",
        "every",
        "each",
        "all",
        "both",
        "one",
        "two",
        "also",
        "just",
        "only",
        "still",
        "again",
        "der",
        "die",
        "das",
        "dem",
        "den",
        "des",
        "ein",
        "eine",
        "einer",
        "und",
        "oder",
        "aber",
        "auch",
        "noch",
        "nur",
        "schon",
        "wie",
        "was",
        "wer",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "au",
        "aux",
        "ce",
        "cette",
        "ces",
        "qui",
        "que",
        "quoi",
        "mais",
        "donc",
        "car",
        "pour",
        "par",
        "sur",
        "el",
        "los",
        "las",
        "unos",
        "unas",
        "lo",
        "del",
        "al",
        "que",
        "quien",
        "pero",
        "como",
        "para",
        "por",
        "con",
        "sin",
        "sobre",
        "este",
        "esta",
        "il",
        "lo",
        "gli",
        "uno",
        "una",
        "dei",
        "delle",
        "che",
        "chi",
        "cosa",
        "ma",
        "per",
        "con",
        "senza",
        "questo",
        "questa",
        "quello",
        "o",
        "os",
        "as",
        "um",
        "uma",
        "uns",
        "umas",
        "do",
        "da",
        "dos",
        "das",
        "que",
        "quem",
        "mas",
        "para",
        "por",
        "com",
        "sem",
        "esse",
        "essa",
        "isso",
        "de",
        "het",
        "een",
        "dit",
        "dat",
        "deze",
        "die",
        "wie",
        "wat",
        "maar",
        "voor",
        "met",
        "zonder",
        "ook",
        "nog",
        "sorry",
        "thanks",
        "danke",
        "merci",
        "gracias",
        "grazie",
        "obrigado",
        "obrigada",
        "bedankt",
        "hello",
        "hallo",
        "ciao",
        "hola",
        "salut",
        "olá",
        "hey",
        "please",
        "bitte",
        "wow",
        "top",
        "super",
        "great",
        "nice",
        "cool",
        "ok",
        "okay",
        "yes",
        "no",
        "deck",
        "slide",
        "slides",
        "page",
        "seite",
        "folie",
        "video",
        "demo",
        "link",
        "pdf",
        "case",
    ]
)
_ACRONYM_INITIALS = frozenset(
    [
        "AE",
        "AM",
        "AI",
        "BR",
        "CC",
        "CH",
        "CS",
        "CX",
        "DE",
        "DM",
        "EN",
        "ES",
        "EU",
        "FR",
        "FY",
        "GA",
        "GB",
        "HR",
        "HQ",
        "ID",
        "IT",
        "JS",
        "KB",
        "KI",
        "MB",
        "MQ",
        "MS",
        "MX",
        "NA",
        "NL",
        "OK",
        "OS",
        "PM",
        "PO",
        "PR",
        "PS",
        "PT",
        "QA",
        "QR",
        "RH",
        "SE",
        "SI",
        "TV",
        "UI",
        "UK",
        "US",
        "UX",
        "VP",
        "XL",
        "ML",
        "CV",
        "UE",
        "DA",
        "EM",
        "PR",
        "BI",
        "CMS",
        "CRM",
        "ERP",
        "SAP",
        "CPQ",
        "API",
        "SSO",
        "SLA",
        "KPI",
        "ARR",
        "MRR",
        "NPS",
        "ROI",
        "TCO",
        "CFO",
        "CEO",
        "CTO",
        "CIO",
        "COO",
        "SDR",
        "BDR",
        "PMM",
        "CTA",
        "PDF",
        "PPT",
        "SMB",
        "SEO",
        "SEM",
        "IVA",
        "BTW",
        "TVA",
        "IVA",
        "RFP",
        "RFI",
        "POC",
        "MVP",
        "QBR",
        "OKR",
        "B2B",
        "B2C",
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "DOC",
        "XLS",
        "CSV",
        "FAQ",
        "SOC",
        "LMS",
        "CRO",
        "CMO",
        "CPO",
        "IOS",
        "USA",
        "TL",
        "DR",
        "ASAP",
        "FYI",
        "BTW",
        "IMO",
        "KPN",
        "EDP",
    ]
)

# --- the review ---------------------------------------------------------------------------


MAX_REFS = 200  # references looked at per kind: bounds the work on hostile input


@dataclass
class _Cues:
    hits: dict[str, list[Hit]]
    refs: dict[str, list[tuple[int, int]]]
    _starts: dict[str, list[int]] = field(default_factory=dict)

    def has(self, category: str) -> bool:
        return bool(self.hits.get(category))

    def _around(self, category: str, lo: int, hi: int) -> list[Hit]:
        """Hits of a category that start within [lo - 400, hi] (hits are in text order)."""
        found = self.hits.get(category, [])
        starts = self._starts.setdefault(category, [h.start for h in found])
        return found[bisect.bisect_left(starts, lo - 400) : bisect.bisect_right(starts, hi)]

    def near_in_sentence(
        self, category: str, spans: Iterable[tuple[int, int]], folded: str, reach: int = 110
    ) -> bool:
        """A cue in the same sentence as a reference, at most `reach` characters away."""
        for start, end in list(spans)[:MAX_REFS]:
            for hit in self._around(category, start - reach, end + reach):
                if hit.start >= start and hit.end <= end:
                    continue
                lo, hi = (end, hit.start) if hit.start >= end else (hit.end, start)
                if hi - lo > reach:
                    continue
                if not _SENTENCE_BREAK.search(folded[min(lo, hi) : max(lo, hi)]):
                    return True
        return False

    def near(self, categories: Sequence[str], spans: Iterable[tuple[int, int]]) -> bool:
        for start, end in list(spans)[:MAX_REFS]:
            for category in categories:
                for hit in self._around(category, start - WINDOW, end + WINDOW):
                    inside = hit.start >= start and hit.end <= end  # the reference itself
                    if hit.end >= start - WINDOW and hit.start <= end + WINDOW and not inside:
                        return True
        return False


def _group(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    grouped: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: (h.start, h.end)):
        grouped.setdefault(hit.category, []).append(hit)
    return grouped


def _extra_hostile(text: str, folded: str) -> list[Hit]:
    """Hostile cues that are not words: ?? and ?!, shouting, an eye-roll smile, scare quotes."""
    extra = [Hit(HOSTILE, "", m.start(), m.end()) for m in _RHETORICAL.finditer(folded)]
    for quoted in _QUOTED.finditer(folded):
        if _BEFORE_QUOTE.search(folded, max(0, quoted.start() - 30), quoted.start()):
            extra.append(Hit(IRONY, "", quoted.start(), quoted.end()))
    for match in _SHOUT.finditer(text):
        if match.group(0) not in _ACRONYMS and not match.group(0).isdigit():
            extra.append(Hit(HOSTILE, "", match.start(), match.end()))
    extra += [Hit(HOSTILE, "", m.start(), m.end()) for m in _SOFT_SMILE.finditer(text)]
    return extra


def _opener_sarcasm(cues: _Cues, folded: str) -> bool:
    """A cheer at the start of a sentence, set off by punctuation, then a problem."""
    for hit in cues.hits.get(OPENER, ()):
        if not _sentence_start(folded[max(0, hit.start - 4) : hit.start]):
            continue
        if not re.match(
            r"(?:\s+(?:hoor|zeg|echt|ja|hein|eh|man|lol))?\s*[,.!:;…]|\s*$",
            folded[hit.end : hit.end + 8],
        ):
            continue
        for category in (PROBLEM, HOSTILE):
            if any(
                h.start > hit.end and h.start - hit.end < 260 for h in cues.hits.get(category, ())
            ):
                return True
    return False


def _party_sarcasm(cues: _Cues, text: str) -> bool:
    """🎉 or 👏 in a sentence that states a problem."""
    for match in _PARTY.finditer(text):
        start = max(text.rfind(ch, 0, match.start()) for ch in ".!?\n") + 1
        if any(h.start >= start and h.end <= match.start() for h in cues.hits.get(PROBLEM, ())):
            return True
    return False


def _is_team(folded: str, hit: Hit) -> bool:
    """A team word that names people, not a thing ("sales deck") or a reach problem."""
    return not _THING_AFTER.match(folded, hit.end) and not _ACCESS_AFTER.match(folded, hit.end)


def _polite(cues: _Cues) -> bool:
    return cues.has(POLITE) or (cues.has(PRAISE) and not cues.has(PROBLEM))


def _decide(text: str, folded: str, cues: _Cues, *, hostile_emoji: bool) -> list[str]:
    reasons: set[str] = set()
    if cues.has(PROFANITY) or "\U0001f595" in text:  # the middle finger is swearing too
        reasons.add("profanity")
    if cues.has(INSULT):
        reasons.add("insult")
    if hostile_emoji:
        reasons.add("hostile_emoji")
    if cues.has(PASSIVE):
        reasons.add("passive_aggression")
    if cues.has(SARCASM) or _opener_sarcasm(cues, folded) or _party_sarcasm(cues, text):
        reasons.add("sarcasm")
    if cues.has(IRONIC) and any(cues.has(c) for c in (PROBLEM, HOSTILE, IRONY, OPENER)):
        reasons.add("sarcasm")
    if cues.has(QUESTION) or cues.has(NEVER_MET):
        reasons.add("blame")
    strong = (HOSTILE, HABIT)
    polite = _polite(cues)
    # A role ("the intern who…", "whoever made this") with a problem is blame however
    # politely it ends; a named colleague may be asked for a fix politely.
    roles = cues.refs.get("role", [])
    if roles and (
        cues.near(strong, roles) or cues.near_in_sentence(PROBLEM, roles, folded, reach=160)
    ):
        reasons.add("blame")
    addressed = cues.refs.get("mention", [])
    if addressed and cues.near((*strong, IRONY), addressed):
        reasons.add("blame")
    people = cues.refs.get("person", [])
    if people:
        hostile = cues.near((*strong, IRONY), people)
        # "with Tom", "Maria's account": a colleague in the story, not the one blamed.
        actors = [s for s in people if not _BESIDE.search(folded[max(0, s[0] - 12) : s[0]])]
        actors = [s for s in actors if not _WHOSE_CUSTOMER.match(folded, s[1])]
        if hostile or (cues.near_in_sentence(PROBLEM, actors, folded) and not polite):
            reasons.add("blame")
    teams = cues.refs.get("team", [])
    if teams:
        hostile = cues.near(strong, teams)
        general = [s for s in teams if not _SUBGROUP.search(folded[max(0, s[0] - 20) : s[0]])]
        if hostile or (cues.near_in_sentence(PROBLEM, general, folded) and not polite):
            reasons.add("generalisation")
    return [reason for reason in REASONS if reason in reasons]


_FIRST_CLAUSE = re.compile(r"\W*([^,;:.!?\n]*)[,;:.!?\n]")


def _cheer_first(folded: str, cues: _Cues) -> bool:
    """A short cheer that opens the comment ("Super, 60 slides for 30 minutes").

    Praise that opens with an exclamation reads as sarcasm as often as not when what
    follows reports a problem only by implication; such a comment is never quoted.
    """
    match = _FIRST_CLAUSE.match(folded)
    if match is None or len(match.group(1).split()) > 3:
        return False
    end = match.end(1)
    return any(
        hit.start < end
        for category in (OPENER, IRONIC, PRAISE)
        for hit in cues.hits.get(category, [])
    )


def _proper_noun_inside(cased: str, folded: str, language: str | None) -> bool:
    """A capitalised word inside a sentence: maybe a colleague's name (quote gate only).

    The rules take "Blanca", "Rose" or "Bianchi" inside a sentence for a customer or a
    brand when no dictionary knows the name; for a quote that is not evidence enough.
    German capitalises every noun, so there only the rules' own names count.
    """
    if language == "de":
        return False
    for match in _CAPITALISED.finditer(cased):
        start = match.start(1)
        if match.group(1).casefold() in _FUNCTION_WORDS:
            continue
        if not _sentence_start(folded[max(0, start - 24) : start]):
            return True
    return False


def _plainly_worded(prepared: str, cased: str) -> bool:
    """No tone marks, shouting, emoji or symbols but a plain statement (quote gate only)."""
    if _TONE_MARKS.search(prepared) or _SOFT_SMILE.search(prepared):
        return False
    if any(m.group(0) not in _ACRONYMS for m in _SHOUT.finditer(cased)):
        return False
    # Emoji and symbols say how someone feels, not what the asset says.
    return not any(unicodedata.category(ch) in ("So", "Sk") for ch in prepared)


def _usefulness(folded: str, cues: _Cues) -> int:
    score = 0
    if re.search(r"\d", folded):
        score += 2  # specific: a slide, a page, a number
    if cues.has(ACTION):
        score += 2  # actionable
    if cues.has(OUTCOME):
        score += 2  # about what customers did
    if cues.has(PRAISE) or cues.has(PROBLEM):
        score += 1
    words = len(folded.split())
    return score + min(words // 12, 2)


@dataclass(frozen=True)
class _Analysis:
    """What the rules found in one comment, before the model has its say."""

    reasons: list[str]
    references: tuple[str, ...]
    language: str | None
    candidate: bool  # nothing stands in the way of quoting it but the model
    asset: bool  # it names the asset's content (slides, prices, the demo, ...)
    mentions: bool
    usefulness: int
    grouped: dict[str, list[Hit]]
    features: set[str]


def _analyse(text: str, people: Iterable[str]) -> _Analysis:
    if not isinstance(text, str):
        text = ""
    prepared = prepare(text[:MENTION_LIMIT])
    mention_spans = _mentions(prepared)
    scan = _visible(prepared[:SCAN_LIMIT])
    if _LINK_HINT.search(scan):
        scan = _URL.sub(lambda m: " " * len(m.group(0)), scan)
    lang_found = detect_language(scan)
    cased, folded = fold_pair(scan)
    hits = list(matcher().find(folded, lang=lang_found))
    hits += _extra_hostile(cased, folded)
    hits += [Hit(PROFANITY, "en", s, e) for s, e in disguised_swearing(folded)]
    hits = [h for h in hits if h.category != TEAM or _is_team(folded, h)]
    grouped = _group(hits)
    # Someone @-mentioned is addressed, often politely: only a hostile cue makes it blame.
    # A broadcast (@here, <!channel>) is nobody in particular: never blame by itself.
    addressed = [
        s for s in mention_spans if s[0] < SCAN_LIMIT and not _BROADCAST.match(prepared, s[0])
    ]
    person_spans = _names(cased, folded)
    person_spans += [(h.start, h.end) for h in grouped.get(PRONOUN, [])]
    known = tuple(p for p in people if isinstance(p, str))
    if known and people_found(scan, people=known):
        person_spans.append((0, len(folded)))
    refs = {
        "person": person_spans,
        "mention": addressed,
        "role": [(h.start, h.end) for h in grouped.get(ROLE, [])],
        "team": [(h.start, h.end) for h in grouped.get(TEAM, [])],
    }
    cues = _Cues(grouped, refs)
    scanned = prepared[:SCAN_LIMIT]
    hostile_emoji = bool(_HOSTILE_EMOJI.search(scanned) or _HOSTILE_SHORTCODE.search(scanned))
    reasons = _decide(cased, folded, cues, hostile_emoji=hostile_emoji)
    references = tuple(r for r in REFERENCES if refs[r] or (r == "person" and mention_spans))
    language = lang_found if lang_found is None or is_supported(lang_found) else "xx"
    candidate = (
        not reasons
        and not references
        and is_supported(language)
        and _ENOUGH_LETTERS.match(folded, 0, 400) is not None
        and not any(cues.has(category) for category in _NOT_IN_QUOTES)
        and not ((cues.has(OPENER) or cues.has(IRONIC)) and cues.has(PROBLEM))
        and not _cheer_first(folded, cues)
        and len(prepared) <= MAX_QUOTE_CHARS
        and _plainly_worded(prepared, cased)
        and not _proper_noun_inside(cased, folded, language)
    )
    found = blame_model.features(
        folded,
        cased,
        cues=[category for category, spans in grouped.items() if spans],
        references=[kind for kind, spans in refs.items() if spans],
        language=language,
    )
    if hostile_emoji:
        found.add("q:hostile_emoji")
    if candidate:  # only a comment that may be quoted needs its content cues
        for hit in matcher("quote").find(folded, lang=lang_found):
            grouped.setdefault(hit.category, []).append(hit)
    return _Analysis(
        reasons=reasons,
        references=references,
        language=language,
        candidate=candidate,
        asset=candidate and bool(grouped.get(ASSET)),
        mentions=bool(mention_spans),
        usefulness=_usefulness(folded, cues),
        grouped=grouped,
        features=found,
    )


def review_by_rules(text: str, *, people: Iterable[str] = ()) -> Review:
    """The rules' verdict alone (what the model is trained beside; tests and tools)."""
    analysis = _analyse(text, people)
    return _verdict(analysis, probability=0.0, flag=math.inf, quote=math.inf, veto=0.0)


def model_features(text: str, *, people: Iterable[str] = ()) -> set[str]:
    """The features the blame model reads for `text` (for training it)."""
    return _analyse(text, people).features


def _verdict(
    analysis: _Analysis, *, probability: float, flag: float, quote: float, veto: float
) -> Review:
    # Decided on the score the review reports, so the score always explains the decision.
    probability = round(probability, 3)
    reasons = list(analysis.reasons)
    if reasons and probability < veto:
        # The model read the rule's cue and the rest, and reads the comment as about the
        # material: no nudge. Never a quote either: `candidate` needed no rule to fire.
        reasons = []
    elif not reasons and probability >= flag:
        reasons = ["tone"]
    quotable = analysis.candidate and not reasons and analysis.asset and probability < quote
    cues = {category: len(found) for category, found in analysis.grouped.items()}
    return Review(
        flagged=bool(reasons),
        reasons=tuple(reason for reason in REASONS if reason in reasons),
        quotable=quotable,
        language=analysis.language,
        references=analysis.references,
        mentions=analysis.mentions,
        usefulness=analysis.usefulness,
        cues=cues,
        blame_score=probability,
    )


def _judgeable(analysis: _Analysis) -> bool:
    """Whether the model has anything to read: a word or a symbol such as an emoji.

    An empty comment or a lone "." carries only the model's no-words feature, which the
    hostile-emoji comments it learned from made heavy: such a comment is judged by the
    rules alone.
    """
    return any(feature.startswith(("w:", "e:")) for feature in analysis.features)


def review_comment(text: str, *, people: Iterable[str] = ()) -> Review:
    """Judge a feedback comment: nudge its author or not, and whether it may be quoted.

    The rules propose and the blame model (domain.blame_model), which reads the rules'
    cues among its features, settles the nudge: it nudges a comment no rule caught when
    it reads as aimed at people, and lets a rule's nudge go when it reads the comment as
    plainly about the material. Quotes stay stricter than nudges: only a comment no rule
    fired on, that the model has no doubt about, may be quoted.
    """
    analysis = _analyse(text, people)
    shipped = blame_model.model()
    probability = shipped.probability(analysis.features) if _judgeable(analysis) else 0.0
    return _verdict(
        analysis,
        probability=probability,
        flag=shipped.flag,
        quote=shipped.quote,
        veto=shipped.veto,
    )


def cue_spans(text: str, *, language: str | None) -> tuple[str, list[int], list[Hit]]:
    """Folded text, its origin map and every cue in it (for rewording one sentence)."""
    folded, origin = fold_map(text)
    found = [*matcher().find(folded, lang=language), *matcher("quote").find(folded, lang=language)]
    return folded, origin, found
