"""Fixtures for the sandbox tests: one server per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from sandbox import SlackSandbox


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[SlackSandbox]:
    with SlackSandbox() as sb:
        yield sb


@pytest.fixture
def sandbox(shared_sandbox: SlackSandbox) -> SlackSandbox:
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def client(sandbox: SlackSandbox) -> WebClient:
    return WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
