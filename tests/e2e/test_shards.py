"""Two bot processes, one local Discord with four shards, one PostgreSQL database.

Process A runs shards 0 and 1, process B shards 2 and 3 (``SHARD_COUNT=4``, disjoint
``SHARD_IDS``), both on the same ``DATABASE_URL``. Quizzes run at once in servers of every
shard; the global leaderboard, asked of either process, counts the answers of both; and
restarting B closes B's interrupted games only, never a game A is running.

Each process reaches the local Discord through a door of its own (a second listening port
onto the same server), so the test knows which process opened each gateway session and sent
each REST request: a process that answered, or wrote to, a server of the other's shards would
show up there. Real time: the bot is another process. Needs ``TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import text

from bot.config import Settings
from bot.db.engine import create_engine
from bot.sandbox import LocalDiscord, SandboxMember
from bot.sandbox.model import ALL_PERMISSIONS, Message
from tests.conftest import empty_postgres

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs a PostgreSQL server shared by two bot processes: set TEST_POSTGRES_URL "
    "(`scripts/test-postgres.sh start` prints one; `.ci/run` sets it)",
)

TOKEN = "sandbox-token-shards"
SHARDS = 4
A_SHARDS = (0, 1)
B_SHARDS = (2, 3)
PLAYERS = (
    1_250_000_000_000_000_011,
    1_250_000_000_000_000_012,
    1_250_000_000_000_000_013,
    1_250_000_000_000_000_014,
)
STARTER = PLAYERS[0]


def guild_on(shard: int, index: int = 0) -> int:
    """A guild id that Discord routes to ``shard`` of ``SHARDS``: ``(id >> 22) % SHARDS``."""
    high = (1_250_000_000_000_000_000 >> 22) // SHARDS * SHARDS + shard + SHARDS * index
    return (high << 22) | 1


# One game per shard, played at once; then a game on A (shard 0) and one on B (shard 2)
# that are running while B restarts.
PLAYED = tuple(guild_on(shard) for shard in range(SHARDS))
A_RUNNING = guild_on(0, 1)
B_RUNNING = guild_on(2, 1)
GUILDS = (*PLAYED, A_RUNNING, B_RUNNING)


def channel_of(guild_id: int) -> int:
    return guild_id + 1


def shard_of(guild_id: int) -> int:
    return (guild_id >> 22) % SHARDS


def members() -> list[SandboxMember]:
    names = ("anna", "boris", "vera", "yuri")
    return [
        SandboxMember(uid, name, ALL_PERMISSIONS) if uid == STARTER else SandboxMember(uid, name)
        for uid, name in zip(PLAYERS, names, strict=True)
    ]


# -- doors: which process sent what ---------------------------------------------------------


@dataclass
class Door:
    """Another listening port onto the same local Discord, handed to one process only."""

    name: str
    server: LocalDiscord
    port: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every REST request that came in through this door."""
    sockets: list[web.Request] = field(default_factory=list)
    """The request of every gateway connection that came in through this door."""
    runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self.runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = int(self.runner.addresses[0][1])

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        self.sockets.append(request)
        return await self.server.gateway.handle(request)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        self.calls.append((request.method, request.path))
        return await self.server.rest.handle(request)

    def guilds_touched(self) -> set[int]:
        """The guilds this door's REST requests acted in (messages, callbacks, followups)."""
        found = {guild_of(self.server, path) for _, path in self.calls}
        return {g for g in found if g is not None}


def guild_of(server: LocalDiscord, path: str) -> int | None:
    parts = path.removeprefix("/api/v10/").split("/")
    try:
        if parts[0] == "channels":
            channel = server.channels.get(int(parts[1]))
            return channel.guild_id if channel is not None else None
        if parts[0] == "guilds":
            return int(parts[1])
        if parts[0] == "applications" and len(parts) > 3 and parts[2] == "guilds":
            return int(parts[3])
        if parts[0] == "interactions":
            return server.interaction(int(parts[1])).guild_id
        if parts[0] == "webhooks" and len(parts) > 2:
            interaction = server.interaction_by_token(parts[2])
            return interaction.guild_id if interaction is not None else None
    except (ValueError, KeyError, IndexError):
        return None
    return None


