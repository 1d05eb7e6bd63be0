"""The terminal's reading of Discord markup, its click references, and the sandbox's server."""

from __future__ import annotations

import datetime

import pytest

from bot.sandbox import LocalDiscord
from bot.sandbox import world as sandbox_world
from bot.sandbox.markup import Names, plain, relative, render_markup, timestamp_text, wrap
from bot.sandbox.model import MANAGE_GUILD, MANAGE_MESSAGES, Message
from bot.sandbox.terminal import Reference, TerminalSession, parse_reference

NOW = 1_800_000_000.0
NAMES = Names(
    members={5: "boris"},
    channels={7: "general"},
    roles={9: "moderators"},
    now=lambda: NOW,
    tz=datetime.UTC,
)


def read(text: str) -> list[str]:
    return [plain(line) for line in render_markup(text, NAMES)]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (12, "in 12 s"),
        (12.4, "in 12 s"),
        (-180, "3 min ago"),
        (59, "in 59 s"),
        (90, "in 2 min"),
        (7200, "in 2 h"),
        (-86400, "1 day ago"),
        (86400 * 3, "in 3 days"),
        (86400 * 62, "in 2 months"),
        (-86400 * 800, "2 years ago"),
        (0, "now"),
    ],
)
def test_relative_times(seconds: float, words: str) -> None:
    assert relative(seconds) == words


def test_timestamps_in_every_style() -> None:
    moment = int(datetime.datetime(2026, 11, 27, 16, 20, 30, tzinfo=datetime.UTC).timestamp())
    styles = {
        "t": "16:20",
        "T": "16:20:30",
        "d": "27/11/2026",
        "D": "27 November 2026",
        "f": "27 November 2026 16:20",
        "F": "Friday, 27 November 2026 16:20",
    }
    for style, words in styles.items():
        assert timestamp_text(moment, style, NAMES) == words
    assert read(f"Closes <t:{int(NOW) + 12}:R>") == ["Closes in 12 s"]
    assert read(f"<t:{moment}>") == ["27 November 2026 16:20"]  # no style: f


def test_mentions_read_as_names() -> None:
    assert read("<@5> <@!5> in <#7>, ping <@&9>") == ["@boris @boris in #general, ping @moderators"]
    assert read("<@1> <#2>") == ["@unknown member #unknown channel"]


