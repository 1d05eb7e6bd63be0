"""Play the sandbox page in Chromium as a newcomer would, and save what it looks like.

Starts ``defector-bot sandbox`` (its own throwaway database, any free port), opens the page it
prints, looks someone up, plays a button quiz in real time with two members, and saves the
screenshot the README shows::

    .venv/bin/python scripts/sandbox_screenshot.py docs/sandbox.png

Needs the dev extras (``playwright``) and Debian's Chromium (``/usr/bin/chromium``, or
``$CHROMIUM``). It prints
what the page shows, message by message, so the questions can be read against the source.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from bot.sandbox.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


def start_sandbox(data_dir: Path) -> tuple[subprocess.Popen[str], str, float]:
    """The sandbox as ``make run`` starts it; returns it, the page's URL and the seconds taken."""
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        stdin=subprocess.PIPE,  # kept open: the terminal client waits on it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=data_dir,
        env={
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(data_dir),
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT)),
        },
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"Open (http://127\.0\.0\.1:\d+/) in a browser", line)
        if found:
            return process, found.group(1), time.monotonic() - began
    raise SystemExit(f"the sandbox ended without printing its page (exit {process.wait()})")


def say(page: Page, text: str) -> None:
    box = page.locator("#input")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#composer-error")).to_be_hidden()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to save the screenshot (PNG)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        process, url, seconds = start_sandbox(Path(data))
        print(f"page served after {seconds:.1f} s at {url}")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 1080})
                page.goto(url)
                expect(page.locator("#status")).to_contain_text("live as")
                say(page, "/defector lookup name: nureyev")
                card = page.locator(".embed", has_text="Rudolf Nureyev")
                expect(card).to_be_visible()
                print("lookup:", card.inner_text().replace("\n", " | ")[:300])

                say(page, "/quiz start rounds: 1 kinds: year mode: buttons seconds: 12")
                title = page.locator(".embed-title", has_text="of 1")
                question = page.locator(".message", has=title)
                expect(question.locator(".btn")).to_have_count(4)
                print("question:", question.locator(".embed").inner_text().replace("\n", " | "))
                question.locator(".btn").nth(0).click()
                expect(page.locator(".message.ephemeral", has_text="Locked in")).to_be_visible()
                others = page.locator("#member-switch option").all_inner_texts()
                me = others[0]  # the owner comes first
                alice = next((o for o in others if o.startswith("alice")), None)
                if alice:
                    page.locator("#member-switch").select_option(label=alice)
                    expect(page.locator("#status")).to_contain_text("alice")
                    question.locator(".btn").nth(1).click()
                    expect(page.locator(".message.ephemeral", has_text="Locked in")).to_be_visible()
                    page.locator("#member-switch").select_option(label=me)
                    expect(page.locator("#status")).to_contain_text(me.split(" (")[0])
                result = page.locator(".embed", has=page.locator(".embed-title", has_text="answer"))
                expect(result).to_be_visible(timeout=20_000)
                print("result:", result.inner_text().replace("\n", " | "))
                expect(page.locator(".embed-title", has_text="Quiz over")).to_be_visible()
                box = page.locator("#input")
                box.click()
                box.press_sequentially("/defector lookup name: gordi")
                expect(page.locator("#popup .suggestion").first).to_be_visible()
                page.mouse.move(700, 20)
                page.screenshot(path=str(args.out))
                print(f"saved {args.out}")
                browser.close()
        finally:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
