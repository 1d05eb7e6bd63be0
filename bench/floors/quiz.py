"""The floor of ``bench.scale``: a minimal discord.py quiz bot given the events of the quizzes.

FLOOR_MODE=quiz (the default) plays the quizzes with no judging and no database; FLOOR_MODE=read
only reads each message (the reading floor). What is right or near in each channel comes from
the JSON file FLOOR_KEYS, written by the benchmark and read again after each SIGUSR1.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from typing import Any, Literal

import discord
from discord import app_commands

from bench.floors import Floor, point_at_local_discord, run

PLAYS = os.environ.get("FLOOR_MODE", "quiz") == "quiz"
KEYS_PATH = os.environ.get("FLOOR_KEYS", "")
REVEAL_PAUSE = float(os.environ.get("QUIZ_REVEAL_PAUSE", "1"))
SOURCE = (
    "Defected while on tour with the national ensemble, asking the police for asylum on the "
    "last evening of the visit."
)
keys: dict[str, dict[str, dict[str, Any]]] = {}
stale = bool(KEYS_PATH)


def reload_keys(*_: object) -> None:
    global stale
    stale = True


class Answer(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:(?P<game>\d{1,20}):(?P<number>\d{1,3}):(?P<choice>\d)",
):
    def __init__(self, game: int, number: int, choice: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Choice {choice + 1}", custom_id=f"quiz:{game}:{number}:{choice}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Answer:
        return cls(int(match["game"]), int(match["number"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Locked in.", ephemeral=True)


class Typed:
    """A typed game in a channel: the number of its question, and whether it is open."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.number = 1
        self.open = True
        self.right: object = None
        self.near: frozenset[str] = frozenset()
        self.known = False


group = app_commands.Group(name="quiz", description="A constant quiz", guild_only=True)
games = 0
typed: dict[int, Typed] = {}


def question_embed(number: int, rounds: int) -> discord.Embed:
    embed = discord.Embed(
        title=f"Question {number} of {rounds} · Constant",
        description="In which year did this constant person defect to the West?",
        colour=0x8B0000,
    )
    embed.add_field(
        name="Type your answer in this channel", value="Closes <t:1800000000:R>", inline=False
    )
    embed.set_footer(text="Difficulty ●●○")
    return embed


def stopped_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


@group.command(name="start", description="Start a constant quiz")
async def start(
    interaction: discord.Interaction,
    rounds: app_commands.Range[int, 1, 50] | None = None,
    kinds: app_commands.Range[str, 1, 60] | None = None,
    mode: Literal["buttons", "typed"] | None = None,
    seconds: app_commands.Range[int, 5, 120] | None = None,
) -> None:
    global games
    games += 1
    await interaction.response.send_message(f"Quiz #{games} started.")
    channel = interaction.channel
    assert isinstance(channel, discord.abc.Messageable)
    if mode == "typed":
        if not PLAYS:
            return
        typed[interaction.channel_id or 0] = Typed(rounds or 10)
        await channel.send(embed=question_embed(1, rounds or 10), view=stopped_view())
        return
    view = stopped_view(*(Answer(games, 1, choice) for choice in range(4)))
    embed = discord.Embed(title="Question 1 of 1 · Constant", description="A constant question.")
    await channel.send(embed=embed, view=view)


class QuizFloor(Floor):
    async def setup_hook(self) -> None:
        self.add_dynamic_items(Answer)
        await super().setup_hook()

    async def on_message(self, message: discord.Message) -> None:
        global keys, stale
        if message.author.bot:
            return
        content = message.content
        if not PLAYS:
            return
        game = typed.get(message.channel.id)
        if game is None or not game.open:
            return
        if stale:
            with open(KEYS_PATH, encoding="utf-8") as file:
                keys = json.load(file)
            stale = False
            for each in typed.values():
                each.known = False
        if not game.known:
            key = keys.get(str(message.channel.id), {}).get(str(game.number), {})
            game.right, game.near = key.get("right"), frozenset(key.get("near", ()))
            game.known = True
        if content == game.right:
            game.open = False
            await message.add_reaction("✅")
            await self.close_question(message, game)
        elif content in game.near:
            await message.add_reaction("🤏")

    async def close_question(self, message: discord.Message, game: Typed) -> None:
        embed = discord.Embed(title=f"Question {game.number}: the answer was 1961", colour=0x8B0000)
        embed.add_field(name="Got it", value=f"<@{message.author.id}> +10 (2.4 s)", inline=False)
        embed.add_field(name="From the source", value=SOURCE, inline=False)
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label="Learn more: A Constant Person", custom_id="card:constant"
        )
        await message.channel.send(embed=embed, view=stopped_view(button))
        await asyncio.sleep(REVEAL_PAUSE)
        if game.number >= game.rounds:
            del typed[message.channel.id]
            await message.channel.send(embed=discord.Embed(title="Quiz over"))
            return
        game.number += 1
        game.open, game.known = True, False
        embed = question_embed(game.number, game.rounds)
        await message.channel.send(embed=embed, view=stopped_view())


if __name__ == "__main__":
    point_at_local_discord()
    signal.signal(signal.SIGUSR1, reload_keys)
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    run(QuizFloor(intents, group))
