"""Finishing a launch submission after its acknowledgement, from what was stored before it.

The launch modal's submission is committed (a PREPARING campaign with its target
channels and collateral) before Slack gets its 200. Everything slow comes after, here:
asking Slack who the marketer is (users.info, which may be rate limited), reading page
titles, then queueing the posts. The request thread runs this right after the ack; the
resumer (jobs/launches.py) runs it for campaigns a dead process left PREPARING. It is
idempotent: the campaign's row lock and status decide once, so two runs never post twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from slack_sdk import WebClient

from core.db import SessionScope
from services import delivery, launches
from services.collateral import fetch_titles
from services.people import check_launcher


@dataclass(frozen=True)
class Finished:
    """What became of a submission: its posts queued (or scheduled), or refused."""

    campaign_id: int
    scheduled_for: datetime | None = None
    refused: bool = False


def finish_submission(
    *,
    client: WebClient,
    db: SessionScope,
    http: httpx.Client,
    allow_private: bool,
    campaign_id: int,
    now: datetime,
) -> Finished | None:
    """Check the marketer may launch, read page titles, then queue or schedule the posts.

    None when there was nothing to do (the campaign is already prepared, by this or
    another process). A refused launch is removed and the marketer told in the same
    transaction; a scheduled one gets its "scheduled for" note in the transaction that
    schedules it. Slack errors (a rate limit that outlasts the client's retries) raise:
    the campaign stays PREPARING and the resumer tries again.
    """
    with db() as session:
        pending = launches.preparing_submission(session=session, campaign_id=campaign_id)
    if pending is None:
        return None
    # Who may launch is checked here, after the ack: the policy may have changed while
    # the form was open, and users.info must not delay the acknowledgement.
    check = check_launcher(
        client=client, db=db, team_id=pending.team_id, user_id=pending.marketer_id
    )
    if not check.allowed:
        with db() as session:
            refused = launches.refuse_campaign(
                session=session, campaign_id=campaign_id, outsider=check.outsider
            )
        return Finished(campaign_id=campaign_id, refused=True) if refused else None
    titles = fetch_titles(http=http, urls=list(pending.untitled), allow_private=allow_private)
    with db() as session:
        created = launches.prepare_campaign(
            session=session, campaign_id=campaign_id, titles=titles, now=now, commit=False
        )
        if created is None:
            return None
        if created.scheduled_for is not None:
            delivery.queue_summary(session=session, campaign_id=campaign_id, commit=False)
        session.commit()
    return Finished(campaign_id=campaign_id, scheduled_for=created.scheduled_for)
