"""The daily question at scale: 10,000 servers that all asked for 09:00 UTC.

The real bot (in this process, its services on a clock that reads 09:00 at the start and
then runs in real time) against the local Discord, which here enforces Discord's global rate
limit (50 requests a second, interaction responses aside) and answers 429 past it. Every
server's daily question is due at once; the scheduler claims each day in the database and
paces the sends. Reported: the time to post all, the 429s received (goal: 0), and the CPU
used (bot and local Discord together: one process).

Run from the project root: ``python -m bench.daily`` (``--quick``: 400 servers; ``--json``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from discord.gateway import DiscordWebSocket

from bench import harness
from bot.config import Settings
from bot.db import daily as store
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.runner import sandbox_settings, start_sandbox_bot, stop_sandbox_bot
from bot.sandbox import LocalDiscord, SandboxMember
from bot.services.clock import RealClock

NINE = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
FIRST_GUILD = 1_400_000_000_000_000_000
GUILDS_PER_SHARD = 2_000
MEMBER = 1_400_000_000_000_999_999


class MorningClock(RealClock):
    """Real time, but the wall clock reads 09:00 UTC when the run starts."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def wall(self) -> datetime:
        return NINE + timedelta(seconds=time.monotonic() - self.started)


async def run(guilds: int, database_url: str, data_dir: Path) -> dict[str, Any]:
    route_base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    shards = max(1, -(-guilds // GUILDS_PER_SHARD))
    server = LocalDiscord(shard_count=shards, global_rate=(50, 1.0))
    ids = [FIRST_GUILD + (i << 22) for i in range(guilds)]
    for guild_id in ids:
        server.add_guild(guild_id, f"Server {guild_id}", channel_ids=[guild_id + 1],
                         members=[SandboxMember(MEMBER, "member")], owner_id=MEMBER)  # fmt: skip
    await server.start()
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    for guild_id in ids:  # every server asked for 09:00, every kind
        await store.set_config(
            sessions, guild_id=guild_id, channel_id=guild_id + 1, minute_of_day=9 * 60,
            kinds=["year", "who", "method"], enabled=True, now=NINE - timedelta(days=1),
        )  # fmt: skip
    await engine.dispose()
    base = Settings(_env_file=None, data_dir=data_dir, database_url=database_url)
    settings = sandbox_settings(
        base, server.api_base, server.gateway_url, server.token, database_url
    )
    settings = settings.model_copy(update={"shard_count": shards})
    clock = MorningClock()
    bot = await start_sandbox_bot(settings, server, clock=clock)
    cpu_start = time.process_time()
    try:
        daily = bot.services.daily
        assert daily is not None
        started = time.monotonic()
        print(f"bot ready; posting {guilds:,} daily questions", file=sys.stderr)
        last_report = started
        while daily.finished < guilds:
            await asyncio.sleep(0.2)
            if time.monotonic() - last_report > 30:
                last_report = time.monotonic()
                print(f"  {daily.posted:,} posted", file=sys.stderr)
            if time.monotonic() - started > guilds / 10 + 120:
                raise TimeoutError(f"only {daily.posted:,} of {guilds:,} posted")
        elapsed = time.monotonic() - started
        cpu = time.process_time() - cpu_start
        posts = [r for r in server.requests if r.method == "POST" and r.path.endswith("/messages")]
        statuses = Counter(r.status for r in server.requests)
        doubled = sum(
            1 for n in Counter(r.path for r in posts if r.status == 200).values() if n > 1
        )
        return {
            "guilds": guilds,
            "shards": shards,
            "posted": daily.posted,
            "seconds": elapsed,
            "posts_per_second": guilds / elapsed,
            "rate_setting": daily.posts_per_second,
            "http_429": statuses.get(429, 0),
            "global_429": server.global_429s,
            "violations": len(server.violations),
            "channels_posted_twice": doubled,
            "cpu_seconds": cpu,
            "cpu_ms_per_post": cpu * 1000 / guilds,
        }
    finally:
        await stop_sandbox_bot(bot)
        await server.close()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = route_base, gateway


def table_rows(result: dict[str, Any]) -> list[harness.Row]:
    guilds, seconds, posted = result["guilds"], result["seconds"], result["posted"]
    floor = guilds / result["rate_setting"]
    once = posted == guilds and result["channels_posted_twice"] == 0
    return [
        harness.Row("daily", f"time to post all, {guilds:,} servers due at 09:00", seconds,
                    floor, "s", seconds / floor, target="paced (≤ 50/s)"),
        harness.Row("daily", "429s received", result["http_429"], target="0",
                    met=result["http_429"] == 0),
        harness.Row("daily", "posted, each server once", posted, target=f"= {guilds}", met=once),
        harness.Row("daily", "CPU per post (bot + local Discord)", result["cpu_ms_per_post"],
                    unit="ms"),
        harness.Row("daily", "CPU in all", result["cpu_seconds"], unit="s"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench.daily", __doc__.splitlines()[0], "400 servers, not 10,000")
    parser.add_argument("--guilds", type=int, default=None, help="how many servers")
    args = parser.parse_args(argv)
    guilds = args.guilds if args.guilds is not None else (400 if args.quick else 10_000)
    if guilds < 1:
        parser.error("--guilds must be at least 1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-daily-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'daily.sqlite3'}"
        os.environ.pop("DATABASE_URL", None)
        result = asyncio.run(run(guilds, url, Path(tmp)))
    harness.print_figures(table_rows(result), args.json, result, __doc__.splitlines()[0])
    if not args.json:
        for key, value in result.items():
            print(f"{key:24} {value:,.2f}" if isinstance(value, float) else f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
