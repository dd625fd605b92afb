"""Bolt listeners by kind; register(app) wires them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, options, views


def register(app: App) -> None:
    """Register every listener package on the app.

    Events first: Bolt tries listeners in the order they were registered, and evaluating
    each one's matcher costs about 0.1 ms; reactions are by far the most frequent requests
    (bench/events.py), commands and clicks come one person at a time.
    """
    for package in (events, commands, actions, views, options):
        package.register(app)
