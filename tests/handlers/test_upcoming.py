from __future__ import annotations

from sandbox import SlackDriver, SlackSandbox
from tests.factories import reply_text


def test_feedback_explains_itself(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    feedback = reply_text(
        slack.command("/feedback", "PD-1 up great", user_id="U0REP1"), slack, sandbox
    )
    assert "/feedback <asset> <up|down> [comment]" in feedback


def test_feedback_survives_oversized_and_hostile_text(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    for command in ("/feedback",):
        for text in ("x" * 100_000, "<!channel> \x00\x07", "payload={}"):
            answer = reply_text(slack.command(command, text, user_id="U0REP1"), slack, sandbox)
            assert command in answer and "<!channel>" not in answer
