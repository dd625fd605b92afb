"""Bolt listeners by kind; register(app) wires them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, options, views


def register(app: App) -> None:
    """Register every listener package on the app."""
    for package in (commands, events, actions, views, options):
        package.register(app)
