"""The sandbox's web page in a real browser (Playwright driving Debian's Chromium).

The page is served by the local Discord the real bot is connected to. The test types in the
message box, clicks, and switches member as a person would, and reads only what the page
shows. Playwright's ``expect`` waits for each thing to appear; nothing sleeps. The quiz's clock
is a ManualClock that the test moves to close a question.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.client import DefectorBot
from bot.config import Settings
from bot.runner import sandbox_settings, start_sandbox_bot, stop_sandbox_bot
from bot.sandbox import LocalDiscord
from bot.sandbox import world as sandbox_world
from bot.sandbox.browser import CHROMIUM, CHROMIUM_ARGS
from bot.sandbox.web import WebPage, start_with_page
from bot.services.clock import ManualClock

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
)

GENERAL, QUIZ = sandbox_world.GENERAL_ID, sandbox_world.QUIZ_ID
ALICE = next(m.id for m in sandbox_world.MEMBERS if m.name == "alice")


class Page:
    """The page's address, the bot behind it and the quiz clock."""

    def __init__(self, url: str, server: LocalDiscord, bot: DefectorBot, clock: ManualClock):
        self.url, self.server, self.bot, self.clock = url, server, bot, clock


@pytest.fixture
async def sandbox_page(tmp_path: Path) -> AsyncIterator[Page]:
    route_base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    server = LocalDiscord()
    sandbox_world.build(server)  # the server `defector-bot sandbox` shows
    WebPage(server)
    url = await start_with_page(server, 0)
    database = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
    base = Settings(_env_file=None, data_dir=tmp_path, database_url=database)  # type: ignore[call-arg]
    settings = sandbox_settings(base, server.api_base, server.gateway_url, server.token, database)
    bot = await start_sandbox_bot(settings, server)
    clock = ManualClock(start=datetime.now(UTC))
    bot.services.quiz.clock = clock
    try:
        yield Page(url, server, bot, clock)
    finally:
        await stop_sandbox_bot(bot)
        await server.close()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = route_base, gateway
    assert server.violations == [], server.violations


