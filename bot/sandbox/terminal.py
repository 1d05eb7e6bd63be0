"""A terminal client for the local Discord: type slash commands and messages, see the channel
as a member sees it, click buttons by reference.

Every message shown gets a number that stays its own (``3``); its buttons and menus are
``3.1``, ``3.2``… so any message still on screen can be clicked. Markup reads as in Discord:
timestamps, mentions and Markdown are rendered (``bot/sandbox/markup.py``).

The session logic (``TerminalSession.handle``) is separate from the input loop so tests can
drive it line by line; ``go_live`` prints what happens in the channel as it happens.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.markup import Fragments, Names, plain, render_markup, wrap
from bot.sandbox.model import SELECT_TYPES, Guild, Message, SandboxError, UnknownComponent
from bot.sandbox.world import describe_permissions

HELP = """\
Type a slash command as in Discord, options as `name: value`:
  /defector lookup name: nureyev
  /quiz start rounds: 3 mode: buttons        (choices by name; members as boris or @boris,
  /quiz stats member: boris                   channels as #quiz)
Click: every message shown has a number, its buttons N.1, N.2…:
  3.2                  click button 2 of message 3
  3.1 4                pick option 4 of menu 1 of message 3 (or by name: 3.1 puskas)
  2                    button 2 of the newest message with buttons (a number that is not a
                       button there, such as a year in a typed quiz, is posted as a message)
The sandbox's own commands:
  /who                 the members (and what they may do) and the channels
  /as NAME             act as another member (/as alone lists them)
  /go #CHANNEL         switch channel (also /channel)
  ?/defector lookup name: nur   the autocomplete choices for the last option
  form reason: 2 note: …   fill in and send the form a button opened (form cancel: close it)
  any other text       post it as a message in the channel
  help                 this text;  quit  leave (or Ctrl-D)
/help lists the bot's own commands."""

_OPTION = re.compile(r"(?:^|\s)([a-z0-9_-]{1,32}):(?=\s|$)")
_REFERENCE = re.compile(r"(\d{1,6})\.(\d{1,2})(?:\s+(\S.*))?")
_BARE = re.compile(r"(\d{1,6})(?:\s+(\d{1,3}))?")
_WIDTH = 78
SETTLE_SECONDS = 0.3
RESPONSE_TIMEOUT = 5.0
SANDBOX_COMMANDS = ("as", "who", "go", "channel")
OPTION_TYPES = {3: "text", 4: "whole number", 5: "true or false", 6: "member", 7: "channel"}
OPTION_TYPES |= {8: "role", 9: "member or role", 10: "number"}

Printer = Callable[[str], None]
StyledPrinter = Callable[[list[Fragments]], None]


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


@dataclass(frozen=True, slots=True)
class Reference:
    """What a typed click names: message ``number``, control ``index`` (1-based), and for a
    menu the option (its number or the start of its label)."""

    number: int
    index: int
    option: str | None = None


def parse_reference(line: str) -> Reference | None:
    """``"3.2"`` → message 3, control 2; ``"3.1 4"`` → option 4 of menu 3.1; else None."""
    match = _REFERENCE.fullmatch(line.strip())
    if match is None:
        return None
    return Reference(int(match.group(1)), int(match.group(2)), match.group(3))


def _lookup(value: str, names: Mapping[int, str], what: str, sigil: str) -> int:
    """An id from a name (``boris``, ``@boris``), a mention (``<@1>``) or a bare id."""
    text = value.strip()
    mention = re.fullmatch(r"<(?:@[!&]?|#)(\d{1,20})>", text)
    if mention:
        text = mention.group(1)
    if text.isdigit() and int(text) in names:
        return int(text)
    wanted = text.removeprefix(sigil).casefold()
    for ident, name in names.items():
        if name.casefold() == wanted:
            return ident
    listed = ", ".join(f"{sigil}{n}" for n in names.values())
    raise ValueError(f"there is no {what} {value!r} here; try one of: {listed}")


@dataclass
class _Seen:
    number: int | None
    """None for a message the member typed themselves (not printed, not numbered)."""
    body: str
    controls: str
    reactions: str
    shown: tuple[str, ...] = ()
    """The lines last printed for it, as plain text: an edit prints only what changed."""


def _plain(line: Fragments) -> str:
    return "".join(text for _, text in line)


class TerminalSession:
    """One person at the keyboard, acting as one member, in one channel of the local Discord."""

    def __init__(
        self,
        server: Any,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        bot_user_id: int | None = None,
        settle: Callable[[], Awaitable[None]] | None = None,
        now: Callable[[], float] | None = None,
        width: int = _WIDTH,
    ) -> None:
        self.server = server
        self.guild_id, self.channel_id, self.user_id = guild_id, channel_id, user_id
        self.bot_user_id = bot_user_id if bot_user_id is not None else server.bot_user_id
        self.now = now
        self.width = width
        self._seen: dict[int, _Seen] = {}
        self._numbers: dict[int, int] = {}  # display number → message id
        # Without go_live, how to wait for the bot's follow-ups before show_new(): a short
        # pause by default; tests pass something that waits for what they expect.
        self.settle = settle or _pause
        self._printer: Printer | None = None
        self._styled: StyledPrinter | None = None
        self._unread: set[int] = set()  # channels whose new messages have been announced
        self._form: Any = None  # the interaction whose modal (a form) is open, if any

    # -- who, where ----------------------------------------------------------------------------
    @property
    def guild(self) -> Guild:
        guild: Guild = self.server.guilds[self.guild_id]
        return guild

    def member_names(self) -> dict[int, str]:
        return {ident: member.name for ident, member in self.guild.members.items()}

    def channel_names(self) -> dict[int, str]:
        return {ident: channel.name for ident, channel in self.guild.channels.items()}

    def role_names(self) -> dict[int, str]:
        return {ident: role.name.removeprefix("@") for ident, role in self.guild.roles.items()}

    def names(self) -> Names:
        members = {ident: user.name for ident, user in self.server.users.items()}
        members |= self.member_names()
        return Names(members, self.channel_names(), self.role_names(), self.now)

    @property
    def member_name(self) -> str:
        return self.member_names().get(self.user_id, str(self.user_id))

    @property
    def channel_name(self) -> str:
        return self.channel_names().get(self.channel_id, str(self.channel_id))

    def prompt(self) -> str:
        """``boris@#general> ``: who you are acting as, and where."""
        return f"{self.member_name}@#{self.channel_name}> "

    # -- what is on screen ---------------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self._printer is not None or self._styled is not None

    def go_live(
        self, printer: Printer | None = None, styled: StyledPrinter | None = None
    ) -> Callable[[], None]:
        """Print what happens in the channel as it happens (as text to ``printer``, or as
        styled lines to ``styled``); returns the function that stops it."""
        self._printer, self._styled = printer, styled

        def listener(kind: str, message: Message) -> None:
            if kind == "delete":
                seen = self._seen.get(message.id)
                if (
                    seen is not None
                    and seen.number is not None
                    and message.channel_id == self.channel_id
                    and message.visible_to in (None, self.user_id)
                ):
                    self._emit([[("", f"── {seen.number} was deleted")]])
                return
            if self._here(message):
                lines = self._observe(message)
                if lines:
                    self._emit(lines)
            elif kind == "create" and self._elsewhere(message):
                # As Discord shows an unread channel in bold: once, until we go there.
                self._unread.add(message.channel_id)
                name = self.channel_names()[message.channel_id]
                self._emit([[("fg:ansigray", f"── new messages in #{name} (/go #{name})")]])

        unsubscribe = self.server.subscribe(listener)

        def stop() -> None:
            self._printer = self._styled = None
            unsubscribe()

        return stop

    def _emit(self, lines: list[Fragments]) -> None:
        if self._styled is not None:
            self._styled(lines)
        elif self._printer is not None:
            self._printer(_text(lines))

    def _elsewhere(self, message: Message) -> bool:
        """A new message for us in another channel of the server, not yet announced."""
        return (
            message.guild_id == self.guild_id
            and message.channel_id != self.channel_id
            and message.channel_id not in self._unread
            and message.author_id != self.user_id
            and message.visible_to in (None, self.user_id)
            and message.channel_id in self.guild.channels
        )

    def _here(self, message: Message) -> bool:
        """Whether the member we act as sees ``message`` in the channel we are in."""
        return (
            message.channel_id == self.channel_id
            and not message.deleted
            and message.visible_to in (None, self.user_id)
        )

    def _observe(self, message: Message) -> list[Fragments]:
        """What to print about ``message`` now: all of it the first time, then what changed."""
        if message.loading:
            return []  # "Defector Bot is thinking…": shown when the answer replaces it
        body, controls, reactions = _signature(message)
        seen = self._seen.get(message.id)
        if seen is None:
            own = message.author_id == self.user_id
            number = None if own else len(self._numbers) + 1
            self._seen[message.id] = _Seen(number, body, controls, reactions)
            if own:
                return []
            assert number is not None
            self._numbers[number] = message.id
            lines = self.render(message, number)
            self._seen[message.id].shown = tuple(_plain(line) for line in lines)
            return lines
        changed = (seen.body != body, seen.controls != controls, seen.reactions != reactions)
        seen.body, seen.controls, seen.reactions = body, controls, reactions
        if seen.number is None:  # one's own message: only reactions to it are news
            if not changed[2]:
                return []
            author = self.names().members.get(message.author_id, "someone")
            whose = "your message" if message.author_id == self.user_id else f"{author}'s message"
            return self._reaction_line(message, whose)
        if changed[1]:
            # Every button switched off (a question closing, its countdown line perhaps
            # rewritten): one line says so, rather than the whole message again.
            controls_now = _controls(message)
            if controls_now and all(c.get("disabled") for c in controls_now):
                return [[("", f"── {seen.number}: closed, its buttons no longer work")]]
        if changed[0] or changed[1]:
            lines = self.render(message, seen.number, edited=True)
            before, seen.shown = set(seen.shown), tuple(_plain(line) for line in lines)
            # The header, then only the lines the edit changed (a countdown becoming
            # "Closed", a field added), not the whole message again.
            fresh = [line for line in lines[1:] if _plain(line) not in before]
            return [lines[0], *fresh] if before and fresh else lines
        if changed[2]:
            author = self.names().members.get(message.author_id, "someone")
            return self._reaction_line(message, f"{author}'s message {seen.number}")
        return []

    def _reaction_line(self, message: Message, whose: str) -> list[Fragments]:
        if not message.reactions:
            return []
        counts: dict[str, int] = {}
        for emoji, _ in message.reactions:
            counts[emoji] = counts.get(emoji, 0) + 1
        shown = "  ".join(e if n == 1 else f"{e} {n}" for e, n in counts.items())
        snippet = message.content if len(message.content) <= 40 else message.content[:39] + "…"
        return [[("", f"   {shown}  on {whose} “{snippet}”")]]

    def render(self, message: Message, number: int, *, edited: bool = False) -> list[Fragments]:
        """A message as styled lines: a header with its number, the text, the embeds, the
        controls with their references (``3.1``…), the reactions."""
        names = self.names()
        flags = []
        if message.ephemeral:
            flags.append("only you can see this")
        if edited or message.edited:
            flags.append("edited")
        author = names.members.get(message.author_id, str(message.author_id))
        header = f"── {number} · {author}" + "".join(f" · {f}" for f in flags) + " "
        lines: list[Fragments] = [[("bold", header.ljust(self.width, "─"))]]
        if message.content:
            lines += self._block(message.content, names)
        for embed in message.embeds:
            lines += [[("fg:ansimagenta", "┃ "), *line] for line in self._embed(embed, names)]
        buttons: list[str] = []  # on one line (folded); each menu on lines of its own
        menus: list[str] = []
        for index, component in enumerate(_controls(message), 1):
            label = _label(component)
            state = " (closed)" if component.get("disabled") else ""
            if component.get("type") == 2:
                buttons.append(f"[{number}.{index}] {label}{state}")
            else:
                listed = "  ".join(  # no-break spaces: an option is never split in two
                    f"{i}) {option}".replace(" ", "\u00a0")
                    for i, option in enumerate(_option_labels(component), 1)
                )
                menus.append(f"[{number}.{index}] ▾ {label}{state}: {listed}")
        buttons += [
            f"{c.get('label') or 'link'} ({c.get('url')})"
            for c in message.all_components()
            if c.get("type") == 2 and c.get("url")
        ]
        for menu in menus:
            lines += wrap([("fg:ansigreen", menu)], self.width, "      ")
        if buttons:
            lines += wrap([("fg:ansigreen", "   ".join(buttons))], self.width, "  ")
        if message.reactions:
            lines.append([("", "reactions: " + "  ".join(e for e, _ in message.reactions))])
        return lines

    def _block(self, text: str, names: Names, width: int | None = None) -> list[Fragments]:
        out: list[Fragments] = []
        for line in render_markup(text, names):
            out += wrap(line, width or self.width, "  " if plain(line).startswith("  ") else "")
        return out

    def _embed(self, embed: Mapping[str, Any], names: Names) -> list[Fragments]:
        width = self.width - 2
        lines: list[Fragments] = []
        if (embed.get("author") or {}).get("name"):
            lines += self._block(str(embed["author"]["name"]), names, width)
        if embed.get("title"):
            for line in self._block(str(embed["title"]), names, width):
                lines.append([(f"bold {style}", text) for style, text in line])
        if embed.get("description"):
            lines += self._block(str(embed["description"]), names, width)
        for fld in embed.get("fields") or []:
            name, value = str(fld.get("name", "")), str(fld.get("value", ""))
            one_line = f"{name}: {value}"
            if "\n" not in value and len(one_line) <= width:
                title = self._block(name, names, width)[0]
                lines.append(
                    [(f"bold {s}", t) for s, t in title]
                    + [("", ": ")]
                    + self._block(value, names, width)[0]
                )
            else:
                for line in self._block(name, names, width):
                    lines.append([(f"bold {s}", t) for s, t in line])
                lines += [[("", "  "), *line] for line in self._block(value, names, width - 2)]
        for key in ("image", "thumbnail"):
            if (embed.get(key) or {}).get("url"):
                lines.append([("fg:ansigray", f"[{key}: {embed[key]['url']}]")])
        if (embed.get("footer") or {}).get("text"):
            for i, line in enumerate(self._block(str(embed["footer"]["text"]), names, width - 2)):
                gray = [(f"fg:ansigray {style}", text) for style, text in line]
                lines.append([("fg:ansigray", "  " if i else "— "), *gray])
        return lines

    def show_new(self) -> str:
        """Without go_live: what changed in the channel since the last look, as text."""
        lines: list[Fragments] = []
        for message in self.server.messages(self.channel_id, viewer=self.user_id):
            lines += self._observe(message)
        return _text(lines) if lines else "(no answer)"

    def _answer(self) -> str:
        """What to return after an action: nothing when live (it has been printed)."""
        return "" if self.live else self.show_new()

    # -- input ---------------------------------------------------------------------------------
    async def handle(self, line: str) -> str | None:
        """Act on one line; returns the text to print, or None to quit."""
        line = line.strip()
        if not line:
            return ""
        if line in ("quit", "exit", ":q"):
            return None
        if line in ("help", "?", "/?"):
            return HELP
        try:
            if line.startswith("?/"):
                return await self._autocomplete(line[2:])
            if line == "form" or line.startswith("form "):
                return await self._submit_form(line[4:].strip())
            if line.startswith("/"):
                word = line[1:].split(None, 1)
                if word and word[0] in SANDBOX_COMMANDS:
                    return self._sandbox_command(word[0], word[1] if len(word) > 1 else "")
                return await self._command(line[1:])
            reference = parse_reference(line)
            if reference is not None:
                return await self._click(reference)
            bare = _BARE.fullmatch(line)
            if bare is not None and (target := self._bare_target(int(bare.group(1)))):
                return await self._click(Reference(target, int(bare.group(1)), bare.group(2)))
            await self.server.user_message(self.guild_id, self.channel_id, self.user_id, line)
            if not self.live:
                await self.settle()
            return self._answer() if not self.live and self._has_new() else ""
        except (ValueError, SandboxError) as error:
            return f"! {error}"

    def _has_new(self) -> bool:
        for message in self.server.messages(self.channel_id, viewer=self.user_id):
            seen = self._seen.get(message.id)
            if seen is None and message.author_id != self.user_id:
                return True
            if seen is not None and (seen.body, seen.controls, seen.reactions) != _signature(
                message
            ):
                return True
        return False

    def _bare_target(self, index: int) -> int | None:
        """The number of the newest message here with controls, if it has control ``index``."""
        for number in sorted(self._numbers, reverse=True):
            message = self.server.message(self._numbers[number])
            if message is None or not self._here(message):
                continue
            controls = _controls(message)
            if controls:
                return number if 1 <= index <= len(controls) else None
        return None

    # -- the sandbox's own commands ------------------------------------------------------------
    def _sandbox_command(self, word: str, rest: str) -> str:
        rest = rest.strip()
        if word == "who":
            return self.who()
        if word == "as":
            if not rest:
                return self._members_text()
            self.user_id = _lookup(rest, self.member_names_humans(), "member", "@")
            return f"You are now {self.member_name} ({self._standing(self.user_id)})."
        if not rest:
            return self._channels_text()
        self.channel_id = _lookup(rest, self.channel_names(), "channel", "#")
        self._unread.discard(self.channel_id)
        caught_up: list[Fragments] = []
        for message in self.server.messages(self.channel_id, viewer=self.user_id)[-5:]:
            caught_up += self._observe(message)
        return "\n".join([f"You are now in #{self.channel_name}.", _text(caught_up)]).rstrip()

    def member_names_humans(self) -> dict[int, str]:
        return {i: m.name for i, m in self.guild.members.items() if not m.bot}

    def _standing(self, user_id: int) -> str:
        member = self.guild.members[user_id]
        raw = self.guild.roles[self.guild.id].permissions  # @everyone, then the member's roles
        for role_id in self.guild.member_roles.get(user_id, []):
            raw |= self.guild.roles[role_id].permissions
        return describe_permissions(raw, owner=user_id == self.guild.owner_id, bot=member.bot)

    def _members_text(self) -> str:
        rows = []
        width = max(len(m.name) for m in self.guild.members.values())
        for ident, member in self.guild.members.items():
            here = "   ← acting as" if ident == self.user_id else ""
            rows.append(f"  {member.name.ljust(width)}  {self._standing(ident)}{here}")
        return "Members (/as NAME to act as one):\n" + "\n".join(rows)

    def _channels_text(self) -> str:
        listed = "  ".join(
            f"#{name}" + (" ← here" if ident == self.channel_id else "")
            for ident, name in self.channel_names().items()
        )
        return f"Channels (/go #NAME to switch): {listed}"

    def who(self) -> str:
        return "\n".join(
            [
                f"{self.guild.name}: you act as {self.member_name} in #{self.channel_name}.",
                self._members_text(),
                self._channels_text(),
            ]
        )

    # -- the bot's commands --------------------------------------------------------------------
    async def _command(self, text: str) -> str:
        paths = self.server.available_commands(self.guild_id, self.user_id)
        try:
            path, raw = split_command(text, paths)
        except ValueError:
            self._explain_hidden(text)
            raise
        schema = option_schema(paths[path])
        options = {}
        for name, value in raw.items():
            if name not in schema:
                listed = ", ".join(schema) or "none"
                raise ValueError(f"/{path} has no option {name}; it has: {listed}")
            options[name] = self.convert(value, schema[name])
        interaction = await self.server.slash(
            self.guild_id, self.channel_id, self.user_id, path, options
        )
        return await self._await_answer(interaction)

    def _explain_hidden(self, text: str) -> None:
        """A command the member cannot see (Discord hides it): say why, in words."""
        everything = self.server.available_commands(self.guild_id)
        try:
            path, _ = split_command(text, everything)
        except ValueError:
            return
        top = path.split()[0]
        published = self.server.published_commands(self.guild_id)
        published += self.server.published_commands(None)
        command: dict[str, Any] = next((c for c in published if c.get("name") == top), {})
        needed = int(command.get("default_member_permissions") or 0)
        words = describe_permissions(needed) if needed else "permissions"
        raise ValueError(
            f"/{top} is hidden from {self.member_name}: it needs {words} "
            "(Discord shows it only to members who have that; /as NAME to switch)"
        )

    def convert(self, value: str, option: Mapping[str, Any]) -> Any:
        """A typed option value as Discord's client would send it, or a clear error."""
        name, kind = option["name"], option.get("type")
        choices = option.get("choices") or []
        for choice in choices:  # by the name shown in Discord, or by the value itself
            if value.casefold() in (
                str(choice["name"]).casefold(),
                str(choice["value"]).casefold(),
            ):
                return choice["value"]
        if choices:
            listed = ", ".join(str(c["name"]) for c in choices)
            raise ValueError(f"{name} is one of: {listed}")
        if kind in (4, 10):
            try:
                return int(value) if kind == 4 else float(value)
            except ValueError:
                raise ValueError(f"{name} is a {OPTION_TYPES[kind]}, not {value!r}") from None
        if kind == 5:
            if value.lower() not in ("true", "false", "yes", "no"):
                raise ValueError(f"{name} is true or false, not {value!r}")
            return value.lower() in ("true", "yes")
        if kind == 6:
            return _lookup(value, self.member_names(), "member", "@")
        if kind == 7:
            return _lookup(value, self.channel_names(), "channel", "#")
        if kind == 8:
            return _lookup(value, self.role_names(), "role", "@")
        if kind == 9:
            everyone = self.member_names() | self.role_names()
            return _lookup(value, everyone, "member or role", "@")
        return value

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

    # -- clicks --------------------------------------------------------------------------------
    async def _click(self, reference: Reference) -> str:
        number, index = reference.number, reference.index
        message_id = self._numbers.get(number)
        message = self.server.message(message_id) if message_id is not None else None
        if message is None:
            raise ValueError(f"there is no message {number} on screen")
        if message.deleted:
            raise ValueError(f"message {number} was deleted")
        if message.visible_to not in (None, self.user_id):
            raise ValueError(
                f"message {number} is not for {self.member_name}: only its member sees it"
            )
        controls = _controls(message)
        if not controls:
            raise ValueError(f"message {number} has no buttons")
        if not 1 <= index <= len(controls):
            raise ValueError(f"message {number} has {number}.1 to {number}.{len(controls)}")
        component = controls[index - 1]
        if component.get("disabled"):
            return self._closed(number, index, component)
        try:
            if component.get("type") == 2:
                interaction = await self.server.click(
                    message.id, component["custom_id"], self.user_id
                )
            else:
                value = self._pick(component, reference)
                interaction = await self.server.select(
                    message.id, component["custom_id"], [value], self.user_id
                )
        except UnknownComponent:
            # It changed while we clicked: the bot closed it, or the message went away.
            fresh = self.server.message(message.id)
            now = fresh.find_component(component["custom_id"]) if fresh else None
            if now is not None and now.get("disabled"):
                return self._closed(number, index, now)
            raise ValueError(f"{number}.{index} cannot be clicked any more") from None
        return await self._await_answer(interaction)

    @staticmethod
    def _closed(number: int, index: int, component: Mapping[str, Any]) -> str:
        return (
            f"! {number}.{index} “{_label(component)}” can no longer be clicked: "
            "the bot has closed it"
        )

    @staticmethod
    def _pick(component: Mapping[str, Any], reference: Reference) -> str:
        options = component.get("options") or []
        labels = _option_labels(component)
        ref = f"{reference.number}.{reference.index}"
        if component.get("type") != 3 or not options:
            raise ValueError(f"{ref} is a menu of members or channels, which is not simulated")
        wanted = (reference.option or "").strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(options):
            return str(options[int(wanted) - 1].get("value"))
        found = [
            option
            for option, label in zip(options, labels, strict=True)
            if wanted and _fold(wanted) in _fold(label)
        ]
        if len(found) == 1:
            return str(found[0].get("value"))
        several = f"{len(found)} options match {wanted!r}; " if found else ""
        raise ValueError(f"{several}pick one of 1–{len(options)}: `{ref} <number or name>`")

    async def _await_answer(self, interaction: Any) -> str:
        """Wait for the bot's first answer (and, if it deferred, its content), then say what
        changed (nothing when live: the listener has printed it)."""
        try:
            first = await interaction.wait_for_response(timeout=RESPONSE_TIMEOUT)
            if first.get("type") == 5:  # "thinking…": the answer follows as an edit
                await interaction.wait_for_original(timeout=RESPONSE_TIMEOUT)
        except TimeoutError:
            return "! the bot did not answer (Discord would say: This interaction failed)"
        if first.get("type") == 9:  # a modal: Discord shows a form over the channel
            self._form = interaction
            return self._form_text(interaction.modal or {})
        if not self.live:
            await self.settle()
        return self._answer()

    # -- forms (modals) --------------------------------------------------------------------------

    @staticmethod
    def _form_fields(modal: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
        """Each (label, field) of a modal: Label components, or text inputs in action rows."""
        fields = []
        for item in modal.get("components") or []:
            if item.get("type") == 18 and isinstance(item.get("component"), dict):
                fields.append((item, item["component"]))
            for child in item.get("components") or []:
                if isinstance(child, dict) and child.get("custom_id"):
                    fields.append((child, child))
        return fields

    def _form_text(self, modal: Mapping[str, Any]) -> str:
        lines = [f"📝 A form opened: “{modal.get('title', '')}” (only you see it)"]
        for label, field in self._form_fields(modal):
            name = field.get("custom_id")
            text = label.get("label") or field.get("label") or name
            need = "" if field.get("required", True) else " (optional)"
            if field.get("type") == 3:
                options = " · ".join(
                    f"{i} {o.get('label')}" for i, o in enumerate(field.get("options") or [], 1)
                )
                lines.append(f"  {name}: {text}{need}: {options}")
            else:
                most = field.get("max_length")
                limit = f", at most {most} characters" if most else ""
                lines.append(f"  {name}: {text}{need}{limit}")
            if label.get("description"):
                lines.append(f"      {label['description']}")
        names = " ".join(f"{f.get('custom_id')}: …" for _, f in self._form_fields(modal))
        lines.append(f"Send it with `form {names}`, or `form cancel`.")
        return "\n".join(lines)

    @staticmethod
    def _form_choice(field: Mapping[str, Any], name: str, wanted: str) -> str:
        """A menu's option by number or by part of its label."""
        options = field.get("options") or []
        if wanted.isdigit() and 1 <= int(wanted) <= len(options):
            return str(options[int(wanted) - 1].get("value"))
        found = [o for o in options if wanted and _fold(wanted) in _fold(str(o.get("label")))]
        if len(found) == 1:
            return str(found[0].get("value"))
        raise ValueError(f"{name}: pick one of 1–{len(options)}, by number or name")

    async def _submit_form(self, text: str) -> str:
        interaction = self._form
        if interaction is None or interaction.modal is None:
            raise ValueError("no form is open: a button opens one")
        if text == "cancel":
            self._form = None
            return "The form is closed; nothing was sent."
        given = parse_options(text)
        values: dict[str, str | list[str]] = {}
        for _, field in self._form_fields(interaction.modal):
            name = str(field.get("custom_id"))
            if name not in given:
                continue
            if field.get("type") == 3:
                values[name] = [self._form_choice(field, name, given.pop(name))]
            else:
                values[name] = given.pop(name)
        if given:
            raise ValueError(f"the form has no field {', '.join(sorted(given))}")
        submitted = await self.server.submit_modal(interaction, values, user_id=self.user_id)
        self._form = None
        return await self._await_answer(submitted)


async def _pause() -> None:
    await asyncio.sleep(SETTLE_SECONDS)


def _fold(text: str) -> str:
    """Case and accents aside: "Puskás" and "puskas" are the same to a typist."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _signature(message: Message) -> tuple[str, str, str]:
    """What a reader would notice changing: the text and embeds, the controls, the reactions."""
    return (
        repr((message.content, message.embeds)),
        repr(message.components),
        repr(message.reactions),
    )


def _controls(message: Message) -> list[dict[str, Any]]:
    """The message's clickable controls in order: buttons with a custom id, and menus."""
    return [
        component
        for component in message.all_components()
        if component.get("custom_id")
        and (component.get("type") == 2 or component.get("type") in SELECT_TYPES)
    ]


def _label(component: Mapping[str, Any]) -> str:
    emoji = (component.get("emoji") or {}).get("name") or ""
    text = component.get("label") or component.get("placeholder") or ""
    return " ".join(part for part in (emoji, str(text)) if part) or "…"


def _option_labels(component: Mapping[str, Any]) -> list[str]:
    return [str(o.get("label", "")) for o in component.get("options") or []]


def _text(lines: list[Fragments]) -> str:
    return "\n".join(plain(line) for line in lines)
