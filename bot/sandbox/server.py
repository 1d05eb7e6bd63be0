"""LocalDiscord: a fake Discord (REST + gateway on 127.0.0.1) and simulated members.

Point an unmodified discord.py bot at it with::

    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)

Members act through ``user_message``, ``slash``, ``autocomplete``, ``click``, ``select``,
``submit_modal`` and ``user_react``; tests read back ``messages()``, the ``Interaction`` records,
``violations`` (every rule the bot broke) and ``pings``.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox.attachments import (
    ATTACHMENT_SIZE_LIMIT,
    MAX_ATTACHMENTS,
    StoredFile,
    attachment_payload,
    content_type_of,
    resolve_embed_media,
)
from bot.sandbox.gateway import Gateway, GatewaySession
from bot.sandbox.limits import (
    MAX_SAFE_INTEGER,
    MAX_STRING_OPTION,
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    OPTION_USER,
    FormErrors,
    compute_pings,
    is_empty_message,
    parse_mentions,
    validate_message_fields,
    validate_v2_message,
)
from bot.sandbox.model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    MENTION_EVERYONE,
    SELECT_TYPES,
    ApiError,
    Channel,
    CommandNotPermitted,
    Guild,
    InjectedFailure,
    Interaction,
    InteractionFailed,
    InvalidCommandInput,
    Message,
    NotConnected,
    Notifier,
    RestCall,
    Role,
    SandboxError,
    SandboxMember,
    SnowflakeFactory,
    UnknownCommand,
    UnknownComponent,
    iter_components,
    now_iso,
    snowflake_time,
    touched_messages,
)
from bot.sandbox.rest import RestApi

T = TypeVar("T")

DEFAULT_APPLICATION_ID = 1_300_000_000_000_000_001
MESSAGE_TYPE_DEFAULT = 0
MESSAGE_TYPE_REPLY = 19
MESSAGE_TYPE_CHAT_INPUT_COMMAND = 20
EDITABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_IS_COMPONENTS_V2
CREATE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2


MessageListener = Callable[[str, Message], None]


class LocalDiscord:
    """A fake Discord for one bot application."""

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
        self.click_grace = click_grace

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

        self._notifier = Notifier()
        self.snowflake = SnowflakeFactory()
        self._time_offset = 0.0
        self._timers: dict[int, asyncio.TimerHandle] = {}
        """Pending 3-second deadline checks by interaction id (each removes itself)."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listeners: list[MessageListener] = []
        self._mounts: list[Callable[[web.Application], None]] = []
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.gateway = Gateway(self)
        self.rest = RestApi(self)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def mount(self, setup: Callable[[web.Application], None]) -> None:
        """Serve more routes from this server (the web page): ``setup(app)`` adds them
        before the catch-all REST route. Call before ``start``."""
        if self._runner is not None:
            raise SandboxError("mount() must come before start()")
        self._mounts.append(setup)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0: any free port). OSError if the port is taken."""
        if self._runner is not None:
            raise SandboxError("LocalDiscord already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        for setup in self._mounts:
            setup(app)
        app.router.add_route("GET", "/attachments/{attachment_id}/{filename}", self._serve_file)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- time, notification, violations ------------------------------------------------------
    def now(self) -> float:
        """The sandbox clock (loop time + ``advance_time`` offsets), for deadlines and TTLs."""
        return asyncio.get_running_loop().time() + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Pretend ``seconds`` passed: interaction deadlines, token TTLs, daily counters."""
        self._time_offset += seconds
        for interaction in list(self.interactions.values()):
            self._check_deadline(interaction)
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

    def _emit(self, kind: str, message: Message) -> None:
        touched = touched_messages.get()
        if touched is not None and kind in ("create", "edit"):
            message.clickable_at = math.inf
            touched.append(message)
        for listener in list(self._listeners):
            listener(kind, message)
        self.notify()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until ``probe()`` returns something truthy (re-checked on every state change)."""
        return await self._notifier.wait_for(probe, timeout, "a sandbox condition")

    async def wait_until_ready(
        self, timeout: float = 10.0, *, shard_ids: Sequence[int] | None = None
    ) -> None:
        """Every shard (or those of ``shard_ids``) has IDENTIFY'd and got READY + GUILD_CREATEs."""
        await self._notifier.wait_for(
            lambda: self.gateway.is_ready(shard_ids), timeout, "every shard to be READY"
        )

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
        if self.gateway.current:
            self._spawn(self._announce_guild(guild_id))

    async def _announce_guild(self, guild_id: int) -> None:
        session = self.gateway.session_for(self.shard_for(guild_id))
        if session is not None:
            await session.dispatch("GUILD_CREATE", self.guild_create_payload(guild_id, session))

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- lookups -----------------------------------------------------------------------------
    def shard_for(self, guild_id: int | None) -> int:
        if guild_id is None:
            return 0
        return (guild_id >> 22) % self.shard_count

    def guilds_for_shard(self, shard_id: int) -> list[int]:
        return [gid for gid in self.guilds if self.shard_for(gid) == shard_id]

    def _guild(self, guild_id: int) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise SandboxError(f"unknown guild {guild_id}")
        return guild

    def _guild_channel(self, guild_id: int, channel_id: int) -> tuple[Guild, Channel]:
        guild = self._guild(guild_id)
        channel = guild.channels.get(channel_id)
        if channel is None:
            raise SandboxError(f"channel {channel_id} is not in guild {guild_id}")
        return guild, channel

    def _member(self, guild: Guild, user_id: int) -> SandboxMember:
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

    def published_commands(self, guild_id: int | None = None) -> list[JSON]:
        """Commands as stored: global ones (guild_id None) or one guild's."""
        return list(self.commands.get(guild_id, []))

    def available_commands(self, guild_id: int, user_id: int | None = None) -> dict[str, JSON]:
        """Every runnable path ("demo echo", "help") in a guild -> its leaf (with "options"),
        guild commands shadowing global ones; hidden ones omitted when ``user_id`` is given."""
        guild = self._guild(guild_id)
        found: dict[str, JSON] = {}
        names: set[str] = set()
        for command in self.commands.get(guild_id, []) + self.commands.get(None, []):
            if command.get("type", 1) != 1 or command["name"] in names:
                continue
            names.add(command["name"])
            if user_id is not None:
                try:
                    self._check_command_visible(guild, user_id, command)
                except CommandNotPermitted:
                    continue
            stack: list[tuple[str, JSON]] = [(command["name"], command)]
            while stack:
                path, node = stack.pop()
                subs = [
                    o
                    for o in node.get("options") or []
                    if o.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
                ]
                if not subs:
                    found[path] = node
                stack.extend((f"{path} {o['name']}", o) for o in reversed(subs))
        return found

    def interaction(self, interaction_id: int) -> Interaction:
        return self.interactions[interaction_id]

    def interaction_by_token(self, token: str) -> Interaction | None:
        return self._interactions_by_token.get(token)

    # --- payloads ----------------------------------------------------------------------------
    def user_payload(self, user_id: int) -> JSON:
        if user_id == self.bot_user_id:
            return {
                "id": str(user_id),
                "username": self.bot_name,
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
                "bot": True,
                "flags": 0,
                "public_flags": 0,
            }
        user = self.users.get(user_id)
        name = user.name if user is not None else f"user{user_id}"
        return {
            "id": str(user_id),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": bool(user and user.bot),
            "public_flags": 0,
        }

    def member_payload(
        self,
        guild: Guild,
        user_id: int,
        *,
        with_user: bool = True,
        permissions: int | None = None,
    ) -> JSON:
        payload: JSON = {
            "roles": [str(r) for r in guild.member_roles.get(user_id, [])],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": guild.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(user_id)
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload

    def role_payload(self, role: Role) -> JSON:
        payload: JSON = {
            "id": str(role.id),
            "name": role.name,
            "permissions": str(role.permissions),
            "position": role.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": role.managed,
            "mentionable": False,
            "flags": 0,
        }
        if role.bot_id is not None:
            payload["tags"] = {"bot_id": str(role.bot_id)}
        return payload

    def channel_payload(self, channel: Channel, *, permissions: int | None = None) -> JSON:
        msgs = self._channel_messages.get(channel.id) or []
        payload: JSON = {
            "id": str(channel.id),
            "type": channel.type,
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "last_message_id": str(msgs[-1].id) if msgs else None,
            "flags": 0,
        }
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload

    def guild_create_payload(self, guild_id: int, session: GatewaySession | None = None) -> JSON:
        guild = self.guilds[guild_id]
        all_members = session is None or session.has_intent(INTENT_GUILD_MEMBERS)
        member_ids = list(guild.members) if all_members else [self.bot_user_id]
        first_channel = next(iter(guild.channels))
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(first_channel),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "roles": [self.role_payload(r) for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": guild.joined_at,
            "large": len(guild.members) >= 250,
            "unavailable": False,
            "lazy": True,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [self.member_payload(guild, uid) for uid in member_ids],
            "channels": [self.channel_payload(c) for c in guild.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "incidents_data": None,
        }

    def application_flags(self) -> int:
        flags = 0
        if self.message_content_allowed:
            flags |= 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
        if self.members_intent_allowed:
            flags |= 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
        if self.presences_intent_allowed:
            flags |= 1 << 13  # GATEWAY_PRESENCE_LIMITED
        return flags

    def ready_payload(self, session: GatewaySession, guild_ids: list[int]) -> JSON:
        user = self.user_payload(self.bot_user_id)
        user.update({"verified": True, "mfa_enabled": False, "email": None})
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.application_id), "flags": self.application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }

    def application_payload(self) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "A local sandbox application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags(),
            "owner": self.user_payload(next(iter(self._owner_candidates()), self.bot_user_id)),
            "team": None,
            "bot": self.user_payload(self.bot_user_id),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
        }

    def _owner_candidates(self) -> list[int]:
        return [g.owner_id for g in self.guilds.values() if g.owner_id != self.bot_user_id]

    def members_chunk_payload(self, guild_id: int, request: JSON) -> JSON:
        guild = self.guilds[guild_id]
        wanted = request.get("user_ids")
        query = request.get("query")
        ids = list(guild.members)
        if wanted:
            wanted_ids = {int(x) for x in (wanted if isinstance(wanted, list) else [wanted])}
            ids = [i for i in ids if i in wanted_ids]
        elif query:
            ids = [i for i in ids if guild.members[i].name.lower().startswith(str(query).lower())]
        limit = request.get("limit") or 0
        if isinstance(limit, int) and limit > 0:
            ids = ids[:limit]
        payload: JSON = {
            "guild_id": str(guild_id),
            "members": [self.member_payload(guild, i) for i in ids],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if request.get("nonce") is not None:
            payload["nonce"] = request["nonce"]
        return payload

    def message_payload(self, msg: Message, *, gateway: bool = False, redact: bool = False) -> JSON:
        """The message as Discord returns it; ``redact`` empties content (no content intent)."""
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        mentions: list[JSON] = []
        for uid in msg.mention_ids:
            user = self.user_payload(uid)
            if gateway and guild is not None and uid in guild.members:
                user["member"] = self.member_payload(guild, uid, with_user=False)
            mentions.append(user)
        payload: JSON = {
            "id": str(msg.id),
            "channel_id": str(msg.channel_id),
            "type": msg.type,
            "author": self.user_payload(msg.author_id),
            "content": "" if redact else msg.content,
            "timestamp": snowflake_time(msg.id),
            "edited_timestamp": msg.edited_timestamp,
            "tts": msg.tts,
            "mention_everyone": msg.mention_everyone,
            "mentions": mentions,
            "mention_roles": [str(r) for r in msg.mention_role_ids],
            "attachments": [] if redact else [dict(a) for a in msg.attachments],
            "embeds": [] if redact else [dict(e) for e in msg.embeds],
            "components": [] if redact else list(msg.components),
            "pinned": False,
            "flags": msg.flags,
        }
        if msg.guild_id is not None:
            payload["guild_id"] = str(msg.guild_id)
        if gateway and guild is not None and msg.author_id in guild.members:
            payload["member"] = self.member_payload(guild, msg.author_id, with_user=False)
        if msg.reactions:
            counts: dict[str, list[int]] = {}
            for emoji, user_id in msg.reactions:
                counts.setdefault(emoji, []).append(user_id)
            payload["reactions"] = [
                {
                    "emoji": _emoji_payload(emoji),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "burst_colors": [],
                    "me": self.bot_user_id in users,
                    "me_burst": False,
                    "burst_me": False,
                    "burst_count": 0,
                }
                for emoji, users in counts.items()
            ]
        if msg.message_reference is not None:
            payload["message_reference"] = dict(msg.message_reference)
        if msg.nonce is not None:
            payload["nonce"] = msg.nonce
        if msg.webhook_id is not None:
            payload["webhook_id"] = str(msg.webhook_id)
            payload["application_id"] = str(self.application_id)
        if msg.interaction_id is not None and msg.interaction_id in self.interactions:
            inter = self.interactions[msg.interaction_id]
            metadata: JSON = {
                "id": str(inter.id),
                "type": inter.type,
                "user": self.user_payload(inter.user_id),
                "authorizing_integration_owners": (
                    {"0": str(inter.guild_id)} if inter.guild_id is not None else {}
                ),
            }
            if inter.command is not None:
                metadata["name"] = inter.command
                metadata["command_type"] = 1
            if inter.message_id is not None:
                metadata["interacted_message_id"] = str(inter.message_id)
            if inter.original is not None and inter.original is not msg:
                metadata["original_response_message_id"] = str(inter.original.id)
            payload["interaction_metadata"] = metadata
        return payload

    # --- messages ----------------------------------------------------------------------------
    def _redact_for_gateway(self, msg: Message, session: GatewaySession | None) -> bool:
        """Without MESSAGE_CONTENT, other users' messages lose content unless they mention
        the bot or reply to it (Discord's rule; the bot's own messages are never redacted)."""
        if msg.author_id == self.bot_user_id:
            return False
        if session is not None and session.has_intent(INTENT_MESSAGE_CONTENT):
            return False
        return not self._addresses_bot(msg)

    def redact_for_rest(self, msg: Message) -> bool:
        if msg.author_id == self.bot_user_id or self.message_content_allowed:
            return False
        return not self._addresses_bot(msg)

    def _addresses_bot(self, msg: Message) -> bool:
        users, _, _ = parse_mentions(msg.content)
        if self.bot_user_id in users:
            return True
        ref = msg.message_reference
        if ref is not None and ref.get("message_id") is not None:
            target = self._messages.get(int(ref["message_id"]))
            if target is not None and target.author_id == self.bot_user_id:
                return True
        return False

    async def dispatch_message_event(self, event: str, msg: Message) -> bool:
        """MESSAGE_CREATE / MESSAGE_UPDATE to the guild's shard (never for ephemeral ones)."""
        if msg.ephemeral:
            return False
        session = self.gateway.session_for(self.shard_for(msg.guild_id))
        if session is None or not session.has_intent(INTENT_GUILD_MESSAGES):
            return False
        redact = self._redact_for_gateway(msg, session)
        await session.dispatch(event, self.message_payload(msg, gateway=True, redact=redact))
        return True

    async def dispatch_message_delete(self, msg: Message) -> None:
        if msg.ephemeral:
            return
        data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        await self.gateway.dispatch(
            self.shard_for(msg.guild_id), "MESSAGE_DELETE", data, intent=INTENT_GUILD_MESSAGES
        )

    def _store(self, msg: Message) -> None:
        self._messages[msg.id] = msg
        self._channel_messages.setdefault(msg.channel_id, []).append(msg)

    def _compute_mentions(self, msg: Message, *, record_pings: bool) -> None:
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        if guild is None:
            msg.mention_ids, msg.mention_role_ids, msg.mention_everyone = [], [], False
            return
        replied: int | None = None
        ref = msg.message_reference
        if ref is not None and ref.get("message_id") is not None:
            target = self._messages.get(int(ref["message_id"]))
            replied = target.author_id if target is not None else None
        author_perms = self.member_permissions(guild, msg.author_id)
        allowed = msg.allowed_mentions if msg.author_id == self.bot_user_id else None
        pings = compute_pings(
            msg.content,
            allowed,
            member_ids=guild.members,
            role_ids=[r for r in guild.roles if r != guild.id],
            mentionable_role_ids=[],
            can_mention_everyone=bool(author_perms & MENTION_EVERYONE),
            replied_user_id=replied,
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

    def _form_error(self, route: str, errors: FormErrors) -> ApiError:
        return ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors=errors.to_errors(),
            violation=f"{route}: 400 Invalid Form Body — {errors.describe()}",
        )

    def _attachments_from(self, body: JSON, files: list[JSON], route: str) -> list[JSON]:
        """The new attachments of a create or edit: each uploaded ``files[n]`` with the
        ``attachments`` entry whose id is ``n`` (its filename and description win)."""
        described = {
            str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)
        }
        attachments: list[JSON] = []
        for file in files:
            stored = self.files[file["id"]]
            extra = described.get(str(file["index"]))
            if extra is None and "attachments" in body:
                self.violation(
                    f"{route}: {file['field']} is uploaded but no attachments entry has id "
                    f"{file['index']}"
                )
            extra = extra or {}
            name = extra.get("filename")
            if isinstance(name, str) and name and name != stored.filename:
                stored = StoredFile(name, content_type_of(name), stored.data)
                self.files[file["id"]] = stored
            description = extra.get("description")
            attachments.append(
                attachment_payload(
                    file["id"],
                    stored,
                    base_url=f"http://{self.host}:{self.port}",
                    description=description if isinstance(description, str) else None,
                )
            )
        return attachments

    def _resolve_media(self, embeds: list[JSON], attachments: list[JSON], route: str) -> None:
        for url in resolve_embed_media(embeds, attachments):
            self.violation(f"{route}: embed image {url} names no attachment of the message")

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        """An attachment's bytes at its url (what a client, or the web page, would load)."""
        try:
            stored = self.files[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound() from None
        if request.match_info["filename"] != stored.filename:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.content_type)

    def build_bot_message(
        self,
        channel: Channel,
        body: JSON,
        files: list[JSON],
        *,
        route: str,
        interaction: Interaction | None = None,
        ephemeral_to: int | None = None,
        msg_type: int = MESSAGE_TYPE_DEFAULT,
    ) -> Message:
        """Validate a create body (content/embeds/components limits) and build the message."""
        errors = FormErrors()
        if not isinstance(body, dict):
            errors.add("", "Must be an object.")
            raise self._form_error(route, errors)
        validate_message_fields(body, errors)
        content = body.get("content") if isinstance(body.get("content"), str) else ""
        embeds = list(body.get("embeds") or []) if isinstance(body.get("embeds"), list) else []
        components = body.get("components")
        components = list(components) if isinstance(components, list) else []
        flags = body.get("flags") if isinstance(body.get("flags"), int) else 0
        assert isinstance(content, str) and isinstance(flags, int)
        if flags & FLAG_IS_COMPONENTS_V2:
            validate_v2_message(content, embeds, components, errors)
        if errors:
            raise self._form_error(route, errors)
        attachments = self._attachments_from(body, files, route)
        if attachments or embeds:
            embeds = [dict(e) if isinstance(e, dict) else e for e in embeds]
            self._resolve_media(embeds, attachments, route)
        if is_empty_message(content, embeds, components, attachments) and not body.get(
            "sticker_ids"
        ):
            raise ApiError(
                400,
                50006,
                "Cannot send an empty message",
                violation=f"{route}: 400 Cannot send an empty message",
            )
        reference = body.get("message_reference")
        msg_ref: JSON | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            target = self._messages.get(int(reference["message_id"]))
            if target is None or target.deleted:
                if reference.get("fail_if_not_exists", True):
                    errors.add("message_reference", "Unknown message")
                    raise self._form_error(route, errors)
            else:
                msg_ref = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                }
                if target.guild_id is not None:
                    msg_ref["guild_id"] = str(target.guild_id)
                if msg_type == MESSAGE_TYPE_DEFAULT:
                    msg_type = MESSAGE_TYPE_REPLY
        msg = Message(
            id=self.snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.bot_user_id,
            content=content,
            embeds=embeds,
            components=components,
            flags=(flags & CREATE_FLAGS) | (FLAG_EPHEMERAL if ephemeral_to is not None else 0),
            visible_to=ephemeral_to,
            interaction_id=interaction.id if interaction is not None else None,
            allowed_mentions=body.get("allowed_mentions"),
            attachments=attachments,
            message_reference=msg_ref,
            webhook_id=self.application_id if interaction is not None else None,
            type=msg_type,
            nonce=body.get("nonce"),
            tts=bool(body.get("tts", False)),
        )
        return msg

    async def publish_message(self, msg: Message) -> None:
        """Store a new message, record its pings, dispatch MESSAGE_CREATE."""
        self._compute_mentions(msg, record_pings=True)
        self._store(msg)
        self._emit("create", msg)
        await self.dispatch_message_event("MESSAGE_CREATE", msg)

    def apply_edit(self, msg: Message, body: JSON, files: list[JSON], *, route: str) -> None:
        """Validate an edit body against the merged result and apply it."""
        errors = FormErrors()
        if not isinstance(body, dict):
            errors.add("", "Must be an object.")
            raise self._form_error(route, errors)
        validate_message_fields(body, errors)
        content = msg.content
        if "content" in body:
            content = body["content"] if isinstance(body["content"], str) else ""
        embeds = msg.embeds
        if "embeds" in body:
            embeds = list(body["embeds"]) if isinstance(body["embeds"], list) else []
        components = msg.components
        if "components" in body:
            value = body["components"]
            components = list(value) if isinstance(value, list) else []
        flags = msg.flags
        if isinstance(body.get("flags"), int):
            flags = (flags & ~EDITABLE_FLAGS) | (body["flags"] & EDITABLE_FLAGS)
            flags |= msg.flags & FLAG_IS_COMPONENTS_V2  # cannot be removed once set
        if flags & FLAG_IS_COMPONENTS_V2:
            validate_v2_message(content, embeds, components, errors)
        if errors:
            raise self._form_error(route, errors)
        attachments = msg.attachments
        if "attachments" in body and isinstance(body["attachments"], list):
            keep = {str(a.get("id")) for a in body["attachments"] if isinstance(a, dict)}
            attachments = [a for a in msg.attachments if str(a["id"]) in keep]
        attachments = attachments + self._attachments_from(body, files, route)
        if len(attachments) > MAX_ATTACHMENTS:
            errors.add("attachments", f"Must be {MAX_ATTACHMENTS} or fewer in length.")
            raise self._form_error(route, errors)
        if "embeds" in body or files:
            embeds = [dict(e) if isinstance(e, dict) else e for e in embeds]
            self._resolve_media(embeds, attachments, route)
        if is_empty_message(content, embeds, components, attachments):
            raise ApiError(
                400,
                50006,
                "Cannot send an empty message",
                violation=f"{route}: 400 Cannot send an empty message (edit)",
            )
        msg.content = content
        msg.embeds = embeds
        msg.components = components
        msg.flags = flags & ~FLAG_LOADING
        msg.attachments = attachments
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        msg.edited = True
        msg.edited_timestamp = now_iso()
        self._compute_mentions(msg, record_pings=False)

    async def publish_edit(self, msg: Message) -> None:
        self._emit("edit", msg)
        await self.dispatch_message_event("MESSAGE_UPDATE", msg)

    async def publish_delete(self, msg: Message) -> None:
        msg.deleted = True
        self._emit("delete", msg)
        await self.dispatch_message_delete(msg)

    async def add_reaction(self, msg: Message, emoji: str, user_id: int) -> None:
        if (emoji, user_id) in msg.reactions:
            return
        msg.reactions.append((emoji, user_id))
        self._emit("reaction", msg)
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": _emoji_payload(emoji),
            "burst": False,
            "type": 0,
            "message_author_id": str(msg.author_id),
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if user_id in guild.members:
                data["member"] = self.member_payload(guild, user_id)
        await self.gateway.dispatch(
            self.shard_for(msg.guild_id),
            "MESSAGE_REACTION_ADD",
            data,
            intent=INTENT_GUILD_MESSAGE_REACTIONS,
        )

    # --- simulated members: messages --------------------------------------------------------
    async def user_message(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        content: str,
        *,
        reply_to: int | None = None,
    ) -> JSON:
        """A member posts a message. Returns the stored (unredacted) message payload.

        Raises NotConnected if the guild's shard has no session. Without the GUILD_MESSAGES
        intent nothing is dispatched (as on Discord); without MESSAGE_CONTENT the bot gets
        empty content unless the message mentions the bot or replies to it.
        """
        guild, channel = self._guild_channel(guild_id, channel_id)
        self._member(guild, user_id)
        if self.gateway.session_for(self.shard_for(guild_id)) is None:
            raise NotConnected(f"shard {self.shard_for(guild_id)} is not connected")
        reference: JSON | None = None
        msg_type = MESSAGE_TYPE_DEFAULT
        if reply_to is not None:
            target = self._messages.get(reply_to)
            if target is None or target.channel_id != channel_id or target.deleted:
                raise SandboxError(f"cannot reply to unknown message {reply_to}")
            reference = {
                "type": 0,
                "message_id": str(target.id),
                "channel_id": str(channel_id),
                "guild_id": str(guild_id),
            }
            msg_type = MESSAGE_TYPE_REPLY
        msg = Message(
            id=self.snowflake(),
            channel_id=channel.id,
            guild_id=guild_id,
            author_id=user_id,
            content=content,
            message_reference=reference,
            type=msg_type,
        )
        self._compute_mentions(msg, record_pings=False)
        self._store(msg)
        self._emit("create", msg)
        await self.dispatch_message_event("MESSAGE_CREATE", msg)
        return self.message_payload(msg, gateway=True)

    async def user_react(self, message_id: int, emoji: str, user_id: int) -> None:
        """A member adds a reaction (MESSAGE_REACTION_ADD, needs the reactions intent)."""
        msg = self._messages.get(message_id)
        if msg is None or msg.deleted or msg.guild_id is None:
            raise SandboxError(f"unknown message {message_id}")
        if msg.visible_to is not None:
            raise SandboxError("ephemeral messages cannot be reacted to")
        self._member(self._guild(msg.guild_id), user_id)
        await self.add_reaction(msg, emoji, user_id)

    # --- simulated members: interactions ----------------------------------------------------
    def _find_command(self, guild_id: int, name: str) -> tuple[JSON, bool]:
        for command in self.commands.get(guild_id, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, True
        for command in self.commands.get(None, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, False
        raise UnknownCommand(f"/{name} is not published for guild {guild_id}")

    def _check_command_visible(self, guild: Guild, user_id: int, command: JSON) -> None:
        contexts = command.get("contexts")
        if isinstance(contexts, list) and contexts and 0 not in contexts:
            raise CommandNotPermitted(f"/{command['name']} is not available in guilds")
        required = command.get("default_member_permissions")
        if required is None:
            return
        needed = int(required)
        perms = self.member_permissions(guild, user_id)
        if perms & ADMINISTRATOR or user_id == guild.owner_id:
            return
        if needed == 0 or perms & needed != needed:
            raise CommandNotPermitted(
                f"/{command['name']} needs permissions {needed} "
                f"(member {user_id} has {perms}); Discord hides it"
            )

    def _walk_command(self, command: JSON, parts: list[str]) -> tuple[JSON, list[str]]:
        """Follow group/subcommand names; return the leaf (whose options are values)."""
        node = command
        walked = [command["name"]]
        for part in parts:
            subs = [
                o
                for o in node.get("options") or []
                if o.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
            ]
            match = next((o for o in subs if o["name"] == part), None)
            if match is None:
                raise UnknownCommand(f"/{' '.join(walked)} has no subcommand {part!r}")
            node = match
            walked.append(part)
        if any(
            o.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
            for o in node.get("options") or []
        ):
            names = [o["name"] for o in node.get("options") or []]
            raise UnknownCommand(f"/{' '.join(walked)} needs a subcommand: one of {names}")
        return node, walked

    def _resolve_value(
        self,
        guild: Guild,
        spec: JSON,
        raw: Any,
        resolved: JSON,
    ) -> Any:
        name = spec["name"]
        kind = spec["type"]
        where = f"option {name!r}"
        value: Any
        if kind == OPTION_STRING:
            if not isinstance(raw, str):
                raise InvalidCommandInput(f"{where} must be a string, got {raw!r}")
            low = spec.get("min_length", 1) or 1
            high = spec.get("max_length", MAX_STRING_OPTION)
            if not low <= len(raw) <= high:
                raise InvalidCommandInput(f"{where} must be {low}..{high} characters long")
            value = raw
        elif kind == OPTION_INTEGER:
            if not isinstance(raw, int) or isinstance(raw, bool) or abs(raw) > MAX_SAFE_INTEGER:
                raise InvalidCommandInput(f"{where} must be an integer, got {raw!r}")
            value = raw
        elif kind == OPTION_NUMBER:
            if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
                raise InvalidCommandInput(f"{where} must be a number, got {raw!r}")
            value = raw
        elif kind == OPTION_BOOLEAN:
            if not isinstance(raw, bool):
                raise InvalidCommandInput(f"{where} must be a boolean, got {raw!r}")
            value = raw
        elif kind in (OPTION_USER, OPTION_ROLE, OPTION_MENTIONABLE, OPTION_CHANNEL):
            value = str(self._resolve_entity(guild, spec, raw, resolved))
        elif kind == OPTION_ATTACHMENT:
            raise InvalidCommandInput(f"{where}: attachment options are not simulated")
        else:
            raise InvalidCommandInput(f"{where} has unsupported type {kind}")
        if kind in (OPTION_INTEGER, OPTION_NUMBER):
            low_value = spec.get("min_value")
            high_value = spec.get("max_value")
            if low_value is not None and value < low_value:
                raise InvalidCommandInput(f"{where} must be >= {low_value}")
            if high_value is not None and value > high_value:
                raise InvalidCommandInput(f"{where} must be <= {high_value}")
        choices = spec.get("choices")
        if choices and value not in [c.get("value") for c in choices]:
            allowed = [c.get("value") for c in choices]
            raise InvalidCommandInput(f"{where}: {value!r} is not one of the choices {allowed}")
        return value

    def _resolve_entity(self, guild: Guild, spec: JSON, raw: Any, resolved: JSON) -> int:
        kind = spec["type"]
        if isinstance(raw, SandboxMember):
            raw = raw.id
        try:
            ident = int(raw)
        except (TypeError, ValueError):
            raise InvalidCommandInput(f"option {spec['name']!r} needs an id, got {raw!r}") from None
        if kind in (OPTION_USER, OPTION_MENTIONABLE) and (
            ident in guild.members or ident in self.users
        ):
            resolved.setdefault("users", {})[str(ident)] = self.user_payload(ident)
            if ident in guild.members:
                perms = self.member_permissions(guild, ident)
                resolved.setdefault("members", {})[str(ident)] = self.member_payload(
                    guild, ident, with_user=False, permissions=perms
                )
            return ident
        if kind in (OPTION_ROLE, OPTION_MENTIONABLE) and ident in guild.roles:
            resolved.setdefault("roles", {})[str(ident)] = self.role_payload(guild.roles[ident])
            return ident
        if kind == OPTION_CHANNEL and ident in guild.channels:
            channel = guild.channels[ident]
            types = spec.get("channel_types")
            if types and channel.type not in types:
                raise InvalidCommandInput(f"channel {ident} is not of types {types}")
            resolved.setdefault("channels", {})[str(ident)] = self.channel_payload(
                channel, permissions=self.member_permissions(guild, self.bot_user_id)
            )
            return ident
        raise InvalidCommandInput(f"option {spec['name']!r}: {ident} cannot be picked here")

    def _build_options(
        self,
        guild: Guild,
        leaf: JSON,
        options: Mapping[str, Any],
        resolved: JSON,
        *,
        focused: str | None = None,
    ) -> list[JSON]:
        specs = {o["name"]: o for o in leaf.get("options") or []}
        for name in options:
            if name not in specs:
                raise InvalidCommandInput(
                    f"/{leaf['name']} has no option {name}: (its options: "
                    f"{', '.join(specs) or 'none'})"
                )
        built: list[JSON] = []
        for name, raw in options.items():
            spec = specs[name]
            if name == focused:
                if not spec.get("autocomplete"):
                    raise InvalidCommandInput(f"option {name!r} has no autocomplete")
                built.append(
                    {"name": name, "type": spec["type"], "value": str(raw), "focused": True}
                )
                continue
            value = self._resolve_value(guild, spec, raw, resolved)
            built.append({"name": name, "type": spec["type"], "value": value})
        if focused is not None:
            if focused not in specs:
                raise InvalidCommandInput(f"/{leaf['name']} has no option {focused!r}")
            if focused not in options:
                spec = specs[focused]
                if not spec.get("autocomplete"):
                    raise InvalidCommandInput(f"option {focused!r} has no autocomplete")
                built.append({"name": focused, "type": spec["type"], "value": "", "focused": True})
        else:
            missing = [n for n, s in specs.items() if s.get("required") and n not in options]
            if missing:
                needed = ", ".join(f"{name}:" for name in missing)
                raise InvalidCommandInput(f"/{leaf['name']} needs {needed}")
        return built

    def _command_data(
        self,
        guild: Guild,
        command_path: str,
        user_id: int,
        options: Mapping[str, Any] | None,
        *,
        focused: str | None = None,
    ) -> tuple[JSON, str]:
        parts = command_path.strip().lstrip("/").split()
        if not parts:
            raise UnknownCommand("empty command")
        command, is_guild = self._find_command(guild.id, parts[0])
        self._check_command_visible(guild, user_id, command)
        leaf, walked = self._walk_command(command, parts[1:])
        resolved: JSON = {}
        values = self._build_options(guild, leaf, options or {}, resolved, focused=focused)
        nested: list[JSON] = values
        node = command
        chain: list[JSON] = []
        for part in parts[1:]:
            node = next(o for o in node.get("options") or [] if o["name"] == part)
            chain.append(node)
        for sub in reversed(chain):
            entry: JSON = {"name": sub["name"], "type": sub["type"]}
            if nested:
                entry["options"] = nested
            nested = [entry]
        data: JSON = {"id": str(command["id"]), "name": command["name"], "type": 1}
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if is_guild:
            data["guild_id"] = str(guild.id)
        return data, " ".join(walked)

    async def slash(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
    ) -> Interaction:
        """A member runs a published slash command ("group sub" or "name"), options by name."""
        guild, channel = self._guild_channel(guild_id, channel_id)
        self._member(guild, user_id)
        data, name = self._command_data(guild, command, user_id, options)
        return await self._send_interaction(
            guild, channel, user_id, INTERACTION_APPLICATION_COMMAND, data, command=name
        )

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        timeout: float | None = None,
    ) -> list[JSON]:
        """Type in an autocomplete option; returns the choices of the type-8 callback."""
        guild, channel = self._guild_channel(guild_id, channel_id)
        self._member(guild, user_id)
        data, name = self._command_data(guild, command, user_id, options, focused=focused)
        interaction = await self._send_interaction(
            guild, channel, user_id, INTERACTION_AUTOCOMPLETE, data, command=name
        )
        wait = timeout if timeout is not None else self.ack_deadline + 1.0
        try:
            first = await interaction.wait_for_response(timeout=wait)
        except TimeoutError:
            raise InteractionFailed(f"no autocomplete answer to {interaction!r}") from None
        if not first["accepted"] or first["type"] != 8:
            raise InteractionFailed(f"autocomplete answer rejected: {first.get('error')}")
        choices: list[JSON] = (first.get("data") or {}).get("choices", [])
        return choices

    async def _human_delay(self, msg: Message) -> None:
        """Wait until the response that made/edited ``msg`` reached the bot, plus a grace."""
        await self._notifier.wait_for(
            lambda: msg.clickable_at != math.inf, 10.0, f"message {msg.id} to be delivered"
        )
        delay = msg.clickable_at - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    def _clickable(self, message_id: int, user_id: int) -> tuple[Guild, Channel, Message]:
        msg = self._messages.get(message_id)
        if msg is None or msg.deleted:
            raise UnknownComponent(f"unknown message {message_id}")
        if msg.guild_id is None:
            raise UnknownComponent("only guild messages are supported")
        guild, channel = self._guild_channel(msg.guild_id, msg.channel_id)
        self._member(guild, user_id)
        if msg.visible_to is not None and msg.visible_to != user_id:
            raise UnknownComponent(f"message {message_id} is ephemeral for another user")
        return guild, channel, msg

    async def click(
        self, message_id: int, custom_id: str, user_id: int, *, forge: bool = False
    ) -> Interaction:
        """A member clicks a button (MESSAGE_COMPONENT, component_type 2)."""
        guild, channel, msg = self._clickable(message_id, user_id)
        await self._human_delay(msg)
        guild, channel, msg = self._clickable(message_id, user_id)
        component = msg.find_component(custom_id)
        if not forge:
            if component is None or component.get("type") != 2:
                buttons = [b.custom_id for b in msg.buttons()]
                raise UnknownComponent(
                    f"message {message_id} has no button {custom_id!r} (buttons: {buttons})"
                )
            if component.get("disabled"):
                raise UnknownComponent(f"button {custom_id!r} is disabled")
            if component.get("style") == 5:
                raise UnknownComponent(f"button {custom_id!r} is a link button")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        if component is not None and component.get("id") is not None:
            data["id"] = component["id"]
        return await self._send_interaction(
            guild,
            channel,
            user_id,
            INTERACTION_MESSAGE_COMPONENT,
            data,
            message=msg,
            custom_id=custom_id,
        )

    async def select(
        self,
        message_id: int,
        custom_id: str,
        values: Sequence[str],
        user_id: int,
        *,
        forge: bool = False,
    ) -> Interaction:
        """A member picks values in a select menu (MESSAGE_COMPONENT with values)."""
        guild, channel, msg = self._clickable(message_id, user_id)
        await self._human_delay(msg)
        guild, channel, msg = self._clickable(message_id, user_id)
        component = msg.find_component(custom_id)
        kind = 3
        values = [str(v) for v in values]
        resolved: JSON = {}
        if component is not None and component.get("type") in SELECT_TYPES:
            kind = int(component["type"])
        if not forge:
            if component is None or component.get("type") not in SELECT_TYPES:
                raise UnknownComponent(f"message {message_id} has no select {custom_id!r}")
            if component.get("disabled"):
                raise UnknownComponent(f"select {custom_id!r} is disabled")
            low = int(component.get("min_values", 1))
            high = int(component.get("max_values", 1))
            if not low <= len(values) <= high:
                raise InvalidCommandInput(f"select {custom_id!r} takes {low}..{high} values")
            if len(set(values)) != len(values):
                raise InvalidCommandInput("duplicate values")
            if kind == 3:
                allowed = [str(o.get("value")) for o in component.get("options") or []]
                bad = [v for v in values if v not in allowed]
                if bad:
                    raise InvalidCommandInput(f"{bad} are not options of {custom_id!r}")
        if kind != 3:
            spec_type = {5: OPTION_USER, 6: OPTION_ROLE, 7: OPTION_MENTIONABLE, 8: OPTION_CHANNEL}
            spec = {"name": custom_id, "type": spec_type[kind]}
            for value in values:
                self._resolve_entity(guild, spec, value, resolved)
        data: JSON = {"custom_id": custom_id, "component_type": kind, "values": values}
        if resolved:
            data["resolved"] = resolved
        return await self._send_interaction(
            guild,
            channel,
            user_id,
            INTERACTION_MESSAGE_COMPONENT,
            data,
            message=msg,
            custom_id=custom_id,
        )

    async def submit_modal(
        self,
        interaction: Interaction,
        values: Mapping[str, str | Sequence[str]],
        *,
        user_id: int | None = None,
    ) -> Interaction:
        """Submit the modal the bot opened (type-9 callback) with values by custom_id."""
        modal = interaction.modal
        if modal is None:
            raise SandboxError(f"{interaction!r} did not open a modal")
        guild, channel = self._guild_channel(interaction.guild_id or 0, interaction.channel_id)
        submitter = user_id if user_id is not None else interaction.user_id
        known = {c.get("custom_id") for c in iter_components(modal.get("components") or [])}
        unknown = [k for k in values if k not in known]
        if unknown:
            raise InvalidCommandInput(f"modal has no fields {unknown}")

        def mirror(item: JSON) -> JSON:
            kind = item.get("type")
            if kind == 1:
                return {"type": 1, "components": [mirror(c) for c in item.get("components") or []]}
            if kind == 18:
                return {"type": 18, "component": mirror(item.get("component") or {})}
            custom_id = item.get("custom_id")
            if kind == 4:
                value = values.get(str(custom_id), "")
                text = value if isinstance(value, str) else ""
                low = item.get("min_length", 0) or 0
                high = item.get("max_length", 4000)
                required = item.get("required", True)
                if (required or text) and not (max(low, 1 if required else 0) <= len(text) <= high):
                    raise InvalidCommandInput(f"field {custom_id!r} must be {low}..{high} chars")
                return {"type": 4, "custom_id": custom_id, "value": text}
            if kind in SELECT_TYPES:
                picked = values.get(str(custom_id), [])
                chosen = [picked] if isinstance(picked, str) else list(picked)
                return {"type": kind, "custom_id": custom_id, "values": chosen}
            return {"type": kind, "id": item.get("id")}

        components = [mirror(c) for c in modal.get("components") or []]
        data: JSON = {"custom_id": modal.get("custom_id"), "components": components}
        message = self._messages.get(interaction.message_id) if interaction.message_id else None
        return await self._send_interaction(
            guild,
            channel,
            submitter,
            INTERACTION_MODAL_SUBMIT,
            data,
            message=message,
            custom_id=str(modal.get("custom_id")),
        )

    def _interaction_payload(
        self,
        interaction_id: int,
        token: str,
        kind: int,
        guild: Guild,
        channel: Channel,
        user_id: int,
        data: JSON,
        message: Message | None,
    ) -> JSON:
        perms = self.member_permissions(guild, user_id)
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": self.channel_payload(channel, permissions=perms),
            "member": self.member_payload(guild, user_id, permissions=perms),
            "app_permissions": str(self.member_permissions(guild, self.bot_user_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "data": data,
        }
        if message is not None:
            payload["message"] = self.message_payload(message)
        return payload

    async def _send_interaction(
        self,
        guild: Guild,
        channel: Channel,
        user_id: int,
        kind: int,
        data: JSON,
        *,
        message: Message | None = None,
        command: str | None = None,
        custom_id: str | None = None,
    ) -> Interaction:
        shard_id = self.shard_for(guild.id)
        session = self.gateway.session_for(shard_id)
        if session is None:
            raise NotConnected(f"shard {shard_id} (guild {guild.id}) is not connected")
        interaction_id = self.snowflake()
        token = f"sandbox-interaction-{secrets.token_hex(24)}"
        payload = self._interaction_payload(
            interaction_id, token, kind, guild, channel, user_id, data, message
        )
        interaction = Interaction(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild.id,
            channel_id=channel.id,
            user_id=user_id,
            payload=payload,
            dispatched_at=self.now(),
            notifier=self._notifier,
            command=command,
            custom_id=custom_id,
            message_id=message.id if message is not None else None,
        )
        self.interactions[interaction_id] = interaction
        self._interactions_by_token[token] = interaction
        await session.dispatch("INTERACTION_CREATE", payload)
        loop = asyncio.get_running_loop()
        self._timers[interaction.id] = loop.call_later(
            self.ack_deadline, self._check_deadline, interaction
        )
        self.notify()
        return interaction

    def describe_interaction(self, interaction: Interaction) -> str:
        if interaction.command is not None:
            kind = "autocomplete" if interaction.type == INTERACTION_AUTOCOMPLETE else "command"
            return f"{kind} /{interaction.command}"
        if interaction.type == INTERACTION_MODAL_SUBMIT:
            return f"modal {interaction.custom_id!r}"
        return f"component {interaction.custom_id!r}"

    def _check_deadline(self, interaction: Interaction) -> None:
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

    # --- fault injection ---------------------------------------------------------------------
    def inject_rest_failure(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        count: int = 1,
        retry_after: float = 0.05,
    ) -> None:
        """The next ``count`` requests matching METHOD (or "*") and the fnmatch-style
        ``path_pattern`` (relative to the API base, e.g. "/channels/*/messages") get ``status``.
        A 429 carries Discord's JSON body, a ``Via`` header and X-RateLimit headers."""
        pattern = path_pattern
        if pattern.startswith("/api/v10"):
            pattern = pattern[len("/api/v10") :]
        self.failures.append(InjectedFailure(method.upper(), pattern, status, count, retry_after))

    async def force_reconnect(self, shard_id: int = 0) -> None:
        await self.gateway.force_reconnect(shard_id)

    async def drop_connection(self, shard_id: int = 0) -> None:
        await self.gateway.drop_connection(shard_id)

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        await self.gateway.invalidate_session(shard_id, resumable=resumable)

    async def redeliver(self, event: str, object_id: int) -> int:
        """Send an already dispatched event again, unchanged (same id, same payload; for an
        interaction the same token), as Discord may: e.g. ``redeliver("INTERACTION_CREATE",
        interaction.id)`` or ``redeliver("MESSAGE_CREATE", message_id)``.

        Nothing else changes in the sandbox: a redelivered interaction is the same
        :class:`Interaction` record (already acknowledged, or still counting down to its
        deadline from the first dispatch), so a bot that answers both copies gets 400 code
        40060 on the second callback and a violation is recorded. The bot should recognise
        the id and ignore the copy. Returns the sequence number of the copy.
        """
        seq = await self.gateway.redeliver(event, object_id)
        self.notify()
        return seq

    def resumes(self, shard_id: int = 0) -> int:
        """How many times the shard's current session was RESUMEd."""
        session = self.gateway.session_for(shard_id)
        return session.resumes if session is not None else 0

    def session_intents(self, shard_id: int = 0) -> int | None:
        session = self.gateway.session_for(shard_id)
        return session.intents if session is not None else None


def _emoji_payload(emoji: str) -> JSON:
    if ":" in emoji:
        name, _, ident = emoji.rpartition(":")
        animated = name.startswith("a:")
        return {"id": ident, "name": name.removeprefix("a:"), "animated": animated}
    return {"id": None, "name": emoji}