def live_shards(server: LocalDiscord, doors: Sequence[Door]) -> dict[int, str]:
    """shard id -> the door its current gateway session's connection came through."""
    owners: dict[int, str] = {}
    for conn in server.gateway.connections:
        if conn.session is not None and conn.is_open:
            assert conn.session.shard_id not in owners, "two live connections on one shard"
            door = (d.name for d in doors if any(r is conn.request for r in d.sockets))
            owners[conn.session.shard_id] = next(door, "the main port")
    return owners


def identifies(server: LocalDiscord) -> Counter[int]:
    pattern = re.compile(r"shard (\d+): IDENTIFY")
    return Counter(int(m[1]) for line in server.gateway.log if (m := pattern.match(line)))


# -- the processes ----------------------------------------------------------------------------


@dataclass
class BotProcess:
    name: str
    shard_ids: Sequence[int]
    door: Door
    workdir: Path
    process: asyncio.subprocess.Process | None = None
    runs: int = 0

    def environment(self) -> dict[str, str]:
        assert POSTGRES_URL is not None
        # Nothing of the caller's bot settings (DEV_GUILD_ID, a DATABASE_URL...) leaks in.
        env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        env.update(
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_BASE=self.door.api_base,
            DISCORD_GATEWAY_URL=self.door.gateway_url,
            DATABASE_URL=POSTGRES_URL,
            DATA_DIR=str(self.workdir),
            SHARD_COUNT=str(SHARDS),
            SHARD_IDS=",".join(map(str, self.shard_ids)),
            LOG_LEVEL="INFO",
            MESSAGE_CONTENT_INTENT="false",
            QUIZ_REVEAL_PAUSE="0",
        )
        return env

    def log_path(self, run: int) -> Path:
        return self.workdir / f"{self.name}-{run}.log"

    def log(self, run: int | None = None) -> str:
        path = self.log_path(self.runs if run is None else run)
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    async def start(self) -> None:
        self.runs += 1
        # Output goes to a file: a pipe nobody reads fills up and blocks a chatty process.
        with self.log_path(self.runs).open("wb") as sink:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                env=self.environment(), cwd=self.workdir, stdout=sink, stderr=sink,
            )  # fmt: skip

    async def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), timeout=30)
        assert self.process.returncode == 0, self.log()[-3000:]

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None


async def db_load(workdir: Path) -> None:
    """`defector-bot db load` once, before any bot starts (see "Running at scale")."""
    assert POSTGRES_URL is not None
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(DATABASE_URL=POSTGRES_URL, DATA_DIR=str(workdir))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "load",
        env=env, cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, out.decode()[-3000:]


async def clean_database() -> None:
    assert POSTGRES_URL is not None
    await empty_postgres(POSTGRES_URL)


async def game_rows() -> dict[int, tuple[int, str | None]]:
    """game id -> (guild id, end reason or None while running), straight from PostgreSQL."""
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id, guild_id, ended_at, end_reason FROM quiz_games")
            )
            return {r.id: (r.guild_id, None if r.ended_at is None else r.end_reason) for r in rows}
    finally:
        await engine.dispose()


@dataclass
class Cluster:
    server: LocalDiscord
    a: BotProcess
    b: BotProcess

    def door_shards(self) -> dict[str, tuple[int, ...]]:
        return {bot.door.name: tuple(bot.shard_ids) for bot in (self.a, self.b)}

    def assert_alive(self) -> None:
        for bot in (self.a, self.b):
            assert bot.alive(), f"process {bot.name} died:\n{bot.log()[-3000:]}"


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    server = LocalDiscord(token=TOKEN, shard_count=SHARDS)
    for number, guild_id in enumerate(GUILDS, start=1):
        server.add_guild(
            guild_id, f"Server {number} (shard {shard_of(guild_id)})",
            channel_ids=[channel_of(guild_id)], members=members(), owner_id=STARTER,
        )  # fmt: skip
    await server.start()
    doors = [Door("A", server), Door("B", server)]
    for door in doors:
        await door.start()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = BotProcess("A", A_SHARDS, doors[0], tmp_path / "a")
    b = BotProcess("B", B_SHARDS, doors[1], tmp_path / "b")
    try:
        await clean_database()
        await db_load(tmp_path)
        await asyncio.gather(a.start(), b.start())
        yield Cluster(server, a, b)
        for bot in (a, b):
            if bot.alive():
                await bot.stop()
    finally:
        await a.kill()
        await b.kill()
        for door in doors:
            await door.close()
        await server.close()


