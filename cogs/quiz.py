"""/quiz, /leaderboard and /quizconfig: quizzes in channels, rankings, per-server settings.

This cog is the game's presenter (it shows questions and results in the channel) and the
adapter for members' actions; the rules live in bot/quiz, the timing in bot/services/quiz.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import handle_message_parameters

from bot.client import DefectorBot, RefusedCheck
from bot.errors import InvalidInput, NotPermitted, UserFacingError, quoted
from bot.quiz.game import (
    AnswerOutcome,
    GameResult,
    GameSettings,
    Mode,
    QuestionResult,
)
from bot.quiz.limits import ROUNDS, SECONDS
from bot.quiz.model import Question, QuestionKind
from bot.quiz.report import as_seen
from bot.records import InterruptedGame, Period
from bot.services import pictures as picture_service
from bot.services.leaderboard import LeaderboardQuery, Scope, Viewer
from bot.services.quiz import (
    DIFFICULTY_NAMES,
    QuizService,
    RunningGame,
    Saved,
    TooManyGuesses,
)
from bot.services.starting import ChannelRefused, StartRequest
from bot.ui import admin as admin_ui
from bot.ui import daily as daily_ui
from bot.ui import pictures as pictures_ui
from bot.ui import quiz as ui
from bot.ui import report as report_ui
from bot.ui import settings as settings_ui
from bot.ui.components import stateless_view
from cogs.options import Kinds

log = logging.getLogger(__name__)
DEFER_AFTER = 2.0
"""Seconds /quiz start may spend on the database before it acknowledges the interaction
(Discord drops an interaction not acknowledged within 3 s)."""
ANNOUNCE_WITHIN = 5.0
"""Seconds a new game's first question waits for its announcement (which states the rules)
to be posted; normally it is there within milliseconds."""

DIFFICULTY = {name: level for level, name in DIFFICULTY_NAMES.items()}
DEFAULTS = GameSettings()
"""The game's default rules, for command descriptions written before any game exists."""
KEPT = frozenset({Saved.WRITTEN, Saved.JOURNALED})
"""Where a point must be for its typed answer to get a ✅."""
KIND_CHOICES = [app_commands.Choice(name=ui.KIND_TITLES[k], value=k.value) for k in QuestionKind]


Rounds = app_commands.Range[int, ROUNDS.low, ROUNDS.high]
Seconds = app_commands.Range[int, SECONDS.low, SECONDS.high]
"""Options whose bounds are the game's own (bot/quiz/limits), so Discord refuses the rest."""


def is_moderator(interaction: discord.Interaction[DefectorBot]) -> bool:
    return bool(interaction.permissions.manage_messages)


