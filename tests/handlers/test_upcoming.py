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