# -- playing ----------------------------------------------------------------------------------


def is_titled(channel_id: int, title: str) -> Callable[[Message], bool]:
    def match(message: Message) -> bool:
        return (
            message.channel_id == channel_id
            and bool(message.embeds)
            and str(message.embeds[0].get("title", "")).startswith(title)
        )

    return match


async def start_quiz(server: LocalDiscord, guild_id: int, seconds: int) -> tuple[int, Message]:
    """/quiz start in the guild's channel: (game id, question 1)."""
    channel = channel_of(guild_id)
    options = {"rounds": 1, "seconds": seconds, "kinds": "year", "mode": "buttons"}
    interaction = await server.slash(guild_id, channel, STARTER, "quiz start", options)
    reply = await interaction.wait_for_original(timeout=10)
    found = re.match(r"Quiz #(\d+):", reply.content)
    assert found and not reply.ephemeral, reply.content
    question = await server.wait_for_message(is_titled(channel, "Question 1 of"), timeout=10)
    assert len(question.buttons()) == len(PLAYERS)
    return int(found[1]), question


async def click(server: LocalDiscord, question: Message, index: int, user: int) -> str:
    custom_id = question.buttons()[index].custom_id
    assert custom_id is not None
    interaction = await server.click(question.id, custom_id, user)
    reply = await interaction.wait_for_original(timeout=10)
    assert reply.ephemeral
    return reply.content


async def play(server: LocalDiscord, guild_id: int) -> dict[int, int]:
    """A one-question game where each player clicks a different choice, so exactly one
    is right. Returns the points of the result message, by player. The starter clicks last:
    once everyone playing has answered, the question closes early (a lone starter's click
    would close it at once)."""
    channel = channel_of(guild_id)
    _, question = await start_quiz(server, guild_id, seconds=5)
    assert PLAYERS[0] == STARTER
    replies = await asyncio.gather(
        *(click(server, question, i, user) for i, user in enumerate(PLAYERS) if i > 0)
    )
    replies.append(await click(server, question, 0, STARTER))
    assert all(r.startswith("Locked in") for r in replies), replies
    result = await server.wait_for_message(is_titled(channel, "Question 1:"), timeout=15)
    await server.wait_for_message(is_titled(channel, "Quiz over"), timeout=15)
    points = {int(uid): int(p) for uid, p in re.findall(r"<@(\d+)> \+(\d+)", result.embed_text())}
    assert len(points) == 1, result.embed_text()  # one right choice among the four clicked
    return points


def ranking(board: Message) -> dict[int, tuple[int, int, int]]:
    """user id -> (points, correct, answers), read off a leaderboard message."""
    entries = re.findall(
        r"<@(\d+)> · \*\*(\d+) points?\*\* · (\d+)/(\d+) right", board.embed_text()
    )
    return {int(u): (int(p), int(c), int(a)) for u, p, c, a in entries}


def told_interrupted(server: LocalDiscord, guild_id: int) -> list[Message]:
    return [
        m for m in server.messages(channel_of(guild_id)) if "interrupted by a restart" in m.content
    ]


# -- the test ---------------------------------------------------------------------------------


