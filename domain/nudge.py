"""The private nudge toward constructive wording (SPEC: blame-free rule 3, and rule 1 for mentions).

Accusatory comments ("marketing never…", "sales always…", "whose fault", insults,
profanity) and comments that mention people are flagged: the digest never quotes them,
and their author privately gets a friendly suggestion of a constructive rewording. The
feedback itself is still recorded by the caller; this module only decides.

Criticism of an asset is the point of feedback and is never flagged ("the ROI calculator
never loads on mobile"); the same words aimed at a team or a person are. Profanity is
flagged wherever it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Why a comment is flagged, in the order Review.reasons lists them.
REASONS = ("generalisation", "blame", "insult", "profanity", "mention")

# Language is judged on the first 5,000 characters: feedback comments are at most 3,000,
# and a bound keeps hostile input cheap. Mentions are looked for further (as far as
# Slack's own message limit) because quoting one would ping people.
_SCAN_LIMIT = 5_000
_MENTION_LIMIT = 40_000

# --- normalisation --------------------------------------------------------------------

# Removed outright, so "f\u200buck" or "sh\x00it" read as the word they hide.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    r"\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
# Separators that are not plain spaces become spaces, so words stay apart.
_ODD_SPACE = re.compile(r"[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)
# Cyrillic and Greek letters that look Latin (a Cyrillic "es" in "fu\u0441k"), mapped to the
# Latin letter they imitate.
_LOOKALIKES = str.maketrans(
    {
        "\u0430": "a",
        "\u0432": "b",
        "\u0435": "e",
        "\u043a": "k",
        "\u043c": "m",
        "\u043d": "h",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0442": "t",
        "\u0443": "y",
        "\u0445": "x",
        "\u0456": "i",
        "\u0455": "s",
        "\u03b1": "a",
        "\u03b5": "e",
        "\u03b9": "i",
        "\u03ba": "k",
        "\u03bf": "o",
        "\u03c1": "p",
        "\u03c4": "t",
        "\u03c5": "u",
    }
)
_RUNS = re.compile(r"(.)\1{2,}")  # "fuuuuck" -> "fuuck", "!!!!" -> "!!"
_SPACES = re.compile(r"[ \t]+")
_NEWLINES = re.compile(r" ?\n\s*")
# Slack's own markup: mentions, channels, dates (<@U1|name>, <!here>) and links (<url|label>).
_SLACK_TOKEN = re.compile(
    r"<([@!#][^<>\n]{0,300}"
    r"|(?:https?|mailto|tel|ftp|slack|file):[^<>\s|]{0,300}(?:\|[^<>\n]{0,300})?)>",
    re.IGNORECASE,
)


def _prepare(text: str) -> str:
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", _ODD_SPACE.sub(" ", text))


def _slack_token(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner[:1] in {"@", "!", "#"}:
        return " "
    _, bar, label = inner.partition("|")
    return f" {label} " if bar else " "


def _fold(text: str) -> str:
    text = _SLACK_TOKEN.sub(_slack_token, text).translate(_QUOTES)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = text.casefold().translate(_LOOKALIKES)
    text = _RUNS.sub(r"\1\1", text)
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()


# --- mentions ---------------------------------------------------------------------------

_SLACK_MENTION = re.compile(
    r"<(?:@[UW][A-Z0-9]{1,30}|!subteam\^[A-Z0-9]{1,30}|!(?:channel|here|everyone))"
    r"(?:\|[^<>]{0,120})?>",
    re.IGNORECASE,
)
# "@name" typed as text; not an email (a@b.com), a URL path (/@author) or "2 @ $50".
_PLAIN_MENTION = re.compile(r"(?<![\w.+\-/@])@([^\W\d_][\w.\-]{0,80})")


def _mentions(prepared: str) -> bool:
    if _SLACK_MENTION.search(prepared):
        return True
    # "@ss" is a masked swear word, not a person.
    return any(
        not _PROFANITY.search(match.group(0).casefold().replace("@", "a"))
        for match in _PLAIN_MENTION.finditer(prepared)
    )


# --- profanity --------------------------------------------------------------------------

_LEET = {
    "a": "a@4",
    "b": "b8",
    "c": "c(",
    "e": "e3",
    "g": "g9",
    "i": "i1!|",
    "l": "l1|",
    "o": "o0",
    "s": "s$5",
    "t": "t7+",
    "u": "uv",
}
_WILDCARDS = "*"  # not "#": placeholders such as "S####" are common in templates


def _letter(ch: str, *, first: bool, long: bool) -> str:
    variants = _LEET.get(ch, ch)
    if not long:  # digits and wildcards in a three-letter word hit model numbers and *bold*
        return "[" + re.escape("".join(v for v in variants if not v.isdigit())) + "]{1,2}"
    return "[" + re.escape(variants + ("" if first else _WILDCARDS)) + "]{1,2}"


def _swear(stem: str, *, prefixes: str = "", suffixes: str = "", left: bool = True) -> str:
    """One profane word with its leetspeak, masked (sh*t) and spaced-out (f u c k) spellings."""
    long = len(stem) >= 4
    spellings = ["".join(_letter(ch, first=i == 0, long=long) for i, ch in enumerate(stem))]
    if long:
        letters = ("[" + re.escape(_LEET.get(ch, ch)) + "]" for ch in stem)
        spellings.append(r"[\s.\-]".join(letters))
    boundary = "(?<![a-z0-9])" if left else ""
    prefix = f"(?:{prefixes})?" if prefixes else ""
    suffix = f"(?:{suffixes})?" if suffixes else ""
    return f"{boundary}{prefix}(?:{'|'.join(spellings)}){suffix}(?![a-z])"


_PROFANITY = re.compile(
    "|".join(
        [
            # No left boundary: motherfucker, clusterfuck; nothing innocent contains it.
            _swear(
                "fuck",
                left=False,
                suffixes="ing|in'?|ed|er|ers|s|wit|wits|face|head|heads|tard|ery|up|ups|off",
            ),
            r"(?<![a-z0-9])(?:fck|fkn|fkin|fking|fcking|fckin|fckn|fuk|fuks|fukin|fuking|fuked"
            r"|fuq|phuck|phuk|effing|eff\s+off|f\*{2,3}(?:ing|in|ed)?)(?![a-z])",
            _swear(
                "shit",
                prefixes="b[uv*#]ll|horse|dip|ape|bat|dog|chicken",
                suffixes="s|ty|tier|tiest|ting|ted|head|heads|show|shows|storm|load|hole|post"
                "|bag|face|fest|ter|tastic",
            ),
            _swear(
                "ass",
                prefixes="dumb|jack|smart|bad|kick|lazy|hard|wise|dip|fat",
                suffixes="hole|holes|holery|hat|hats|wipe|wipes|clown|kisser|kissing|ed|es",
            ),
            _swear("arse", suffixes="hole|holes|d"),
            _swear("bitch", suffixes="es|y|ing|ed"),
            _swear("bastard", suffixes="s"),
            _swear("damn", prefixes="god", suffixes="it|ed|n"),
            _swear("dammit"),
            _swear("crap", suffixes="py|pier|piest|s|ola|tastic|fest"),
            _swear("piss", suffixes=r"ed|es|ing|y|[\s-]?poor|take|head"),
            _swear("cunt", suffixes="s"),
            _swear("twat", suffixes="s"),
            _swear("wank", suffixes="er|ers|ing|s"),
            _swear("bollocks"),
            _swear("prick", suffixes="s"),
            _swear("dickhead", suffixes="s"),
            _swear("douche", suffixes="bag|bags|s"),
            _swear("cocksucker", suffixes="s"),
            _swear("slut", suffixes="s|ty"),
            _swear("whore", suffixes="s"),
            _swear("tosser", suffixes="s"),
            r"(?<![a-z0-9])(?:wtf|stfu|gtfo|ffs|omfg)(?![a-z0-9])",
            r"(?<![a-z])(?:is|total|complete|pure|absolute|utter|such|this|that'?s|more)"
            r"\s+(?:bs|b\.s\.?)(?![a-z0-9])(?!\s*(?:en|iso|\d))",  # not British Standard BS EN 1
            r"🖕|:middle_finger:|:fu:",
        ]
    )
)

# --- who a comment is about -------------------------------------------------------------

_MARKETING = (
    r"(?:product\s+|field\s+|content\s+|brand\s+)?(?:marketing|marketting|markting|mrkting|mktg"
    r"|mkt|marketers?|marketeers?|pmms?|demand\s+gen)"
)
_SALES = (
    r"(?:sales(?:\s?people|\s?person|men|man)?|sellers|reps|aes|sdrs|bdrs"
    r"|account\s+(?:execs?|executives|managers)|field\s+(?:reps|sellers|sales))"
)
_TEAM_WORD = f"(?:{_MARKETING}|{_SALES})"
_TEAM_SUFFIX = (
    r"(?:\s+(?:team|teams|org|dept|department|folks|people|guys|side|peeps|crew|squad|lot"
    r"|reps|leadership|leaders|managers|floor))?"
)
_GROUP = (
    r"(?:you\s+guys|you\s+people|you\s+lot|you\s+folks|y'?all"
    r"|your\s+(?:team|department|dept|org|people|side|guys|lot))"
)
_IN_TEAM = (
    r"(?:(?:the\s+)?(?:people|guys|folks|everyone|everybody)\s+(?:in|from|on|over\s+in)"
    rf"\s+(?:the\s+)?{_TEAM_WORD})"
)
_DEMONSTRATIVE = (
    rf"(?:(?:those|these)\s+(?:{_TEAM_WORD}{_TEAM_SUFFIX}|(?:people|guys|folks|types)\s+"
    rf"(?:in|from|on|over\s+in)\s+(?:the\s+)?{_TEAM_WORD}))"
)
_SUBJECT = (
    rf"(?:(?:the\s+|our\s+|your\s+)?{_TEAM_WORD}{_TEAM_SUFFIX}|{_GROUP}|{_IN_TEAM}"
    rf"|{_DEMONSTRATIVE})"
)

_ADVERB = (
    r"(?:literally|just|still|basically|seriously|honestly|really|clearly|obviously|apparently"
    r"|simply|all|also|even|totally|completely|somehow|once\s+again|yet\s+again|as\s+usual"
    r"|again|generally|usually|mostly|actually|consistently|conveniently)"
)
# What a team "can't" do that is about reaching an asset, not about the team.
_ACCESS = (
    r"(?:find|access|open|download|see|locate|load|view|edit|share|get\s+(?:to|into|the|it|this)"
    r"|log\s*in|sign\s+in|print|play|preview|attach|send|use|search|reach|tell\s+which)"
)
_ATTITUDE = (
    r"(?:care|listen|bother|understand|get\s+it|get\s+that|know\s+(?:what|how|anything|the\s+first)"
    r"|have\s+(?:a|any)\s+(?:clue|idea)|give\s+a|read|respond|reply|answer|follow\s+(?:up|through)"
    r"|learn|appreciate|value|use|even|actually|ever|talk\s+(?:to|with)|speak\s+to|ask|want\s+to"
    r"|realise|realize|pay\s+attention|show\s+up|help|deliver|do\s+(?:anything|their|any))"
)
_HABIT = (
    r"(?:never|always|constantly|continually|forever|keeps?(?!\s+(?:asking|requesting|using|sharing"
    r"|coming|getting\s+(?:asked|questions|requests|told)))|keep\s+on|can'?t(?!\s+" + _ACCESS + r")"
    r"|cannot(?!\s+" + _ACCESS + r")|can\s+not(?!\s+" + _ACCESS + r")"
    r"|(?:won'?t|wont|will\s+not)(?!\s+(?:know|be\s+able|have|find|see|get|notice))"
    r"|refuses?|refused|ignores?|ignored"
    r"|(?:don'?t|doesn'?t|dont|doesnt|do\s+not|does\s+not|didn'?t\s+even|never)\s+"
    + _ATTITUDE
    + r"|only\s+cares?|only\s+wants?|just\s+wants?|(?:has|have)\s+(?:no|zero)\s+(?:idea|clue)"
    r"|insists?\s+on|strikes?\s+again|at\s+it\s+again"
    r"|lives?\s+in\s+(?:a|an|their)\s+(?:bubble|ivory)"
    r"|couldn'?t\s+care|could\s+not\s+care|ruins?|ruined|screw(?:s|ed)?\s+(?:up|us)"
    r"|mess(?:es|ed)?\s+(?:up|it\s+up)|fail(?:s|ed)?\s+us|as\s+usual|per\s+usual|as\s+always)"
)
# "Sales always spike in Q4" is revenue, not the sales team.
_REVENUE = re.compile(
    r"\s+(?:spike|spikes|dip|dips|drop|drops|rise|rises|fall|falls|grow|grows|recover|recovers"
    r"|recovered|pick|picks|slow|slows|peak|peaks|increase|increases|decrease|decreases|climb"
    r"|climbs|jump|jumps|tank|tanks|go|goes|went|come|comes|came|are|were|was|is|look|looks"
    r"|matched|match|reach|reached|hit|hits|stay|stays|stayed)\b"
)
# Everyday nouns after "sales"/"marketing" that make it a thing, not a team.
_BUSINESS_NOUN = (
    r"(?:cycles?|process|processes|pipeline|numbers|figures|data|funnel|quotas?|forecasts?|tax"
    r"|motion|stages?|org\s+chart|velocity|cadence|ops|operations|qualified|automation|calls?"
    r"|kit|deck|decks|enablement|playbook|sheet|collateral|materials?|content|emails?|copy|assets?"
    r"|campaigns?|pitch|narrative|site|page|website|plan|strategy|budget|spend|tools?|training"
    r"|meetings?|targets?|region|territory|reports?|dashboards?|engineers?|leaders?|managers?)"
)

_GRATEFUL = re.compile(
    r"(?<![a-z])(?:thanks|thank|thx|ty|kudos|props|shout\s?-?outs?|great\s+(?:job|work)"
    r"|nice\s+(?:job|work)|well\s+done|love|loved|appreciate|appreciated|awesome|amazing)(?![a-z])"
    r"|🙏|🙌|❤|:pray:|:raised_hands:|:heart:"
)
_NEGATIVE = re.compile(r"(?<![a-z])(?:never|nothing|nobody|no\s+one|not|none)(?![a-z])|n't")

# --- insults ----------------------------------------------------------------------------

_PERSON_ADJ = (
    r"(?:lazy|clueless|stupid|dumb|ignorant|arrogant|careless|delusional|brainless|brain\s?dead"
    r"|out\s+of\s+touch|liars?|lying|dishonest|spineless|gutless|greedy|selfish|entitled|whiny"
    r"|whiners|cowards?|illiterate|slackers?|dead\s?weight|amateurs?|amateurish|incompetent|inept"
    r"|idiots?|morons?|clowns?|fools?|jerks?|losers?|useless\s+(?:people|lot|bunch))"
)
_COMPATIBLE_ADJ = (
    r"(?:useless|worthless|pathetic|hopeless|terrible|awful|garbage|trash|a\s+joke|a\s+disaster"
    r"|a\s+mess|the\s+worst|embarrassing|ridiculous|a\s+nightmare|a\s+waste\s+of\s+(?:space|time"
    r"|money|oxygen)|impossible\s+to\s+work\s+with|a\s+pain|annoying)"
)
_LINK = (
    r"(?:\s*'(?:re|s)|\s+(?:is|are|r|was|were|be|been|being|seem|seems|seemed|look|looks|sound"
    r"|sounds|act|acts|acting|so|such|just|really|totally|completely|utterly|truly|simply|always"
    r"|clearly|obviously|honestly|literally|incredibly|beyond|too|very|absolutely|pretty|quite"
    r"|kinda|sorta|bloody|a|an|bunch|of|the|most|utter|complete|total|lot|all|still|now"
    r"|officially|genuinely|actually|being|basically))"
)
_PEOPLE_TARGET = (
    rf"(?:{_SUBJECT}|you|u|ur|youre|he|she|whoever\s+(?:made|wrote|built|designed|approved|did"
    r"|created|put\s+together|signed\s+off\s+on)\s+(?:this|that|it)(?:\s+[a-z]+)?"
    r"|the\s+(?:person|people|guy|guys|team)\s+(?:who|that)\s+[a-z]+(?:\s+[a-z]+)?"
    r"|(?:this|that|the|their|our)\s+(?:team|guy|person|department|dept|bunch)"
    r"|people|everyone|everybody)"
)
_INSULT_NOUN = (
    r"(?<![a-z])(?:idiots?(?![\s-]*proof)|idiotic|morons?|moronic|imbeciles?|cretins?|dimwits?"
    r"|nitwits?|halfwits?|numpt(?:y|ies)|muppets?|clowns?|clown\s?(?:show|car|college)|bozos?"
    r"|buffoons?|dunces?|retards?|retarded|brain\s?dead|amateur\s+hour|bunch\s+of\s+(?:amateurs"
    r"|losers|jerks|fools|clowns|idiots|morons)|dumbass(?:es)?|jackass(?:es)?|dipshits?"
    r"|incompeten(?:t|ce|cy)|inept(?:itude)?)(?![a-z])"
)
_PEOPLE_NOUN = (
    rf"(?:(?:{_TEAM_WORD})\s+)?(?:people|team|reps|marketers|salespeople|guys|folks|department"
    r"|dept|person|staff|crew|managers|leadership|aes|sdrs|sellers)"
)

# --- blame ------------------------------------------------------------------------------

_LOSS = (
    r"(?:lost|lose|losing|missed|miss|blew|blown|killed|tanked|cost|screwed|bombed|fell\s+through"
    r"|flopped|flop|failed|embarrass[a-z]*|look(?:ed)?\s+(?:stupid|bad|dumb|like\s+idiots)"
    r"|no\s+(?:deal|pipeline|leads)|zero\s+(?:pipeline|leads)|can'?t\s+close)"
)
_CULPRIT = (
    rf"(?:(?:the\s+)?{_TEAM_WORD}(?:'s|')?{_TEAM_SUFFIX}|you|y'?all|you\s+guys|you\s+people"
    r"|your|whoever|someone|somebody)"
)
_BLAMED_BY_BUYER = re.compile(
    r"(?:customers?|prospects?|clients?|buyers?|cfo|cio|cto|ciso|ceo|procurement|they)"
    r"\s+(?:[a-z]+\s+)?$"
)
_NOT_BLAMING = re.compile(
    r"(?:not|no|without|n't|never)\s+(?:trying\s+to\s+|to\s+|want(?:ing)?\s+to\s+|looking\s+to\s+"
    r"|here\s+to\s+)?$"
)


@dataclass(frozen=True)
class Review:
    """The verdict on one comment: whether it is flagged, why, and the nudge for its author."""

    flagged: bool  # accusatory, insulting, profane or mentions people: the digest never quotes it
    reasons: tuple[str, ...]  # codes from REASONS, in that order
    suggestion: str | None  # Slack mrkdwn for the author when flagged


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    reasons: tuple[str, ...]
    keep: Callable[[str, re.Match[str]], bool] | None = None


def _sentence(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind(ch, 0, match.start()) for ch in ".!?\n") + 1
    ends = [i for i in (text.find(ch, match.end()) for ch in ".!?\n") if i >= 0]
    return text[start : min(ends, default=len(text))]


def _not_praise(text: str, match: re.Match[str]) -> bool:
    sentence = _sentence(text, match)
    return not _GRATEFUL.search(sentence) or bool(_NEGATIVE.search(sentence))


def _not_revenue(text: str, match: re.Match[str]) -> bool:
    said = match.group(0)
    if not re.match(r"(?:our\s+|the\s+)?sales\s", said) or not re.search(
        r"(?:never|always)$", said
    ):
        return _not_praise(text, match)
    return not _REVENUE.match(text, match.end())


def _not_request(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 20) : match.start()]
    if re.search(
        r"(?:can|could|would|will|do|did|thank|thanks|love|to|for|of|with|all|see)\s+$", before
    ):
        return False
    return _not_praise(text, match)


def _not_looking(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 30) : match.start()]
    return not re.search(
        r"(?:look|looks|looked|looking|sound|sounds|seem|seems|feel|feels)\s+(?:[a-z]+\s+)?$",
        before,
    )


def _real_blame(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 40) : match.start()]
    if _BLAMED_BY_BUYER.search(before) or _NOT_BLAMING.search(before):
        return False
    return not re.match(r"[\s-]*(?:free|less)", text[match.end() :])


def _not_negated(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 20) : match.start()]
    return not re.search(r"(?:not|n't)\s+(?:really\s+|entirely\s+|all\s+)?$", before)


_RULES = (
    # "marketing never…", "sales always…", "the marketing team can't…", "you guys never…"
    _Rule(
        re.compile(
            rf"(?<![a-z]){_SUBJECT}(?:\s+(?:who|that))?(?:\s*,?\s+{_ADVERB}){{0,3}}"
            rf"\s*,?\s+{_HABIT}(?![a-z])"
        ),
        ("generalisation",),
        _not_revenue,
    ),
    # "as usual marketing…", "typical sales", "marketing, as usual, …"
    _Rule(
        re.compile(
            r"(?<![a-z])(?:as\s+usual|as\s+always|per\s+usual|typical(?:ly)?|classic|of\s+course"
            rf"|once\s+again|yet\s+again)\s*[,:;-]?\s*(?:the\s+)?{_TEAM_WORD}(?![a-z])"
            rf"(?!\s+{_BUSINESS_NOUN}(?![a-z]))"
        ),
        ("generalisation",),
    ),
    _Rule(
        re.compile(
            r"(?<![a-z])(?:why|how\s+come)\s+(?:do|does|is|are|can'?t|won'?t|don'?t|doesn'?t"
            r"|must)"
            rf"\s+(?:the\s+)?{_TEAM_WORD}{_TEAM_SUFFIX}\s+(?:always|never|insist|keep|refuse|even"
            r"|ignore|like\s+this|so\s+bad|so\s+slow|so\s+lazy)"
        ),
        ("generalisation",),
    ),
    _Rule(
        re.compile(
            r"(?<![a-z])(?:nobody|no\s+one|noone|none\s+of\s+(?:you|them)|not\s+one\s+person)"
            rf"\s+(?:in|from|on|over\s+in)\s+(?:the\s+)?{_TEAM_WORD}(?![a-z])"
            r"|(?<![a-z])(?:does|did)\s+(?:anyone|anybody)\s+(?:in|from|on)\s+(?:the\s+)?"
            rf"{_TEAM_WORD}\s+(?:even|actually|ever)"
        ),
        ("generalisation",),
    ),
    _Rule(re.compile(rf"(?<![a-z]){_DEMONSTRATIVE}(?![a-z])"), ("generalisation",)),
    # "the geniuses in marketing": sarcasm about a whole team
    _Rule(
        re.compile(
            r"(?<![a-z])(?:geniuses|wizards|masterminds|rocket\s+scientists|brain\s+trust|children"
            r"|kids|clowns|idiots|morons|muppets)\s+(?:in|from|on|over\s+in|at)\s+(?:the\s+)?"
            rf"{_TEAM_WORD}(?![a-z])"
        ),
        ("generalisation", "insult"),
    ),
    _Rule(re.compile(r"(?<![a-z])(?:you\s+people|you\s+lot)(?![a-z])"), ("generalisation",)),
    _Rule(
        re.compile(r"(?<![a-z])(?:you\s+guys|y'?all|you\s+folks|you\s+all)(?![a-z])"),
        ("generalisation",),
        _not_request,
    ),
    # "sales is lazy", "you're clueless", "whoever made this is useless"
    _Rule(
        re.compile(
            rf"(?<![a-z])(?:{_SUBJECT}|they|them){_LINK}{{1,5}}\s+{_PERSON_ADJ}(?![a-z])"
            rf"|(?<![a-z]){_SUBJECT}{_LINK}{{1,5}}\s+{_COMPATIBLE_ADJ}(?![a-z])"
            rf"|(?<![a-z])(?:{_PERSON_ADJ}|{_COMPATIBLE_ADJ})\s+{_TEAM_WORD}{_TEAM_SUFFIX}"
            r"(?<!marketing)(?<!mktg)(?<!sales)(?![a-z])"
        ),
        ("generalisation", "insult"),
        _not_looking,
    ),
    _Rule(
        re.compile(
            rf"(?<![a-z]){_PEOPLE_TARGET}{_LINK}{{1,5}}\s+(?:{_PERSON_ADJ}|{_COMPATIBLE_ADJ})"
            r"(?![a-z])"
            rf"|(?<![a-z])(?:{_PERSON_ADJ}|{_COMPATIBLE_ADJ})\s+{_PEOPLE_NOUN}(?![a-z])"
        ),
        ("insult",),
        _not_looking,
    ),
    _Rule(re.compile(_INSULT_NOUN), ("insult",), _not_looking),
    # "whose fault", "your fault", "marketing's fault", "at fault"
    _Rule(
        re.compile(
            r"(?<![a-z])(?:(?:whose|your|ur|their|his|her|someone'?s|somebody'?s|everyone'?s"
            r"|y'?all'?s|management'?s|leadership'?s"
            rf"|(?:the\s+)?{_TEAM_WORD}(?:'s|')?{_TEAM_SUFFIX}(?:'s|')?)"
            r"\s+(?:own\s+)?fault|at\s+fault|fault\s+(?:of|lies|is\s+with))(?![a-z])"
        ),
        ("blame",),
        _not_negated,
    ),
    _Rule(re.compile(r"(?<![a-z])blam(?:e|es|ed|ing)(?![a-z])"), ("blame",), _real_blame),
    # "thanks to marketing we lost…", "we lost it because of sales", "marketing cost us the deal"
    _Rule(
        re.compile(
            rf"(?<![a-z])(?:thanks\s+to|because\s+of|due\s+to)\s+{_CULPRIT}(?![a-z])"
            rf"[^.!?\n]{{0,80}}?(?<![a-z]){_LOSS}(?![a-z])"
            rf"|(?<![a-z])(?:we|i)\s+(?:just\s+)?{_LOSS}[^.!?\n]{{0,80}}?(?<![a-z])(?:because\s+of"
            rf"|thanks\s+to|due\s+to)\s+{_CULPRIT}(?![a-z])"
            rf"|(?<![a-z]){_CULPRIT}\s+(?:just\s+)?(?:cost|lost)\s+(?:us|me)(?![a-z])"
        ),
        ("blame",),
    ),
    _Rule(
        re.compile(
            r"(?<![a-z])(?:dropped\s+the\s+ball|under\s+the\s+bus|hung\s+(?:us|me)\s+out\s+to\s+dry"
            r"|thanks\s+for\s+nothing|(?:should|needs?\s+to|ought\s+to)\s+(?:be|get)\s+fired"
            r"|heads?\s+(?:should|will|need\s+to|must)\s+roll|held\s+accountable"
            r"|who\s+(?:exactly\s+|even\s+|actually\s+)?(?:approved|signed\s+off\s+on|thought"
            r"|decided|came\s+up\s+with|(?:is|was)\s+responsible\s+for|let)\s+(?:this|that)"
            r"|who\s+(?:the\s+(?:hell|heck|fuck|f)|tf|on\s+earth|in\s+their\s+right\s+mind)"
            r"\s+(?:approved|signed|thought|decided|came|made|wrote|designed|built|let|is|was)"
            r"|who\s+thought\s+[^.!?\n]{0,60}?(?:good|great|smart|bright)\s+idea"
            r"|who\s+(?:wrote|made|designed|built|produced)\s+this\s+(?:garbage|crap|junk|nonsense"
            r"|mess|trash|rubbish|thing))(?![a-z])"
        ),
        ("blame",),
    ),
    _Rule(_PROFANITY, ("profanity",)),
)

# --- the nudge --------------------------------------------------------------------------

_OPENING = (
    "Thanks, your feedback is saved and counts toward the digest's themes, "
    "but won't be quoted as written. For next time:"
)
_TIPS = {
    "generalisation": "• Name the asset and what happened with the customer: "
    "_“The pricing deck shows last year's prices; a prospect noticed.”_",
    "blame": "• Say what would help next time: "
    "_“A competitor comparison would have helped on price.”_",
    "insult": "• Keep it about the work, not people: what is the asset missing?",
    "profanity": "• Skip the strong language; the point lands better without it.",
    "mention": "• Feedback is about assets, not people: leave names and @-mentions out. "
    "To talk, tick _open to a follow-up chat_ in the feedback form.",
}


def _suggest(reasons: tuple[str, ...]) -> str:
    return "\n".join([_OPENING, *(_TIPS[reason] for reason in reasons)])


def review_comment(text: str) -> Review:
    """Decide whether a feedback comment is accusatory or mentions people, and how to nudge."""
    prepared = _prepare(text[:_MENTION_LIMIT])
    found: set[str] = {"mention"} if _mentions(prepared) else set()
    folded = _fold(prepared[:_SCAN_LIMIT])
    for rule in _RULES:
        if set(rule.reasons) <= found:
            continue
        keep = rule.keep
        if any(keep is None or keep(folded, m) for m in rule.pattern.finditer(folded)):
            found.update(rule.reasons)
    reasons = tuple(reason for reason in REASONS if reason in found)
    if not reasons:
        return Review(flagged=False, reasons=(), suggestion=None)
    return Review(flagged=True, reasons=reasons, suggestion=_suggest(reasons))
