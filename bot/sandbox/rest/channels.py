"""Channels, messages, reactions and guilds as the bot reads and writes them, with the bot's
permissions and the per-channel send rate checked; and the bot's user, application and gateway."""

from __future__ import annotations

import re
import time
from collections import deque

from bot.sandbox.messages import apply_edit, build_bot_message
from bot.sandbox.model import (
    ADD_REACTIONS,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    ApiError,
    Channel,
    Message,
)
from bot.sandbox.payloads import (
    application_payload,
    bot_user_payload,
    channel_payload,
    guild_create_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from bot.sandbox.rest.base import (
    Req,
    Response,
    RestArea,
    RouteRow,
    rate_limited,
    snowflake_param,
    truthy,
)

CUSTOM_EMOJI = re.compile(r"^(a:)?[\w~-]{1,32}:\d{1,21}$")
_MESSAGE = "/channels/{channel_id}/messages/{message_id}"


class ChannelRoutes(RestArea):
    ROUTES: tuple[RouteRow, ...] = (
        ("GET", "/users/@me", "get_me", True),
        ("GET", "/users/{user_id}", "get_user", True),
        ("GET", "/oauth2/applications/@me", "get_application", True),
        ("GET", "/applications/@me", "get_application", True),
        ("GET", "/gateway", "get_gateway", False),
        ("GET", "/gateway/bot", "get_gateway_bot", True),
        ("GET", "/channels/{channel_id}", "get_channel", True),
        ("GET", "/channels/{channel_id}/messages", "get_messages", True),
        ("POST", "/channels/{channel_id}/messages", "post_message", True),
        ("GET", _MESSAGE, "get_message", True),
        ("PATCH", _MESSAGE, "patch_message", True),
        ("DELETE", _MESSAGE, "delete_message", True),
        ("PUT", f"{_MESSAGE}/reactions/{{emoji}}/@me", "put_reaction", True),
        ("DELETE", f"{_MESSAGE}/reactions/{{emoji}}/@me", "delete_own_reaction", True),
        ("DELETE", f"{_MESSAGE}/reactions", "clear_reactions", True),
        ("POST", "/channels/{channel_id}/typing", "typing", True),
        ("GET", "/guilds/{guild_id}", "get_guild", True),
        ("GET", "/guilds/{guild_id}/channels", "get_guild_channels", True),
        ("GET", "/guilds/{guild_id}/roles", "get_roles", True),
        ("GET", "/guilds/{guild_id}/members", "get_members", True),
        ("GET", "/guilds/{guild_id}/members/{user_id}", "get_member", True),
    )
    _channel_sends: dict[int, deque[float]]

    async def get_me(self, req: Req) -> Response:
        return 200, {**bot_user_payload(self.server), "locale": "en-US"}

    async def get_user(self, req: Req) -> Response:
        user_id = snowflake_param(req, "user_id")
        if user_id not in self.server.users:
            raise ApiError(404, 10013, "Unknown User")
        return 200, user_payload(self.server, user_id)

    async def get_application(self, req: Req) -> Response:
        return 200, application_payload(self.server)

    async def get_gateway(self, req: Req) -> Response:
        return 200, {"url": self.server.gateway_url}

    async def get_gateway_bot(self, req: Req) -> Response:
        server = self.server
        return 200, {
            "url": server.gateway_url,
            "shards": server.shard_count,
            "session_start_limit": {
                "total": server.identify_limit,
                "remaining": max(0, server.identify_limit - server.identify_count),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    def _channel(self, req: Req) -> Channel:
        channel = self.server.channels.get(snowflake_param(req, "channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _require(self, req: Req, channel: Channel, needed: int, what: str) -> None:
        server = self.server
        if channel.guild_id is None:
            return
        perms = server.member_permissions(server.guilds[channel.guild_id], server.bot_user_id)
        if perms & needed != needed:
            raise ApiError(
                403,
                50013,
                "Missing Permissions",
                violation=f"{req.label}: the bot lacks permission to {what} in #{channel.name}",
            )

    def _channel_message(self, req: Req, channel: Channel) -> Message:
        msg = self.server.message(snowflake_param(req, "message_id"))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def _check_channel_rate(self, req: Req, channel: Channel) -> None:
        rate = self.server.channel_message_rate
        if rate is None:
            return
        limit, window = rate
        now = time.monotonic()
        sends = self._channel_sends.setdefault(channel.id, deque())
        while sends and sends[0] <= now - window:
            sends.popleft()
        if len(sends) >= limit:
            retry_after = max(0.001, sends[0] + window - now)
            self.server.violation(
                f"{req.label}: more than {limit} messages in {window:g}s in #{channel.name} "
                f"(429, retry after {retry_after:.2f}s)"
            )
            raise rate_limited(retry_after, scope="shared")
        sends.append(now)

    async def get_channel(self, req: Req) -> Response:
        return 200, channel_payload(self.server, self._channel(req))

    async def get_messages(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY, "read history")
        try:
            limit = max(1, min(100, int(req.query.get("limit", "50"))))
            before = int(req.query["before"]) if "before" in req.query else None
            after = int(req.query["after"]) if "after" in req.query else None
            around = int(req.query["around"]) if "around" in req.query else None
        except ValueError:
            raise ApiError(400, 50035, "Invalid Form Body") from None
        visible = [m for m in server.messages(channel.id) if not m.ephemeral]
        if around is not None:
            older = [m for m in visible if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in visible if m.id > around][: limit - len(older)]
            chosen = older + newer
        elif after is not None:
            chosen = [m for m in visible if m.id > after][:limit]
        else:
            if before is not None:
                visible = [m for m in visible if m.id < before]
            chosen = visible[-limit:]
        chosen.sort(key=lambda m: m.id, reverse=True)
        return 200, [message_payload(server, m, redact=server.redact_for_rest(m)) for m in chosen]

    async def post_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | SEND_MESSAGES, "send messages")
        body = req.body if req.body is not None else {}
        msg = build_bot_message(server, channel, body, req.files, route=req.label)
        self._check_channel_rate(req, channel)
        await server.publish_message(msg)
        return 200, message_payload(server, msg)

    async def get_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY, "read history")
        msg = self._channel_message(req, channel)
        return 200, message_payload(server, msg, redact=server.redact_for_rest(msg))

    async def patch_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        if msg.author_id != server.bot_user_id:
            raise ApiError(
                403,
                50005,
                "Cannot edit a message authored by another user",
                violation=f"{req.label}: tried to edit a message by user {msg.author_id}",
            )
        apply_edit(server, msg, req.body, req.files, route=req.label)
        await server.publish_edit(msg)
        return 200, message_payload(server, msg)

    async def delete_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        if msg.author_id != server.bot_user_id:
            self._require(req, channel, MANAGE_MESSAGES, "delete others' messages")
        await server.publish_delete(msg)
        return 204, None

    def _emoji(self, req: Req) -> str:
        emoji = req.params["emoji"]
        if not emoji or (emoji.isascii() and not CUSTOM_EMOJI.match(emoji)):
            raise ApiError(
                400, 10014, "Unknown Emoji", violation=f"{req.label}: unknown emoji {emoji!r}"
            )
        return emoji

    async def put_reaction(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        emoji = self._emoji(req)
        self._require(req, channel, ADD_REACTIONS | READ_MESSAGE_HISTORY, "add reactions")
        await server.add_reaction(msg, emoji, server.bot_user_id)
        return 204, None

    async def delete_own_reaction(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        emoji = self._emoji(req)
        if (emoji, server.bot_user_id) in msg.reactions:
            msg.reactions.remove((emoji, server.bot_user_id))
            server.notify()
        return 204, None

    async def clear_reactions(self, req: Req) -> Response:
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        self._require(req, channel, MANAGE_MESSAGES, "clear reactions")
        msg.reactions.clear()
        self.server.notify()
        return 204, None

    async def typing(self, req: Req) -> Response:
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | SEND_MESSAGES, "send messages")
        return 204, None

    # --- guilds ----------------------------------------------------------------------------
    def _guild_id(self, req: Req) -> int:
        guild_id = snowflake_param(req, "guild_id")
        if guild_id not in self.server.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild_id

    async def get_guild(self, req: Req) -> Response:
        server = self.server
        guild_id = self._guild_id(req)
        payload = guild_create_payload(server, guild_id)
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "joined_at",
            "large",
            "member_count",
            "lazy",
            "unavailable",
        ):
            payload.pop(key, None)
        if truthy(req.query.get("with_counts")):
            guild = server.guilds[guild_id]
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return 200, payload

    async def get_guild_channels(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        return 200, [channel_payload(self.server, c) for c in guild.channels.values()]

    async def get_roles(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        return 200, [role_payload(r) for r in guild.roles.values()]

    async def get_member(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        user_id = snowflake_param(req, "user_id")
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, member_payload(self.server, guild, user_id)

    async def get_members(self, req: Req) -> Response:
        server = self.server
        guild = server.guilds[self._guild_id(req)]
        if not server.members_intent_allowed:
            raise ApiError(
                403,
                50001,
                "Missing Access",
                violation=f"{req.label}: listing members needs the GUILD_MEMBERS intent",
            )
        try:
            limit = max(1, min(1000, int(req.query.get("limit", "1"))))
            after = int(req.query.get("after", "0"))
        except ValueError:
            raise ApiError(400, 50035, "Invalid Form Body") from None
        ids = sorted(i for i in guild.members if i > after)[:limit]
        return 200, [member_payload(server, guild, i) for i in ids]
