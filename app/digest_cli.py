"""`bot.py digest --team T --now/--preview`: a digest from the command line."""

from __future__ import annotations

import sys

from slack_sdk import WebClient

from blocks.digest import build_digest_message
from blocks.terminal import render_message
from core.db import make_engine, migrate_or_explain, session_scope_for
from core.fetch import make_http_client
from core.settings import Settings, SettingsError
from models import utcnow
from services.digest_now import DigestNow, DigestNowResult, post_digest_now, preview_digest
from services.slack_clients import NotInstalled, SlackClients, installation_store
from services.workspaces import find_workspace

# What the operator is told when the digest was not posted, by result.
FAILURES = {
    DigestNowResult.NO_CHANNEL: (
        "that workspace has no digest channel yet: run `/liaison digest here` in Slack first"
    ),
    DigestNowResult.REFUSED: (
        "the digest channel is shared with another organisation; "
        "run `/liaison digest shared allow` in Slack to post there"
    ),
    DigestNowResult.POST_FAILED: "Slack refused the post: {error}",
}


def run_digest(settings: Settings, *, team_id: str, post: bool) -> int:
    """Print the last seven days' digest for a team; with `post`, send it to its channel."""
    if post and not (settings.slack_bot_token or settings.oauth_enabled):
        raise SettingsError(
            "SLACK_BOT_TOKEN (or the OAuth settings) is needed to post a digest "
            "(see manifest.yml and the README)."
        )
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    db = session_scope_for(engine)
    clients = SlackClients(settings=settings, db=db, store=installation_store(settings, db))
    client: WebClient | None
    try:
        client = clients.for_team(team_id)
    except NotInstalled:
        if post:
            print(f"liaison: Liaison is not installed in {team_id!r}", file=sys.stderr)
            engine.dispose()
            return 1
        client = None
    if client is None or not client.token:
        # Without a token people can't be listed: the digest quotes nobody (fails closed).
        client = None
        print(
            f"liaison: no Slack token for {team_id!r} (set SLACK_BOT_TOKEN, or install "
            "Liaison there with OAuth): this preview names no one, so it quotes no comments "
            "or questions; scores, trends and themes are complete.",
            file=sys.stderr,
        )
    http = make_http_client()
    try:
        allow_private = settings.liaison_allow_private_urls
        with db() as session:  # the operator's team: nothing is created for an unknown one
            workspace = find_workspace(session=session, team_id=team_id)
        if workspace is None:
            done = DigestNow(DigestNowResult.NO_WORKSPACE)
        elif post:
            assert client is not None  # a token is required above to post
            done = post_digest_now(
                db=db,
                client=client,
                http=http,
                workspace=workspace,
                now=utcnow(),
                allow_private=allow_private,
            )
        else:
            done = preview_digest(
                db=db,
                client=client,
                http=http,
                workspace=workspace,
                now=utcnow(),
                allow_private=allow_private,
            )
        return _report(done, team_id=team_id)
    finally:
        http.close()
        engine.dispose()


def _report(done: DigestNow, *, team_id: str) -> int:
    """Print the digest, then what became of it; the exit code."""
    if done.result is DigestNowResult.NO_WORKSPACE:
        print(f"liaison: no workspace {team_id!r} in this database", file=sys.stderr)
        return 1
    if done.digest is not None:
        print(render_message(build_digest_message(done.digest)))
    failure = FAILURES.get(done.result)
    if failure is not None:
        print(f"liaison: {failure.format(error=done.error)}", file=sys.stderr)
        return 1
    if done.result is DigestNowResult.POSTED:
        print(f"liaison: posted to {done.channel_id}")
    return 0
