"""DefectorBot: settings in, services built in ``setup_hook``, extensions from a fixed list."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.catalog.search import SearchIndex
from bot.config import Settings
from bot.db.catalogue import sync_catalogue
from bot.db.commands import published_hash, record_publication
from bot.db.engine import blocking_writer_for, create_engine, session_factory
from bot.db.migrate import upgrade_if_due
from bot.errors import UserFacingError
from bot.quiz.judge import Judge
from bot.services.clock import Clock, RealClock
from bot.services.container import Services
from bot.services.daily import DailyService
from bot.services.journal import ResultJournal
from bot.services.ledger import Ledger
from bot.services.lookup import LookupService
from bot.services.privacy import PrivacyService
from bot.services.quiz import QuizService
from bot.services.reports import ReportService
from bot.services.scores import database_damaged, database_unavailable
from bot.startup import check_integrity, database_step, journal_step, read_catalogue
from bot.ui.admin import ADMIN_ITEMS
from bot.ui.components import DATABASE_DAMAGED, DATABASE_DOWN, DYNAMIC_ITEMS, reply_error
from bot.ui.daily import DAILY_ITEMS
from bot.ui.quiz import QUIZ_ITEMS
from bot.ui.report import REPORT_ITEMS, REPORT_MODAL, submit_report
from bot.ui.text import echo

log = logging.getLogger(__name__)

# The bot has no voice features: discord.py's warnings about voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

SEEN_INTERACTIONS = 10_000
"""How many recent interaction ids are remembered to ignore redeliveries (tokens live 15 min)."""

EXTENSIONS: tuple[str, ...] = (
    "cogs.lookup",
    "cogs.quiz",
    "cogs.daily",
    "cogs.privacy",
    "cogs.help",
)


class RefusedCheck(app_commands.CheckFailure):
    """A run-time check said no; ``message`` tells the member why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _outside_choices(interaction: discord.Interaction[Any]) -> tuple[str, object] | None:
    """The first option (name, value) whose value is not one of its declared choices.

    Discord only offers the declared choices, but a client can send any value: without this
    a ``Literal`` option would hand the command a value it never expected (``Mode("turbo")``
    would fail deep inside it). Autocomplete is left alone (its focused text is partial).
    """
    if interaction.type is not discord.InteractionType.application_command:
        return None
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return None
    given = interaction.namespace.__dict__
    for parameter in command.parameters:
        if not parameter.choices or parameter.display_name not in given:
            continue
        value = given[parameter.display_name]
        if value not in {choice.value for choice in parameter.choices}:
            return parameter.display_name, value
    return None


def _command_name(interaction: discord.Interaction[Any]) -> str:
    """The command's qualified name for logs (never the object's repr)."""
    return interaction.command.qualified_name if interaction.command else "?"


