"""Quoted text that names nobody (SPEC: the weekly digest, blame-free rule 1).

"No person is named, mentioned or identifiable in the digest: no `<@U…>`, no user ids,
no names, no user-group handles, no emails or phone numbers in quoted text." `redact`
replaces, in this order:

1. Slack mentions: `<@U…|…>` -> "someone", `<!subteam^…>` -> "a team",
   `<!channel>`/`<!here>`/`<!everyone>` -> "everyone", `<#C…|…>` -> "a channel"
   (escaped `&lt;@U…&gt;` too).
2. The workspace's people strings (ids, user names, display and real names, emails) as
   whole words, case-insensitively -> "someone" ("[email]" for emails). Letters and
   digits make up words ("_" does not: "jane_doe" hides "jane"). A name in parts
   ("Jane van Doe", "jane.doe", "Zarkowski-Lee") also hides each part of 3+ letters.
   Names that are common words ("Will", "Mark", "Page", "Price": see COMMON_WORDS) would
   wreck ordinary text ("we will update the price page"), so: a part that is a common
   word is not hidden on its own, and a whole name made only of common words is hidden
   only where it is written capitalised or in capitals ("Will said" but not "we will").
   Words of one or two letters count as common words; strings of one character are
   ignored.
3. The rest of Slack's markup: links and dates become their label; any other `<@…>`,
   `<!…>` or `<#…>` token is dropped.
4. Any email -> "[email]"; phone numbers -> "[phone]": international (`+44 20 7946 0958`),
   US (`(555) 123-4567`, `555-123-4567`, `555-1234`), national with a trunk 0
   (`030 1234 5678`) and runs of 10-15 digits. Prices, percentages, years, dates and
   other short numbers stay.
5. Bare ids: U/W (people), S (user groups), T (workspaces) followed by 7+ capitals and
   digits with at least one digit (so shouted words such as "SUPERUSEFUL" stay).
6. Typed handles `@word` -> "someone" (`@here`, `@channel`, `@everyone` -> "everyone").

Finally any `<` that would still open a mention (`<@`, `<!`, `<#`) is dropped, so no
output can ping anyone even after the renderer's escaping is forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from domain.text import one_line, shorten, strip_controls, unescape_slack

SOMEONE = "someone"
A_TEAM = "a team"
EVERYONE = "everyone"
EMAIL = "[email]"
PHONE = "[phone]"
A_CHANNEL = "a channel"
A_WORKSPACE = "a workspace"
PLACEHOLDERS = frozenset({SOMEONE, A_TEAM, EVERYONE, EMAIL, PHONE, A_CHANNEL, A_WORKSPACE})

# Everyday English words, feedback vocabulary and names that are also words. A person
# whose name is one of these is still hidden where the name is capitalised; a part of a
# longer name that is one of these is not hidden on its own (see the module docstring).
_COMMON = """
    a about above after again against all almost also always am among an and another any
    are around as at away back be because been before being below best better between big
    both but by call came can case change clear close come could day deal did do does done
    down each early easy end even ever every few find first for from full get give go good
    got great had has have he her here high him his how i if in into is it its just keep
    kind know last late least less let like line link little long look lot made make many
    may me might more most much must my need never new next no not now of off old on once
    one only open or other our out over own page part past per place plan point price put
    quite rather read real right said same saw say see seem set she short should show side
    since small so some soon still such sure take tell than that the their them then there
    these they thing think this those though through time to too top try turn under until
    up upon us use used very want was way we well went were what when where which while who
    whole why will with within without work would year yes yet you young your
    able add ask bad bar base bill black blue bright brown build buy carry cause check clean
    cold cook cover cross cut dark dear deep draw drew drive drop dry due fair fall far fast
    fill fine fire fit fly free fresh friend front gold golden gray green grey ground grow
    half hall hand hard head hear heart heat help hill hold home hope hot house hunt hunter
    joy just key king lake land law lead lee light live love low main march mark marsh mason
    master may miles mill moore more moss must near nice night north note park pat penny
    plain play poor port porter power press pretty prince queen rain ray reed rich ring rise
    river road rock rose round rule run sand sandy sharp shine ship shore sky smith snow
    south spring stand star start stay steel stone storm strong summer sun sweet tall tower
    town true wall ward warm water wave west white wild wind winter wise wood worth wright
    amber angel april art august autumn baker banks bell bishop bob brook bush carol carter
    chase cliff crystal dale dawn dean don duke earl eve faith field fisher ford forest fox
    frank gene ginger glen grace guy heath holly honey iris ivy jack jade jay june ken lamb
    lane lily max miller page rob ruby sage sue taylor turner victor violet wade walker wolf
    young van von der den de del della di da du la le st mc mac bin ben al el
    deck slide slides pricing prices cost costs quote demo deal deals lead leads sales
    sale market marketing team teams rep reps customer customers client clients asset
    assets content copy brand email phone mobile web site link links doc docs data chart
    report study case story stories example examples format design template version draft
    campaign launch useful needs feedback comment comments question questions week today
    everyone someone nobody anyone somebody anybody person people