async def test_two_processes_split_the_shards_and_share_one_database(cluster: Cluster) -> None:
    server, a, b = cluster.server, cluster.a, cluster.b
    assert sorted({shard_of(g) for g in GUILDS}) == list(range(SHARDS))

    # Each process needs ~5 s for its second shard (discord.py spaces IDENTIFYs).
    await server.wait_until_ready(timeout=60, shard_ids=range(SHARDS))
    await server.wait_for(lambda: "quiz start" in server.available_commands(PLAYED[0]), 30)
    cluster.assert_alive()
    assert identifies(server) == Counter(range(SHARDS))  # one IDENTIFY per shard, no takeover
    assert live_shards(server, (a.door, b.door)) == {0: "A", 1: "A", 2: "B", 3: "B"}
    a_sessions = {s: server.gateway.current[s].id for s in A_SHARDS}

    # One quiz per shard, all at once: two run in A, two in B.
    results = await asyncio.gather(*(play(server, guild_id) for guild_id in PLAYED))
    totals: Counter[int] = Counter()
    correct: Counter[int] = Counter()
    for points in results:
        totals.update(points)
        correct.update(points.keys())
    expected = {user: (totals[user], correct[user], len(PLAYED)) for user in PLAYERS}

    # The global leaderboard, asked of either process, counts both processes' answers.
    for guild_id, asker in ((PLAYED[1], PLAYERS[1]), (PLAYED[3], PLAYERS[2])):
        asked = await server.slash(
            guild_id, channel_of(guild_id), asker, "leaderboard", {"scope": "global"}
        )
        board = await asked.wait_for_original(timeout=10)
        assert "every server" in board.embed_text()
        assert ranking(board) == expected, board.embed_text()

    # Start-up safety: a game runs in each process, then B restarts.
    a_game, a_question = await start_quiz(server, A_RUNNING, seconds=60)
    b_game, _ = await start_quiz(server, B_RUNNING, seconds=60)
    await b.stop()
    await b.start()
    await server.wait_for(lambda: identifies(server)[2] == 2 and identifies(server)[3] == 2, 60)
    await server.wait_until_ready(timeout=60, shard_ids=B_SHARDS)
    cluster.assert_alive()
    # B closed its own interrupted game and told its channel...
    await server.wait_for(lambda: told_interrupted(server, B_RUNNING), 15)
    rows = await game_rows()
    assert rows[b_game] == (B_RUNNING, "interrupted")
    assert f"closed quiz {b_game} (interrupted" in b.log()
    # ...and left A's alone: still open in the database, not announced, still playable.
    assert rows[a_game] == (A_RUNNING, None)
    assert f"closed quiz {a_game} " not in b.log()
    assert told_interrupted(server, A_RUNNING) == []
    assert "interrupted" not in a.log()  # A itself never closed a game either
    assert (await click(server, a_question, 0, PLAYERS[1])).startswith("Locked in")
    stop = await server.slash(A_RUNNING, channel_of(A_RUNNING), STARTER, "quiz stop")
    await stop.wait_for_original(timeout=10)
    final = await server.wait_for_message(is_titled(channel_of(A_RUNNING), "Quiz over"), 15)
    assert "stopped" in final.embed_text()
    assert (await game_rows())[a_game] == (A_RUNNING, "stopped")
    assert told_interrupted(server, A_RUNNING) == []

    # A's shards were never touched: same sessions, one IDENTIFY each; B's re-identified.
    assert {s: server.gateway.current[s].id for s in A_SHARDS} == a_sessions
    assert identifies(server) == Counter({0: 1, 1: 1, 2: 2, 3: 2})
    assert live_shards(server, (a.door, b.door)) == {0: "A", 1: "A", 2: "B", 3: "B"}

    # No process acted in a server of the other's shards; both acted in all of their own.
    for door in (a.door, b.door):
        own = cluster.door_shards()[door.name]
        touched = door.guilds_touched()
        assert {shard_of(g) for g in touched} <= set(own), (door.name, touched)
        assert touched == {g for g in GUILDS if shard_of(g) in own}
    assert len(server.requests) == len(a.door.calls) + len(b.door.calls)  # all via the doors

    # Every interaction was answered exactly once; the local Discord saw no rule broken.
    for interaction in server.interactions.values():
        assert len(interaction.callbacks) == 1, interaction
        assert interaction.callbacks[0]["accepted"], interaction.callbacks
    assert server.violations == []
    assert server.pings == []
    for bot in (a, b):
        for run in range(1, bot.runs + 1):
            assert "Traceback" not in bot.log(run), bot.log(run)[-3000:]