class DefectorTree(app_commands.CommandTree["DefectorBot"]):
    """Every app-command error ends in an ephemeral answer, never "did not respond"."""

    async def interaction_check(self, interaction: discord.Interaction[DefectorBot]) -> bool:
        # Discord may deliver an event twice (a resumed gateway replays what it was unsure
        # of): a copy of an interaction must not run its command again.
        if not self.client.first_delivery(interaction.id):
            return False
        forged = _outside_choices(interaction)
        if forged is None:
            return True
        name, value = forged
        log.info(
            "refused /%s: %s=%r is not one of its choices", _command_name(interaction), name, value
        )
        try:
            await reply_error(interaction, f"“{echo(str(value))}” is not a valid value for {name}.")
        except discord.HTTPException:
            log.warning("could not tell the member about a refused option", exc_info=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction[DefectorBot], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
            original = error.__cause__  # an option's transformer refused the value in words
        if isinstance(original, UserFacingError | RefusedCheck):
            message = original.message
        elif isinstance(error, app_commands.MissingPermissions):
            needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
            message = f"You need the {needed} permission to do that."
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = "This command works in servers only."
        elif isinstance(error, app_commands.TransformerError):
            message = f"“{echo(str(error.value))}” is not a valid value for that option."
        elif isinstance(error, app_commands.CheckFailure):
            message = "You can't use this command here."
        elif database_damaged(original):
            log.error(
                "database damaged (restore it from a backup): /%s failed: %s",
                _command_name(interaction),
                original,
            )
            message = DATABASE_DAMAGED
        elif database_unavailable(original):
            log.warning("database unavailable for /%s: %s", _command_name(interaction), original)
            message = DATABASE_DOWN
        else:
            command = _command_name(interaction)
            log.error("command %s failed", command, exc_info=original)
            message = "Something went wrong on my side; it has been logged. Please try again."
        try:
            await reply_error(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell the member about an error", exc_info=True)


def schema_hash(payload: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class DefectorBot(commands.AutoShardedBot):
    """The bot. Intents are the minimum the loaded features need."""

    def __init__(
        self,
        settings: Settings,
        *,
        extensions: Sequence[str] = EXTENSIONS,
        publish_on_start: bool = True,
        maintenance: bool = False,
        clock: Clock | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel cache for interactions in servers
        if settings.message_content_intent:
            # Typed quiz answers: messages in guild channels, with their text (privileged).
            intents.guild_messages = True
            intents.message_content = True
        sharding: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            sharding["shard_ids"] = settings.shard_ids
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=DefectorTree,
            # No message cache: nothing reads it (no edit, delete or reaction events are
            # handled), and keeping the last 1,000 messages costs a copy of each edited one
            # (the typed card's "Closed" edit echoes back) and their memory.
            max_messages=None,
            **sharding,
        )
        self.settings = settings
        self.clock: Clock = clock or RealClock()
        """The services' clock (tests hand in a ManualClock)."""
        self.extension_names = tuple(extensions)
        self.publish_on_start = publish_on_start
        self.maintenance = maintenance
        """A maintenance run (``sync``): log in, do one thing, leave running games alone."""
        self.engine: AsyncEngine | None = None
        self.services: Services
        self.gateway_task: asyncio.Task[None] | None = None
        """The connection task when the bot is run by hand (the sandbox, tests)."""
        self._seen_interactions: OrderedDict[int, None] = OrderedDict()
        self.dynamic_item_types = (
            *DYNAMIC_ITEMS,
            *QUIZ_ITEMS,
            *ADMIN_ITEMS,
            *DAILY_ITEMS,
            *REPORT_ITEMS,
        )
        self.message_reader: Callable[[discord.Message], Awaitable[None]] | None = None
        """What reads members' messages (the quiz cog sets it: typed answers). Called from
        :meth:`on_message`, so a message costs one task; a cog listener would be a second
        task for every message the bot can see."""

    async def on_message(self, message: discord.Message, /) -> None:
        """No text commands: a mention of the bot is not a command. Messages go to
        :attr:`message_reader`, if set."""
        if self.message_reader is not None:
            await self.message_reader(message)

    async def on_interaction(self, interaction: discord.Interaction[DefectorBot], /) -> None:
        """Answer a click on a component no handler knows (e.g. a message from an older
        version of the bot), so the member never sees "The application did not respond"."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.modal_submit:
            report = REPORT_MODAL.fullmatch(custom_id)
            if report is not None:
                await submit_report(interaction, report["key"])
            return
        if interaction.type is not discord.InteractionType.component:
            return
        if any(
            item.__discord_ui_compiled_template__.fullmatch(custom_id)
            for item in self.dynamic_item_types
        ):
            return
        if self.first_delivery(interaction.id):
            await reply_error(interaction, "This control no longer works; run the command again.")

    def first_delivery(self, interaction_id: int) -> bool:
        """True the first time an interaction id is seen (of the last few thousand)."""
        if interaction_id in self._seen_interactions:
            log.info("ignoring a redelivered interaction %s", interaction_id)
            return False
        self._seen_interactions[interaction_id] = None
        while len(self._seen_interactions) > SEEN_INTERACTIONS:
            self._seen_interactions.popitem(last=False)
        return True

    async def setup_hook(self) -> None:
        records = read_catalogue()
        url = self.settings.resolved_database_url
        async with database_step(url, self.settings.data_dir.resolve()):
            self.engine = create_engine(url)
            await check_integrity(self.engine, url)
            await upgrade_if_due(self.engine)  # imports Alembic only if a migration is due
            report = await sync_catalogue(session_factory(self.engine), records)
        log.info("catalogue: %s", report)
        sessions = session_factory(self.engine)
        self.services = Services(
            lookup=LookupService(SearchIndex(records)),
            quiz=QuizService(
                sessions=sessions,
                ledger=Ledger(sessions, thread=blocking_writer_for(url)),
                records=records,
                judge=Judge(records),
                clock=self.clock,
                reveal_pause=self.settings.quiz_reveal_pause,
                games_per_member=self.settings.quiz_games_per_member,
                guesses_per_question=self.settings.quiz_guesses_per_question,
            ),
            search_timeout=self.settings.search_timeout,
            daily=DailyService(
                sessions=sessions,
                records=records,
                clock=self.clock,
                shard_count=self.settings.shard_count or 1,
                shard_ids=self.settings.shard_ids,
            ),
            privacy=PrivacyService(sessions=sessions, clock=self.clock),
            reports=ReportService(
                sessions=sessions, clock=self.clock, threshold=self.settings.report_threshold
            ),
        )
        if not self.maintenance:
            # Results an earlier run journaled during a database outage reach the ledger
            # before anything else happens (closing its interrupted games included).
            with journal_step(self.journal_path):
                self.services.quiz.ledger.journal = ResultJournal(self.journal_path)
                await self.services.quiz.ledger.replay_journal()
        reports = self.services.reports
        assert reports is not None
        reports.generators.append(self.services.quiz.generator)
        if self.services.daily is not None:
            reports.generators.append(self.services.daily.generator)
            self.services.daily.before_posting = reports.refresh_quietly
        self.services.quiz.before_start = reports.refresh_quietly
        await reports.refresh_quietly()
        self.add_dynamic_items(*self.dynamic_item_types)
        for name in self.extension_names:
            await self.load_extension(name)
        if self.publish_on_start:
            await self.publish_commands()
        # The catalogue, the index and the code live as long as the process: move them out
        # of the garbage collector's sight, so full collections stay short (they took up to
        # 160 ms under load before; see bench/e2e.py).
        gc.collect()
        gc.freeze()

    @property
    def journal_path(self) -> Path:
        """This process's result journal, in DATA_DIR: one per database (the sandbox's and
        the bot's may share DATA_DIR, and an entry must reach the ledger it was meant for)
        and per set of shards (as the games are)."""
        url = make_url(self.settings.resolved_database_url)
        name = Path(url.database or "db").stem or "db"
        digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()
        ids = self.settings.shard_ids
        shards = "" if ids is None else "-shards-" + "-".join(str(i) for i in sorted(ids))
        return self.settings.data_dir.resolve() / f"quiz-journal-{name}-{digest[:8]}{shards}.jsonl"

    def command_payload(self, guild: discord.abc.Snowflake | None = None) -> list[dict[str, Any]]:
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def publish_commands(self, *, force: bool = False) -> bool:
        """Publish the slash commands where needed; True if anything was sent to Discord.

        With DEV_GUILD_ID they go to that guild (instant, for development). Globally they are
        sent only when the schema differs from the last publish (Discord limits creates).
        """
        assert self.engine is not None and self.application_id is not None
        sessions = session_factory(self.engine)
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
            scope = f"guild:{self.application_id}:{guild.id}"
        else:
            scope = f"global:{self.application_id}"
        digest = schema_hash(self.command_payload(guild))
        if not force and await published_hash(sessions, scope) == digest:
            log.info("slash commands unchanged since the last publish (%s)", scope)
            return False
        await self.tree.sync(guild=guild)
        await record_publication(sessions, scope, digest)
        log.info("published slash commands (%s)", scope)
        return True

    @property
    def typed_answers(self) -> bool:
        """Whether typed quiz answers can reach the bot (the Message Content intent)."""
        return self.intents.message_content and self.intents.guild_messages

    async def close(self) -> None:
        services = getattr(self, "services", None)
        if services is not None:
            if services.daily is not None:
                await services.daily.stop()
            await services.quiz.close()
            services.pictures.close()
            if services.reports is not None:
                try:  # the shown questions, for their Report buttons after the restart
                    await services.reports.flush()
                except Exception as error:
                    log.warning("questions not stored for reports (%s)", error)
        await super().close()
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None
