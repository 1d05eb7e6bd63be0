"""Records and constants of the local Discord: members, guilds, messages, interactions.

Everything here is plain data plus small helpers; the server (``server.py``) owns the state and
mutates these records. Tests read them back (``Message``, ``Interaction``).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000

# --- permissions (https://discord.com/developers/docs/topics/permissions) -------------------
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_MEMBER_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
"""What a plain member of a fresh server may do (no MENTION_EVERYONE, no MANAGE_GUILD)."""

DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES | MENTION_EVERYONE
"""The bot's role: can post, embed, react, manage messages and (if allowed) ping @everyone."""

# --- gateway intents -----------------------------------------------------------------------
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# --- message flags -------------------------------------------------------------------------
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

# --- interaction types / callback types ----------------------------------------------------
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9


# --- errors --------------------------------------------------------------------------------
class SandboxError(Exception):
    """Something a real Discord client could not do (or the sandbox cannot simulate)."""


class UnknownCommand(SandboxError):
    """The command (or subcommand) was never published for that guild."""


class InvalidCommandInput(SandboxError):
    """An option does not exist, is missing, has the wrong type or is out of range."""


class CommandNotPermitted(SandboxError):
    """The member lacks the command's default_member_permissions: Discord hides it."""


class UnknownComponent(SandboxError):
    """No such message, or it carries no (enabled) component with that custom_id."""


class NotConnected(SandboxError):
    """No gateway session for the shard that should receive the event."""


class InteractionFailed(SandboxError):
    """The bot's answer was rejected or never came (e.g. an autocomplete without choices)."""


class SandboxTimeout(SandboxError, TimeoutError):
    """A wait_for_* helper ran out of time."""


class ApiError(Exception):
    """A REST error answer: status, Discord error code, message, optional form errors.

    ``violation`` (if set) is recorded in ``LocalDiscord.violations``: the bot broke a rule.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: JSON | None = None,
        violation: str | None = None,
        headers: dict[str, str] | None = None,
        extra: JSON | None = None,
    ) -> None:
        super().__init__(f"{status} {message} (code {code})")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


# --- ids and time --------------------------------------------------------------------------
class SnowflakeFactory:
    """Increasing snowflakes whose timestamp part is the current wall clock."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def snowflake_time(snowflake: int) -> str:
    """ISO-8601 timestamp of a snowflake, as Discord formats it."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return moment.isoformat()


def now_iso() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat()


# --- change notification -------------------------------------------------------------------
T = TypeVar("T")


class Notifier:
    """Wakes every waiter whenever the sandbox state changes (no polling sleeps)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return the first truthy value of ``probe()``, re-checked on every change."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = probe()
                    if result:
                        return result
                    await self._event.wait()
        except TimeoutError:
            raise SandboxTimeout(f"timed out after {timeout}s waiting for {what}") from None


@dataclass
class InjectedFailure:
    method: str
    pattern: str
    status: int
    remaining: int
    retry_after: float


@dataclass
class RestCall:
    """One REST request the bot made (``LocalDiscord.requests``)."""

    method: str
    path: str
    """Relative to the API base, e.g. ``/channels/1/messages`` (query string not included)."""
    status: int
    body: Any
    query: dict[str, str]


# --- guild model ---------------------------------------------------------------------------
@dataclass
class SandboxMember:
    """A simulated guild member. ``permissions`` are their guild-wide permissions."""

    id: int
    name: str
    permissions: int = DEFAULT_MEMBER_PERMISSIONS
    bot: bool = False


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None


@dataclass
class Channel:
    id: int
    name: str
    guild_id: int | None
    position: int = 0
    type: int = 0
    recipient_id: int | None = None


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel]
    members: dict[int, SandboxMember]
    roles: dict[int, Role]
    member_roles: dict[int, list[int]]
    joined_at: str


# --- messages ------------------------------------------------------------------------------
class ButtonInfo(NamedTuple):
    custom_id: str | None
    label: str | None
    disabled: bool
    style: int


class SelectInfo(NamedTuple):
    custom_id: str
    type: int
    options: list[tuple[str, str]]
    """(label, value) pairs; empty for user/role/channel selects."""
    placeholder: str | None
    min_values: int
    max_values: int
    disabled: bool


def iter_components(components: list[JSON]) -> list[JSON]:
    """Every component in a (possibly nested, components v2) component tree, depth first."""
    found: list[JSON] = []
    stack = list(reversed(components))
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        found.append(item)
        children: list[Any] = []
        if isinstance(item.get("components"), list):
            children.extend(item["components"])
        for key in ("accessory", "component"):
            if isinstance(item.get(key), dict):
                children.append(item[key])
        stack.extend(reversed(children))
    return found


SELECT_TYPES = (3, 5, 6, 7, 8)


