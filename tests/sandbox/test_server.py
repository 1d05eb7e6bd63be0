"""The local Discord driven by a real discord.py bot (same event loop, no network)."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
from typing import Any, get_type_hints

import aiohttp
import discord
import pytest

from bot.sandbox import (
    CommandNotPermitted,
    InteractionFailed,
    InvalidCommandInput,
    LocalDiscord,
    NotConnected,
    SandboxMember,
    UnknownCommand,
    UnknownComponent,
)
from bot.sandbox.state import SandboxSettings, SandboxState
from tests.sandbox.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CHANNEL_A,
    CHANNEL_A2,
    CHANNEL_B,
    GUILD_A,
    GUILD_B,
    OWNER,
    DemoBot,
    ShardedDemoBot,
    default_intents,
    members,
    pointed_at,
    running,
    serving,
)


async def raw(
    server: LocalDiscord,
    method: str,
    path: str,
    *,
    body: Any = None,
    auth: bool = True,
) -> tuple[int, str, Any]:
    """A plain HTTP call to the sandbox: (status, Content-Type header, decoded body)."""
    headers = {"Authorization": f"Bot {server.token}"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.api_base + path, json=body, headers=headers) as resp,
    ):
        text = await resp.text()
        return resp.status, resp.headers.get("Content-Type", ""), json.loads(text) if text else None


# --- REST basics ---------------------------------------------------------------------------
async def test_json_content_type_is_exact_and_unknown_routes_are_violations(
    server: LocalDiscord,
) -> None:
    status, ctype, body = await raw(server, "GET", "/users/@me")
    assert (status, ctype) == (200, "application/json")
    assert body["id"] == str(server.bot_user_id) and body["bot"] is True

    status, ctype, body = await raw(server, "GET", "/not/a/route")
    assert (status, ctype) == (404, "application/json")
    assert body["message"] == "404: Not Found"
    assert server.violations == ["unknown route GET /api/v10/not/a/route"]

    status, _, _ = await raw(server, "GET", "/users/@me", auth=False)
    assert status == 401
    assert "Authorization" in server.violations[-1]


async def test_login_ready_and_guilds(server: LocalDiscord, bot: DemoBot) -> None:
    assert bot.user is not None and bot.user.id == server.bot_user_id
    assert bot.application_id == server.application_id
    guild = bot.get_guild(GUILD_A)
    assert guild is not None and guild.name == "Guild A"
    assert guild.chunked and guild.member_count == 5  # four members + the bot
    assert {c.id for c in guild.text_channels} == {CHANNEL_A, CHANNEL_A2}
    assert guild.owner_id == OWNER
    admin = guild.get_member(ADMIN)
    assert admin is not None and admin.guild_permissions.manage_guild
    alice = guild.get_member(ALICE)
    assert alice is not None and not alice.guild_permissions.manage_guild
    assert guild.me.guild_permissions.send_messages
    assert server.violations == []


# --- commands ------------------------------------------------------------------------------
async def test_published_commands_and_schema_violations(server: LocalDiscord, bot: DemoBot) -> None:
    published = {c["name"]: c for c in server.published_commands(GUILD_A)}
    assert set(published) == {"demo", "admin", "help"}
    assert published["admin"]["default_member_permissions"] == str(1 << 5)
    assert published["demo"]["default_member_permissions"] is None
    assert published["demo"]["guild_id"] == str(GUILD_A)
    assert server.published_commands() == []  # nothing global

    # A name Discord rejects: 400 for the bot, and a violation.
    bad = [{"name": "Bad Name", "description": "x", "type": 1}]
    with pytest.raises(discord.HTTPException) as info:
        await bot.http.bulk_upsert_guild_commands(server.application_id, GUILD_A, bad)
    assert info.value.status == 400 and info.value.code == 50035
    assert "name" in server.violations[-1]
    # The failed overwrite changed nothing.
    assert {c["name"] for c in server.published_commands(GUILD_A)} == set(published)

    # Syncing the same schema again keeps ids and versions.
    again = await bot.tree.sync(guild=discord.Object(GUILD_A))
    assert {c.name: str(c.id) for c in again} == {n: c["id"] for n, c in published.items()}
    versions = {c["name"]: c["version"] for c in server.published_commands(GUILD_A)}
    assert versions == {n: c["version"] for n, c in published.items()}


async def test_slash_response_comes_back_as_message(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "hello"})
    message = await interaction.wait_for_original()
    assert message.content == "hello" and not message.ephemeral
    assert message.interaction_id == interaction.id
    assert interaction.callback_types == [4]
    assert server.messages(CHANNEL_A) == [message]
    # The bot's own message is dispatched back (MESSAGE_CREATE with the bot as author).
    seen = await bot.recorder.wait(lambda: [m for m in bot.recorder.messages if m.id == message.id])
    assert seen[0].author.id == server.bot_user_id

    counted = await server.slash(
        GUILD_A, CHANNEL_A, ALICE, "demo count", {"n": 3, "unit": "pear", "who": BOB}
    )
    assert (await counted.wait_for_original()).content == "3 pear for bob"

    shown = await server.slash(GUILD_A, CHANNEL_A, BOB, "help")
    assert (await shown.wait_for_original()).content == "help text"
    assert server.violations == []


@pytest.mark.parametrize(
    ("command", "options", "error"),
    [
        ("nope", {}, UnknownCommand),
        ("demo nope", {}, UnknownCommand),
        ("demo", {}, UnknownCommand),
        ("demo echo", {}, InvalidCommandInput),
        ("demo echo", {"text": 5}, InvalidCommandInput),
        ("demo echo", {"text": "x", "extra": 1}, InvalidCommandInput),
        ("demo count", {"n": 11}, InvalidCommandInput),
        ("demo count", {"n": 0}, InvalidCommandInput),
        ("demo count", {"n": "3"}, InvalidCommandInput),
        ("demo count", {"n": 3, "unit": "plum"}, InvalidCommandInput),
        ("demo count", {"n": 3, "who": 12345}, InvalidCommandInput),
    ],
)
async def test_slash_input_a_real_client_cannot_send(
    server: LocalDiscord, bot: DemoBot, command: str, options: dict[str, Any], error: type
) -> None:
    with pytest.raises(error):
        await server.slash(GUILD_A, CHANNEL_A, ALICE, command, options)
    assert server.interactions == {}


async def test_default_member_permissions_hide_admin_commands(
    server: LocalDiscord, bot: DemoBot
) -> None:
    with pytest.raises(CommandNotPermitted):
        await server.slash(GUILD_A, CHANNEL_A, ALICE, "admin reset")
    for user in (ADMIN, OWNER):
        interaction = await server.slash(GUILD_A, CHANNEL_A, user, "admin reset")
        assert (await interaction.wait_for_original()).content == "reset done"


async def test_ephemeral_messages_are_only_visible_to_their_viewer(
    server: LocalDiscord, bot: DemoBot
) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo secret")
    message = await interaction.wait_for_original()
    assert message.ephemeral and interaction.ephemeral and message.visible_to == ALICE
    assert server.messages(CHANNEL_A, viewer=ALICE) == [message]
    assert server.messages(CHANNEL_A, viewer=BOB) == []
    assert server.messages(CHANNEL_A) == [message]
    assert all(m.id != message.id for m in bot.recorder.messages)  # never dispatched


async def test_autocomplete_returns_the_bots_choices(server: LocalDiscord, bot: DemoBot) -> None:
    choices = await server.autocomplete(GUILD_A, CHANNEL_A, ALICE, "demo pick", {}, "fruit")
    assert [c["value"] for c in choices] == [
        "apple",
        "apricot",
        "banana",
        "blueberry",
        "cherry",
        "grape",
        "lemon",
        "mango",
    ]
    choices = await server.autocomplete(
        GUILD_A, CHANNEL_A, ALICE, "demo pick", {"fruit": "ap"}, "fruit"
    )
    assert [c["name"] for c in choices] == ["apple", "apricot"]
    # A user can still submit something autocomplete never suggested.
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo pick", {"fruit": "kiwi"})
    assert (await interaction.wait_for_original()).content == "unknown fruit"
    with pytest.raises(InvalidCommandInput):
        await server.autocomplete(GUILD_A, CHANNEL_A, ALICE, "demo echo", {}, "text")
    assert server.violations == []


async def test_autocomplete_with_too_many_choices_is_a_violation(
    server: LocalDiscord, bot: DemoBot
) -> None:
    with pytest.raises(InteractionFailed):
        await server.autocomplete(GUILD_A, CHANNEL_A, ALICE, "demo many", {}, "item")
    assert any("25 or fewer" in v for v in server.violations)


async def test_defer_edit_original_and_followup(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo slow")
    original = await interaction.wait_for_original()
    followups = await interaction.wait_for_followups(1)
    assert interaction.deferred and interaction.callback_types == [5]
    assert original.content == "done thinking" and original.edited and not original.loading
    assert [m.content for m in followups] == ["and one more thing"]
    assert [m.content for m in server.messages(CHANNEL_A)] == [
        "done thinking",
        "and one more thing",
    ]
    assert server.violations == []


async def test_first_followup_after_defer_fills_the_deferred_message(
    server: LocalDiscord, bot: DemoBot
) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo slowfollow")
    original = await interaction.wait_for_original()
    assert original.content == "followup after defer"
    assert original.ephemeral and original.visible_to == ALICE  # fixed at defer time
    assert interaction.followups == []
    assert server.messages(CHANNEL_A, viewer=BOB) == []


async def test_button_click_and_select(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo buttons")
    message = await interaction.wait_for_original()
    assert [(b.custom_id, b.label, b.disabled) for b in message.buttons()] == [
        ("demo:ok", "OK", False),
        ("demo:later", "Later", False),
    ]
    assert message.select_menus()[0].options == [
        ("Apple", "apple"),
        ("Apricot", "apricot"),
        ("Banana", "banana"),
    ]

    picked = await server.select(message.id, "demo:pick", ["banana"], BOB)
    reply = await picked.wait_for_original()
    assert reply.content == "picked banana" and reply.visible_to == BOB
    with pytest.raises(InvalidCommandInput):
        await server.select(message.id, "demo:pick", ["kiwi"], BOB)

    click = await server.click(message.id, "demo:ok", BOB)
    response = await click.wait_for_response()
    assert response["type"] == 7 and response["accepted"]
    updated = await click.wait_for_original()
    assert updated is message and message.content == "confirmed" and message.buttons() == []
    with pytest.raises(UnknownComponent):
        await server.click(message.id, "demo:ok", BOB)  # the button is gone
    assert server.violations == []


async def test_deferred_component_update(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo buttons")
    message = await interaction.wait_for_original()
    click = await server.click(message.id, "demo:later", ALICE)
    updated = await click.wait_for_original()
    assert click.callback_types == [6] and click.deferred
    assert updated is message and message.content == "deferred edit" and message.edited
    assert server.violations == []


async def test_forged_click_nobody_answers_is_reported(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "x"})
    message = await interaction.wait_for_original()
    with pytest.raises(UnknownComponent):
        await server.click(message.id, "never-made", ALICE)
    forged = await server.click(message.id, "never-made", ALICE, forge=True)
    server.advance_time(server.ack_deadline)
    violation = await server.wait_for_violation(lambda v: "not acknowledged" in v)
    assert "never-made" in violation and forged.callbacks == []


async def test_ephemeral_components_only_clickable_by_viewer(
    server: LocalDiscord, bot: DemoBot
) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo buttons")
    message = await interaction.wait_for_original()
    picked = await server.select(message.id, "demo:pick", ["apple"], ALICE)
    reply = await picked.wait_for_original()
    assert reply.ephemeral
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    # An ephemeral message cannot be fetched through the channel routes either.
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(reply.id)
    server.messages(CHANNEL_A)[-1].components = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "eph"}]}
    ]
    with pytest.raises(UnknownComponent):
        await server.click(reply.id, "eph", BOB)


async def test_second_ack_is_40060(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo twice")
    errors = await bot.recorder.wait(lambda: bot.recorder.errors)
    assert isinstance(errors[0], discord.HTTPException) and errors[0].code == 40060
    assert [cb["accepted"] for cb in interaction.callbacks] == [True, False]
    assert any("40060" in v for v in server.violations)


async def test_late_ack_is_10062(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo late")
    server.advance_time(server.ack_deadline + 0.5)
    await server.wait_for_violation(lambda v: "not acknowledged" in v)
    bot.recorder.gate.set()
    errors = await bot.recorder.wait(lambda: bot.recorder.errors)
    assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
    assert interaction.response_message is None
    assert any("10062" in v for v in server.violations)


async def test_late_ack_with_a_real_deadline() -> None:
    async with serving(ack_deadline=0.05) as server:
        demo_bot = DemoBot(intents=default_intents(), guilds=list(server.guilds))
        async with running(server, demo_bot):
            await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo late")
            await server.wait_for_violation(lambda v: "not acknowledged within 0.05s" in v)
            demo_bot.recorder.gate.set()
            errors = await demo_bot.recorder.wait(lambda: demo_bot.recorder.errors)
            assert errors[0].code == 10062


async def test_message_limits(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo long")
    errors = await bot.recorder.wait(lambda: bot.recorder.errors)
    assert errors[0].status == 400 and errors[0].code == 50035
    assert any("content: Must be 2000 or fewer in length." in v for v in server.violations)
    # The bot could still answer after the rejected attempt.
    assert (await interaction.wait_for_original()).content == "sorry, too long"

    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="t")
    for index in range(26):
        embed.add_field(name=f"f{index}", value="v")
    with pytest.raises(discord.HTTPException):
        await channel.send(embed=embed)
    assert "fields" in server.violations[-1]
    with pytest.raises(discord.HTTPException):
        await channel.send(embeds=[discord.Embed(description="d" * 4000) for _ in range(2)])
    assert "6000" in server.violations[-1]
    view = discord.ui.View()
    for index in range(6):
        view.add_item(discord.ui.Button(label="b" * 81, custom_id=f"c{index}"))
    with pytest.raises(discord.HTTPException):
        await channel.send("buttons", view=view)
    assert "label" in server.violations[-1]
    with pytest.raises(discord.HTTPException) as info:
        await bot.http.send_message(
            CHANNEL_A, params=discord.http.MultipartParameters({}, None, None)
        )
    assert info.value.code == 50006 and "empty message" in server.violations[-1]
    count = len(server.violations)
    sent = await channel.send("x" * 2000)
    edit = await sent.edit(content="y" * 2000)
    assert edit.content == "y" * 2000 and len(server.violations) == count
    with pytest.raises(discord.HTTPException):
        await sent.edit(content="z" * 2001)


async def test_allowed_mentions_and_pings(server: LocalDiscord, bot: DemoBot) -> None:
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    loud = await channel.send(f"@everyone look <@{ALICE}>")
    assert server.pings == [
        {"message_id": loud.id, "kind": "everyone", "id": GUILD_A},
        {"message_id": loud.id, "kind": "user", "id": ALICE},
    ]
    server.pings.clear()
    await channel.send(f"@everyone <@{ALICE}>", allowed_mentions=discord.AllowedMentions.none())
    assert server.pings == []
    only = await channel.send(
        f"@everyone <@{ALICE}> <@{BOB}>",
        allowed_mentions=discord.AllowedMentions(everyone=False, users=[discord.Object(BOB)]),
    )
    assert server.pings == [{"message_id": only.id, "kind": "user", "id": BOB}]
    message = server.message(only.id)
    assert message is not None and message.mention_ids == [BOB]
    assert message.allowed_mentions == {"parse": ["roles"], "users": [BOB], "replied_user": True}
    server.pings.clear()
    await channel.send(f"`<@{ALICE}>` and @\u200beveryone")  # code and escaped: no ping
    assert server.pings == []


async def test_user_messages_reach_the_bot(server: LocalDiscord, bot: DemoBot) -> None:
    sent = await server.user_message(GUILD_A, CHANNEL_A, ALICE, "hello bot")
    seen = await bot.recorder.wait(
        lambda: [m for m in bot.recorder.messages if m.author.id == ALICE]
    )
    assert seen[0].content == "hello bot" and str(seen[0].id) == sent["id"]
    assert isinstance(seen[0].author, discord.Member)
    assert [m.content for m in server.messages(CHANNEL_A)] == ["hello bot"]


async def test_message_content_is_emptied_without_the_intent() -> None:
    async with serving(message_content_allowed=False) as server:
        intents = discord.Intents.default()  # no message_content
        demo_bot = DemoBot(intents=intents, guilds=list(server.guilds))
        async with running(server, demo_bot, sync=False):
            rec = demo_bot.recorder
            await server.user_message(GUILD_A, CHANNEL_A, ALICE, "the answer is 42")
            await server.user_message(GUILD_A, CHANNEL_A, BOB, f"<@{server.bot_user_id}> hi")
            seen = await rec.wait(lambda: rec.messages if len(rec.messages) == 2 else None)
            assert [m.content for m in seen] == ["", f"<@{server.bot_user_id}> hi"]
            channel = demo_bot.get_channel(CHANNEL_A)
            assert isinstance(channel, discord.TextChannel)
            reply = await channel.send("question?")
            await server.user_message(GUILD_A, CHANNEL_A, ALICE, "a reply", reply_to=reply.id)
            seen = await rec.wait(lambda: [m for m in rec.messages if m.reference is not None])
            assert seen[0].content == "a reply"
            fetched = [m async for m in channel.history(limit=10)]
            assert [m.content for m in fetched] == [
                "a reply",
                "question?",
                f"<@{server.bot_user_id}> hi",
                "",
            ]
        # Asking for the privileged intent the app does not have closes the gateway with 4014.
        greedy = DemoBot(intents=default_intents(), guilds=list(server.guilds))
        async with pointed_at(server):
            await greedy.login(server.token)
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(greedy.connect(), 5)
            await greedy.close()
        assert any("MESSAGE_CONTENT" in v and "4014" in v for v in server.violations)


async def test_modal_round_trip(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo ask")
    response = await interaction.wait_for_response()
    assert response["type"] == 9 and interaction.modal is not None
    submitted = await server.submit_modal(interaction, {"answer": "Nureyev"})
    assert (await submitted.wait_for_original()).content == "answer: Nureyev"
    assert server.violations == []


async def test_reactions_and_edits_dispatch(server: LocalDiscord, bot: DemoBot) -> None:
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("react to me")
    await sent.add_reaction("\N{THUMBS UP SIGN}")
    await server.user_react(sent.id, "\N{THUMBS UP SIGN}", ALICE)
    fetched = await channel.fetch_message(sent.id)
    assert fetched.reactions[0].count == 2 and fetched.reactions[0].me
    message = server.message(sent.id)
    assert message is not None and message.reactions[0] == ("\N{THUMBS UP SIGN}", bot.user.id)  # type: ignore[union-attr]
    with pytest.raises(discord.HTTPException):
        await sent.add_reaction("thumbsup")
    await sent.delete()
    assert server.messages(CHANNEL_A) == []
    assert "thumbsup" in server.violations[-1]


# --- gateway: sharding, resume, faults ----------------------------------------------------
async def test_two_shards_get_disjoint_guilds() -> None:
    async with serving(shard_count=2) as server:
        sharded = ShardedDemoBot(intents=default_intents(), guilds=list(server.guilds))
        async with running(server, sharded):
            assert ("GET", "/gateway/bot") in [(r.method, r.path) for r in server.requests]
            assert sharded.shard_count == 2 and set(sharded.shards) == {0, 1}
            assert server.guilds_for_shard(0) == [GUILD_B]
            assert server.guilds_for_shard(1) == [GUILD_A]
            guild_a, guild_b = sharded.get_guild(GUILD_A), sharded.get_guild(GUILD_B)
            assert guild_a is not None and guild_a.shard_id == 1
            assert guild_b is not None and guild_b.shard_id == 0
            for guild, channel in ((GUILD_A, CHANNEL_A), (GUILD_B, CHANNEL_B)):
                interaction = await server.slash(guild, channel, ALICE, "demo echo", {"text": "s"})
                assert (await interaction.wait_for_original()).content == "s"
            log = server.gateway.log
            assert (
                "shard 0: READY with 1 guild(s)" in log and "shard 1: READY with 1 guild(s)" in log
            )
        assert server.violations == []


async def test_plain_client_against_a_sharded_app_is_refused() -> None:
    async with serving(shard_count=2) as server:
        plain = DemoBot(intents=default_intents(), guilds=[])
        async with pointed_at(server):
            await plain.login(server.token)
            with pytest.raises(discord.ConnectionClosed) as info:
                await asyncio.wait_for(plain.connect(), 5)
            await plain.close()
        assert info.value.code == 4011


async def test_force_reconnect_resumes_and_replays(server: LocalDiscord, bot: DemoBot) -> None:
    rec = bot.recorder
    await server.force_reconnect(0)
    # Sent while the bot is reconnecting: buffered, then replayed on RESUME.
    await server.user_message(GUILD_A, CHANNEL_A, ALICE, "while away")
    await rec.wait(lambda: rec.resumed >= 1)
    assert server.resumes(0) == 1
    await rec.wait(lambda: [m for m in rec.messages if m.content == "while away"])
    await server.user_message(GUILD_A, CHANNEL_A, BOB, "after")
    await rec.wait(lambda: [m for m in rec.messages if m.content == "after"])
    assert [m.content for m in rec.messages].count("while away") == 1

    await server.drop_connection(0)
    await rec.wait(lambda: rec.resumed >= 2)
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "back"})
    assert (await interaction.wait_for_original()).content == "back"
    assert server.gateway.identify_count == 1
    assert server.violations == []


async def test_invalid_session_forces_a_new_identify(server: LocalDiscord, bot: DemoBot) -> None:
    await server.invalidate_session(0, resumable=False)
    await server.wait_until_ready()
    await server.wait_for(lambda: server.gateway.identify_count == 2 and server.gateway.is_ready())
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "again"})
    assert (await interaction.wait_for_original()).content == "again"


async def test_injected_429_is_retried(server: LocalDiscord, bot: DemoBot) -> None:
    server.inject_rest_failure("POST", "/channels/*/messages", status=429, retry_after=0.01)
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("eventually")
    assert sent.content == "eventually"
    statuses = [r.status for r in server.requests if r.path == f"/channels/{CHANNEL_A}/messages"]
    assert statuses == [429, 200]
    assert server.violations == []

    server.inject_rest_failure("*", "/channels/*", status=403)
    with pytest.raises(discord.Forbidden):
        await channel.send("no")


async def test_wrong_token_fails_login(server: LocalDiscord) -> None:
    wrong = DemoBot(intents=default_intents(), guilds=[])
    async with pointed_at(server):
        with pytest.raises(discord.LoginFailure):
            await wrong.login("not-the-token")
        await wrong.close()
    assert "Authorization" in server.violations[-1]


async def test_gateway_rejects_a_wrong_token_with_4004(server: LocalDiscord) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(server.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "bad", "intents": 1, "properties": {}}})
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004
    assert "wrong token" in server.violations[-1]


async def test_events_need_a_connection(server: LocalDiscord) -> None:
    with pytest.raises(NotConnected):
        await server.user_message(GUILD_A, CHANNEL_A, ALICE, "anyone?")


async def test_guild_setup_validation(server: LocalDiscord) -> None:
    from bot.sandbox import SandboxError

    with pytest.raises(SandboxError):
        server.add_guild(GUILD_A, "dup", channel_ids=[1], members=members())
    with pytest.raises(SandboxError):
        server.add_guild(3 << 22, "x", channel_ids=[CHANNEL_A], members=[])
    server.add_guild(3 << 22, "solo", channel_ids=[7001], members=[SandboxMember(ALICE, "alice")])
    assert server.guilds[3 << 22].owner_id == ALICE


# --- more REST behaviour ------------------------------------------------------------------
async def test_global_commands_and_daily_create_limit() -> None:
    async with serving(command_create_limit=4) as server:
        demo_bot = DemoBot(intents=default_intents(), guilds=[])
        async with running(server, demo_bot, sync=False):
            demo_bot.tree.add_command(
                discord.app_commands.Command(name="hello", description="Say hello", callback=_hello)
            )
            synced = await demo_bot.tree.sync()
            assert [c.name for c in synced] == ["hello"]
            assert server.available_commands(GUILD_A) == {"hello": server.published_commands()[0]}
            interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "hello")
            assert (await interaction.wait_for_original()).content == "hi!"
            assert "guild_id" not in interaction.payload["data"]
            # Re-syncing the same commands creates nothing; new names count as creates.
            await demo_bot.tree.sync()
            creates = [{"name": f"new{i}", "description": "d", "type": 1} for i in range(4)]
            with pytest.raises(discord.HTTPException) as info:
                await demo_bot.http.bulk_upsert_global_commands(server.application_id, creates)
            assert info.value.code == 30034
            assert "command creates per day" in server.violations[-1]


async def _hello(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("hi!")


async def test_available_commands_respect_permissions(server: LocalDiscord, bot: DemoBot) -> None:
    everything = server.available_commands(GUILD_A)
    assert "admin reset" in everything and "demo echo" in everything and "help" in everything
    assert "admin reset" not in server.available_commands(GUILD_A, ALICE)
    assert [o["name"] for o in everything["demo count"]["options"]] == ["n", "unit", "who"]


async def test_channel_flooding_is_rate_limited() -> None:
    async with serving(channel_message_rate=(2, 0.2)) as server:
        demo_bot = DemoBot(intents=default_intents(), guilds=[])
        async with running(server, demo_bot, sync=False):
            channel = demo_bot.get_channel(CHANNEL_A2)
            assert isinstance(channel, discord.TextChannel)
            for index in range(3):
                await channel.send(f"spam {index}")
            assert len(server.messages(CHANNEL_A2)) == 3
            assert any("more than 2 messages" in v for v in server.violations)


async def test_wait_for_message_and_subscribe(server: LocalDiscord, bot: DemoBot) -> None:
    seen: list[tuple[str, int]] = []
    unsubscribe = server.subscribe(lambda kind, message: seen.append((kind, message.id)))
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    waiter = asyncio.create_task(server.wait_for_message(lambda m: m.content == "later"))
    sent = await channel.send("later")
    found = await waiter
    assert found.id == sent.id and found.author_id == server.bot_user_id
    await sent.edit(content="edited")
    unsubscribe()
    await sent.delete()
    assert seen == [("create", sent.id), ("edit", sent.id)]
    from bot.sandbox import SandboxTimeout

    with pytest.raises(SandboxTimeout):
        await server.wait_for_message(lambda m: m.content == "never", timeout=0.01)


async def test_interaction_tokens_expire(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo echo", {"text": "t"})
    await interaction.wait_for_original()
    server.advance_time(server.interaction_token_ttl + 1)
    status, _, body = await raw(
        server,
        "PATCH",
        f"/webhooks/{server.application_id}/{interaction.token}/messages/@original",
        body={"content": "too late"},
        auth=False,
    )
    assert (status, body["code"]) == (401, 50027)
    assert "tokens live" in server.violations[-1]


async def test_files_are_sent_as_multipart(server: LocalDiscord, bot: DemoBot) -> None:
    interaction = await server.slash(GUILD_A, CHANNEL_A, ALICE, "demo file")
    message = await interaction.wait_for_original()
    assert message.content == "here"
    assert [(a["filename"], a["size"]) for a in message.attachments] == [("defectors.csv", 23)]
    channel = bot.get_channel(CHANNEL_A)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(file=discord.File(io.BytesIO(b"abc"), "a.txt"))
    assert sent.attachments[0].filename == "a.txt" and sent.attachments[0].size == 3
    assert server.violations == []


def test_the_typed_settings_name_every_keyword_of_the_state_with_its_type() -> None:
    """LocalDiscord's ``**settings`` are typed by SandboxSettings and passed to SandboxState:
    a keyword added to one and not the other would be untyped (or refused) at call sites."""
    parameters = inspect.signature(SandboxState.__init__).parameters
    keywords = {n for n, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert set(SandboxSettings.__optional_keys__) == keywords == set(parameters) - {"self"}
    hints = get_type_hints(SandboxState.__init__)
    assert get_type_hints(SandboxSettings) == {n: hints[n] for n in keywords}


def test_a_misspelt_setting_is_refused() -> None:
    with pytest.raises(TypeError, match="tokn"):
        LocalDiscord(tokn="x")  # type: ignore[call-arg]
