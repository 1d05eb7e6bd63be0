"""How to open the sandbox page in a headless Chromium (the page's end-to-end test and
``scripts/sandbox_screenshot.py`` both drive one): where the browser is and its flags."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium unless ``$CHROMIUM`` names another."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""No sandboxing (containers and CI run as root), no GPU, and none of the background calls
home a first start would make."""
