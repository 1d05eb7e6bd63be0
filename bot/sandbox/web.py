"""A Discord-like web page for the local Discord, served by the local Discord itself.

The page (``bot/sandbox/page/``: plain HTML, CSS and JavaScript, no build step, nothing
fetched from the network) talks to three routes:

- ``GET /sandbox/state?member=ID&channel=ID``: the server, its channels and members, the
  commands that member can see and the channel's messages as that member sees them;
- ``WS /sandbox/ws?member=ID``: every new, edited, reacted-to or deleted message of the
  server, as it happens (ephemeral ones only to their member);
- ``POST /sandbox/act``: act as a member: a slash command, an autocomplete, a click, a
  select, a plain message.

Everything the page sends is checked here (the page is a convenience, not a trust boundary):
unknown members, channels, commands, options and components get a 400 with a sentence the
page shows. Ids travel as strings: snowflakes do not fit in a JavaScript number.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.aio import cancel_and_wait
from bot.sandbox.limits import (
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_USER,
)
from bot.sandbox.model import (
    ADMINISTRATOR,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    JSON,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    CommandNotPermitted,
    Guild,
    Message,
    SandboxError,
    UnknownComponent,
    snowflake_time,
)

if TYPE_CHECKING:
    from bot.sandbox.server import LocalDiscord

log = logging.getLogger(__name__)

PAGE_FILES = {
    "/": ("index.html", "text/html"),
    "/static/app.js": ("app.js", "text/javascript"),
    "/static/app.css": ("app.css", "text/css"),
    "/static/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DEFAULT_PORT = 8765
MAX_MESSAGE = 2000
MAX_BODY = 64 * 1024
RESPONSE_TIMEOUT = 5.0
HISTORY = 200
_SNOWFLAKE = re.compile(r"\d{1,20}")
_OPTION_NAME = re.compile(r"[-_\w]{1,32}")


async def start_with_page(server: LocalDiscord, port: int | None = None) -> str:
    """Start ``server`` (its page mounted) on 127.0.0.1 and return the page's URL.

    ``port`` None: DEFAULT_PORT, or any free port when that one is taken (a second sandbox
    still starts); 0: any free port; any other: that port, or OSError saying how to choose.
    """
    try:
        await server.start("127.0.0.1", DEFAULT_PORT if port is None else port)
    except OSError as error:
        if port is not None or error.errno != errno.EADDRINUSE:
            raise OSError(
                f"cannot serve the page on 127.0.0.1:{port}: {error.strerror or error}; "
                "choose another port with --port (0: any free port) or turn it off with --no-web",
            ) from None
        await server.start("127.0.0.1", 0)
    return f"http://127.0.0.1:{server.port}/"


class BadRequest(Exception):
    """Something the page sent that cannot be done; the text is shown to the person."""


def role_of(server: LocalDiscord, guild: Guild, user_id: int) -> str:
    """What a member may do, in the words of a server's member list."""
    if user_id == server.bot_user_id:
        return "bot"
    if user_id == guild.owner_id:
        return "owner"
    perms = server.member_permissions(guild, user_id)
    if perms & ADMINISTRATOR:
        return "admin"
    if perms & MANAGE_GUILD:
        return "manager"
    if perms & MANAGE_MESSAGES:
        return "moderator"
    return "member"