@dataclass(eq=False)
class Message:
    """A message as the local Discord stores it (bot messages and members' messages)."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    visible_to: int | None = None
    """For ephemeral messages: the only user who can see them."""
    edited: bool = False
    interaction_id: int | None = None
    allowed_mentions: JSON | None = None
    attachments: list[JSON] = field(default_factory=list)
    reactions: list[tuple[str, int]] = field(default_factory=list)
    """(emoji, user id) pairs in the order they were added."""
    message_reference: JSON | None = None
    webhook_id: int | None = None
    type: int = 0
    deleted: bool = False
    edited_timestamp: str | None = None
    nonce: str | int | None = None
    tts: bool = False
    mention_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    clickable_at: float = 0.0
    """Loop time from which a member can click it: set when the HTTP response that created or
    edited it has been flushed, plus ``click_grace`` (discord.py registers a View only after
    that response returns, so an instant click would be dropped)."""

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("Bot is thinking...") response not edited yet."""
        return bool(self.flags & FLAG_LOADING)

    def all_components(self) -> list[JSON]:
        return iter_components(self.components)

    def buttons(self) -> list[ButtonInfo]:
        return [
            ButtonInfo(
                custom_id=c.get("custom_id"),
                label=c.get("label"),
                disabled=bool(c.get("disabled", False)),
                style=int(c.get("style", 1)),
            )
            for c in self.all_components()
            if c.get("type") == 2
        ]

    def select_menus(self) -> list[SelectInfo]:
        menus: list[SelectInfo] = []
        for c in self.all_components():
            if c.get("type") not in SELECT_TYPES:
                continue
            options = [
                (str(o.get("label", "")), str(o.get("value", "")))
                for o in c.get("options") or []
                if isinstance(o, dict)
            ]
            menus.append(
                SelectInfo(
                    custom_id=str(c.get("custom_id", "")),
                    type=int(c["type"]),
                    options=options,
                    placeholder=c.get("placeholder"),
                    min_values=int(c.get("min_values", 1)),
                    max_values=int(c.get("max_values", 1)),
                    disabled=bool(c.get("disabled", False)),
                )
            )
        return menus

    def find_component(self, custom_id: str) -> JSON | None:
        for component in self.all_components():
            if component.get("custom_id") == custom_id:
                return component
        return None

    def embed_text(self) -> str:
        """Titles, descriptions and fields of every embed, one per line (handy in asserts)."""
        parts: list[str] = []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(str(embed[key]))
            for fld in embed.get("fields") or []:
                parts.append(f"{fld.get('name', '')}: {fld.get('value', '')}")
            footer = embed.get("footer") or {}
            if footer.get("text"):
                parts.append(str(footer["text"]))
        return "\n".join(parts)


touched_messages: contextvars.ContextVar[list[Message] | None] = contextvars.ContextVar(
    "touched_messages", default=None
)
"""Messages created or edited while serving the current REST request (see click_grace)."""


# --- interactions --------------------------------------------------------------------------
class Interaction:
    """One interaction the sandbox sent to the bot, and everything the bot answered."""

    def __init__(
        self,
        *,
        id: int,
        token: str,
        type: int,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        payload: JSON,
        dispatched_at: float,
        notifier: Notifier,
        command: str | None = None,
        custom_id: str | None = None,
        message_id: int | None = None,
    ) -> None:
        self.id = id
        self.token = token
        self.type = type
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.user_id = user_id
        self.payload = payload
        """The INTERACTION_CREATE data sent over the gateway."""
        self.command = command
        self.custom_id = custom_id
        self.message_id = message_id
        """For component interactions: the message the component is on."""
        self.dispatched_at = dispatched_at
        self.callbacks: list[JSON] = []
        """Every POST to the callback route: {"type", "data", "accepted", "status", "error"}."""
        self.original: Message | None = None
        """The message @original refers to (may still be loading)."""
        self.followups: list[Message] = []
        self.ephemeral = False
        self.deferred = False
        self.modal: JSON | None = None
        self.acknowledged = False
        self.invalidated = False
        self.deadline_reported = False
        self.content_ready = False
        """Set once @original has real content (type 4/7, or an edit after a defer)."""
        self._notifier = notifier

    def __repr__(self) -> str:
        what = self.command or self.custom_id or ""
        return f"<Interaction id={self.id} type={self.type} {what!r} user={self.user_id}>"

    @property
    def response_message(self) -> Message | None:
        """The type-4 response, or the @original once a deferred response got content."""
        if self.original is None or self.original.deleted or not self.content_ready:
            return None
        return self.original

    @property
    def callback_types(self) -> list[int]:
        return [int(cb["type"]) for cb in self.callbacks]

    async def wait_for_response(self, timeout: float = 5.0) -> JSON:
        """The first callback the bot POSTed (accepted or not)."""
        return await self._notifier.wait_for(
            lambda: self.callbacks[0] if self.callbacks else None,
            timeout,
            f"a response to {self!r}",
        )

    async def wait_for_original(self, timeout: float = 5.0) -> Message:
        return await self._notifier.wait_for(
            lambda: self.response_message, timeout, f"the original response of {self!r}"
        )

    async def wait_for_followups(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        return await self._notifier.wait_for(
            lambda: list(self.followups) if len(self.followups) >= count else None,
            timeout,
            f"{count} followup(s) of {self!r}",
        )
