"""A tiny real discord.py bot and fixtures that run it against the local Discord."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any, Unpack

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from bot.sandbox import MANAGE_GUILD, LocalDiscord, SandboxMember
from bot.sandbox.state import SandboxSettings

GUILD_A = 1 << 22  # shard 1 of 2
GUILD_B = 2 << 22  # shard 0 of 2
CHANNEL_A = 5001
CHANNEL_A2 = 5002
CHANNEL_B = 6001
ALICE = 9001
BOB = 9002
ADMIN = 9003
OWNER = 9004

FRUITS = ["apple", "apricot", "banana", "blueberry", "cherry", "grape", "lemon", "mango"]


class Recorder:
    """What the demo bot saw and what its handlers caught, for the tests to inspect."""

    def __init__(self) -> None:
        self.messages: list[discord.Message] = []
        self.errors: list[Exception] = []
        self.gate = asyncio.Event()
        self.changed = asyncio.Event()
        self.resumed = 0

    def note(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait(self, probe: Any, timeout: float = 5.0) -> Any:
        async with asyncio.timeout(timeout):
            while not (result := probe()):
                await self.changed.wait()
            return result


def recorder_of(interaction: discord.Interaction[Any]) -> Recorder:
    rec: Recorder = interaction.client.recorder  # type: ignore[attr-defined]
    return rec


class ConfirmView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="OK", custom_id="demo:ok", style=discord.ButtonStyle.primary)
    async def ok(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.edit_message(content="confirmed", view=None)

    @discord.ui.button(label="Later", custom_id="demo:later")
    async def later(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="deferred edit")

    @discord.ui.select(
        custom_id="demo:pick",
        options=[discord.SelectOption(label=f.title(), value=f) for f in FRUITS[:3]],
    )
    async def pick(
        self, interaction: discord.Interaction[Any], select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Answer", custom_id="answer")

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"answer: {self.answer.value}", ephemeral=True)


demo = app_commands.Group(name="demo", description="Demo commands")
admin = app_commands.Group(
    name="admin",
    description="Admin commands",
    default_permissions=discord.Permissions(manage_guild=True),
)


@demo.command(name="echo", description="Echo text back")
@app_commands.describe(text="What to echo")
async def echo(interaction: discord.Interaction[Any], text: str) -> None:
    await interaction.response.send_message(text, allowed_mentions=discord.AllowedMentions.none())


@demo.command(name="count", description="Count to a number")
@app_commands.choices(
    unit=[
        app_commands.Choice(name="Apples", value="apple"),
        app_commands.Choice(name="Pears", value="pear"),
    ]
)
async def count(
    interaction: discord.Interaction[Any],
    n: app_commands.Range[int, 1, 10],
    unit: str = "apple",
    who: discord.Member | None = None,
) -> None:
    suffix = f" for {who.display_name}" if who is not None else ""
    await interaction.response.send_message(f"{n} {unit}{suffix}")


@demo.command(name="secret", description="Ephemeral reply")
async def secret(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("only you can see this", ephemeral=True)


@demo.command(name="slow", description="Deferred reply, edit, followup")
async def slow(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(content="done thinking")
    await interaction.followup.send("and one more thing")


@demo.command(name="slowfollow", description="Deferred reply answered by a followup")
async def slowfollow(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.defer(thinking=True, ephemeral=True)
    await interaction.followup.send("followup after defer")


@demo.command(name="pick", description="Pick a fruit")
async def pick(interaction: discord.Interaction[Any], fruit: str) -> None:
    if fruit not in FRUITS:
        await interaction.response.send_message("unknown fruit", ephemeral=True)
        return
    await interaction.response.send_message(f"you picked {fruit}")


@pick.autocomplete("fruit")
async def pick_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)][:25]


@demo.command(name="many", description="Autocomplete that forgets to slice")
async def many(interaction: discord.Interaction[Any], item: str) -> None:
    await interaction.response.send_message(item)


@many.autocomplete("item")
async def many_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"item {i}", value=str(i)) for i in range(30)]


@demo.command(name="buttons", description="A message with a button and a select")
async def buttons(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("confirm?", view=ConfirmView())


@demo.command(name="twice", description="Answers twice")
async def twice(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("first")
    try:
        await discord.InteractionResponse(interaction).send_message("second")
    except discord.HTTPException as exc:
        recorder_of(interaction).errors.append(exc)
        recorder_of(interaction).note()


@demo.command(name="late", description="Waits for the gate before answering")
async def late(interaction: discord.Interaction[Any]) -> None:
    rec = recorder_of(interaction)
    await rec.gate.wait()
    try:
        await interaction.response.send_message("too late?")
    except discord.HTTPException as exc:
        rec.errors.append(exc)
        rec.note()


@demo.command(name="long", description="Sends too much")
async def long(interaction: discord.Interaction[Any]) -> None:
    try:
        await interaction.response.send_message("x" * 2001)
    except discord.HTTPException as exc:
        recorder_of(interaction).errors.append(exc)
        recorder_of(interaction).note()
        await interaction.response.send_message("sorry, too long", ephemeral=True)


@demo.command(name="file", description="Replies with a file")
async def file(interaction: discord.Interaction[Any]) -> None:
    data = io.BytesIO(b"name,year\nNureyev,1961\n")
    await interaction.response.send_message("here", file=discord.File(data, "defectors.csv"))


@demo.command(name="ask", description="Opens a modal")
async def ask(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_modal(AnswerModal())


@admin.command(name="reset", description="Reset everything")
async def reset(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("reset done", ephemeral=True)


@app_commands.command(name="help", description="How to use the bot")
async def help_command(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("help text", ephemeral=True)


class _DemoMixin:
    """What the plain and the sharded demo bot share; the bot class comes after it in the bases."""

    recorder: Recorder
    tree: app_commands.CommandTree[Any]

    def __init__(self, *, intents: discord.Intents, guilds: list[int], **kwargs: Any) -> None:
        super().__init__(  # commands.Bot.__init__, by the MRO
            command_prefix=commands.when_mentioned,
            intents=intents,
            guild_ready_timeout=0.05,
            **kwargs,
        )
        self.recorder = Recorder()
        self._guild_ids = guilds

    async def setup_hook(self) -> None:
        for guild_id in self._guild_ids:
            target = discord.Object(guild_id)
            for command in (demo, admin, help_command):
                self.tree.add_command(command, guild=target)

    async def on_message(self, message: discord.Message) -> None:
        self.recorder.messages.append(message)
        self.recorder.note()

    async def on_resumed(self) -> None:
        self.recorder.resumed += 1
        self.recorder.note()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before every non-initial IDENTIFY


class DemoBot(_DemoMixin, commands.Bot):
    pass


class ShardedDemoBot(_DemoMixin, commands.AutoShardedBot):
    pass


def members() -> list[SandboxMember]:
    return [
        SandboxMember(OWNER, "owner"),
        SandboxMember(ALICE, "alice"),
        SandboxMember(BOB, "bob"),
        SandboxMember(ADMIN, "admin", permissions=SandboxMember(0, "").permissions | MANAGE_GUILD),
    ]


def make_server(**kwargs: Unpack[SandboxSettings]) -> LocalDiscord:
    server = LocalDiscord(**kwargs)
    server.add_guild(
        GUILD_A,
        "Guild A",
        channel_ids=[CHANNEL_A, CHANNEL_A2],
        members=members(),
        owner_id=OWNER,
    )
    server.add_guild(GUILD_B, "Guild B", channel_ids=[CHANNEL_B], members=members()[:3])
    return server


@contextlib.asynccontextmanager
async def pointed_at(server: LocalDiscord) -> AsyncIterator[None]:
    """Redirect discord.py's REST base and default gateway to the sandbox, then restore."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running(
    server: LocalDiscord, bot: commands.Bot, *, sync: bool = True
) -> AsyncIterator[commands.Bot]:
    """login + connect + wait for READY on every shard (+ sync the guild commands)."""
    async with pointed_at(server):
        task: asyncio.Task[None] | None = None
        try:
            await bot.login(server.token)
            task = asyncio.create_task(bot.connect())
            await server.wait_until_ready()
            await asyncio.wait_for(bot.wait_until_ready(), 5)
            if sync:
                for guild_id in server.guilds:
                    await bot.tree.sync(guild=discord.Object(guild_id))
            yield bot
        finally:
            await bot.close()
            if task is not None:
                with contextlib.suppress(Exception):
                    await task


def default_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    return intents


@contextlib.asynccontextmanager
async def serving(**kwargs: Unpack[SandboxSettings]) -> AsyncIterator[LocalDiscord]:
    """make_server(**kwargs), started, and closed on the way out."""
    server = make_server(**kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def server() -> AsyncIterator[LocalDiscord]:
    async with serving() as srv:
        yield srv


@pytest.fixture
async def bot(server: LocalDiscord) -> AsyncIterator[DemoBot]:
    demo_bot = DemoBot(intents=default_intents(), guilds=list(server.guilds))
    async with running(server, demo_bot):
        yield demo_bot