class WebPage:
    """The page's routes on a LocalDiscord, for the members of one of its servers."""

    def __init__(self, server: LocalDiscord, guild_id: int | None = None) -> None:
        self.server = server
        self._guild_id = guild_id
        self._sockets: set[web.WebSocketResponse] = set()
        server.mount(self.setup)

    @property
    def guild(self) -> Guild:
        if self._guild_id is None:
            if not self.server.guilds:
                raise SandboxError("the local Discord has no server for the page")
            self._guild_id = next(iter(self.server.guilds))
        return self.server.guilds[self._guild_id]

    def setup(self, app: web.Application) -> None:
        for path in PAGE_FILES:
            app.router.add_get(path, self._file)
        app.router.add_route("GET", "/sandbox/state", self._state)
        app.router.add_route("GET", "/sandbox/ws", self._socket)
        app.router.add_route("POST", "/sandbox/act", self._act)
        # Anything else of the page's is a plain 404, not a REST call the bot got wrong.
        for prefix in ("/sandbox/", "/static/"):
            app.router.add_route("*", prefix + "{tail:.*}", self._not_found)
        app.on_shutdown.append(self._close_sockets)

    # --- checks -----------------------------------------------------------------------------
    def _check_origin(self, request: web.Request) -> None:
        """Only pages served from this loopback address may act (no DNS rebinding, no other
        site's scripts posting to 127.0.0.1)."""
        host = request.host.rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise web.HTTPForbidden(text="the sandbox page is served to 127.0.0.1 only")
        origin = request.headers.get("Origin")
        if origin is not None and origin not in (
            f"http://{request.host}",
            f"http://127.0.0.1:{self.server.port}",
            f"http://localhost:{self.server.port}",
        ):
            raise web.HTTPForbidden(text="requests from other sites are refused")

    def _member(self, raw: Any) -> int:
        guild = self.guild
        if not isinstance(raw, str | int) or not _SNOWFLAKE.fullmatch(str(raw)):
            raise BadRequest("choose a member of the server")
        user_id = int(raw)
        member = guild.members.get(user_id)
        if member is None or member.bot:
            raise BadRequest(f"there is no member {raw} in {guild.name}")
        return user_id

    def _channel(self, raw: Any) -> int:
        guild = self.guild
        if not isinstance(raw, str | int) or not _SNOWFLAKE.fullmatch(str(raw)):
            raise BadRequest("choose a channel of the server")
        if int(raw) not in guild.channels:
            raise BadRequest(f"there is no channel {raw} in {guild.name}")
        return int(raw)

    def _default_member(self) -> int:
        guild = self.guild
        if guild.owner_id in guild.members:
            return guild.owner_id
        return next(uid for uid, m in guild.members.items() if not m.bot)

    # --- what the page shows ----------------------------------------------------------------
    def name_of(self, user_id: int) -> str:
        user = self.server.users.get(user_id)
        return user.name if user is not None else f"user {user_id}"

    def message_json(self, message: Message) -> JSON:
        reactions: dict[str, JSON] = {}
        for emoji, user_id in message.reactions:
            entry = reactions.setdefault(emoji, {"emoji": emoji, "users": []})
            entry["users"].append(str(user_id))
        used: JSON | None = None
        interaction = (
            self.server.interactions.get(message.interaction_id)
            if message.interaction_id is not None
            else None
        )
        if interaction is not None and interaction.type == INTERACTION_APPLICATION_COMMAND:
            used = {
                "user_id": str(interaction.user_id),
                "command": interaction.command or "",
            }
        return {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author_id": str(message.author_id),
            "content": message.content,
            "embeds": message.embeds,
            "components": message.components,
            "flags": message.flags,
            "ephemeral": message.ephemeral,
            "loading": bool(message.flags & FLAG_LOADING),
            "edited": message.edited,
            "timestamp": snowflake_time(message.id),
            "reactions": list(reactions.values()),
            "attachments": [
                {"filename": a.get("filename", ""), "size": a.get("size", 0)}
                for a in message.attachments
            ],
            "used": used,
            "reply_to": (message.message_reference or {}).get("message_id"),
        }

    def commands_json(self, user_id: int) -> list[JSON]:
        guild = self.guild
        found = self.server.available_commands(guild.id, user_id)
        commands = []
        for path, leaf in sorted(found.items()):
            options = [
                {
                    key: option[key]
                    for key in (
                        "name",
                        "description",
                        "type",
                        "required",
                        "choices",
                        "autocomplete",
                        "min_value",
                        "max_value",
                        "min_length",
                        "max_length",
                    )
                    if key in option
                }
                for option in leaf.get("options") or []
            ]
            commands.append(
                {"path": path, "description": leaf.get("description", ""), "options": options}
            )
        return commands

    def state_json(self, user_id: int, channel_id: int) -> JSON:
        guild, server = self.guild, self.server
        channels = sorted(guild.channels.values(), key=lambda c: (c.position, c.id))
        members = sorted(guild.members.values(), key=lambda m: (m.bot, m.name.casefold()))
        history = server.messages(channel_id, viewer=user_id)[-HISTORY:]
        return {
            "guild": {"id": str(guild.id), "name": guild.name},
            "bot": {"id": str(server.bot_user_id), "name": server.bot_name},
            "me": str(user_id),
            "channel": str(channel_id),
            "channels": [{"id": str(c.id), "name": c.name} for c in channels],
            "members": [
                {
                    "id": str(m.id),
                    "name": m.name,
                    "bot": m.bot,
                    "role": role_of(server, guild, m.id),
                }
                for m in members
            ],
            "roles": [
                {"id": str(r.id), "name": r.name} for r in guild.roles.values() if r.id != guild.id
            ],
            "commands": self.commands_json(user_id),
            "messages": [self.message_json(m) for m in history],
        }

    # --- routes -----------------------------------------------------------------------------
    async def _file(self, request: web.Request) -> web.Response:
        name, content_type = PAGE_FILES[request.path]
        body = resources.files("bot.sandbox").joinpath("page", name).read_bytes()
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8" if content_type.startswith("text/") else None,
            headers={
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"error": f"nothing at {request.path[:80]}"}, status=404)

    async def _state(self, request: web.Request) -> web.Response:
        self._check_origin(request)
        try:
            raw_member = request.query.get("member")
            user_id = self._member(raw_member) if raw_member else self._default_member()
            raw_channel = request.query.get("channel")
            channel_id = (
                self._channel(raw_channel)
                if raw_channel
                else min(self.guild.channels.values(), key=lambda c: (c.position, c.id)).id
            )
            return web.json_response(self.state_json(user_id, channel_id))
        except (BadRequest, SandboxError) as error:
            return web.json_response({"error": str(error)}, status=400)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        self._check_origin(request)
        try:
            user_id = self._member(request.query.get("member"))
        except BadRequest as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        guild_id = self.guild.id
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        events: asyncio.Queue[JSON | None] = asyncio.Queue()

        def listener(kind: str, message: Message) -> None:
            if message.guild_id != guild_id:
                return
            if message.visible_to not in (None, user_id):
                return
            if kind == "delete" or message.deleted:
                events.put_nowait(
                    {"type": "delete", "id": str(message.id), "channel_id": str(message.channel_id)}
                )
            else:
                events.put_nowait({"type": "message", "message": self.message_json(message)})

        async def read() -> None:
            async for frame in socket:  # the page sends nothing; read to notice the close
                if frame.type == WSMsgType.ERROR:
                    break
            events.put_nowait(None)

        unsubscribe = self.server.subscribe(listener)
        self._sockets.add(socket)
        reader = asyncio.create_task(read(), name="sandbox-page-reader")
        try:
            await socket.send_json({"type": "hello", "member": str(user_id)})
            while (event := await events.get()) is not None:
                await socket.send_json(event)
        except (ConnectionError, RuntimeError):
            pass  # the page went away mid-send
        finally:
            unsubscribe()
            self._sockets.discard(socket)
            await cancel_and_wait(reader)
            await socket.close()
        return socket

    async def _close_sockets(self, app: web.Application) -> None:
        for socket in list(self._sockets):
            await socket.close(code=1001, message=b"the sandbox is closing")

    async def _act(self, request: web.Request) -> web.Response:
        self._check_origin(request)
        if request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return web.json_response({"error": "that is too long"}, status=413)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "send JSON"}, status=400)
        try:
            if not isinstance(body, dict):
                raise BadRequest("send a JSON object")
            result = await self.act(body)
        except (BadRequest, SandboxError) as error:
            return web.json_response({"error": friendly(error)}, status=400)
        return web.json_response({"ok": True, **result})

    # --- acting as a member -----------------------------------------------------------------
    async def act(self, body: Mapping[str, Any]) -> JSON:
        """Do what the page asked, as the member it names; returns what the page shows."""
        action = body.get("action")
        user_id = self._member(body.get("member"))
        if action in ("click", "select"):
            message = self._message(body.get("message"), user_id)
            custom_id = body.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                raise BadRequest("which component?")
            if action == "click":
                interaction = await self.server.click(message.id, custom_id, user_id)
            else:
                values = body.get("values")
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise BadRequest("pick an option")
                interaction = await self.server.select(message.id, custom_id, values, user_id)
            await self._answered(interaction)
            return {}
        if action == "react":
            message = self._message(body.get("message"), user_id)
            emoji = body.get("emoji")
            if not isinstance(emoji, str) or emoji not in {e for e, _ in message.reactions}:
                raise BadRequest("add a reaction that is already on the message")
            await self.server.user_react(message.id, emoji, user_id)
            return {}
        channel_id = self._channel(body.get("channel"))
        guild_id = self.guild.id
        if action == "message":
            content = body.get("content")
            if not isinstance(content, str) or not content.strip():
                raise BadRequest("type a message first")
            if len(content) > MAX_MESSAGE:
                raise BadRequest(f"a message is at most {MAX_MESSAGE} characters")
            await self.server.user_message(guild_id, channel_id, user_id, content)
            return {}
        if action not in ("slash", "autocomplete"):
            raise BadRequest(f"unknown action {str(action)[:40]!r}")
        path, leaf = self._command(body.get("command"), user_id)
        raw_options = body.get("options") or {}
        if not isinstance(raw_options, dict):
            raise BadRequest("options are name: value pairs")
        specs = {o["name"]: o for o in leaf.get("options") or []}
        focused = body.get("focused") if action == "autocomplete" else None
        options: dict[str, Any] = {}
        for name, value in raw_options.items():
            if not isinstance(name, str) or not _OPTION_NAME.fullmatch(name):
                raise BadRequest("an option name is letters, digits, - and _")
            if name not in specs:
                listed = ", ".join(specs) or "none"
                raise BadRequest(f"/{path} has no option “{name}” (its options: {listed})")
            if not isinstance(value, str | int | float | bool):
                raise BadRequest(f"{name}: give a value")
            if name == focused:
                options[name] = str(value)
            elif not (isinstance(value, str) and not value.strip()):
                options[name] = self.coerce(specs[name], value)
        if action == "autocomplete":
            if not isinstance(focused, str) or focused not in specs:
                raise BadRequest("which option to complete?")
            if not specs[focused].get("autocomplete"):
                return {"choices": []}
            choices = await self.server.autocomplete(
                guild_id, channel_id, user_id, path, options, focused
            )
            return {"choices": [{"name": c["name"], "value": c["value"]} for c in choices]}
        missing = [n for n, spec in specs.items() if spec.get("required") and n not in options]
        if missing:
            listed = " ".join(f"{name}: …" for name in missing)
            raise BadRequest(f"/{path} needs {', '.join(missing)}: /{path} {listed}")
        interaction = await self.server.slash(guild_id, channel_id, user_id, path, options)
        await self._answered(interaction)
        return {}

    def _command(self, raw: Any, user_id: int) -> tuple[str, JSON]:
        if not isinstance(raw, str) or not raw.strip():
            raise BadRequest("type a command after /")
        path = " ".join(raw.strip().lstrip("/").split())
        guild = self.guild
        found = self.server.available_commands(guild.id, user_id)
        if path in found:
            return path, found[path]
        if path in self.server.available_commands(guild.id):
            name = self.name_of(user_id)
            raise BadRequest(f"{name} does not have permission to use /{path}")
        raise BadRequest(f"there is no command /{path[:60]}; type / to see the commands")

    def _message(self, raw: Any, user_id: int) -> Message:
        if not isinstance(raw, str) or not _SNOWFLAKE.fullmatch(raw):
            raise BadRequest("which message?")
        message = self.server.message(int(raw))
        if (
            message is None
            or message.deleted
            or message.guild_id != self.guild.id
            or message.visible_to not in (None, user_id)
        ):
            raise BadRequest("that message is gone")
        return message

    async def _answered(self, interaction: Any) -> None:
        try:
            first = await interaction.wait_for_response(timeout=RESPONSE_TIMEOUT)
        except TimeoutError:
            raise BadRequest(f"{self.server.bot_name} did not respond") from None
        if not first.get("accepted", True):
            raise BadRequest(f"{self.server.bot_name}'s answer was refused: {first.get('error')}")

    def coerce(self, spec: Mapping[str, Any], value: str | int | float | bool) -> Any:
        """A value typed in the page → the type the option takes (choices by name or value,
        members and channels by name, mention or id)."""
        name, kind = spec["name"], spec["type"]
        text = str(value).strip()
        choices = spec.get("choices") or []
        if choices:
            for choice in choices:
                if text.casefold() in (str(choice["name"]).casefold(), str(choice["value"])):
                    return choice["value"]
            listed = ", ".join(str(c["name"]) for c in choices)
            raise BadRequest(f"{name}: “{text[:60]}” is not one of: {listed}")
        if kind == OPTION_STRING:
            return str(value)
        if kind == OPTION_INTEGER:
            if not re.fullmatch(r"[-+]?\d{1,16}", text):
                raise BadRequest(f"{name} is a whole number, not “{text[:60]}”")
            return int(text)
        if kind == OPTION_NUMBER:
            try:
                number = float(text)
            except ValueError:
                raise BadRequest(f"{name} is a number, not “{text[:60]}”") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise BadRequest(f"{name} is a number, not “{text[:60]}”")
            return number
        if kind == OPTION_BOOLEAN:
            if text.casefold() not in ("true", "false", "yes", "no"):
                raise BadRequest(f"{name} is true or false")
            return text.casefold() in ("true", "yes")
        guild = self.guild
        # An entity option: its mention, or its name. (what, mention pattern, sigil, names)
        if kind in (OPTION_USER, OPTION_MENTIONABLE):
            what, pattern, sigil = "member", r"<@!?(\d+)>", "@"
            names = {m.id: m.name for m in guild.members.values()}
        elif kind == OPTION_CHANNEL:
            what, pattern, sigil = "channel", r"<#(\d+)>", "#"
            names = {c.id: c.name for c in guild.channels.values()}
        elif kind == OPTION_ROLE:
            what, pattern, sigil = "role", r"<@&(\d+)>", "@"
            names = {r.id: r.name for r in guild.roles.values()}
        else:
            raise BadRequest(f"{name}: this kind of option cannot be typed here")
        found = _id_in(text, pattern) or self._by_name(text.lstrip(sigil), names)
        if found is not None:
            return found
        raise BadRequest(f"{name}: no {what} “{text[:60]}” in {guild.name}")

    @staticmethod
    def _by_name(text: str, names: Mapping[int, str]) -> str | None:
        if _SNOWFLAKE.fullmatch(text) and int(text) in names:
            return text
        wanted = text.casefold()
        return next((str(i) for i, n in names.items() if n.casefold() == wanted), None)


def _id_in(text: str, pattern: str) -> str | None:
    match = re.fullmatch(pattern, text)
    return match.group(1) if match else None


def friendly(error: Exception) -> str:
    """The sandbox's errors, in the words a Discord client would use."""
    text = str(error)
    if isinstance(error, UnknownComponent):
        if "disabled" in text:
            return "That is no longer active."
        if "unknown message" in text:
            return "That message is gone."
    if isinstance(error, CommandNotPermitted):
        return "You do not have permission to use this command."
    return text
