"""/quizconfig channel: an allowed list and a deny list that /quiz start obeys, replies that say
what happened, /quizconfig show telling both lists, and Manage Server checked when run.

The rule: if the allowed list is non-empty, quizzes run only in those channels; channels on the
deny list never.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.model import Message
from bot.services.clock import ManualClock
from tests.e2e.helpers import ADMIN, ALICE, BORIS, CHANNEL, GUILD, SECOND_CHANNEL, World
from tests.e2e.test_quiz import (
    final_message,
    question_message,
    result_message,
    service,
    start,
    tick,
)


async def set_rule(world: World, channel: int, allowed: bool, *, user: int = ADMIN) -> Message:
    reply = await world.reply(
        await world.slash("quizconfig channel", {"channel": channel, "allowed": allowed}, user=user)
    )
    assert reply.ephemeral
    return reply


async def refused_start(world: World, channel: int) -> Message:
    """/quiz start by Alice in ``channel``: refused privately, no game, nothing public."""
    public_before = len(world.server.messages(channel, viewer=BORIS))
    reply = await world.reply(await world.slash("quiz start", {"rounds": 1}, channel=channel))
    assert reply.ephemeral and reply.visible_to == ALICE, reply.content
    assert channel not in service(world).games
    assert len(world.server.messages(channel, viewer=BORIS)) == public_before
    return reply


async def shown_settings(world: World) -> str:
    shown = await world.reply(await world.slash("quizconfig show", {}, user=ADMIN))
    assert shown.ephemeral
    return shown.embed_text()


async def test_a_denied_channel_really_refuses_quizzes(world: World, clock: ManualClock) -> None:
    denied = await set_rule(world, CHANNEL, False)
    assert denied.content.startswith("Saved."), denied.content
    assert f"everywhere except <#{CHANNEL}>" in denied.content
    assert f"Quizzes: everywhere except <#{CHANNEL}>" in denied.embed_text()

    refused = await refused_start(world, CHANNEL)
    assert f"can't run in <#{CHANNEL}>" in refused.content
    assert f"everywhere except <#{CHANNEL}>" in refused.content  # where they can run

    await start(world, {"rounds": 1}, channel=SECOND_CHANNEL)  # other channels are open

    again = await set_rule(world, CHANNEL, False)
    assert again.content.startswith("Nothing changed: quizzes are already kept out")

    # Allowing it again lifts the deny and nothing else: it does not close other channels.
    lifted = await set_rule(world, CHANNEL, True)
    assert f"<#{CHANNEL}> is no longer kept out" in lifted.content
    assert "Quizzes: everywhere" in lifted.embed_text()
    await start(world, {"rounds": 1}, channel=CHANNEL)


async def test_an_allowed_list_keeps_quizzes_in_its_channels(
    world: World, clock: ManualClock
) -> None:
    allowed = await set_rule(world, SECOND_CHANNEL, True)
    assert f"Quizzes now run only in <#{SECOND_CHANNEL}>" in allowed.content
    assert f"Quizzes: only in <#{SECOND_CHANNEL}>" in allowed.embed_text()
    refused = await refused_start(world, CHANNEL)
    assert f"they run only in <#{SECOND_CHANNEL}>" in refused.content
    await start(world, {"rounds": 1}, channel=SECOND_CHANNEL)

    # The second allowed channel joins the list.
    both = await set_rule(world, CHANNEL, True)
    assert f"only in <#{SECOND_CHANNEL}>, <#{CHANNEL}>" in both.content
    await start(world, {"rounds": 1}, channel=CHANNEL)
    same = await set_rule(world, CHANNEL, True)
    assert same.content.startswith("Nothing changed")


async def test_removing_the_last_allowed_channel_says_every_channel_reopens(
    world: World, clock: ManualClock
) -> None:
    await set_rule(world, SECOND_CHANNEL, True)
    await refused_start(world, CHANNEL)
    last = await set_rule(world, SECOND_CHANNEL, False)
    assert "was the last allowed channel" in last.content
    assert "every channel is open again, except the denied ones" in last.content
    # The channel taken off the list is kept out: that is what `allowed: false` asks.
    assert f"Quizzes: everywhere except <#{SECOND_CHANNEL}>" in last.embed_text()
    await start(world, {"rounds": 1}, channel=CHANNEL)
    refused = await refused_start(world, SECOND_CHANNEL)
    assert f"can't run in <#{SECOND_CHANNEL}>" in refused.content


async def test_show_tells_both_lists(world: World) -> None:
    assert "Quizzes: everywhere" in await shown_settings(world)
    await set_rule(world, SECOND_CHANNEL, True)
    await set_rule(world, CHANNEL, False)
    text = await shown_settings(world)
    assert f"Quizzes: only in <#{SECOND_CHANNEL}>; never in <#{CHANNEL}>" in text
    refused = await refused_start(world, CHANNEL)  # names where quizzes run, nothing more
    assert refused.content.startswith(
        f"Quizzes can't run in <#{CHANNEL}> on this server: they run only in <#{SECOND_CHANNEL}>. "
    )
    await world.reply(await world.slash("quizconfig reset", {"what": "settings"}, user=ADMIN))
    assert "Quizzes: everywhere" in await shown_settings(world)


async def test_two_changes_at_once_are_both_kept(world: World) -> None:
    await asyncio.gather(set_rule(world, CHANNEL, False), set_rule(world, SECOND_CHANNEL, False))
    text = await shown_settings(world)
    assert f"<#{CHANNEL}>" in text and f"<#{SECOND_CHANNEL}>" in text


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_member_shown_the_command_is_still_refused(world: World, allowed: bool) -> None:
    # A server admin may let everyone see /quizconfig (Discord's permission overrides); the
    # bot checks Manage Server again when the command runs.
    for scope in (GUILD, None):
        for command in world.server.commands.get(scope, []):
            if command["name"] == "quizconfig":
                command["default_member_permissions"] = None
    refused = await set_rule(world, CHANNEL, allowed, user=BORIS)
    assert "Manage Server" in refused.content
    assert "Quizzes: everywhere" in await shown_settings(world)


async def test_a_quiz_running_in_a_channel_denied_now_plays_on(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 10})
    await question_message(world, 1)
    denied = await set_rule(world, CHANNEL, False)
    assert f"The quiz running in <#{CHANNEL}> can finish; no new one will start there." in (
        denied.content
    )
    await tick(clock, 10.5)
    await result_message(world, 1)
    await final_message(world)
    await refused_start(world, CHANNEL)
    # A change that blocks no running quiz says nothing about them.
    await start(world, {"rounds": 1, "seconds": 10}, channel=SECOND_CHANNEL)
    lifted = await set_rule(world, CHANNEL, True)
    assert lifted.content.startswith("Saved") and "can finish" not in lifted.content
