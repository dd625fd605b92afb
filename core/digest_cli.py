"""`bot.py digest --team T --now/--preview`: a digest from the command line."""

from __future__ import annotations

import sys

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.digest import build_digest_message
from blocks.terminal import render_message
from core.clients import NotInstalled, SlackClients, installation_store
from core.db import make_engine, session_scope_for
from core.fetch import make_http_client
from core.run import migrate_or_explain
from core.settings import Settings, SettingsError
from models import utcnow
from services.digest_access import shared_channel_refused
from services.digest_runs import digest_settings_for_team, on_demand_digest


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
        with db() as session:
            found = digest_settings_for_team(session=session, team_id=team_id)
            if found is None:
                print(f"liaison: no workspace {team_id!r} in this database", file=sys.stderr)
                return 1
            if post and found.channel_id is None:
                print(
                    "liaison: that workspace has no digest channel yet: "
                    "run `/liaison digest here` in Slack first",
                    file=sys.stderr,
                )
                return 1
            digest = on_demand_digest(
                session=session,
                client=client,
                http=http,
                team_id=team_id,
                now=utcnow(),
                allow_private=settings.liaison_allow_private_urls,
            )
        message = build_digest_message(digest)
        print(render_message(message))
        if post:
            assert found.channel_id is not None and client is not None
            if shared_channel_refused(
                client=client, channel_id=found.channel_id, allowed=found.shared_allowed
            ):
                print(
                    "liaison: the digest channel is shared with another organisation; "
                    "run `/liaison digest shared allow` in Slack to post there",
                    file=sys.stderr,
                )
                return 1
            try:
                client.chat_postMessage(
                    channel=found.channel_id, text=message["text"], blocks=message["blocks"]
                )
            except SlackApiError as error:
                print(
                    f"liaison: Slack refused the post: {error.response.get('error')}",
                    file=sys.stderr,
                )
                return 1
            print(f"liaison: posted to {found.channel_id}")
        return 0
    finally:
        http.close()
        engine.dispose()
