"""The limits Discord enforces on what a bot sends: messages, components, commands, mentions.

Pure functions: each validator appends ``(path, message)`` pairs to a :class:`FormErrors`,
which renders them the way Discord does in a 400 "Invalid Form Body" (code 50035).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bot.sandbox.model import FLAG_IS_COMPONENTS_V2, JSON, SELECT_TYPES, ApiError, iter_components

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_SELECT_OPTION_TEXT = 100
MAX_SELECT_PLACEHOLDER = 150
MAX_V2_COMPONENTS = 40
MAX_V2_TEXT = 4000

MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100
MAX_COMMAND_CHARS = 8000
MAX_STRING_OPTION = 6000
MAX_GLOBAL_CHAT_COMMANDS = 100
MAX_CONTEXT_COMMANDS = 5
MAX_AUTOCOMPLETE_CHOICES = 25
MAX_SAFE_INTEGER = 2**53

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
USER_MENTION = re.compile(r"<@!?(\d{1,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{1,21})>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)")
CODE_BLOCK = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)

OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11


class FormErrors:
    """Collects validation errors; renders Discord's nested ``errors`` object."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def describe(self) -> str:
        return "; ".join(f"{path or '(body)'}: {message}" for path, message in self.items)

    def rejection(self, violation: str) -> ApiError:
        """Discord's 400 Invalid Form Body carrying these errors; the violation recorded is
        ``violation`` followed by what the errors say."""
        return ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors=self.to_errors(),
            violation=f"{violation} — {self.describe()}",
        )

    def to_errors(self) -> JSON:
        tree: JSON = {}
        for path, message in self.items:
            node = tree
            for part in [p for p in path.split(".") if p]:
                node = node.setdefault(part, {})
            node.setdefault("_errors", []).append({"code": "INVALID_FORM_BODY", "message": message})
        return tree


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _objects(items: Iterable[Any], path: str, errors: FormErrors) -> Iterator[tuple[str, JSON]]:
    """Each item of an array that is an object, with its path; any other item is an error."""
    for index, item in enumerate(items):
        item_path = _join(path, index)
        if isinstance(item, dict):
            yield item_path, item
        else:
            errors.add(item_path, "Must be an object.")


def _check_len(
    errors: FormErrors, path: str, value: Any, maximum: int, *, minimum: int = 0
) -> None:
    if value is None:
        if minimum > 0:
            errors.add(path, "This field is required")
        return
    if not isinstance(value, str):
        errors.add(path, "Must be a string.")
        return
    if len(value) > maximum:
        errors.add(path, f"Must be {maximum} or fewer in length.")
    elif len(value) < minimum:
        errors.add(path, f"Must be {minimum} or more in length.")


# --- messages ------------------------------------------------------------------------------
def validate_message_fields(payload: Mapping[str, Any], errors: FormErrors) -> None:
    """Check every message field present in a create/edit body (content, embeds, ...)."""
    if "content" in payload and payload["content"] is not None:
        _check_len(errors, "content", payload["content"], MAX_CONTENT)
    if "embeds" in payload and payload["embeds"] is not None:
        validate_embeds(payload["embeds"], errors)
    if "components" in payload and payload["components"] is not None:
        flags = payload.get("flags") or 0
        v2 = isinstance(flags, int) and bool(flags & FLAG_IS_COMPONENTS_V2)
        validate_components(payload["components"], errors, v2=v2)
    if "allowed_mentions" in payload and payload["allowed_mentions"] is not None:
        validate_allowed_mentions(payload["allowed_mentions"], errors)
    flags = payload.get("flags")
    if flags is not None and (not isinstance(flags, int) or isinstance(flags, bool)):
        errors.add("flags", "Must be an integer.")
    for key in ("attachments", "sticker_ids"):
        if key in payload and payload[key] is not None and not isinstance(payload[key], list):
            errors.add(key, "Must be an array.")


def validate_v2_message(
    content: str, embeds: list[JSON], components: list[JSON], errors: FormErrors
) -> None:
    """Components v2 messages (flag 1<<15) may not carry content or embeds."""
    if content:
        errors.add("content", "Cannot use content with IS_COMPONENTS_V2 flag.")
    if embeds:
        errors.add("embeds", "Cannot use embeds with IS_COMPONENTS_V2 flag.")
    if not components:
        errors.add("components", "Must contain at least one component.")


def is_empty_message(
    content: str, embeds: list[JSON], components: list[JSON], attachments: list[JSON]
) -> bool:
    return not content and not embeds and not components and not attachments


