"""Discord's JSON for the local Discord's objects: pure functions of the state.

Each builds a fresh dict from :class:`SandboxState` and changes nothing; the REST API, the gateway
and the members' actions all send what these return.
"""

from __future__ import annotations

from bot.sandbox.attachments import ATTACHMENT_SIZE_LIMIT
from bot.sandbox.model import JSON, Channel, Guild, Interaction, Message, Role, snowflake_time
from bot.sandbox.state import SandboxState


def user_payload(state: SandboxState, user_id: int) -> JSON:
    if user_id == state.bot_user_id:
        return {
            "id": str(user_id),
            "username": state.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
        }
    user = state.users.get(user_id)
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


def bot_user_payload(state: SandboxState) -> JSON:
    """The bot's own user as READY and ``GET /users/@me`` show it."""
    user = user_payload(state, state.bot_user_id)
    user.update({"verified": True, "mfa_enabled": False, "email": None})
    return user


def member_payload(
    state: SandboxState,
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
        payload["user"] = user_payload(state, user_id)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def role_payload(role: Role) -> JSON:
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


def channel_payload(
    state: SandboxState, channel: Channel, *, permissions: int | None = None
) -> JSON:
    last = state.last_message_id(channel.id)
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
        "last_message_id": str(last) if last is not None else None,
        "flags": 0,
    }
    if channel.guild_id is not None:
        payload["guild_id"] = str(channel.guild_id)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild_create_payload(state: SandboxState, guild_id: int, *, all_members: bool = True) -> JSON:
    """GUILD_CREATE's guild; without the members intent (``all_members`` False) only the bot."""
    guild = state.guilds[guild_id]
    member_ids = list(guild.members) if all_members else [state.bot_user_id]
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
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "joined_at": guild.joined_at,
        "large": len(guild.members) >= 250,
        "unavailable": False,
        "lazy": True,
        "member_count": len(guild.members),
        "voice_states": [],
        "members": [member_payload(state, guild, uid) for uid in member_ids],
        "channels": [channel_payload(state, c) for c in guild.channels.values()],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "incidents_data": None,
    }


def application_flags(state: SandboxState) -> int:
    flags = 0
    if state.message_content_allowed:
        flags |= 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
    if state.members_intent_allowed:
        flags |= 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
    if state.presences_intent_allowed:
        flags |= 1 << 13  # GATEWAY_PRESENCE_LIMITED
    return flags


def ready_payload(
    state: SandboxState, session_id: str, shard: tuple[int, int], guild_ids: list[int]
) -> JSON:
    return {
        "v": 10,
        "user": bot_user_payload(state),
        "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": state.gateway_url,
        "shard": list(shard),
        "application": {"id": str(state.application_id), "flags": application_flags(state)},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
    }


def application_payload(state: SandboxState) -> JSON:
    owners = [g.owner_id for g in state.guilds.values() if g.owner_id != state.bot_user_id]
    return {
        "id": str(state.application_id),
        "name": state.bot_name,
        "icon": None,
        "description": "A local sandbox application",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": application_flags(state),
        "owner": user_payload(state, next(iter(owners), state.bot_user_id)),
        "team": None,
        "bot": user_payload(state, state.bot_user_id),
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": len(state.guilds),
    }


def members_chunk_payload(state: SandboxState, guild_id: int, request: JSON) -> JSON:
    guild = state.guilds[guild_id]
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
        "members": [member_payload(state, guild, i) for i in ids],
        "chunk_index": 0,
        "chunk_count": 1,
        "not_found": [],
    }
    if request.get("nonce") is not None:
        payload["nonce"] = request["nonce"]
    return payload


def message_payload(
    state: SandboxState, msg: Message, *, gateway: bool = False, redact: bool = False
) -> JSON:
    """The message as Discord returns it; ``redact`` empties content (no content intent)."""
    guild = state.guilds.get(msg.guild_id) if msg.guild_id is not None else None
    mentions: list[JSON] = []
    for uid in msg.mention_ids:
        user = user_payload(state, uid)
        if gateway and guild is not None and uid in guild.members:
            user["member"] = member_payload(state, guild, uid, with_user=False)
        mentions.append(user)
    payload: JSON = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "type": msg.type,
        "author": user_payload(state, msg.author_id),
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
        payload["member"] = member_payload(state, guild, msg.author_id, with_user=False)
    if msg.reactions:
        payload["reactions"] = _reactions(state, msg)
    if msg.message_reference is not None:
        payload["message_reference"] = dict(msg.message_reference)
    if msg.nonce is not None:
        payload["nonce"] = msg.nonce
    if msg.webhook_id is not None:
        payload["webhook_id"] = str(msg.webhook_id)
        payload["application_id"] = str(state.application_id)
    if msg.interaction_id is not None and msg.interaction_id in state.interactions:
        payload["interaction_metadata"] = _interaction_metadata(
            state, state.interactions[msg.interaction_id], msg
        )
    return payload


def _reactions(state: SandboxState, msg: Message) -> list[JSON]:
    counts: dict[str, list[int]] = {}
    for emoji, user_id in msg.reactions:
        counts.setdefault(emoji, []).append(user_id)
    return [
        {
            "emoji": emoji_payload(emoji),
            "count": len(users),
            "count_details": {"burst": 0, "normal": len(users)},
            "burst_colors": [],
            "me": state.bot_user_id in users,
            "me_burst": False,
            "burst_me": False,
            "burst_count": 0,
        }
        for emoji, users in counts.items()
    ]


def _interaction_metadata(state: SandboxState, inter: Interaction, msg: Message) -> JSON:
    metadata: JSON = {
        "id": str(inter.id),
        "type": inter.type,
        "user": user_payload(state, inter.user_id),
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
    return metadata


def message_delete_payload(msg: Message) -> JSON:
    data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    return data


def reaction_add_payload(state: SandboxState, msg: Message, emoji: str, user_id: int) -> JSON:
    guild = state.guilds.get(msg.guild_id) if msg.guild_id is not None else None
    data: JSON = {
        "user_id": str(user_id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "emoji": emoji_payload(emoji),
        "burst": False,
        "type": 0,
        "message_author_id": str(msg.author_id),
    }
    if guild is not None:
        data["guild_id"] = str(guild.id)
        if user_id in guild.members:
            data["member"] = member_payload(state, guild, user_id)
    return data


def interaction_payload(
    state: SandboxState,
    interaction_id: int,
    token: str,
    kind: int,
    guild: Guild,
    channel: Channel,
    user_id: int,
    data: JSON,
    message: Message | None,
) -> JSON:
    """INTERACTION_CREATE's ``d`` for a member in a guild channel."""
    perms = state.member_permissions(guild, user_id)
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(state.application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel_payload(state, channel, permissions=perms),
        "member": member_payload(state, guild, user_id, permissions=perms),
        "app_permissions": str(state.member_permissions(guild, state.bot_user_id)),
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
        payload["message"] = message_payload(state, message)
    return payload


def emoji_payload(emoji: str) -> JSON:
    if ":" in emoji:
        name, _, ident = emoji.rpartition(":")
        animated = name.startswith("a:")
        return {"id": ident, "name": name.removeprefix("a:"), "animated": animated}
    return {"id": None, "name": emoji}
