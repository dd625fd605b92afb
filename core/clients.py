"""Where core/digest_cli.py still finds the per-workspace Slack clients.

They live in services/slack_clients.py: they read installs through the services' store.
The architecture test allows this one upward import for now; when the digest command
moves to app/ after the use-case merge, this module goes.
"""

from __future__ import annotations

from services.slack_clients import NotInstalled, SlackClients, installation_store

__all__ = ["NotInstalled", "SlackClients", "installation_store"]
