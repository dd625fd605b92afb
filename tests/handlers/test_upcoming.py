from __future__ import annotations

from sandbox import SlackDriver, SlackSandbox
from tests.factories import reply_text


def test_launch_and_feedback_explain_themselves(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    launch = reply_text(slack.command("/launch", "", user_id="U0MKT1"), slack, sandbox)
    assert "announces a campaign" in launch and "not switched on" in launch
    feedback = reply_text(
        slack.command("/feedback", "PD-1 up great", user_id="U0REP1"), slack, sandbox
    )
    assert "/feedback <asset> <up|down> [comment]" in feedback


def test_launch_and_feedback_survive_oversized_and_hostile_text(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    for command in ("/launch", "/feedback"):
        for text in ("x" * 100_000, "<!channel> \x00\x07", "payload={}"):
            answer = reply_text(slack.command(command, text, user_id="U0REP1"), slack, sandbox)
            assert command in answer and "<!channel>" not in answer
