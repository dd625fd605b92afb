"""Every slash command, with any text: the person always gets an answer, nothing crashes."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from handlers.commands import COMMANDS
from tests.support.fuzz_strategies import channels, command_text, users
from tests.support.fuzzing import EXAMPLES, Rig, fuzz_settings


@pytest.mark.parametrize("command", sorted(COMMANDS))
@fuzz_settings()
@given(text=command_text, user_id=users, channel_id=channels)
@example(text="payload", user_id="U0REP1", channel_id="C0SALES")
@example(text="add payload", user_id="UADMIN", channel_id="C0SALES")
@example(text="\x00", user_id="U0REP1", channel_id="C0SALES")
@example(text="a" * 40_000, user_id="U0REP1", channel_id="C0SALES")
def test_every_command_answers_any_text(
    rig: Rig, command: str, text: str, user_id: str, channel_id: str
) -> None:
    rig.count(command)
    response, response_url, trigger_id, mark = rig.command(
        command, text, user_id=user_id, channel_id=channel_id
    )
    rig.check_command_reply(
        response,
        response_url=response_url,
        trigger_id=trigger_id,
        mark=mark,
        user_id=user_id,
        channel_id=channel_id,
    )
    rig.settle()
    rig.check_no_errors((command, text[:300], user_id, channel_id))


@fuzz_settings(max(5, EXAMPLES // 5))
@given(command=st.text(max_size=20).map(lambda t: "/" + t), text=command_text)
def test_commands_no_listener_takes_are_answered_cleanly(rig: Rig, command: str, text: str) -> None:
    if command in COMMANDS:
        return
    rig.count("unknown command")
    response, *_ = rig.command(command, text, user_id="U0REP1", channel_id="C0SALES")
    # Bolt answers a command no listener takes with 404: clean, short, no traceback.
    rig.check_clean(response, allow_4xx=(404,))
    rig.settle()
    rig.check_no_errors((command, text[:300]))
