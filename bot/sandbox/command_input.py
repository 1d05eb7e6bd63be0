"""What a member types into a slash command, checked as Discord's client checks it: which
commands a member may see, the group/subcommand path, and each option's value (type, range,
choices, and users, roles and channels resolved into ``data.resolved``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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
)
from bot.sandbox.model import (
    ADMINISTRATOR,
    JSON,
    CommandNotPermitted,
    Guild,
    InvalidCommandInput,
    SandboxMember,
    UnknownCommand,
)
from bot.sandbox.payloads import channel_payload, member_payload, role_payload, user_payload
from bot.sandbox.state import SandboxState

_NESTING = (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)


def _subcommands(node: JSON) -> list[JSON]:
    return [o for o in node.get("options") or [] if o.get("type") in _NESTING]


def available_commands(
    state: SandboxState, guild_id: int, user_id: int | None = None
) -> dict[str, JSON]:
    """Every runnable path ("demo echo", "help") in a guild -> its leaf (with "options"),
    guild commands shadowing global ones; hidden ones omitted when ``user_id`` is given."""
    guild = state.guild(guild_id)
    found: dict[str, JSON] = {}
    names: set[str] = set()
    for command in state.commands.get(guild_id, []) + state.commands.get(None, []):
        if command.get("type", 1) != 1 or command["name"] in names:
            continue
        names.add(command["name"])
        if user_id is not None:
            try:
                check_command_visible(state, guild, user_id, command)
            except CommandNotPermitted:
                continue
        stack: list[tuple[str, JSON]] = [(command["name"], command)]
        while stack:
            path, node = stack.pop()
            subs = _subcommands(node)
            if not subs:
                found[path] = node
            stack.extend((f"{path} {o['name']}", o) for o in reversed(subs))
    return found


def find_command(state: SandboxState, guild_id: int, name: str) -> tuple[JSON, bool]:
    """The published slash command ``name`` (guild first), and whether it is a guild one."""
    for scope in (guild_id, None):
        for command in state.commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, scope is not None
    raise UnknownCommand(f"/{name} is not published for guild {guild_id}")


def check_command_visible(state: SandboxState, guild: Guild, user_id: int, command: JSON) -> None:
    contexts = command.get("contexts")
    if isinstance(contexts, list) and contexts and 0 not in contexts:
        raise CommandNotPermitted(f"/{command['name']} is not available in guilds")
    required = command.get("default_member_permissions")
    if required is None:
        return
    needed = int(required)
    perms = state.member_permissions(guild, user_id)
    if perms & ADMINISTRATOR or user_id == guild.owner_id:
        return
    if needed == 0 or perms & needed != needed:
        raise CommandNotPermitted(
            f"/{command['name']} needs permissions {needed} "
            f"(member {user_id} has {perms}); Discord hides it"
        )


def walk_command(command: JSON, parts: list[str]) -> tuple[JSON, list[str]]:
    """Follow group/subcommand names; return the leaf (whose options are values)."""
    node = command
    walked = [command["name"]]
    for part in parts:
        match = next((o for o in _subcommands(node) if o["name"] == part), None)
        if match is None:
            raise UnknownCommand(f"/{' '.join(walked)} has no subcommand {part!r}")
        node = match
        walked.append(part)
    if _subcommands(node):
        names = [o["name"] for o in node.get("options") or []]
        raise UnknownCommand(f"/{' '.join(walked)} needs a subcommand: one of {names}")
    return node, walked


def resolve_value(state: SandboxState, guild: Guild, spec: JSON, raw: Any, resolved: JSON) -> Any:
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
        value = str(resolve_entity(state, guild, spec, raw, resolved))
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


def resolve_entity(state: SandboxState, guild: Guild, spec: JSON, raw: Any, resolved: JSON) -> int:
    """The id of the user, role or channel ``raw`` names, added to ``resolved``."""
    kind = spec["type"]
    if isinstance(raw, SandboxMember):
        raw = raw.id
    try:
        ident = int(raw)
    except (TypeError, ValueError):
        raise InvalidCommandInput(f"option {spec['name']!r} needs an id, got {raw!r}") from None
    if kind in (OPTION_USER, OPTION_MENTIONABLE) and (
        ident in guild.members or ident in state.users
    ):
        resolved.setdefault("users", {})[str(ident)] = user_payload(state, ident)
        if ident in guild.members:
            perms = state.member_permissions(guild, ident)
            resolved.setdefault("members", {})[str(ident)] = member_payload(
                state, guild, ident, with_user=False, permissions=perms
            )
        return ident
    if kind in (OPTION_ROLE, OPTION_MENTIONABLE) and ident in guild.roles:
        resolved.setdefault("roles", {})[str(ident)] = role_payload(guild.roles[ident])
        return ident
    if kind == OPTION_CHANNEL and ident in guild.channels:
        channel = guild.channels[ident]
        types = spec.get("channel_types")
        if types and channel.type not in types:
            raise InvalidCommandInput(f"channel {ident} is not of types {types}")
        resolved.setdefault("channels", {})[str(ident)] = channel_payload(
            state, channel, permissions=state.member_permissions(guild, state.bot_user_id)
        )
        return ident
    raise InvalidCommandInput(f"option {spec['name']!r}: {ident} cannot be picked here")


def _focused_option(spec: JSON, value: str) -> JSON:
    if not spec.get("autocomplete"):
        raise InvalidCommandInput(f"option {spec['name']!r} has no autocomplete")
    return {"name": spec["name"], "type": spec["type"], "value": value, "focused": True}


def build_options(
    state: SandboxState,
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
                f"/{leaf['name']} has no option {name}: (its options: {', '.join(specs) or 'none'})"
            )
    built: list[JSON] = []
    for name, raw in options.items():
        spec = specs[name]
        if name == focused:
            built.append(_focused_option(spec, str(raw)))
            continue
        value = resolve_value(state, guild, spec, raw, resolved)
        built.append({"name": name, "type": spec["type"], "value": value})
    if focused is not None:
        if focused not in specs:
            raise InvalidCommandInput(f"/{leaf['name']} has no option {focused!r}")
        if focused not in options:
            built.append(_focused_option(specs[focused], ""))
    else:
        missing = [n for n, s in specs.items() if s.get("required") and n not in options]
        if missing:
            needed = ", ".join(f"{name}:" for name in missing)
            raise InvalidCommandInput(f"/{leaf['name']} needs {needed}")
    return built


def command_data(
    state: SandboxState,
    guild: Guild,
    command_path: str,
    user_id: int,
    options: Mapping[str, Any] | None,
    *,
    focused: str | None = None,
) -> tuple[JSON, str]:
    """An application command interaction's ``data`` for ``command_path`` ("group sub") and
    options by name, and the path as walked; raises what Discord's client would refuse."""
    parts = command_path.strip().lstrip("/").split()
    if not parts:
        raise UnknownCommand("empty command")
    command, is_guild = find_command(state, guild.id, parts[0])
    check_command_visible(state, guild, user_id, command)
    leaf, walked = walk_command(command, parts[1:])
    resolved: JSON = {}
    values = build_options(state, guild, leaf, options or {}, resolved, focused=focused)
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