"""
COMMON_WORDS = frozenset(_COMMON.split())

# --- Slack markup -----------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]{1,40}(?:\|[^<>]{0,300})?>", re.IGNORECASE)
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]{1,40}(?:\|[^<>]{0,300})?>", re.IGNORECASE)
_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone)(?:\|[^<>]{0,300})?>", re.IGNORECASE)
_CHANNEL = re.compile(r"<#[A-Z0-9]{1,40}(?:\|[^<>]{0,300})?>", re.IGNORECASE)
# <url>, <url|label>, <mailto:…|…>, <tel:…|…>, <!date^…|fallback>
_LINK = re.compile(
    r"<((?:https?|mailto|tel|ftp|slack|file):[^<>|\s]{0,1000}|![^<>|]{0,300})"
    r"(?:\|([^<>]{0,300}))?>",
    re.IGNORECASE,
)
_OTHER_TOKEN = re.compile(r"<[@!#][^<>]{0,300}>")
_OPENER = re.compile(r"<(?=\s*[@!#])")

# --- shapes -----------------------------------------------------------------------------

# Local parts as RFC 5322 allows them (hypothesis' emails() uses all of these).
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~\-]{1,200}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}))+"
    r"(?![\w\-])"
)
_BEFORE = r"(?<![\w.,/$€£%+\-])"
_AFTER = r"(?![\w%]|[.,\-]\d)"
# (pattern, fewest digits): a match with fewer digits is a number, not a phone.
_PHONES = (
    # +44 20 7946 0958, +1 (555) 123-4567, +49-30-1234-5678, +33 6 12 34 56 78
    (re.compile(r"(?<![\w+])\+[ \t]?\d{1,3}(?:[ \t.\-]?\(?\d{1,5}\)?){1,6}" + _AFTER), 7),
    # (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-1234, 1 (800) 555 1234
    (
        re.compile(
            _BEFORE + r"(?:1[ \t.\-]?)?(?:\(\d{3}\)[ \t]?|\d{3}[ \t.\-])\d{3}[ \t.\-]\d{4}" + _AFTER
        ),
        10,
    ),
    # 030 1234 5678, 06 12 34 56 78, 020-7946-0958: a national trunk 0 and one kind of
    # separator, nine digits or more (so dates such as 05.11.2026 stay)
    (re.compile(_BEFORE + r"0\d{1,4}([ \t.\-/])\d{2,8}(?:\1\d{2,8}){0,3}" + _AFTER), 9),
    # 555-1234 (US, seven digits)
    (re.compile(_BEFORE + r"\d{3}[.\-]\d{4}" + _AFTER), 7),
    # 5551234567, 00441234567890
    (re.compile(_BEFORE + r"\d{10,15}" + _AFTER), 10),
)
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_BARE_ID = re.compile(r"(?<![A-Za-z0-9])([UWST])(?=[A-Z0-9]*\d)[A-Z0-9]{7,40}(?![A-Za-z0-9])")
_ID_WORDS = {"U": SOMEONE, "W": SOMEONE, "S": A_TEAM, "T": A_WORKSPACE}
_HANDLE = re.compile(r"(?<![\w.+\-/@])@([^\W\d_][\w.\-]{0,80})")
_WORD = re.compile(r"[^\W_]+")
_PARTS = re.compile(r"[\s._]+")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _phones(text: str) -> str:
    for pattern, fewest in _PHONES:

        def phone(match: re.Match[str], fewest: int = fewest) -> str:
            found = match.group(0)
            if _DOTTED_QUAD.fullmatch(found) or not fewest <= _digits(found) <= 15:
                return found
            return PHONE

        text = pattern.sub(phone, text)
    return text


# --- people -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    pattern: str  # regex source, lookarounds included
    length: int  # of the text it stands for: longer terms are tried first
    replacement: str
    key: str  # casefolded first word: the term is only tried on texts containing it


def _is_common(words: list[str]) -> bool:
    return all(len(w) <= 2 or w.casefold() in COMMON_WORDS for w in words)


def _bounded(source: str, text: str) -> str:
    # Letters and digits bound a word; "_" does not, so "jane_doe" hides "jane" too.
    before = r"(?<![^\W_])" if re.match(r"\w", text) else ""
    after = r"(?![^\W_])" if re.search(r"\w$", text) else ""
    return before + source + after


def _literal(text: str) -> str:
    """A people string as a regex: its words in order, any run of spaces between them."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _terms_for(raw: str) -> list[_Term]:
    text = one_line(raw).lstrip("@").strip()
    if len(text) < 2:
        return []
    first_word = _WORD.search(text)
    key = first_word.group(0).casefold() if first_word else ""
    if "@" in text and " " not in text:  # an email
        return [_Term(_bounded(re.escape(text), text), len(text), EMAIL, key)]
    words = _WORD.findall(text)
    terms: list[_Term] = []
    if _is_common(words):
        # Only where it reads as a name: as given, Capitalised or in CAPITALS.
        variants = sorted({text, text.title(), text.upper()}, key=lambda v: (-len(v), v))
        source = "(?-i:" + "|".join(_literal(v) for v in variants) + ")"
        terms.append(_Term(_bounded(source, text), len(text), SOMEONE, key))
    else:
        terms.append(_Term(_bounded(_literal(text), text), len(text), SOMEONE, key))
    parts = [p.strip("'\u2019") for p in _PARTS.split(text)]
    if len(parts) > 1 or "-" in text:
        # "Zarkowski-Lee" whole, then "Zarkowski" and "Lee" (each if not a common word)
        pieces = [piece for part in parts for piece in (part, *part.split("-")) if piece]
        for part in dict.fromkeys(pieces):
            letters = sum(ch.isalpha() for ch in part)
            if letters >= 3 and part.casefold() not in COMMON_WORDS:
                word = _WORD.search(part)
                part_key = word.group(0).casefold() if word else ""
                terms.append(_Term(_bounded(re.escape(part), part), len(part), SOMEONE, part_key))
    return terms


