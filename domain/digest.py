"""The weekly digest's content, blame-free by construction (SPEC: "The weekly digest").

`assemble_digest` turns a DigestInput into a Digest that the renderer only escapes:

- Rule 1: every text that comes from people (launch names, asset titles, comments,
  questions, link reasons, the workspace name) goes through `domain.redact`, so no
  mention, id, name, email or phone number reaches the digest; thanks are counts only,
  and a count below three is left out.
- Rule 2: sections are about campaigns and assets; the scoreboard says "what's working"
  and "being improved", never "worst".
- Rule 3, quote by evidence: comments are quoted only as `domain.themes` allows (about
  the asset's content, no person, role or team, a supported language, at least three
  commenters on the asset); everything else only counts toward themes. A question is
  quoted only when it accuses no one and refers to no person, role or team.
- Rule 5: lists are capped (launches 8, each scoreboard 8, asks 10, themes 5, chart
  categories 20) and what was cut is counted for "and N more".

Scoreboard: an asset is "working" when its useful votes outnumber needs-work votes, or
it was used with customers without any needs-work vote, best approval first, then most
votes; it is "being improved" when needs-work votes are at least as many as useful ones
(and there is one), most needs-work first. Assets without activity in the period are
not listed (nor counted as cut).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.digest_data import (
    AssetRecord,
    ChartData,
    ChartKind,
    ChartSeries,
    Digest,
    DigestInput,
    LaunchLine,
    Participation,
    ScoreLine,
    Trend,
)
from domain.home import trend_arrow
from domain.periods import day_label
from domain.redact import redact, safe_quote
from domain.review import review_comment
from domain.text import one_line, shorten
from domain.themes import MIN_COMMENTERS, themes

MAX_LAUNCHES = 8
MAX_SCORES = 8  # per scoreboard list
MAX_ASKS = 10
MAX_THEMES = 5
MAX_CHART_CATEGORIES = 20
MAX_CHART_LABEL = 20
MAX_CHART_TITLE = 50
CHART_WEEKS = 8
NAME_LIMIT = 150
QUESTION_LIMIT = 200
APPROVAL_TITLE = "Collateral approval"
VOLUME_TITLE = "Feedback, last 8 weeks"


def percent(useful: int, needs_work: int) -> int | None:
    """Percent useful of the verdicts given, None without any."""
    total = useful + needs_work
    return round(100 * useful / total) if total > 0 else None


def _clean(text: str, people: Sequence[str], limit: int) -> str:
    return shorten(one_line(redact(text, people=people)), limit)


def _active(asset: AssetRecord) -> bool:
    return asset.useful > 0 or asset.needs_work > 0 or asset.used > 0


def _improving(asset: AssetRecord) -> bool:
    return asset.needs_work > 0 and asset.needs_work >= asset.useful


def _score(asset: AssetRecord, people: Sequence[str]) -> ScoreLine:
    approval = percent(asset.useful, asset.needs_work)
    before = percent(asset.useful_before, asset.needs_work_before)
    return ScoreLine(
        handle=_clean(asset.handle, people, 40),
        title=_clean(asset.title, people, NAME_LIMIT) or "Untitled",
        url=asset.url,
        useful=asset.useful,
        needs_work=asset.needs_work,
        used=asset.used,
        approval=approval,
        trend=trend_arrow(approval, before),
    )


def _working_key(asset: AssetRecord) -> tuple[int, int, int, int, str, int]:
    approval = percent(asset.useful, asset.needs_work)
    votes = asset.useful + asset.needs_work
    return (
        approval is None,
        -(approval or 0),
        -votes,
        -asset.used,
        asset.handle,
        asset.asset_id,
    )


def _improving_key(asset: AssetRecord) -> tuple[int, int, int, str, int]:
    return (-asset.needs_work, asset.useful, -asset.used, asset.handle, asset.asset_id)


def _launch_lines(data: DigestInput, people: Sequence[str]) -> tuple[list[LaunchLine], int]:
    ordered = sorted(data.launches, key=lambda x: (x.launch_date, x.campaign_id), reverse=True)
    lines = [
        LaunchLine(
            name=_clean(x.name, people, NAME_LIMIT) or "Untitled campaign",
            launch_date=x.launch_date,
            channels=x.channels,
            failed_channels=x.failed_channels,
            acknowledgements=x.acknowledgements,
            open_questions=x.open_questions,
        )
        for x in ordered[:MAX_LAUNCHES]
    ]
    return lines, max(len(ordered) - MAX_LAUNCHES, 0)


def _asks(data: DigestInput, people: Sequence[str]) -> list[str]:
    asks: list[str] = []
    for q in sorted(data.questions, key=lambda q: (q.asked_at, q.campaign_name, q.text)):
        campaign = _clean(q.campaign_name, people, 80) or "a campaign"
        quote = None
        # Questions were asked in the open, in the announcement's thread; still, one is
        # quoted only when it accuses no one and points at no person, role or team.
        review = review_comment(q.text, people=people)
        unsupported = review.language is not None and not review.supported
        if not review.flagged and not review.references and not review.mentions and not unsupported:
            quote = safe_quote(q.text, people=people, limit=QUESTION_LIMIT)
        if quote is None:
            asks.append(f"A question on {campaign} is waiting for an answer.")
        else:
            asks.append(f"Question on {campaign}: “{quote}”")
    for link in sorted(data.broken_links, key=lambda b: (b.handle, b.title)):
        handle = _clean(link.handle, people, 40).replace("`", "'")
        title = _clean(link.title, people, 80).replace("`", "'")
        reason = _clean(link.reason, people, 40)
        subject = f"`{handle}` {title}".strip() if handle else title or "an asset"
        because = f" ({reason})" if reason else ""
        asks.append(f"The link for {subject} doesn't open{because}: could it be updated?")
    return asks


def _trends(this: Participation, last: Participation) -> list[Trend]:
    return [
        Trend("Votes", this.votes, last.votes),
        Trend("Comments", this.comments, last.comments),
        Trend("Uses with customers", this.uses, last.uses),
        Trend("Launch acknowledgements", this.acknowledgements, last.acknowledgements),
    ]


def thanks_text(this: Participation) -> str:
    """Participation as counts only, e.g. "Thanks to the 12 people who voted, …" (never names).

    A count below MIN_COMMENTERS is left out: "the 1 person who commented" next to a quote
    or a theme would say who wrote it.
    """
    parts = [
        (this.voters, "voted"),
        (this.commenters, "commented"),
        (this.users_of_assets, "used collateral with customers"),
        (this.acknowledgers, "confirmed launches"),
    ]
    shown = [(count, verb) for count, verb in parts if count >= MIN_COMMENTERS]
    if not shown:
        return ""
    phrases = []
    for i, (count, verb) in enumerate(shown):
        who = ("person" if count == 1 else "people") if i == 0 else ""
        phrases.append(" ".join(p for p in (f"{count:,}", who, "who", verb) if p))
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"Thanks to the {listed} this week."


def _label(text: str) -> str:
    return shorten(one_line(text), MAX_CHART_LABEL) or "?"


def _approval_chart(assets: Sequence[AssetRecord], people: Sequence[str]) -> ChartData | None:
    voted = [a for a in assets if a.useful + a.needs_work > 0]
    if not voted:
        return None
    voted.sort(key=lambda a: (-(a.useful + a.needs_work), -a.useful, a.handle, a.asset_id))
    shown = voted[:MAX_CHART_CATEGORIES]
    return ChartData(
        kind=ChartKind.BAR,
        title=APPROVAL_TITLE,
        categories=tuple(_label(redact(a.handle, people=people)) for a in shown),
        series=(
            ChartSeries("Useful", tuple(float(a.useful) for a in shown)),
            ChartSeries("Needs work", tuple(float(a.needs_work) for a in shown)),
        ),
        x_label="Asset",
        y_label="Votes",
    )


def _volume_chart(data: DigestInput) -> ChartData | None:
    weeks = sorted(data.volume, key=lambda w: w.week_start)[-CHART_WEEKS:]
    if not any(w.votes or w.comments for w in weeks):
        return None
    return ChartData(
        kind=ChartKind.LINE,
        title=VOLUME_TITLE,
        categories=tuple(_label(day_label(w.week_start)) for w in weeks),
        series=(
            ChartSeries("Votes", tuple(float(w.votes) for w in weeks)),
            ChartSeries("Comments", tuple(float(w.comments) for w in weeks)),
        ),
        x_label="Week starting",
        y_label="Count",
    )


def _is_empty(data: DigestInput) -> bool:
    this = data.this_week
    return not (
        data.launches
        or data.comments
        or data.questions
        or data.broken_links
        or any(_active(a) for a in data.assets)
        or this.votes
        or this.comments
        or this.uses
    )


def assemble_digest(data: DigestInput, *, workspace_name: str = "") -> Digest:
    """The digest for one workspace and period, every text redacted and every list capped."""
    people = tuple(p for p in data.people if isinstance(p, str))
    name = _clean(workspace_name, people, 60)
    launches, more_launches = _launch_lines(data, people)

    active = [a for a in data.assets if _active(a)]
    improving = sorted((a for a in active if _improving(a)), key=_improving_key)
    working = sorted((a for a in active if not _improving(a)), key=_working_key)
    cut = max(len(working) - MAX_SCORES, 0) + max(len(improving) - MAX_SCORES, 0)

    asks = _asks(data, people)
    charts = [c for c in (_approval_chart(active, people), _volume_chart(data)) if c is not None]
    return Digest(
        title=f"Weekly digest for {name}" if name else "Weekly digest",
        period_label=one_line(data.period.label),
        empty=_is_empty(data),
        launches=launches,
        more_launches=more_launches,
        working=[_score(a, people) for a in working[:MAX_SCORES]],
        improving=[_score(a, people) for a in improving[:MAX_SCORES]],
        more_assets=cut + max(data.more_assets, 0),
        themes=themes(data.comments, people=people, limit=MAX_THEMES),
        open_asks=asks[:MAX_ASKS],
        more_asks=max(len(asks) - MAX_ASKS, 0),
        trends=_trends(data.this_week, data.last_week),
        thanks=thanks_text(data.this_week),
        charts=charts,
    )