def validate_embeds(embeds: Any, errors: FormErrors) -> None:
    if not isinstance(embeds, list):
        errors.add("embeds", "Must be an array.")
        return
    if len(embeds) > MAX_EMBEDS:
        errors.add("embeds", f"Must be {MAX_EMBEDS} or fewer in length.")
    total = 0
    for path, embed in _objects(embeds, "embeds", errors):
        total += _validate_embed(embed, path, errors)
    if total > MAX_EMBED_TOTAL:
        errors.add("embeds", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")


def _validate_embed(embed: JSON, path: str, errors: FormErrors) -> int:
    size = 0
    for key, maximum in (("title", MAX_EMBED_TITLE), ("description", MAX_EMBED_DESCRIPTION)):
        value = embed.get(key)
        if value is not None:
            _check_len(errors, _join(path, key), value, maximum)
            size += len(value) if isinstance(value, str) else 0
    fields = embed.get("fields")
    if fields is not None:
        if not isinstance(fields, list):
            errors.add(_join(path, "fields"), "Must be an array.")
            fields = []
        if len(fields) > MAX_EMBED_FIELDS:
            errors.add(_join(path, "fields"), f"Must be {MAX_EMBED_FIELDS} or fewer in length.")
        for fpath, fld in _objects(fields, _join(path, "fields"), errors):
            _check_len(errors, _join(fpath, "name"), fld.get("name"), MAX_FIELD_NAME, minimum=1)
            _check_len(errors, _join(fpath, "value"), fld.get("value"), MAX_FIELD_VALUE, minimum=1)
            for key in ("name", "value"):
                if isinstance(fld.get(key), str):
                    size += len(fld[key])
    for key, sub, maximum in (("footer", "text", MAX_FOOTER), ("author", "name", MAX_AUTHOR)):
        part = embed.get(key)
        if part is None:
            continue
        if not isinstance(part, dict):
            errors.add(_join(path, key), "Must be an object.")
            continue
        required = 1 if key == "author" or "text" in part else 0
        _check_len(errors, _join(_join(path, key), sub), part.get(sub), maximum, minimum=required)
        if isinstance(part.get(sub), str):
            size += len(part[sub])
    return size


def validate_components(components: Any, errors: FormErrors, *, v2: bool = False) -> None:
    if not isinstance(components, list):
        errors.add("components", "Must be an array.")
        return
    seen: set[str] = set()
    if v2:
        _validate_v2(components, errors, seen)
        return
    if len(components) > MAX_ACTION_ROWS:
        errors.add("components", f"Must be {MAX_ACTION_ROWS} or fewer in length.")
    for index, row in enumerate(components):
        path = _join("components", index)
        if not isinstance(row, dict) or row.get("type") != 1:
            errors.add(path, "Top-level components must be action rows (type 1).")
            continue
        _validate_action_row(row, path, errors, seen)


def _validate_action_row(row: JSON, path: str, errors: FormErrors, seen: set[str]) -> None:
    children = row.get("components")
    if not isinstance(children, list) or not children:
        errors.add(_join(path, "components"), "An action row needs 1 to 5 components.")
        return
    types = [c.get("type") if isinstance(c, dict) else None for c in children]
    if any(t in SELECT_TYPES for t in types):
        if len(children) != 1:
            errors.add(_join(path, "components"), "A select menu must be alone in its row.")
    elif len(children) > MAX_ROW_BUTTONS:
        errors.add(_join(path, "components"), f"Must be {MAX_ROW_BUTTONS} or fewer in length.")
    for cpath, child in _objects(children, _join(path, "components"), errors):
        _validate_interactive(child, cpath, errors, seen)


def _validate_interactive(item: JSON, path: str, errors: FormErrors, seen: set[str]) -> None:
    kind = item.get("type")
    if kind == 2:
        _validate_button(item, path, errors, seen)
    elif kind in SELECT_TYPES:
        _validate_select(item, path, errors, seen)
    else:
        errors.add(_join(path, "type"), f"Component type {kind!r} is not allowed here.")


def _validate_custom_id(item: JSON, path: str, errors: FormErrors, seen: set[str]) -> None:
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        errors.add(_join(path, "custom_id"), "This field is required")
        return
    if len(custom_id) > MAX_CUSTOM_ID:
        errors.add(_join(path, "custom_id"), f"Must be {MAX_CUSTOM_ID} or fewer in length.")
    if custom_id in seen:
        errors.add(_join(path, "custom_id"), "Component custom id cannot be duplicated")
    seen.add(custom_id)


def _validate_button(item: JSON, path: str, errors: FormErrors, seen: set[str]) -> None:
    style = item.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.add(_join(path, "style"), "Value must be one of (1, 2, 3, 4, 5, 6).")
        return
    if style == 5:
        if not item.get("url"):
            errors.add(_join(path, "url"), "A link button needs a url.")
        if item.get("custom_id") is not None:
            errors.add(_join(path, "custom_id"), "A link button cannot have a custom_id.")
    elif style == 6:
        if not item.get("sku_id"):
            errors.add(_join(path, "sku_id"), "A premium button needs a sku_id.")
    else:
        _validate_custom_id(item, path, errors, seen)
        if item.get("url") is not None:
            errors.add(_join(path, "url"), "Only link buttons can have a url.")
    label = item.get("label")
    if label is not None:
        _check_len(errors, _join(path, "label"), label, MAX_BUTTON_LABEL)
    if style != 6 and not label and not item.get("emoji"):
        errors.add(path, "A button needs a label or an emoji.")


def _validate_select(item: JSON, path: str, errors: FormErrors, seen: set[str]) -> None:
    _validate_custom_id(item, path, errors, seen)
    if item.get("placeholder") is not None:
        _check_len(errors, _join(path, "placeholder"), item["placeholder"], MAX_SELECT_PLACEHOLDER)
    min_values = item.get("min_values", 1)
    max_values = item.get("max_values", 1)
    if not isinstance(min_values, int) or not 0 <= min_values <= MAX_SELECT_OPTIONS:
        errors.add(_join(path, "min_values"), "Must be between 0 and 25.")
    if not isinstance(max_values, int) or not 1 <= max_values <= MAX_SELECT_OPTIONS:
        errors.add(_join(path, "max_values"), "Must be between 1 and 25.")
    if isinstance(min_values, int) and isinstance(max_values, int) and min_values > max_values:
        errors.add(_join(path, "min_values"), "Must be less than or equal to max_values.")
    if item.get("type") != 3:
        return
    options = item.get("options")
    if not isinstance(options, list) or not options:
        errors.add(_join(path, "options"), "A string select needs 1 to 25 options.")
        return
    if len(options) > MAX_SELECT_OPTIONS:
        errors.add(_join(path, "options"), f"Must be {MAX_SELECT_OPTIONS} or fewer in length.")
    if isinstance(max_values, int) and max_values > len(options):
        errors.add(_join(path, "max_values"), "Must be less than or equal to the option count.")
    values: set[str] = set()
    for opath, option in _objects(options, _join(path, "options"), errors):
        _check_len(
            errors, _join(opath, "label"), option.get("label"), MAX_SELECT_OPTION_TEXT, minimum=1
        )
        _check_len(
            errors, _join(opath, "value"), option.get("value"), MAX_SELECT_OPTION_TEXT, minimum=1
        )
        if option.get("description") is not None:
            _check_len(
                errors, _join(opath, "description"), option["description"], MAX_SELECT_OPTION_TEXT
            )
        value = option.get("value")
        if isinstance(value, str):
            if value in values:
                errors.add(_join(opath, "value"), "Select option values must be unique.")
            values.add(value)


V2_TOP_LEVEL = {1, 9, 10, 12, 13, 14, 17}


def _validate_v2(components: list[Any], errors: FormErrors, seen: set[str]) -> None:
    everything = iter_components(components)
    if len(everything) > MAX_V2_COMPONENTS:
        errors.add("components", f"Must be {MAX_V2_COMPONENTS} or fewer components in total.")
    text = sum(len(str(c.get("content", ""))) for c in everything if c.get("type") == 10)
    if text > MAX_V2_TEXT:
        errors.add("components", f"Text displays must be {MAX_V2_TEXT} or fewer characters.")
    for index, item in enumerate(components):
        path = _join("components", index)
        if not isinstance(item, dict) or item.get("type") not in V2_TOP_LEVEL:
            errors.add(path, "Component type is not allowed at the top level.")
    for index, item in enumerate(everything):
        path = f"components.(#{index})"
        if item.get("type") == 1:
            _validate_action_row(item, path, errors, seen)
        elif item.get("type") in (2, *SELECT_TYPES) and not _inside_row(item, components):
            _validate_interactive(item, path, errors, seen)


def _inside_row(target: JSON, components: list[Any]) -> bool:
    for row in iter_components(components):
        if row.get("type") == 1 and any(c is target for c in row.get("components") or []):
            return True
    return False


# --- allowed mentions and pings ------------------------------------------------------------
def validate_allowed_mentions(allowed: Any, errors: FormErrors) -> None:
    if not isinstance(allowed, dict):
        errors.add("allowed_mentions", "Must be an object.")
        return
    parse = allowed.get("parse", [])
    if not isinstance(parse, list) or not set(parse) <= {"users", "roles", "everyone"}:
        errors.add("allowed_mentions.parse", "Values must be users, roles or everyone.")
        parse = []
    for kind in ("users", "roles"):
        ids = allowed.get(kind)
        if ids is None:
            continue
        if not isinstance(ids, list):
            errors.add(_join("allowed_mentions", kind), "Must be an array.")
        elif len(ids) > 100:
            errors.add(_join("allowed_mentions", kind), "Must be 100 or fewer in length.")
        if kind in parse and ids:
            errors.add(
                "allowed_mentions",
                f"parse:[{kind}] and {kind}: [ids] are mutually exclusive.",
            )


def strip_code(content: str) -> str:
    """Mentions inside code blocks or inline code neither render nor ping."""
    return CODE_BLOCK.sub(" ", content)


def parse_mentions(content: str) -> tuple[list[int], list[int], bool]:
    """(user ids, role ids, @everyone/@here present) in a message's content."""
    text = strip_code(content)
    users = list(dict.fromkeys(int(m) for m in USER_MENTION.findall(text)))
    roles = list(dict.fromkeys(int(m) for m in ROLE_MENTION.findall(text)))
    return users, roles, bool(EVERYONE_MENTION.search(text))


def compute_pings(
    content: str,
    allowed_mentions: JSON | None,
    *,
    member_ids: Iterable[int],
    role_ids: Iterable[int],
    mentionable_role_ids: Iterable[int],
    can_mention_everyone: bool,
    replied_user_id: int | None = None,
    author_id: int | None = None,
) -> list[tuple[str, int]]:
    """What a message would ping: ("everyone", 0), ("user", id), ("role", id)."""
    users, roles, everyone = parse_mentions(content)
    if allowed_mentions is None:
        parse = {"users", "roles", "everyone"}
        allowed_users: set[int] = set()
        allowed_roles: set[int] = set()
        replied = True
    else:
        parse = set(allowed_mentions.get("parse") or [])
        allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
        allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
        replied = bool(allowed_mentions.get("replied_user", False))
    members = set(member_ids)
    known_roles = set(role_ids)
    mentionable = set(mentionable_role_ids)
    pings: list[tuple[str, int]] = []
    if everyone and "everyone" in parse and can_mention_everyone:
        pings.append(("everyone", 0))
    for user in users:
        if user in members and user != author_id and ("users" in parse or user in allowed_users):
            pings.append(("user", user))
    for role in roles:
        if role not in known_roles or ("roles" not in parse and role not in allowed_roles):
            continue
        if role in mentionable or can_mention_everyone:
            pings.append(("role", role))
    if (
        replied
        and replied_user_id is not None
        and replied_user_id != author_id
        and ("user", replied_user_id) not in pings
    ):
        pings.append(("user", replied_user_id))
    return pings


# --- application commands ------------------------------------------------------------------
def _valid_chat_name(name: Any) -> bool:
    return isinstance(name, str) and bool(COMMAND_NAME.match(name)) and name == name.lower()


def _localized_chars(item: Mapping[str, Any], key: str) -> int:
    values = item.get(key) or {}
    if not isinstance(values, dict):
        return 0
    return max((len(str(v)) for v in values.values()), default=0)


def command_char_count(command: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 8000 limit: names, descriptions, choices."""
    total = len(str(command.get("name") or "")) + len(str(command.get("description") or ""))
    total += max(0, _localized_chars(command, "name_localizations") - len(command.get("name", "")))
    for option in command.get("options") or []:
        if not isinstance(option, dict):
            continue
        total += command_char_count(option)
        for choice in option.get("choices") or []:
            if isinstance(choice, dict):
                total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total


def validate_command(
    command: Any, path: str, errors: FormErrors, *, allow_subcommand_groups: bool
) -> None:
    """One command as sent to the bulk-overwrite / create endpoints."""
    if not isinstance(command, dict):
        errors.add(path, "Must be an object.")
        return
    kind = command.get("type", 1)
    if kind not in (1, 2, 3, 4):
        errors.add(_join(path, "type"), "Value must be one of (1, 2, 3, 4).")
        return
    name = command.get("name")
    if kind == 1:
        if not _valid_chat_name(name):
            errors.add(
                _join(path, "name"),
                "Command name is invalid (1-32 lowercase characters matching ^[-_\\w]{1,32}$)",
            )
        _check_len(
            errors,
            _join(path, "description"),
            command.get("description"),
            MAX_COMMAND_DESCRIPTION,
            minimum=1,
        )
    else:
        _check_len(errors, _join(path, "name"), name, MAX_COMMAND_NAME, minimum=1)
        if command.get("description"):
            errors.add(_join(path, "description"), "Context menu commands cannot have one.")
        if command.get("options"):
            errors.add(_join(path, "options"), "Context menu commands cannot have options.")
    perms = command.get("default_member_permissions")
    if perms is not None and not (
        (isinstance(perms, int) and not isinstance(perms, bool) and perms >= 0)
        or (isinstance(perms, str) and perms.isdigit())
    ):
        errors.add(_join(path, "default_member_permissions"), "Must be a permission bitfield.")
    if kind == 1:
        _validate_options(
            command.get("options"),
            _join(path, "options"),
            errors,
            level="command",
            allow_subcommand_groups=allow_subcommand_groups,
        )
        chars = command_char_count(command)
        if chars > MAX_COMMAND_CHARS:
            errors.add(
                path,
                f"Command exceeds maximum size ({MAX_COMMAND_CHARS}): {chars} characters.",
            )


def _validate_options(
    options: Any, path: str, errors: FormErrors, *, level: str, allow_subcommand_groups: bool
) -> None:
    """level: "command" (a command's options), "group" (a group's) or "subcommand"."""
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "Must be an array.")
        return
    limit_name = "subcommands" if level == "group" else "options"
    if len(options) > MAX_OPTIONS:
        errors.add(path, f"Must be {MAX_OPTIONS} or fewer in length ({limit_name}).")
    kinds = [o.get("type") if isinstance(o, dict) else None for o in options]
    nested = [k for k in kinds if k in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)]
    if nested and len(nested) != len(kinds):
        errors.add(path, "Subcommands and groups cannot be mixed with other options.")
    names: set[str] = set()
    seen_optional = False
    for opath, option in _objects(options, path, errors):
        name = option.get("name")
        if not _valid_chat_name(name):
            errors.add(_join(opath, "name"), "Option name is invalid.")
        elif name in names:
            errors.add(_join(opath, "name"), "Option names must be unique.")
        if isinstance(name, str):
            names.add(name)
        _check_len(
            errors,
            _join(opath, "description"),
            option.get("description"),
            MAX_COMMAND_DESCRIPTION,
            minimum=1,
        )
        kind = option.get("type")
        if kind in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
            child_level = "group" if kind == OPTION_SUB_COMMAND_GROUP else "subcommand"
            if level == "subcommand" or (level == "group" and kind == OPTION_SUB_COMMAND_GROUP):
                errors.add(opath, "Nesting is too deep (subcommands cannot contain subcommands).")
                continue
            if kind == OPTION_SUB_COMMAND_GROUP and not allow_subcommand_groups:
                errors.add(
                    opath,
                    "Nesting deeper than group -> subcommand is not allowed "
                    "(one level of nesting).",
                )
            if level == "group" and kind != OPTION_SUB_COMMAND:
                errors.add(opath, "A group may only contain subcommands.")
            _validate_options(
                option.get("options"),
                _join(opath, "options"),
                errors,
                level=child_level,
                allow_subcommand_groups=allow_subcommand_groups,
            )
            continue
        if level == "group":
            errors.add(opath, "A group may only contain subcommands.")
            continue
        if kind not in range(3, 12):
            errors.add(_join(opath, "type"), "Invalid option type.")
            continue
        required = bool(option.get("required", False))
        if required and seen_optional:
            errors.add(opath, "Required options must be placed before non-required options")
        if not required:
            seen_optional = True
        _validate_value_option(option, opath, errors)


def _validate_value_option(option: JSON, path: str, errors: FormErrors) -> None:
    kind = option["type"]
    choices = option.get("choices")
    if choices is not None:
        if kind not in (OPTION_STRING, OPTION_INTEGER, OPTION_NUMBER):
            errors.add(_join(path, "choices"), "Only string, integer and number take choices.")
        elif not isinstance(choices, list):
            errors.add(_join(path, "choices"), "Must be an array.")
        else:
            if len(choices) > MAX_CHOICES:
                errors.add(_join(path, "choices"), f"Must be {MAX_CHOICES} or fewer in length.")
            for index, choice in enumerate(choices):
                _validate_choice(choice, kind, _join(_join(path, "choices"), index), errors)
    if option.get("autocomplete"):
        if kind not in (OPTION_STRING, OPTION_INTEGER, OPTION_NUMBER):
            errors.add(_join(path, "autocomplete"), "Only string, integer and number options.")
        if choices:
            errors.add(
                _join(path, "autocomplete"), "Autocomplete cannot be set together with choices."
            )
    for key in ("min_value", "max_value"):
        if option.get(key) is None:
            continue
        if kind not in (OPTION_INTEGER, OPTION_NUMBER):
            errors.add(_join(path, key), "Only integer and number options take it.")
        elif not _is_number(option[key]):
            errors.add(_join(path, key), "Must be a number.")
    for key, low in (("min_length", 0), ("max_length", 1)):
        if option.get(key) is None:
            continue
        value = option[key]
        if kind != OPTION_STRING:
            errors.add(_join(path, key), "Only string options take it.")
        elif not isinstance(value, int) or not low <= value <= MAX_STRING_OPTION:
            errors.add(_join(path, key), f"Must be between {low} and {MAX_STRING_OPTION}.")
    if option.get("channel_types") is not None and kind != OPTION_CHANNEL:
        errors.add(_join(path, "channel_types"), "Only channel options take it.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validate_choice(choice: Any, kind: int, path: str, errors: FormErrors) -> None:
    if not isinstance(choice, dict):
        errors.add(path, "Must be an object.")
        return
    _check_len(errors, _join(path, "name"), choice.get("name"), MAX_CHOICE_TEXT, minimum=1)
    value = choice.get("value")
    if kind == OPTION_STRING:
        _check_len(errors, _join(path, "value"), value, MAX_CHOICE_TEXT, minimum=1)
    elif kind == OPTION_INTEGER:
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_SAFE_INTEGER:
            errors.add(_join(path, "value"), "Must be an integer.")
    elif not _is_number(value):
        errors.add(_join(path, "value"), "Must be a number.")


def validate_command_list(
    commands: Any, errors: FormErrors, *, is_global: bool, allow_subcommand_groups: bool
) -> None:
    if not isinstance(commands, list):
        errors.add("", "Must be an array of commands.")
        return
    seen: set[tuple[int, str]] = set()
    per_type: dict[int, int] = {}
    for index, command in enumerate(commands):
        validate_command(
            command, str(index), errors, allow_subcommand_groups=allow_subcommand_groups
        )
        if not isinstance(command, dict):
            continue
        key = (int(command.get("type", 1) or 1), str(command.get("name")))
        if key in seen:
            errors.add(_join(str(index), "name"), "Application command names must be unique")
        seen.add(key)
        per_type[key[0]] = per_type.get(key[0], 0) + 1
    if per_type.get(1, 0) > MAX_GLOBAL_CHAT_COMMANDS:
        scope = "global" if is_global else "guild"
        errors.add("", f"Maximum number of {scope} application commands reached (100).")
    for kind in (2, 3):
        if per_type.get(kind, 0) > MAX_CONTEXT_COMMANDS:
            errors.add("", f"Maximum number of type-{kind} commands reached (5).")


# --- interaction callbacks -----------------------------------------------------------------
def validate_autocomplete_result(data: Any, errors: FormErrors) -> list[JSON]:
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        errors.add("data.choices", "This field is required")
        return []
    choices: list[JSON] = data["choices"]
    if len(choices) > MAX_AUTOCOMPLETE_CHOICES:
        errors.add("data.choices", f"Must be {MAX_AUTOCOMPLETE_CHOICES} or fewer in length.")
    for path, choice in _objects(choices, "data.choices", errors):
        _check_len(errors, _join(path, "name"), choice.get("name"), MAX_CHOICE_TEXT, minimum=1)
        value = choice.get("value")
        if isinstance(value, str):
            _check_len(errors, _join(path, "value"), value, MAX_CHOICE_TEXT)
        elif not _is_number(value):
            errors.add(_join(path, "value"), "Must be a string or a number.")
    return choices


def validate_modal(data: Any, errors: FormErrors) -> None:
    if not isinstance(data, dict):
        errors.add("data", "Must be an object.")
        return
    _check_len(errors, "data.custom_id", data.get("custom_id"), MAX_CUSTOM_ID, minimum=1)
    _check_len(errors, "data.title", data.get("title"), 45, minimum=1)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= 5:
        errors.add("data.components", "A modal needs 1 to 5 components.")
