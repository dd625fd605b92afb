"""Slack's view of a person (`users.info`)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient


def get_user(*, client: WebClient, user_id: str) -> dict[str, Any]:
    """The Slack user object (`users.info`)."""
    user: dict[str, Any] = client.users_info(user=user_id)["user"]
    return user


MAX_PEOPLE_PAGES = 50  # 200 a page: 10,000 people is plenty for redaction


def people_terms(*, client: WebClient) -> list[str]:
    """Everything that could name a person in this workspace: ids, handles, names, emails.

    The digest redacts these from anything it quotes (SPEC blame-free rule 1). Slack only
    includes emails when the app has users:read.email; the redactor also matches emails
    by their shape.
    """
    terms: set[str] = set()
    cursor = None
    for _ in range(MAX_PEOPLE_PAGES):
        page = (
            client.users_list(limit=200, cursor=cursor) if cursor else client.users_list(limit=200)
        )
        for member in page.get("members") or []:
            if member.get("is_bot") or member.get("id") == "USLACKBOT":
                continue  # apps' names ("Google Drive") are tools, not people
            profile = member.get("profile") or {}
            for value in (
                member.get("id"),
                member.get("name"),
                member.get("real_name"),
                profile.get("real_name"),
                profile.get("display_name"),
                profile.get("email"),
            ):
                if isinstance(value, str) and value.strip():
                    terms.add(value.strip())
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return sorted(terms)
    # A partial list would let some names through: callers then quote nothing.
    raise RuntimeError(f"more than {MAX_PEOPLE_PAGES * 200} members to list")