@needs_chromium
async def test_a_newcomer_plays_in_the_browser(sandbox_page: Page, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    shots = tmp_path / "screenshots"
    shots.mkdir()
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 820})
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.clock.install()  # the countdowns' clock, moved below by the test
        await page.goto(sandbox_page.url)
        await expect(page.locator("#status")).to_have_text("● live as you")
        await expect(page.locator("#channels")).to_contain_text("general")
        await expect(page.locator("#channels")).to_contain_text("quiz")
        box, popup, error = (
            page.locator("#input"),
            page.locator("#popup"),
            page.locator("#composer-error"),
        )

        # Typing a slash command shows the commands, then the options, then live autocomplete.
        await box.click()
        await box.press_sequentially("/defector lo")
        await expect(popup).to_contain_text("/defector lookup")
        await box.press("Tab")
        await expect(box).to_have_value("/defector lookup ")
        await expect(popup).to_contain_text("Required: name")
        await box.press_sequentially("name: nurey")
        suggestion = popup.locator(".suggestion", has_text="Rudolf Nureyev")
        await expect(suggestion).to_be_visible()
        await page.screenshot(path=shots / "1-autocomplete.png")
        await suggestion.click()
        await box.press("Enter")
        card = page.locator(".message", has=page.locator(".embed-title", has_text="Nureyev"))
        await expect(card).to_contain_text("Ballet dancer")
        await expect(card.locator(".used")).to_contain_text("you used /defector lookup")
        await expect(box).to_have_value("")
        # The card's timeline picture, uploaded to the local Discord, is shown (and loaded).
        timeline = card.locator(".embed-image img")
        await expect(timeline).to_be_visible()
        loaded = await timeline.evaluate("img => img.complete && img.naturalWidth")
        assert loaded == 800, loaded

        # A select menu works: a search's menu opens a card.
        await box.fill("/defector search origin: Hungary year_from: 1956 year_to: 1956")
        await box.press("Enter")
        menu = page.locator(".message", has_text="people found").locator("select")
        await menu.select_option(label="Ferenc Puskás")
        await expect(page.locator(".embed-title", has_text="Ferenc Puskás")).to_be_visible()
        await expect(menu).to_have_value("")  # the menu shows its placeholder again

        # Bad input is explained in the page, not lost.
        await box.fill("/defector lookup nureyev")
        await box.press("Enter")
        await expect(error).to_contain_text("Options look like")
        await box.fill("/quiz start rounds: many")
        await box.press("Enter")
        await expect(error).to_contain_text("rounds is a whole number")

        # A button quiz in #quiz: the question, a click, the private receipt, the result.
        await page.locator("#channels button", has_text="quiz").click()
        await expect(page.locator("#channel-name")).to_have_text("quiz")
        await box.fill("/quiz start rounds: 1 kinds: year mode: buttons seconds: 20")
        await box.press("Enter")
        question = page.locator(".message", has=page.locator(".embed-title", has_text="Question 1"))
        await expect(question.locator(".btn")).to_have_count(4)
        countdown = question.locator(".ts")
        await expect(countdown).to_contain_text(re.compile(r"^in \d+ seconds$"))
        before = await countdown.inner_text()
        await page.clock.run_for(10_000)  # the countdown ticks by itself, with no new message
        await expect(countdown).not_to_have_text(before)
        ticked = int(re.sub(r"\D", "", await countdown.inner_text()))
        assert int(re.sub(r"\D", "", before)) - ticked in (9, 10, 11)
        running = sandbox_page.bot.services.quiz.games[QUIZ]
        current = running.game.current
        assert current is not None
        right = current.label(current.answer)
        await question.locator(".btn", has_text=right).click()
        receipt = page.locator(".message.ephemeral", has_text="Locked in")
        await expect(receipt).to_contain_text("Only you can see this")
        await page.screenshot(path=shots / "2-quiz.png")
        result = page.locator(".embed", has=page.locator(".embed-title", has_text="Question 1:"))
        if not await result.is_visible():  # unless the game closed it (everyone locked in)
            await sandbox_page.clock.sleepers(1)
            await sandbox_page.clock.advance(20.5)
        await expect(result).to_contain_text("@you +")
        await expect(page.locator(".embed-title", has_text="Quiz over")).to_be_visible()
        await expect(question.locator(".btn:disabled")).to_have_count(4)
        await page.screenshot(path=shots / "3-result.png")

        # Another member: their view has no one else's private receipt, and no admin rights.
        await page.locator("#member-switch").select_option(label="boris (member)")
        await expect(page.locator("#status")).to_have_text("● live as boris")
        await expect(page.locator(".message.ephemeral")).to_have_count(0)
        await box.fill("/quizconfig set rounds: 3")
        await box.press("Enter")
        await expect(error).to_contain_text("boris does not have permission to use /quizconfig")
        # What members type is shown as text: markup is Discord's markdown, never HTML.
        hostile = (
            f'hello <img src=x onerror="document.title=1"> **bold** <@{ALICE}> '
            "[click](javascript:alert(1)) <t:99999999999999:R>"
        )
        await box.fill(hostile)
        await box.press("Enter")
        said = page.locator(".message", has_text="hello <img src=x")
        await expect(said).to_contain_text("boris")
        await expect(said.locator("strong")).to_have_text("bold")
        await expect(said.locator(".mention")).to_have_text("@alice")
        await expect(said).to_contain_text("[click](javascript:alert(1))")
        assert await said.locator("img").count() == 0  # (the bot's own pictures are imgs)
        assert await page.locator('.messages img[src="x"]').count() == 0
        assert await page.locator('a[href^="javascript"]').count() == 0
        await page.screenshot(path=shots / "4-boris.png")
        await browser.close()
    assert problems == []
    assert len(list(shots.glob("*.png"))) == 4


async def test_the_page_api_refuses_what_it_cannot_do(sandbox_page: Page) -> None:
    import aiohttp

    act = sandbox_page.url + "sandbox/act"
    bot = str(sandbox_page.server.bot_user_id)

    def ask(action: str, **extra: Any) -> dict[str, Any]:
        return {"action": action, "member": str(ALICE), "channel": str(GENERAL), **extra}

    start = {"command": "quiz start"}
    cases: list[tuple[dict[str, Any], str]] = [
        (ask("message", member="1", content="x"), "no member"),
        (ask("message", member=bot, content="x"), "no member"),
        (ask("message", channel="9", content="x"), "no channel"),
        (ask("message", content=" "), "type a message"),
        (ask("message", content="x" * 2001), "at most 2000"),
        (ask("slash", command="nope"), "no command /nope"),
        (ask("slash", command="defector lookup", options={"name": " "}), "needs name"),
        (ask("slash", **start, options={"rounds": "x"}), "whole number"),
        (ask("slash", **start, options={"colour": "red"}), "no option “colour”"),
        (ask("slash", **start, options={"mode": "semaphore"}), "is not one of"),
        (ask("click", message="123", custom_id="a"), "gone"),
        (ask("react", message="123", emoji="✅"), "gone"),
        (ask("dance"), "unknown action"),
    ]
    async with aiohttp.ClientSession() as session:
        for body, expected in cases:
            async with session.post(act, json=body) as response:
                answer = await response.json()
                assert response.status == 400 and expected in answer["error"], (body, answer)
        async with session.post(act, data="member=1") as response:
            assert response.status == 415
        async with session.post(act, json=[1, 2]) as response:
            assert "JSON object" in (await response.json())["error"]
        foreign = {"Origin": "http://evil.example"}
        async with session.post(act, json={}, headers=foreign) as response:
            assert response.status == 403
        async with session.get(sandbox_page.url + "sandbox/state?member=abc") as response:
            assert response.status == 400
        for path in ("sandbox/nothing", "static/app.exe", "favicon.ico"):
            async with session.head(sandbox_page.url + path) as response:
                assert response.status == (200 if path == "favicon.ico" else 404), path
    assert sandbox_page.server.messages(GENERAL) == []