class Quiz(commands.Cog):
    quiz = app_commands.Group(
        name="quiz", description="Trivia about the defectors, in this channel", guild_only=True
    )

    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot
        self._recovery: asyncio.Task[None] | None = None
        self.defer_after = DEFER_AFTER

    @property
    def service(self) -> QuizService:
        return self.bot.services.quiz

    async def cog_load(self) -> None:
        self.service.presenter = self
        if self.bot.maintenance:
            return  # e.g. `defector-bot sync`: the games belong to the running bot
        # Close interrupted games now, before the gateway delivers a single /quiz start;
        # tell their channels once connected.
        settings = self.bot.settings
        closed = await self.service.recover(
            shard_count=settings.shard_count or 1, shard_ids=settings.shard_ids
        )
        if closed:
            self._recovery = asyncio.create_task(self._announce(closed))
        # Last: a load that failed above gets no cog_unload, and must leave no reader behind.
        self.bot.message_reader = self.read_message

    async def cog_unload(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
        self.service.presenter = None
        if self.bot.message_reader == self.read_message:
            self.bot.message_reader = None

    async def _announce(self, closed: list[InterruptedGame]) -> None:
        await self.bot.wait_until_ready()
        await self.service.announce_interrupted(closed)

    # -- presenter ---------------------------------------------------------------------------

    def _channel(self, channel_id: int) -> discord.abc.Messageable | None:
        channel = self.bot.get_channel(channel_id)
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def question(self, game: RunningGame, question: Question) -> None:
        channel = self._channel(game.channel_id)
        if channel is None:
            return
        message = await channel.send(
            embed=ui.question_embed(game, question), view=ui.question_view(game, question)
        )
        game.question_message_id = message.id

    async def closed(self, game: RunningGame, result: QuestionResult) -> None:
        channel = self._channel(game.channel_id)
        if channel is None:
            return
        question = result.question
        if game.winning_message_id is not None and game.saved.get(result.number) in KEPT:
            # The ✅ comes now, not when the message arrived: only once the point is kept.
            with contextlib.suppress(discord.HTTPException):
                winner = channel.get_partial_message(game.winning_message_id)  # type: ignore[attr-defined]
                await winner.add_reaction("✅")
        if game.question_message_id is not None:
            # The question stops counting down (and its buttons switch off) once it is closed.
            embed = ui.question_embed(game, question, closed=True)
            with contextlib.suppress(discord.HTTPException):
                if game.settings.mode is Mode.BUTTONS:
                    message = channel.get_partial_message(game.question_message_id)  # type: ignore[attr-defined]
                    view = ui.question_view(game, question, disabled=True)
                    await message.edit(embed=embed, view=view)
                else:
                    await self._edit_embed(game.channel_id, game.question_message_id, embed)
        view = ui.learn_more_view(question) if game.reveal else stateless_view()
        reports = self.bot.services.reports
        if reports is not None:
            # Kept in memory; stored only if a member reports it (or at shutdown).
            seen = as_seen(question, typed=game.settings.mode is Mode.TYPED)
            view.add_item(report_ui.ReportButton(reports.shown(seen)))
        # Typed: who got it, in the message itself (an embed is easy to skim past); the
        # mention names the winner without pinging anyone.
        await channel.send(
            content=ui.winner_line(result),
            embed=ui.result_embed(game, result),
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _edit_embed(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        """Replace a message's embed, and only that: the same PATCH as ``Message.edit``,
        without building a Message from Discord's reply, which nothing here reads (this edit
        comes with every typed question's close, on the answer path)."""
        with handle_message_parameters(embed=embed) as params:
            await self.bot.http.edit_message(channel_id, message_id, params=params)

    async def ended(self, game: RunningGame, result: GameResult) -> None:
        channel = self._channel(game.channel_id)
        if channel is not None:
            embed = ui.standings_embed(game, result)
            # No podium without a winner: when nobody scored, the text says so alone.
            top = result.standings[:10] if result.winner is not None else []
            guild = getattr(channel, "guild", None)
            names = await pictures_ui.display_names(guild, [player for player, _ in top])
            points = [p for _, p in top]
            file = await pictures_ui.standings_file(
                self.bot.services.pictures, embed, list(zip(names, points, strict=True)),
                questions=result.questions_asked, ending=ui.END_WORDS[result.reason],
            )  # fmt: skip
            await channel.send(embed=embed, file=file or discord.utils.MISSING)

    async def interrupted(self, channel_id: int) -> None:
        channel = self._channel(channel_id)
        if channel is not None:
            await channel.send(
                "The quiz in this channel was interrupted by a restart. Points already "
                "awarded are kept; start a new one with `/quiz start`."
            )

    # -- typed answers -----------------------------------------------------------------------

    async def read_message(self, message: discord.Message) -> None:
        """A member's message (from the bot's on_message): a typed answer if a typed game
        runs in its channel."""
        if message.author.bot or message.guild is None or not message.content:
            return
        try:
            outcome = self.service.typed_answer(
                message.channel.id, message.author.id, message.content, event_id=message.id
            )
        except TooManyGuesses:
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction("🐢")  # once per member and question
            return
        except UserFacingError as error:
            log.debug("typed answer not taken: %s", error.message)
            return
        # A winner gets its ✅ with the result, once the point is saved (``closed``).
        if outcome is AnswerOutcome.CLOSE:
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction("🤏")
        elif outcome is AnswerOutcome.LOCKED_IN:  # a chronology order: one try each
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction("🔒")

    # -- /quiz ----------------------------------------------------------------------------------

    @quiz.command(name="start", description="Start a quiz in this channel")
    @app_commands.describe(
        rounds="How many questions (default: the server's setting)",
        kinds="Which questions: year, country, method, who, order (chronology), or a mix",
        mode="Answer with buttons, or by typing in the channel",
        seconds="Seconds each question stays open",
        difficulty="Only questions of this difficulty",
        target="End early when someone reaches this many points",
    )
    async def start(
        self,
        interaction: discord.Interaction[DefectorBot],
        rounds: Rounds | None = None,
        kinds: Kinds | None = None,
        mode: Literal["buttons", "typed"] | None = None,
        seconds: Seconds | None = None,
        difficulty: Literal["easy", "medium", "hard"] | None = None,
        target: app_commands.Range[int, 1, 10000] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        # The database is read and written before the reply; if that is slow (a busy SQLite,
        # a far PostgreSQL) the interaction is acknowledged first, within Discord's 3 s.
        work = asyncio.ensure_future(
            self._start(interaction, rounds, kinds, mode, seconds, difficulty, target)
        )
        acknowledged = await self._defer_if_slow(interaction, work)
        game, announcement = await work  # errors reach the tree's on_error, which knows a defer
        try:
            await self._announce_start(interaction, acknowledged, announcement)
        finally:
            game.announced.set()  # the first question may go now (also if this failed)

    async def _announce_start(
        self,
        interaction: discord.Interaction[DefectorBot],
        acknowledged: bool | None,
        announcement: str,
    ) -> None:
        if acknowledged is None:
            await interaction.response.send_message(announcement)
        elif acknowledged:
            # Deferred ephemerally (an error would have stayed between the bot and the
            # member): the first followup replaces the "thinking" message and keeps it
            # private; the next is an ordinary public message.
            await interaction.followup.send("Started.", ephemeral=True)
            await interaction.followup.send(announcement)
        else:
            # The interaction could not be acknowledged (Discord gave up on it); the game
            # runs, so the channel is told directly.
            channel = self.bot.get_partial_messageable(interaction.channel_id or 0)
            with contextlib.suppress(discord.HTTPException):
                await channel.send(announcement)

    async def _defer_if_slow(
        self,
        interaction: discord.Interaction[DefectorBot],
        work: asyncio.Future[tuple[RunningGame, str]],
    ) -> bool | None:
        """Wait for ``work`` until ``defer_after`` seconds after the interaction was created;
        if it is not done by then, defer (ephemeral, "thinking"). None: not deferred; True:
        deferred; False: the defer failed (``work`` goes on: it may be starting a game)."""
        waited = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        done, _ = await asyncio.wait({work}, timeout=max(0.0, self.defer_after - waited))
        if done:
            return None
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            log.warning("could not defer /quiz start (%s); the game still starts", error)
            return False
        return True

    async def _start(
        self,
        interaction: discord.Interaction[DefectorBot],
        rounds: int | None,
        kinds: frozenset[QuestionKind] | None,
        mode: str | None,
        seconds: int | None,
        difficulty: str | None,
        target: int | None,
    ) -> tuple[RunningGame, str]:
        """Start the game; the game and its public announcement."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        request = StartRequest(
            guild_id=interaction.guild_id, channel_id=interaction.channel_id,
            starter_id=interaction.user.id, rounds=rounds,
            kinds=kinds, mode=Mode(mode) if mode else None,
            seconds=seconds, difficulty=DIFFICULTY.get(difficulty or ""), target=target,
            typed_answers=self.bot.typed_answers,
        )  # fmt: skip
        try:
            game = await self.service.start_requested(request, announce_within=ANNOUNCE_WITHIN)
        except ChannelRefused as refused:
            raise InvalidInput(settings_ui.refusal(refused.settings, refused.channel_id)) from None
        return game, ui.start_announcement(game)

    @quiz.command(
        name="hint", description=f"A hint for the open question ({ui.hint_cost(DEFAULTS)})"
    )
    async def hint(self, interaction: discord.Interaction[DefectorBot]) -> None:
        assert interaction.channel_id is not None
        text = self.service.hint(
            interaction.channel_id, interaction.user.id, moderator=is_moderator(interaction)
        )
        cost = ui.hint_cost(self.service.running(interaction.channel_id).settings)
        await interaction.response.send_message(f"💡 Hint: {text}\n({cost})")

    @quiz.command(
        name="skip",
        description="Skip the open question (with buttons, answers already locked in still count)",
    )
    async def skip(self, interaction: discord.Interaction[DefectorBot]) -> None:
        assert interaction.channel_id is not None
        self.service.skip(
            interaction.channel_id, interaction.user.id, moderator=is_moderator(interaction)
        )
        await interaction.response.send_message("Question skipped.")

    @quiz.command(name="stop", description="Stop the quiz in this channel")
    async def stop(self, interaction: discord.Interaction[DefectorBot]) -> None:
        assert interaction.channel_id is not None
        self.service.stop(
            interaction.channel_id, interaction.user.id, moderator=is_moderator(interaction)
        )
        await interaction.response.send_message("Stopping the quiz…")

    @quiz.command(name="status", description="The quiz running in this channel")
    async def status(self, interaction: discord.Interaction[DefectorBot]) -> None:
        assert interaction.channel_id is not None
        running = self.service.running(interaction.channel_id)
        await interaction.response.send_message(
            ui.status_text(running, interaction.user.id), ephemeral=True
        )

    @quiz.command(name="stats", description="Quiz figures for you or another member")
    @app_commands.describe(
        member="Whose figures (default: yours)", everywhere="Count every server, not just this one"
    )
    async def stats(
        self,
        interaction: discord.Interaction[DefectorBot],
        member: discord.User | None = None,
        everywhere: bool = False,
    ) -> None:
        who = member or interaction.user
        if who.bot:
            raise InvalidInput("Bots don't play quizzes.")
        privacy = self.bot.services.privacy
        if who.id != interaction.user.id and privacy is not None and await privacy.hidden(who.id):
            # /privacy hide keeps a member off every board; their figures are theirs alone.
            raise NotPermitted(f"{quoted(who.display_name)} keeps their quiz stats private.")
        guild_id = None if everywhere else interaction.guild_id
        figures = await self.service.stats(user_id=who.id, guild_id=guild_id)
        scope = "every server" if guild_id is None else "this server"
        embed = ui.stats_embed(figures, scope=scope)
        daily = self.bot.services.daily
        if daily is not None and interaction.guild_id is not None:
            current, best = await daily.streak(guild_id=interaction.guild_id, user_id=who.id)
            name = "Daily question (this server)" if everywhere else "Daily question"
            embed.add_field(name=name, value=f"streak {current} · best {best}")
        # The profile card: the same figures as a picture, with the all-time rank.
        query = LeaderboardQuery(Scope.GLOBAL if everywhere else Scope.SERVER, Period.ALL)
        viewer = Viewer(who.id, interaction.guild_id)
        board, rank = await self.service.board(query, viewer)
        if rank is not None:
            embed.add_field(name="Rank", value=f"#{rank.rank} of {board.total_players}")
        picture = picture_service.profile(
            figures, name=who.display_name, scope=scope, rank=rank,
            players=board.total_players, labels=ui.KIND_TITLES,
        )  # fmt: skip
        await pictures_ui.respond(interaction, embed, picture)

    # -- /leaderboard ---------------------------------------------------------------------

    @app_commands.command(name="leaderboard", description="Quiz rankings, 10 a page")
    @app_commands.describe(
        scope="This server or every server",
        period="Which time window",
        kind="Only one kind of question",
        ranking="points, or this server's daily question streaks",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction[DefectorBot],
        scope: Literal["server", "global"] = "server",
        period: Literal["week", "month", "all"] = "all",
        kind: str | None = None,
        ranking: Literal["points", "daily streaks"] = "points",
    ) -> None:
        if ranking == "daily streaks":
            embed, view = await daily_ui.streak_message(interaction, page=1)
            await interaction.response.send_message(embed=embed, view=view)
            return
        query = LeaderboardQuery(
            scope=Scope(scope), period=Period(period), kind=QuestionKind(kind) if kind else None
        )
        embed, view = await ui.leaderboard_message(interaction, query)
        await interaction.response.send_message(embed=embed, view=view)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class QuizConfig(
    commands.GroupCog,
    group_name="quizconfig",
    group_description="Quiz settings for this server (Manage Server)",
):
    """Admin settings: its own top-level group, so Discord's default permission applies, and
    checked again at run time (an admin can change who sees a command)."""

    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[DefectorBot]) -> bool:  # type: ignore[override]
        if interaction.guild_id is None:
            raise RefusedCheck("Quiz settings belong to a server.")
        if not interaction.permissions.manage_guild:
            raise RefusedCheck("You need the Manage Server permission to change quiz settings.")
        return True

    @app_commands.command(name="reports", description="Questions members reported here")
    @app_commands.describe(page="Which page (5 questions to a page)")
    async def reports(
        self,
        interaction: discord.Interaction[DefectorBot],
        page: app_commands.Range[int, 1, 10000] = 1,
    ) -> None:
        assert interaction.guild_id is not None
        reports = self.bot.services.reports
        if reports is None:
            raise InvalidInput("Reports are not available here.")
        found = await reports.page(guild_id=interaction.guild_id, page=page)
        if found.total and page > found.pages:
            # The store clamps the page; showing the last one would pass for the page asked.
            only = "is only 1 page" if found.pages == 1 else f"are only {found.pages} pages"
            raise InvalidInput(f"There {only} of reported questions here.")
        await interaction.response.send_message(
            embed=report_ui.reports_embed(found),
            view=report_ui.reports_view(found),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="show", description="Show this server's quiz settings")
    async def show(self, interaction: discord.Interaction[DefectorBot]) -> None:
        assert interaction.guild_id is not None
        config = await self.bot.services.quiz.guild_settings(interaction.guild_id)
        await interaction.response.send_message(
            embed=settings_ui.settings_embed(config), ephemeral=True
        )

    @app_commands.command(name="set", description="Change the defaults for new quizzes")
    @app_commands.describe(
        rounds=f"Questions per game ({ROUNDS})",
        seconds=f"Seconds per question ({SECONDS})",
        mode="Default answer mode",
        reveal="Show the right answer and the source notes after each question",
    )
    async def set(
        self,
        interaction: discord.Interaction[DefectorBot],
        rounds: Rounds | None = None,
        seconds: Seconds | None = None,
        mode: Literal["buttons", "typed"] | None = None,
        reveal: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        config = await self.bot.services.quiz.update_guild_settings(
            interaction.guild_id,
            default_rounds=rounds,
            seconds_per_question=seconds,
            mode=mode,
            reveal_answers=reveal,
        )
        await interaction.response.send_message(
            "Saved.", embed=settings_ui.settings_embed(config), ephemeral=True
        )

    @app_commands.command(
        name="channel",
        description="Allow or deny quizzes in a channel: if any are allowed, only those; "
        "denied ones never",
    )
    @app_commands.describe(
        channel="The channel",
        allowed="true: on the allowed list (then quizzes run only in listed channels); "
        "false: never there",
    )
    async def channel(
        self,
        interaction: discord.Interaction[DefectorBot],
        channel: discord.TextChannel,
        allowed: bool,
    ) -> None:
        assert interaction.guild_id is not None
        # One read-and-write in the store: two admins at once both get their change.
        service = self.bot.services.quiz
        change = await service.set_channel_rule(interaction.guild_id, channel.id, allowed=allowed)
        running = service.channels_with_quiz(interaction.guild_id)
        await interaction.response.send_message(
            settings_ui.channel_rule_note(change, channel.id, allowed=allowed, running=running),
            embed=settings_ui.settings_embed(change.after),
            ephemeral=True,
        )

    @app_commands.command(name="reset", description="Reset this server's quiz settings or scores")
    @app_commands.describe(
        what="settings: back to the defaults; scores: delete answers (you confirm first)",
        member="With scores: only this member's answers in this server",
    )
    async def reset(
        self,
        interaction: discord.Interaction[DefectorBot],
        what: Literal["settings", "scores"],
        member: discord.User | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        quiz = self.bot.services.quiz
        if what == "settings":
            if member is not None:
                raise InvalidInput("Settings belong to the server; leave out the member.")
            config = await quiz.reset_guild_settings(interaction.guild_id)
            await interaction.response.send_message(
                "Quiz settings are back to the defaults.",
                embed=settings_ui.settings_embed(config),
                ephemeral=True,
            )
            return
        embed, view = admin_ui.confirmation(
            member,
            interaction.user.id,
            quiz.clock.wall().timestamp(),
            guild_id=interaction.guild_id,
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def setup(bot: DefectorBot) -> None:
    await bot.add_cog(Quiz(bot))
    await bot.add_cog(QuizConfig(bot))
