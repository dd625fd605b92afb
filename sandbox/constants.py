"""Identities and default seed of the sandbox workspace, shared by server and payloads.

Kept apart from ``server.py`` so that the pure payload builders can name the seeded
workspace, users and channels without importing the HTTP machinery.
"""

from __future__ import annotations

from dataclasses import dataclass

BOT_TOKEN = "xoxb-sandbox-bot-token"
# App-level token for Socket Mode (apps.connections.open); any xapp- token is accepted.
APP_TOKEN = "xapp-1-sandbox-app-token"
TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Sandbox Co"
TEAM_DOMAIN = "sandbox-co"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0LIAISON"
# Slack still sends the deprecated verification token in payloads; apps must not rely on it.
VERIFICATION_TOKEN = "sandbox-verification-token"

# Fixed creation time for seeded objects so that snapshots of the seed are stable.
SEED_CREATED = 1_700_000_000


@dataclass(frozen=True)
class SeedUser:
    """One seeded workspace member."""

    id: str
    name: str
    real_name: str
    email: str | None
    tz: str = "America/New_York"
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False


@dataclass(frozen=True)
class SeedChannel:
    """One seeded conversation."""

    id: str
    name: str
    members: tuple[str, ...]
    is_private: bool = False
    is_archived: bool = False
    bot_is_member: bool = False


SEED_USERS: tuple[SeedUser, ...] = (
    SeedUser(BOT_USER_ID, "liaison", "Liaison", None, is_bot=True),
    SeedUser("UADMIN", "avery.admin", "Avery Admin", "avery@example.com", is_admin=True),
    SeedUser(
        "UOWNER",
        "olivia.owner",
        "Olivia Owner",
        "olivia@example.com",
        is_admin=True,
        is_owner=True,
        is_primary_owner=True,
    ),
    SeedUser("U0REP1", "riley.rep", "Riley Rep", "riley@example.com"),
    SeedUser(
        "U0REP2", "casey.closer", "Casey Closer", "casey@example.com", tz="America/Los_Angeles"
    ),
    SeedUser("U0REP3", "devon.deals", "Devon Deals", "devon@example.com", tz="Europe/London"),
    SeedUser("U0MKT1", "morgan.marketing", "Morgan Marketing", "morgan@example.com"),
    SeedUser(
        "U0MKT2", "taylor.content", "Taylor Content", "taylor@example.com", tz="America/Chicago"
    ),
    SeedUser("U0LEAD1", "jamie.lead", "Jamie Lead", "jamie@example.com"),
)

SEED_CHANNELS: tuple[SeedChannel, ...] = (
    SeedChannel(
        "C0SALES",
        "sales",
        ("UADMIN", "U0REP1", "U0REP2", "U0REP3", "U0MKT1", "U0MKT2", "U0LEAD1"),
        bot_is_member=True,
    ),
    SeedChannel("C0SALESWEST", "sales-west", ("U0REP2", "U0REP3", "U0LEAD1")),
    SeedChannel("C0LEADS", "team-leads", ("UADMIN", "U0LEAD1", "U0MKT1"), bot_is_member=True),
    SeedChannel("G0PRIVATE", "private-deals", ("U0REP1", "U0LEAD1", "UADMIN"), is_private=True),
    SeedChannel("C0ARCHIVED", "old-launches", ("U0MKT1", "U0REP1"), is_archived=True),
)


@dataclass(frozen=True)
class SeedUsergroup:
    """One seeded user group (``@handle`` mentions, usergroups.* methods)."""

    id: str
    handle: str
    name: str
    users: tuple[str, ...]
    description: str = ""


SEED_USERGROUPS: tuple[SeedUsergroup, ...] = (
    SeedUsergroup(
        "S0SALESTEAM",
        "sales-team",
        "Sales Team",
        ("U0REP1", "U0REP2", "U0REP3"),
        description="Every sales rep.",
    ),
)

SEED_USER_NAMES: dict[str, str] = {u.id: u.name for u in SEED_USERS}
SEED_CHANNEL_NAMES: dict[str, str] = {c.id: c.name for c in SEED_CHANNELS}

# Limits of the data_visualization block, as Slack's reference states them
# (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block). The app keeps
# its own copy in blocks/charts.py: the sandbox imports nothing of the app.
MAX_CHART_BLOCKS = 2  # data_visualization blocks in one message
MAX_CHART_TITLE = 50
MAX_CHART_LABEL = 20  # a category, a data point's label, a series name, a pie segment's label
MAX_CHART_AXIS_LABEL = 50  # axis_config.x_label and y_label
MAX_CHART_CATEGORIES = 20  # axis_config.categories, and data points in one series
MAX_CHART_SERIES = 6  # series of a bar, area or line chart
MAX_PIE_SEGMENTS = 6
CHART_TYPES = ("area", "bar", "line", "pie")