async def test_the_page_port_is_chosen_and_a_taken_one_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.sandbox import web

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalDiscord()
        WebPage(server)
        with pytest.raises(OSError, match=f"127.0.0.1:{port}.*--port .*--no-web"):
            await start_with_page(server, port)  # asked for: not silently moved
        monkeypatch.setattr(web, "DEFAULT_PORT", port)
        url = await start_with_page(server, None)  # the default: moves to a free port
        try:
            assert url == f"http://127.0.0.1:{server.port}/" and server.port != port
        finally:
            await server.close()


def sandbox_command(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", *args],
        input="",  # end of input: the terminal client quits once the bot is connected
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**env, "DATA_DIR": str(tmp_path)},
    )


def test_the_sandbox_prints_the_page_unless_told_not_to(tmp_path: Path) -> None:
    served = sandbox_command(tmp_path, "--port", "0")
    assert served.returncode == 0, served.stderr
    assert re.search(r"Open http://127\.0\.0\.1:\d+/ in a browser", served.stdout)
    quiet = sandbox_command(tmp_path, "--no-web")
    assert quiet.returncode == 0, quiet.stderr
    assert "Connected" in quiet.stdout and "browser" not in quiet.stdout
    wrong = sandbox_command(tmp_path, "--port", "70000")
    assert wrong.returncode == 2 and "--port: must be from 0 to 65535" in wrong.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = sandbox_command(tmp_path, "--port", str(taken.getsockname()[1]))
    assert busy.returncode == 1 and busy.stdout == ""
    assert busy.stderr.count("\n") == 1 and "choose another port with --port" in busy.stderr


@needs_chromium
async def test_the_page_renders_discord_markdown_and_nothing_else() -> None:
    from playwright.async_api import async_playwright

    script = Path(__file__).parents[2] / "bot" / "sandbox" / "page" / "app.js"
    cases = {
        "**bold** *it* __under__ ~~gone~~": (
            "<strong>bold</strong> <em>it</em> <u>under</u> <s>gone</s>"
        ),
        "year_from and a_b_c stay": "year_from and a_b_c stay",
        "`<b>` and ```\n**x**\n```": "<code>&lt;b&gt;</code> and <pre><code>**x**\n</code></pre>",
        "\\*not italic\\*": "*not italic*",
        "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
        '[a"b](https://x.org/?q="><img>)': (
            '<a href="https://x.org/?q=&quot;&gt;&lt;img&gt;" target="_blank" '
            'rel="noopener noreferrer">a&quot;b</a>'
        ),
        "[x](javascript:alert(1))": "[x](javascript:alert(1))",
        "# Title\nline\n> quoted": (
            '<div class="md-h1">Title</div>line<blockquote>quoted</blockquote>'
        ),
        "<#1> <@&2> <@3> @everyone": (
            '<span class="mention">#unknown-channel</span> '
            '<span class="mention">@unknown-role</span> '
            '<span class="mention">@unknown-user</span> <span class="mention">@everyone</span>'
        ),
        "||secret||": '<span class="spoiler">secret</span>',
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = await browser.new_page()
        await page.set_content("<!doctype html><title>markdown</title>")
        await page.add_script_tag(path=script)  # after DOMContentLoaded: the app does not start
        rendered = await page.evaluate(
            "cases => Object.fromEntries(cases.map(c => [c, markdown(c)]))", list(cases)
        )
        relative = await page.evaluate("formatTimestamp(Date.now() + 90500, 'R')")
        await browser.close()
    assert rendered == cases
    assert relative == "in 2 minutes"
