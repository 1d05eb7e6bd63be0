"""A local Discord: REST + gateway on 127.0.0.1 for running and testing the real bot.

Standalone: nothing here imports the rest of the bot (nor discord.py).
"""

from bot.sandbox.model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_GUILD,
    MENTION_EVERYONE,
    ApiError,
    ButtonInfo,
    CommandNotPermitted,
    InjectedFailure,
    Interaction,
    InteractionFailed,
    InvalidCommandInput,
    Message,
    NotConnected,
    RestCall,
    SandboxError,
    SandboxMember,
    SandboxTimeout,
    SelectInfo,
    UnknownCommand,
    UnknownComponent,
)
from bot.sandbox.server import LocalDiscord

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "MANAGE_GUILD",
    "MENTION_EVERYONE",
    "ApiError",
    "ButtonInfo",
    "CommandNotPermitted",
    "InjectedFailure",
    "Interaction",
    "InteractionFailed",
    "InvalidCommandInput",
    "LocalDiscord",
    "Message",
    "NotConnected",
    "RestCall",
    "SandboxError",
    "SandboxMember",
    "SandboxTimeout",
    "SelectInfo",
    "UnknownCommand",
    "UnknownComponent",
]
