"""What the local Discord knows: its guilds, channels, members, messages, interactions,
published commands and ids, plus the clock, the change notifier and the record of rules the bot
broke (``violations``).

The REST API, the gateway and the members' actions all read and write this one object; none of
them imports another. Events leave through :class:`EventSink` (the gateway implements it), so
this module knows nothing of websockets.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypedDict, TypeVar

from bot.sandbox.attachments import StoredFile
from bot.sandbox.limits import compute_pings, parse_mentions
from bot.sandbox.model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    MENTION_EVERYONE,
    Channel,
    Guild,
    InjectedFailure,
    Interaction,
    Message,
    Notifier,
    RestCall,
    Role,
    SandboxError,
    SandboxMember,
    SnowflakeFactory,
    now_iso,
    touched_messages,
)

T = TypeVar("T")

DEFAULT_APPLICATION_ID = 1_300_000_000_000_000_001

MessageListener = Callable[[str, Message], None]


class SandboxSettings(TypedDict, total=False):
    """The keyword arguments of :class:`SandboxState` (the defaults are there), so that a
    class that passes them on (``LocalDiscord(**settings)``) keeps them typed at its call
    sites. tests/sandbox/test_server.py checks the two name the same keywords and types."""

    token: str
    application_id: int
    bot_user_id: int | None
    bot_name: str
    message_content_allowed: bool
    ack_deadline: float
    shard_count: int
    members_intent_allowed: bool
    presences_intent_allowed: bool
    bot_permissions: int
    interaction_token_ttl: float
    heartbeat_interval_ms: int
    allow_subcommand_groups: bool
    channel_message_rate: tuple[int, float] | None
    global_rate: tuple[int, float] | None
    command_create_limit: int
    identify_limit: int
    click_grace: float


class EventSink(Protocol):
    """Where state changes become gateway events (the gateway; a no-op before it exists)."""

    async def message_event(self, event: str, msg: Message) -> bool: ...

    async def message_delete(self, msg: Message) -> None: ...

    async def reaction_add(self, msg: Message, emoji: str, user_id: int) -> None: ...

    def guild_added(self, guild_id: int) -> None: ...


class SandboxState:
    """The data of a fake Discord for one bot application, and the rules that keep it whole."""

    def __init__(
        self,
        *,
        token: str = "sandbox-token",
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_user_id: int | None = None,
        bot_name: str = "Defector Bot",
        message_content_allowed: bool = True,
        ack_deadline: float = 3.0,
        shard_count: int = 1,
        members_intent_allowed: bool = True,
        presences_intent_allowed: bool = True,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        interaction_token_ttl: float = 15 * 60.0,
        heartbeat_interval_ms: int = 41250,
        allow_subcommand_groups: bool = False,
        channel_message_rate: tuple[int, float] | None = None,
        global_rate: tuple[int, float] | None = None,
        command_create_limit: int = 200,
        identify_limit: int = 1000,
        click_grace: float = 0.05,
    ) -> None:
        if shard_count < 1:
            raise ValueError("shard_count must be >= 1")
        self.token = token
        self.application_id = application_id
        self.bot_user_id = bot_user_id if bot_user_id is not None else application_id
        self.bot_name = bot_name
        self.message_content_allowed = message_content_allowed
        self.members_intent_allowed = members_intent_allowed
        self.presences_intent_allowed = presences_intent_allowed
        self.ack_deadline = ack_deadline
        self.shard_count = shard_count
        self.bot_permissions = bot_permissions
        self.interaction_token_ttl = interaction_token_ttl
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allow_subcommand_groups = allow_subcommand_groups
        self.channel_message_rate = channel_message_rate
        self.global_rate = global_rate
        """Discord's global limit, e.g. ``(50, 1.0)``; None: not enforced."""
        self.global_429s = 0
        self.command_create_limit = command_create_limit
        self.identify_limit = identify_limit
        self.identify_count = 0
        """IDENTIFYs so far (the gateway counts them; ``GET /gateway/bot`` reports them)."""
        self.click_grace = click_grace
        self.host = "127.0.0.1"
        self.port = 0

        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.users: dict[int, SandboxMember] = {
            self.bot_user_id: SandboxMember(self.bot_user_id, bot_name, bot_permissions, bot=True)
        }
        self._messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}
        self.interactions: dict[int, Interaction] = {}
        self._interactions_by_token: dict[str, Interaction] = {}
        self.commands: dict[int | None, list[JSON]] = {None: []}
        self.command_creates: dict[int | None, deque[float]] = {}

        self.violations: list[str] = []
        self.pings: list[JSON] = []
        self.requests: list[RestCall] = []
        self.files: dict[int, StoredFile] = {}
        """Every uploaded file's bytes, by attachment id."""
        self.failures: list[InjectedFailure] = []

        self.events: EventSink | None = None
        self._notifier = Notifier()
        self.snowflake = SnowflakeFactory()
        self._time_offset = 0.0
        self._timers: dict[int, asyncio.TimerHandle] = {}
        """Pending 3-second deadline checks by interaction id (each removes itself)."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listeners: list[MessageListener] = []

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def files_base(self) -> str:
        """Where attachments are served (``{files_base}/attachments/{id}/{name}``)."""
        return f"http://{self.host}:{self.port}"

    # --- time, notification, violations ------------------------------------------------------
    def now(self) -> float:
        """The sandbox clock (loop time + ``advance_time`` offsets), for deadlines and TTLs."""
        return asyncio.get_running_loop().time() + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Pretend ``seconds`` passed: interaction deadlines, token TTLs, daily counters."""
        self._time_offset += seconds
        for interaction in list(self.interactions.values()):
            self.check_deadline(interaction)
        self.notify()

    def notify(self) -> None:
        self._notifier.notify()

    def violation(self, text: str) -> None:
        self.violations.append(text)
        self.notify()

    def subscribe(self, listener: MessageListener) -> Callable[[], None]:
        """Call ``listener(kind, message)`` on "create", "edit", "delete", "reaction"."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, kind: str, message: Message) -> None:
        touched = touched_messages.get()
        if touched is not None and kind in ("create", "edit"):
            message.clickable_at = math.inf
            touched.append(message)
        for listener in list(self._listeners):
            listener(kind, message)
        self.notify()

    @property
    def notifier(self) -> Notifier:
        return self._notifier

    async def wait_for(
        self, probe: Callable[[], T | None], timeout: float = 5.0, what: str = "a sandbox condition"
    ) -> T:
        """Wait until ``probe()`` returns something truthy (re-checked on every state change)."""
        return await self._notifier.wait_for(probe, timeout, what)

    async def wait_for_message(
        self, predicate: Callable[[Message], bool], timeout: float = 5.0
    ) -> Message:
        """The first stored message (in creation order, any channel) matching ``predicate``."""

        def probe() -> Message | None:
            for message in self._messages.values():
                if not message.deleted and predicate(message):
                    return message
            return None

        return await self._notifier.wait_for(probe, timeout, "a matching message")

    async def wait_for_violation(
        self, predicate: Callable[[str], bool] = lambda _: True, timeout: float = 5.0
    ) -> str:
        def probe() -> str | None:
            return next((v for v in self.violations if predicate(v)), None)

        return await self._notifier.wait_for(probe, timeout, "a matching violation")

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; ``cancel_background`` ends what is still running."""
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel_background(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- setup -------------------------------------------------------------------------------
    def add_guild(
        self,
        guild_id: int,
        name: str,
        *,
        channel_ids: Sequence[int],
        members: Sequence[SandboxMember],
        owner_id: int | None = None,
        channel_names: Sequence[str] | None = None,
    ) -> None:
        """A guild the bot is in. Channels are text channels ("general", "channel-2", ...)."""
        if guild_id in self.guilds:
            raise SandboxError(f"guild {guild_id} already exists")
        if not channel_ids:
            raise SandboxError("a guild needs at least one channel")
        for channel_id in channel_ids:
            if channel_id in self.channels:
                raise SandboxError(f"channel {channel_id} already exists")
        humans = [m for m in members if m.id != self.bot_user_id]
        for member in humans:
            known = self.users.get(member.id)
            if known is not None and known.name != member.name:
                raise SandboxError(f"user {member.id} already exists as {known.name!r}")
            self.users.setdefault(member.id, member)
        everyone_perms = ALL_PERMISSIONS
        for member in humans:
            everyone_perms &= member.permissions
        if not humans:
            everyone_perms = SandboxMember(0, "").permissions
        roles: dict[int, Role] = {guild_id: Role(guild_id, "@everyone", everyone_perms, 0)}
        bot_role = Role(self.snowflake(), self.bot_name, self.bot_permissions, 1, managed=True)
        bot_role.bot_id = self.bot_user_id
        roles[bot_role.id] = bot_role
        member_roles: dict[int, list[int]] = {self.bot_user_id: [bot_role.id]}
        by_perms: dict[int, int] = {}
        for member in humans:
            extra = member.permissions
            if extra == everyone_perms:
                member_roles[member.id] = []
                continue
            if extra not in by_perms:
                role = Role(self.snowflake(), f"perms-{extra:x}", extra, len(roles))
                roles[role.id] = role
                by_perms[extra] = role.id
            member_roles[member.id] = [by_perms[extra]]
        guild_members = {m.id: m for m in humans}
        guild_members[self.bot_user_id] = self.users[self.bot_user_id]
        channels: dict[int, Channel] = {}
        for position, channel_id in enumerate(channel_ids):
            if channel_names is not None and position < len(channel_names):
                channel_name = channel_names[position]
            else:
                channel_name = "general" if position == 0 else f"channel-{position + 1}"
            channel = Channel(channel_id, channel_name, guild_id, position)
            channels[channel_id] = channel
            self.channels[channel_id] = channel
            self._channel_messages[channel_id] = []
        if owner_id is None:
            owner_id = humans[0].id if humans else self.bot_user_id
        guild = Guild(
            id=guild_id,
            name=name,
            owner_id=owner_id,
            channels=channels,
            members=guild_members,
            roles=roles,
            member_roles=member_roles,
            joined_at=now_iso(),
        )
        self.guilds[guild_id] = guild
        self.commands.setdefault(guild_id, [])
        if self.events is not None:
            self.events.guild_added(guild_id)

    # --- lookups -----------------------------------------------------------------------------
    def shard_for(self, guild_id: int | None) -> int:
        if guild_id is None:
            return 0
        return (guild_id >> 22) % self.shard_count

    def guilds_for_shard(self, shard_id: int) -> list[int]:
        return [gid for gid in self.guilds if self.shard_for(gid) == shard_id]

    def guild(self, guild_id: int) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise SandboxError(f"unknown guild {guild_id}")
        return guild

    def guild_channel(self, guild_id: int, channel_id: int) -> tuple[Guild, Channel]:
        guild = self.guild(guild_id)
        channel = guild.channels.get(channel_id)
        if channel is None:
            raise SandboxError(f"channel {channel_id} is not in guild {guild_id}")
        return guild, channel

    def member(self, guild: Guild, user_id: int) -> SandboxMember:
        member = guild.members.get(user_id)
        if member is None:
            raise SandboxError(f"user {user_id} is not a member of guild {guild.id}")
        return member

    def member_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for role_id in guild.member_roles.get(user_id, []):
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def message(self, message_id: int) -> Message | None:
        return self._messages.get(message_id)

    def messages(
        self, channel_id: int, *, viewer: int | None = None, include_deleted: bool = False
    ) -> list[Message]:
        """Messages of a channel in order; ephemeral ones only for their viewer (None: all)."""
        return [
            m
            for m in self._channel_messages.get(channel_id, [])
            if (include_deleted or not m.deleted)
            and (viewer is None or m.visible_to is None or m.visible_to == viewer)
        ]

    def last_message_id(self, channel_id: int) -> int | None:
        msgs = self._channel_messages.get(channel_id)
        return msgs[-1].id if msgs else None

    def published_commands(self, guild_id: int | None = None) -> list[JSON]:
        """Commands as stored: global ones (guild_id None) or one guild's."""
        return list(self.commands.get(guild_id, []))

    def interaction(self, interaction_id: int) -> Interaction:
        return self.interactions[interaction_id]

    def interaction_by_token(self, token: str) -> Interaction | None:
        return self._interactions_by_token.get(token)

    # --- interactions ------------------------------------------------------------------------
    def add_interaction(self, interaction: Interaction) -> None:
        """Record an interaction (before its dispatch: the bot may answer at once)."""
        self.interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction

    def start_deadline(self, interaction: Interaction) -> None:
        """Check, ``ack_deadline`` seconds from now, that the bot acknowledged it."""
        loop = asyncio.get_running_loop()
        self._timers[interaction.id] = loop.call_later(
            self.ack_deadline, self.check_deadline, interaction
        )

    def describe_interaction(self, interaction: Interaction) -> str:
        if interaction.command is not None:
            kind = "autocomplete" if interaction.type == INTERACTION_AUTOCOMPLETE else "command"
            return f"{kind} /{interaction.command}"
        if interaction.type == INTERACTION_MODAL_SUBMIT:
            return f"modal {interaction.custom_id!r}"
        return f"component {interaction.custom_id!r}"

    def check_deadline(self, interaction: Interaction) -> None:
        self._timers.pop(interaction.id, None)
        if interaction.acknowledged or interaction.deadline_reported:
            return
        if self.now() - interaction.dispatched_at < self.ack_deadline:
            return
        interaction.deadline_reported = True
        interaction.invalidated = True
        self.violation(
            f"interaction {interaction.id} ({self.describe_interaction(interaction)}) was not "
            f"acknowledged within {self.ack_deadline}s: the user sees "
            "'The application did not respond'"
        )

    # --- messages ----------------------------------------------------------------------------
    def redact_for_intents(self, msg: Message, has_content_intent: bool) -> bool:
        """Without MESSAGE_CONTENT, other users' messages lose content unless they mention
        the bot or reply to it (Discord's rule; the bot's own messages are never redacted)."""
        if msg.author_id == self.bot_user_id or has_content_intent:
            return False
        return not self._addresses_bot(msg)

    def redact_for_rest(self, msg: Message) -> bool:
        return self.redact_for_intents(msg, self.message_content_allowed)

    def _addresses_bot(self, msg: Message) -> bool:
        users, _, _ = parse_mentions(msg.content)
        if self.bot_user_id in users:
            return True
        target = self._referenced(msg)
        return target is not None and target.author_id == self.bot_user_id

    def _referenced(self, msg: Message) -> Message | None:
        ref = msg.message_reference
        if ref is None or ref.get("message_id") is None:
            return None
        return self._messages.get(int(ref["message_id"]))

    def compute_mentions(self, msg: Message, *, record_pings: bool) -> None:
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        if guild is None:
            msg.mention_ids, msg.mention_role_ids, msg.mention_everyone = [], [], False
            return
        target = self._referenced(msg)
        author_perms = self.member_permissions(guild, msg.author_id)
        allowed = msg.allowed_mentions if msg.author_id == self.bot_user_id else None
        pings = compute_pings(
            msg.content,
            allowed,
            member_ids=guild.members,
            role_ids=[r for r in guild.roles if r != guild.id],
            mentionable_role_ids=[],
            can_mention_everyone=bool(author_perms & MENTION_EVERYONE),
            replied_user_id=target.author_id if target is not None else None,
            author_id=msg.author_id,
        )
        msg.mention_ids = [i for kind, i in pings if kind == "user"]
        msg.mention_role_ids = [i for kind, i in pings if kind == "role"]
        msg.mention_everyone = any(kind == "everyone" for kind, _ in pings)
        if record_pings and msg.author_id == self.bot_user_id and not msg.ephemeral:
            for kind, ident in pings:
                self.pings.append(
                    {
                        "message_id": msg.id,
                        "kind": kind,
                        "id": guild.id if kind == "everyone" else ident,
                    }
                )

    async def publish_message(self, msg: Message) -> None:
        """Store a new message, record its pings (the bot's), dispatch MESSAGE_CREATE."""
        self.compute_mentions(msg, record_pings=True)
        self._messages[msg.id] = msg
        self._channel_messages.setdefault(msg.channel_id, []).append(msg)
        self.emit("create", msg)
        if self.events is not None:
            await self.events.message_event("MESSAGE_CREATE", msg)

    async def publish_edit(self, msg: Message) -> None:
        self.emit("edit", msg)
        if self.events is not None:
            await self.events.message_event("MESSAGE_UPDATE", msg)

    async def publish_delete(self, msg: Message) -> None:
        msg.deleted = True
        self.emit("delete", msg)
        if self.events is not None:
            await self.events.message_delete(msg)

    async def add_reaction(self, msg: Message, emoji: str, user_id: int) -> None:
        if (emoji, user_id) in msg.reactions:
            return
        msg.reactions.append((emoji, user_id))
        self.emit("reaction", msg)
        if self.events is not None:
            await self.events.reaction_add(msg, emoji, user_id)
