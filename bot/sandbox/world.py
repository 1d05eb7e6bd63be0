"""The sandbox's server: its channels and members, in one place.

``defector-bot sandbox`` builds this server in the local Discord; the terminal client and the
web page read it back from the LocalDiscord guild at run time (``server.guilds[GUILD_ID]``),
so a change here reaches both.
"""

from __future__ import annotations

from bot.sandbox.model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    BAN_MEMBERS,
    DEFAULT_MEMBER_PERMISSIONS,
    KICK_MEMBERS,
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MENTION_EVERYONE,
    SandboxMember,
)
from bot.sandbox.server import LocalDiscord

GUILD_ID = 1_180_000_000_000_000_001
GUILD_NAME = "Sandbox Server"
GENERAL_ID = 1_180_000_000_000_000_002
QUIZ_ID = 1_180_000_000_000_000_003
CHANNELS = {GENERAL_ID: "general", QUIZ_ID: "quiz"}

YOU_ID = 1_180_000_000_000_000_010
MODERATOR_ID = 1_180_000_000_000_000_013
MEMBERS = (
    SandboxMember(YOU_ID, "you", permissions=ALL_PERMISSIONS | ADMINISTRATOR),
    SandboxMember(MODERATOR_ID, "vera", permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES),
    SandboxMember(1_180_000_000_000_000_011, "alice"),
    SandboxMember(1_180_000_000_000_000_012, "boris"),
)
OWNER_ID = YOU_ID
"""The member at the keyboard when the sandbox starts: the owner, who may do anything."""

# The permissions worth naming in /who, in the words of Discord's server settings.
PERMISSION_WORDS = (
    (MANAGE_GUILD, "Manage Server"),
    (MANAGE_CHANNELS, "Manage Channels"),
    (MANAGE_MESSAGES, "Manage Messages"),
    (KICK_MEMBERS, "Kick Members"),
    (BAN_MEMBERS, "Ban Members"),
    (MENTION_EVERYONE, "Mention @everyone"),
)


def build(server: LocalDiscord) -> None:
    """Add the sandbox server to ``server`` (before or after it starts)."""
    server.add_guild(
        GUILD_ID,
        GUILD_NAME,
        channel_ids=list(CHANNELS),
        channel_names=list(CHANNELS.values()),
        members=list(MEMBERS),
        owner_id=OWNER_ID,
    )


def describe_permissions(permissions: int, *, owner: bool = False, bot: bool = False) -> str:
    """A member's standing in words: "owner", "Administrator", "Manage Messages", "member"."""
    if bot:
        return "the bot"
    if owner:
        return "owner: every permission"
    if permissions & ADMINISTRATOR:
        return "Administrator: every permission"
    named = [words for bit, words in PERMISSION_WORDS if permissions & bit]
    return ", ".join(named) if named else "member: no moderation permissions"
