"""A terminal client for the local Discord: type slash commands and messages, see the bot's
answers as text, click buttons by number.

The session logic (``TerminalSession.handle``) is separate from the input loop so tests can
drive it line by line.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.model import Message, SandboxError

HELP = """\
Type a slash command as in Discord, options as `name: value`:
  /defector lookup name: nureyev
  /defector search origin: Hungary year_from: 1956 year_to: 1956
  /help
Other lines:
  <number>             click button <number> of the last message with buttons (other numbers, such
                       as a year in a typed quiz, are posted as messages)
  <number> <choice>    pick option <choice> of select menu <number>
  ?/defector lookup name: nur   show the autocomplete choices for the last option
  any other text       post it as a message in #general
  help                 this text;  quit  leave"""

_OPTION = re.compile(r"(?:^|\s)([a-z0-9_-]{1,32}):(?=\s|$)")
_WIDTH = 78
SETTLE_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class Clickable:
    message_id: int
    custom_id: str
    options: tuple[tuple[str, str], ...] = ()  # (label, value) for selects; empty for buttons


def parse_options(text: str) -> dict[str, str]:
    """``"name: nureyev  year: 1961"`` → ``{"name": "nureyev", "year": "1961"}``."""
    marks = list(_OPTION.finditer(text))
    if not marks and text.strip():
        raise ValueError(f"options look like `name: value`, not {text.strip()!r}")
    if marks and text[: marks[0].start()].strip():
        raise ValueError(
            f"unexpected text before the options: {text[: marks[0].start()].strip()!r}"
        )
    options: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        options[mark.group(1)] = text[mark.end() : end].strip()
    return options


def split_command(line: str, paths: Mapping[str, Mapping[str, Any]]) -> tuple[str, dict[str, str]]:
    """Find the longest command path (``paths``: "defector lookup" → its leaf) in ``line``."""
    words = line.split()
    for size in (3, 2, 1):
        path = " ".join(words[:size])
        if len(words) >= size and path in paths:
            rest = line.split(None, size)[size] if len(words) > size else ""
            return path, parse_options(rest)
    raise ValueError(f"no command /{' '.join(words[:2])}; type /help or help")


def option_schema(leaf: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: dict(o) for o in leaf.get("options") or [] if o.get("type") not in (1, 2)}


def convert(value: str, option: Mapping[str, Any]) -> Any:
    for choice in option.get("choices") or []:  # pick a choice by its name, as in Discord
        if value.casefold() == str(choice["name"]).casefold():
            return choice["value"]
    kind = option.get("type")
    if kind == 4:
        return int(value)
    if kind == 10:
        return float(value)
    if kind == 5:
        if value.lower() not in ("true", "false", "yes", "no"):
            raise ValueError(f"{option['name']} is true or false")
        return value.lower() in ("true", "yes")
    return value


def render(message: Message, clickables: list[Clickable], author: str) -> str:
    """A message as text; its buttons and selects are numbered from ``len(clickables) + 1``."""
    flags = []
    if message.ephemeral:
        flags.append("only you can see this")
    if message.edited:
        flags.append("edited")
    header = f"── {author}" + (f"  ({', '.join(flags)})" if flags else "") + " "
    lines = [header.ljust(_WIDTH, "─")]
    if message.content:
        lines += _wrap(message.content)
    for embed in message.embeds:
        body: list[str] = []
        if embed.get("title"):
            body.append(f"【{embed['title']}】")
        if embed.get("description"):
            body += _wrap(str(embed["description"]))
        for field in embed.get("fields") or []:
            body += _wrap(f"{field.get('name', '')}: {field.get('value', '')}")
        if (embed.get("footer") or {}).get("text"):
            body.append(f"— {embed['footer']['text']}")
        lines += [f"┃ {line}" for line in body]
    controls: list[str] = []
    for component in message.all_components():
        custom_id = component.get("custom_id")
        if not custom_id:
            continue
        disabled = " (disabled)" if component.get("disabled") else ""
        if component.get("type") == 2:
            clickables.append(Clickable(message.id, custom_id))
            controls.append(f"[{len(clickables)}] {component.get('label') or '…'}{disabled}")
        elif component.get("type") == 3:
            options = tuple(
                (str(o.get("label", "")), str(o.get("value", "")))
                for o in component.get("options") or []
            )
            clickables.append(Clickable(message.id, custom_id, options))
            listed = "  ".join(f"{i}) {label}" for i, (label, _) in enumerate(options, 1))
            placeholder = component.get("placeholder") or "choose"
            controls.append(f"[{len(clickables)}] ▾ {placeholder}{disabled}: {listed}")
    lines += _wrap("  ".join(controls)) if controls else []
    if message.reactions:
        lines.append("reactions: " + "  ".join(emoji for emoji, _ in message.reactions))
    return "\n".join(lines)


async def _pause() -> None:
    await asyncio.sleep(SETTLE_SECONDS)


def _wrap(text: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out += textwrap.wrap(paragraph, _WIDTH - 2) or [""]
    return out


class TerminalSession:
    """One member at the keyboard in one channel of the local Discord."""

    def __init__(
        self,
        server: Any,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        bot_user_id: int,
        names: Mapping[int, str],
        settle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.server = server
        self.guild_id, self.channel_id, self.user_id = guild_id, channel_id, user_id
        self.bot_user_id = bot_user_id
        self.names = dict(names)
        self.clickables: list[Clickable] = []
        self._shown: dict[int, tuple[str, str, str]] = {}
        # After an action, how to wait for the bot's follow-up messages: a person at the
        # keyboard gets a short pause; tests pass something that waits for what they expect.
        self.settle = settle or _pause
        # Set by ``go_live``: messages are then printed as they happen, not after each line.
        self.printer: Callable[[str], None] | None = None

    def go_live(self, printer: Callable[[str], None]) -> Callable[[], None]:
        """Print every new, edited or reacted-to message of the channel as it happens;
        returns the function that stops it."""
        self.printer = printer

        def listener(kind: str, message: Message) -> None:
            if kind == "delete" or not self._visible(message):
                return
            signature = self._signature(message)
            if self._shown.get(message.id) == signature:
                return
            self._shown[message.id] = signature
            if any(c.get("custom_id") for c in message.all_components()):
                self.clickables = []
            author = self.names.get(message.author_id, str(message.author_id))
            printer(render(message, self.clickables, author))

        unsubscribe = self.server.subscribe(listener)

        def stop() -> None:
            self.printer = None
            unsubscribe()

        return stop

    def _visible(self, message: Message) -> bool:
        return (
            message.channel_id == self.channel_id
            and message.author_id != self.user_id
            and not message.deleted
            and message.visible_to in (None, self.user_id)
        )

    @staticmethod
    def _signature(message: Message) -> tuple[str, str, str]:
        return (
            message.content,
            repr(message.embeds),
            repr(message.components) + repr(message.reactions),
        )

    def _answer(self) -> str:
        """What to return after an action: nothing when live (it has been printed)."""
        return "" if self.printer is not None else self.show_new()

    def _new_messages(self) -> list[Message]:
        fresh = []
        for message in self.server.messages(self.channel_id, viewer=self.user_id):
            if message.author_id == self.user_id or message.deleted:
                continue
            signature = self._signature(message)
            if self._shown.get(message.id) != signature:
                self._shown[message.id] = signature
                fresh.append(message)
        return fresh

    def show_new(self) -> str:
        fresh = self._new_messages()
        if not fresh:
            return "(no answer)"
        self.clickables = []
        return "\n".join(
            render(m, self.clickables, self.names.get(m.author_id, str(m.author_id))) for m in fresh
        )

    async def handle(self, line: str) -> str | None:
        """Act on one line; returns the text to print, or None to quit."""
        line = line.strip()
        if not line:
            return ""
        if line in ("quit", "exit", ":q"):
            return None
        if line == "help":
            return HELP
        try:
            if line.startswith("?/"):
                return await self._autocomplete(line[2:])
            if line.startswith("/"):
                return await self._command(line[1:])
            numbers = line.split()
            if re.fullmatch(r"\d+(\s+\d+)?", line) and 1 <= int(numbers[0]) <= len(self.clickables):
                return await self._click(*map(int, numbers))
            await self.server.user_message(self.guild_id, self.channel_id, self.user_id, line)
            await self.settle()
            return self._answer() if self._has_new() else ""
        except (ValueError, SandboxError) as error:
            return f"! {error}"

    def _has_new(self) -> bool:
        current = {
            m.id: self._signature(m)
            for m in self.server.messages(self.channel_id, viewer=self.user_id)
            if m.author_id != self.user_id
        }
        return any(self._shown.get(i) != sig for i, sig in current.items())

    async def _command(self, text: str) -> str:
        paths = self.server.available_commands(self.guild_id, self.user_id)
        path, raw = split_command(text, paths)
        schema = option_schema(paths[path])
        options = {}
        for name, value in raw.items():
            if name not in schema:
                raise ValueError(
                    f"/{path} has no option {name}; it has: {', '.join(schema) or 'none'}"
                )
            options[name] = convert(value, schema[name])
        interaction = await self.server.slash(
            self.guild_id, self.channel_id, self.user_id, path, options
        )
        await interaction.wait_for_response(timeout=5)
        await self.settle()
        return self._answer()

    async def _autocomplete(self, text: str) -> str:
        paths = self.server.available_commands(self.guild_id, self.user_id)
        path, raw = split_command(text, paths)
        if not raw:
            raise ValueError("give the option to complete, e.g. ?/defector lookup name: nur")
        focused = list(raw)[-1]
        choices = await self.server.autocomplete(
            self.guild_id, self.channel_id, self.user_id, path, raw, focused
        )
        if not choices:
            return "(no suggestions)"
        return "\n".join(f"  {c['name']}  →  {focused}: {c['value']}" for c in choices)

    async def _click(self, number: int, choice: int | None = None) -> str:
        if not 1 <= number <= len(self.clickables):
            raise ValueError(f"there is no [{number}] in the last answer")
        target = self.clickables[number - 1]
        if target.options:
            if choice is None or not 1 <= choice <= len(target.options):
                raise ValueError(f"pick one of 1–{len(target.options)}: `{number} <choice>`")
            value = target.options[choice - 1][1]
            interaction = await self.server.select(
                target.message_id, target.custom_id, [value], self.user_id
            )
        else:
            interaction = await self.server.click(target.message_id, target.custom_id, self.user_id)
        await interaction.wait_for_response(timeout=5)
        await self.settle()
        return self._answer()