@pytest.mark.parametrize(
    ("markup", "reads"),
    [
        ("**Ballet dancer** · 1961", "Ballet dancer · 1961"),
        ("*italic* and _italic_", "italic and italic"),
        ("__underlined__ ~~struck~~ ||spoiler||", "underlined struck spoiler"),
        ("`code` and ``co`de``", "code and co`de"),
        ("***both***", "both"),
        ("**bold with *italic* inside**", "bold with italic inside"),
        (
            "[the source](https://en.wikipedia.org/wiki/X)",
            "the source (https://en.wikipedia.org/wiki/X)",
        ),
        ("see <https://example.org/a>", "see https://example.org/a"),
        (r"\*not italic\* and 2 \_ 3", "*not italic* and 2 _ 3"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("a lone * star", "a lone * star"),
        ("<:blobwave:123456>", ":blobwave:"),
    ],
)
def test_inline_markdown_is_never_raw(markup: str, reads: str) -> None:
    assert read(markup) == [reads]


def test_blocks() -> None:
    assert read("Left: ```\nline 1\nline 2```\nafter") == ["Left:", "  line 1", "  line 2", "after"]
    assert read("```py\nx = 1\n```") == ["  x = 1"]
    assert read("> quoted **bold**\nnot quoted") == ["▎ quoted bold", "not quoted"]
    assert read(">>> all\nof this") == ["▎ all", "▎ of this"]
    assert read("# Title\n## Sub\n-# small print") == ["Title", "Sub", "small print"]
    assert read("- one\n* two\n  - nested") == ["• one", "• two", "  • nested"]


def test_styles_survive_for_a_terminal_that_shows_them() -> None:
    [line] = render_markup("plain **bold** `code` <@5>", NAMES)
    assert ("bold", "bold") in line
    assert any("ansicyan" in style and text == "code" for style, text in line)
    assert any("ansiblue" in style and text == "@boris" for style, text in line)


def test_wrap_keeps_styles_and_words() -> None:
    [line] = render_markup("**alpha** beta gamma delta epsilon", NAMES)
    folded = wrap(line, 16, "  ")
    assert [plain(f) for f in folded] == ["alpha beta gamma", "  delta epsilon"]
    assert folded[0][0] == ("bold", "alpha")
    assert [plain(f) for f in wrap([("", "  indented text")], 40)] == ["  indented text"]
    assert [plain(f) for f in wrap([("", "x" * 30)], 10)] == ["x" * 30]  # a long word stays whole


def test_click_references() -> None:
    assert parse_reference("3.2") == Reference(3, 2)
    assert parse_reference(" 12.1 4 ") == Reference(12, 1, "4")
    assert parse_reference("3.1 Kozlov") == Reference(3, 1, "Kozlov")
    for not_a_reference in ("3", "3.", ".2", "1961", "3.2.1", "hello 3.2", "3,2"):
        assert parse_reference(not_a_reference) is None


def test_the_sandbox_server_has_people_of_every_standing() -> None:
    server = LocalDiscord()
    sandbox_world.build(server)
    guild = server.guilds[sandbox_world.GUILD_ID]
    assert {c.name for c in guild.channels.values()} == {"general", "quiz"}
    by_name = {m.name: m.id for m in guild.members.values()}
    owner, moderator = by_name["you"], by_name["vera"]
    assert guild.owner_id == owner
    moderator_permissions = server.member_permissions(guild, moderator)
    assert moderator_permissions & MANAGE_MESSAGES and not moderator_permissions & MANAGE_GUILD
    for plain_member in ("alice", "boris"):
        permissions = server.member_permissions(guild, by_name[plain_member])
        assert not permissions & (MANAGE_MESSAGES | MANAGE_GUILD)

    terminal = TerminalSession(
        server,
        guild_id=sandbox_world.GUILD_ID,
        channel_id=sandbox_world.GENERAL_ID,
        user_id=sandbox_world.OWNER_ID,
    )
    assert terminal.prompt() == "you@#general> "
    who = terminal.who()
    assert "vera          Manage Messages" in who and "#general ← here  #quiz" in who
    assert terminal.convert("@boris", {"name": "member", "type": 6}) == by_name["boris"]
    assert terminal.convert("#quiz", {"name": "channel", "type": 7}) == sandbox_world.QUIZ_ID
    assert terminal.convert("quiz", {"name": "channel", "type": 7}) == sandbox_world.QUIZ_ID
    mode = {"name": "mode", "type": 3, "choices": [{"name": "Buttons", "value": "buttons"}]}
    assert terminal.convert("buttons", mode) == terminal.convert("BUTTONS", mode) == "buttons"
    with pytest.raises(ValueError, match="mode is one of: Buttons"):
        terminal.convert("typed", mode)


def test_a_message_reads_with_its_references() -> None:
    server = LocalDiscord()
    sandbox_world.build(server)
    terminal = TerminalSession(
        server,
        guild_id=sandbox_world.GUILD_ID,
        channel_id=sandbox_world.GENERAL_ID,
        user_id=sandbox_world.OWNER_ID,
        now=lambda: NOW,
    )
    boris = next(
        m.id for m in server.guilds[sandbox_world.GUILD_ID].members.values() if m.name == "boris"
    )
    message = Message(
        id=1,
        channel_id=sandbox_world.GENERAL_ID,
        guild_id=sandbox_world.GUILD_ID,
        author_id=server.bot_user_id,
        content=f"Your turn, <@{boris}>",
        embeds=[
            {
                "title": "Question 1 of 2 · **Year**",
                "fields": [{"name": "Pick one", "value": f"Closes <t:{int(NOW) + 20}:R>"}],
                "footer": {"text": "Difficulty ●●○"},
            }
        ],
        components=[
            {
                "type": 1,
                "components": [
                    {"type": 2, "custom_id": "quiz:1:1:0", "label": "1961"},
                    {"type": 2, "custom_id": "quiz:1:1:1", "label": "1962", "disabled": True},
                    {"type": 2, "style": 5, "url": "https://example.org", "label": "Source"},
                ],
            }
        ],
    )
    text = "\n".join(plain(line) for line in terminal.render(message, 4))
    assert text.splitlines() == [
        "── 4 · Defector Bot " + "─" * 58,
        "Your turn, @boris",
        "┃ Question 1 of 2 · Year",
        "┃ Pick one: Closes in 20 s",
        "┃ — Difficulty ●●○",
        "[4.1] 1961   [4.2] 1962 (closed)   Source (https://example.org)",
    ]
    assert "quiz:1" not in text