@dataclass(frozen=True)
class _People:
    by_key: dict[str, tuple[_Term, ...]]
    always: tuple[_Term, ...]  # terms without a word character, tried on every text


@lru_cache(maxsize=16)
def _people(people: tuple[str, ...]) -> _People:
    by_key: dict[str, list[_Term]] = {}
    always: list[_Term] = []
    seen: set[str] = set()
    for raw in people:
        if not isinstance(raw, str):
            continue
        for term in _terms_for(raw):
            if term.pattern in seen:
                continue
            seen.add(term.pattern)
            if term.key:
                by_key.setdefault(term.key, []).append(term)
            else:
                always.append(term)
    return _People({k: tuple(v) for k, v in by_key.items()}, tuple(always))


@lru_cache(maxsize=1024)
def _compiled(terms: tuple[_Term, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    # Longest first, so "Jane Doe" wins over "Jane" at the same place.
    ordered = sorted(terms, key=lambda t: (-t.length, t.pattern))
    groups = [f"(?P<t{i}>{t.pattern})" for i, t in enumerate(ordered)]
    pattern = re.compile("|".join(groups), re.IGNORECASE)
    return pattern, {f"t{i}": t.replacement for i, t in enumerate(ordered)}


def _redact_people(text: str, people: _People) -> str:
    keys = {w.casefold() for w in _WORD.findall(text)}
    found = [term for key in sorted(keys & people.by_key.keys()) for term in people.by_key[key]]
    terms = tuple(found) + people.always
    if not terms:
        return text
    pattern, replacements = _compiled(terms)

    def replace(match: re.Match[str]) -> str:
        return replacements[match.lastgroup or ""] if match.lastgroup else SOMEONE

    return pattern.sub(replace, text)


# --- the whole pass ---------------------------------------------------------------------


def _link(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("!"):  # <!date^…|fallback>
        return label or ""
    return label if label else target


def _handle(match: re.Match[str]) -> str:
    word = match.group(1).casefold()
    return EVERYONE if word in {"here", "channel", "everyone"} else SOMEONE


def redact(text: str, *, people: Iterable[str]) -> str:
    """Text with every mention, id, name, email and phone number replaced by neutral words."""
    out = unescape_slack(strip_controls(text))
    out = _USER_MENTION.sub(SOMEONE, out)
    out = _GROUP_MENTION.sub(A_TEAM, out)
    out = _SPECIAL_MENTION.sub(EVERYONE, out)
    out = _CHANNEL.sub(A_CHANNEL, out)
    key = people if isinstance(people, tuple) else tuple(people)
    out = _redact_people(out, _people(key))
    out = _LINK.sub(_link, out)
    out = _OPENER.sub("", _OTHER_TOKEN.sub("", out))
    if "@" in out:
        out = _EMAIL.sub(EMAIL, out)
    out = _phones(out)
    out = _BARE_ID.sub(lambda m: _ID_WORDS[m.group(1)], out)
    return _OPENER.sub("", _HANDLE.sub(_handle, out))


_MEANINGFUL = re.compile(r"[^\W\d_]")


def meaningful(text: str) -> bool:
    """Whether text says anything once placeholders, digits and punctuation are set aside."""
    rest = text
    for placeholder in sorted(PLACEHOLDERS, key=len, reverse=True):
        rest = rest.replace(placeholder, " ")
    return len(_MEANINGFUL.findall(rest)) >= 3


def safe_quote(text: str, *, people: Iterable[str], limit: int = 200) -> str | None:
    """Redacted text on one line and at most `limit` characters; None if nothing is left."""
    quoted = one_line(redact(text, people=people))
    if not meaningful(quoted):
        return None
    return shorten(quoted, max(limit, 2))


def people_found(text: str, *, people: Iterable[str]) -> bool:
    """Whether any of the workspace's people (ids, names, emails) occurs in the text."""
    key = people if isinstance(people, tuple) else tuple(people)
    return _redact_people(text, _people(key)) != text
