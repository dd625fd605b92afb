"""Errors whose message is meant for the person who asked."""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked; str(error) is the reply."""
