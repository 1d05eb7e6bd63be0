"""``LocalDiscord.redeliver``: Discord sending an event it already sent, unchanged."""

from __future__ import annotations

import json

import pytest

from bot.sandbox import LocalDiscord, SandboxError
from tests.sandbox.conftest import ALICE, BOB, CHANNEL_A, GUILD_A, DemoBot


def frames(server: LocalDiscord, event: str, shard_id: int) -> list[tuple[int, dict[str, object]]]:
    """(seq, d) of every buffered dispatch of ``event`` on the shard's current session."""
    session = server.gateway.session_for(shard_id)
    assert session is not None
    decoded = [json.loads(text) for _, text in session.buffer]
    return [(f["s"], f["d"]) for f in decoded if f["t"] == event]


async def test_a_redelivered_interaction_is_the_same_one(
    server: LocalDiscord, bot: DemoBot
) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "once"})
    assert (await interaction.wait_for_original()).content == "once"
    shard = server.shard_for(GUILD_A)
    seq = await server.redeliver("INTERACTION_CREATE", interaction.id)

    (first_seq, first), (second_seq, second) = frames(server, "INTERACTION_CREATE", shard)
    assert second == first and second["token"] == interaction.token
    assert second_seq == seq > first_seq
    assert server.interactions == {interaction.id: interaction}  # no new record
    assert f"shard {shard}: redelivered INTERACTION_CREATE {interaction.id} (seq {seq})" in (
        server.gateway.log
    )
    # The demo bot answers every copy: Discord refuses the second callback.
    violation = await server.wait_for_violation(lambda v: "40060" in v)
    assert "answered twice" in violation
    assert [cb["status"] for cb in interaction.callbacks] == [200, 400]


async def test_a_redelivered_message_reaches_the_bot_twice(
    server: LocalDiscord, bot: DemoBot
) -> None:
    rec = bot.recorder
    sent = await server.user_message(GUILD_A, CHANNEL_A, ALICE, "hello")
    await server.redeliver("MESSAGE_CREATE", int(sent["id"]))
    await server.user_message(GUILD_A, CHANNEL_A, BOB, "after")
    seen = await rec.wait(lambda: rec.messages if len(rec.messages) == 3 else None)
    assert [(m.id, m.content) for m in seen] == [
        (int(sent["id"]), "hello"),
        (int(sent["id"]), "hello"),
        (seen[2].id, "after"),
    ]
    assert len(server.messages(CHANNEL_A)) == 2  # nothing new was posted
    assert server.violations == []


async def test_only_events_of_a_current_session_can_be_redelivered(
    server: LocalDiscord, bot: DemoBot
) -> None:
    sent = await server.user_message(GUILD_A, CHANNEL_A, ALICE, "hello")
    with pytest.raises(SandboxError, match="MESSAGE_CREATE 1"):
        await server.redeliver("MESSAGE_CREATE", 1)
    with pytest.raises(SandboxError, match="INTERACTION_CREATE"):
        await server.redeliver("INTERACTION_CREATE", int(sent["id"]))  # wrong event type
    await server.invalidate_session(server.shard_for(GUILD_A), resumable=False)
    await server.wait_for(lambda: server.gateway.identify_count == 2 and server.gateway.is_ready())
    with pytest.raises(SandboxError, match="no current session"):
        await server.redeliver("MESSAGE_CREATE", int(sent["id"]))
