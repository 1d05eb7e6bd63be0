"""The quiz store: games, the answer ledger and its aggregates, leaderboards, statistics and
guild settings. Every test runs on SQLite and, with ``TEST_POSTGRES_URL``, on PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.db.quiz.games import (
    UnknownGame,
    close_interrupted_games,
    create_game,
    finish_game,
    get_game,
    running_game_in_channel,
    running_games,
    shard_of,
)
from bot.db.quiz.leaderboards import leaderboard, period_start, player_rank
from bot.db.quiz.ledger import (
    answers_from_result,
    forget_answers,
    rebuild_aggregates,
    record_answers,
)
from bot.db.quiz.settings import get_guild_settings, reset_guild_settings, update_guild_settings
from bot.db.quiz.stats import player_stats, streaks
from bot.errors import InvalidInput, UserFacingError
from bot.quiz.game import Award, CloseReason, EndReason, Mode, QuestionResult
from bot.quiz.model import Question, QuestionKind, Verdict
from bot.records import (
    HARDEST_KIND_MIN_ANSWERS,
    AnswerRecord,
    GameAlreadyRunning,
    GuildQuizSettings,
    InterruptedGame,
    InvalidGuildSettings,
    LeaderboardEntry,
    PlayerRank,
)

Sessions = async_sessionmaker[AsyncSession]
Rows = list[tuple[Any, ...]]

NOW = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
GUILD = 900_000_000_000_000_001
OTHER_GUILD = 900_000_000_000_000_002
BIG_ID = 2**63 - 7  # ids are 64-bit: the largest snowflakes must round-trip


@pytest.fixture
async def sessions(engine: AsyncEngine) -> Sessions:
    await upgrade(engine)
    return session_factory(engine)


async def ranks_agree(
    sessions: Sessions,
    entries: Iterable[LeaderboardEntry],
    *,
    guild_id: int | None,
    period: str,
    kind: QuestionKind | str | None,
) -> None:
    """player_rank gives every listed player the rank and points the board shows them."""
    for entry in entries:
        rank = await player_rank(
            sessions,
            guild_id=guild_id,
            period=period,
            kind=kind,
            now=NOW,
            user_id=entry.user_id,
        )
        assert rank == PlayerRank(entry.rank, entry.points), entry


class Ledger:
    """Writes crafted answers: one game per call, in its own channel."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.channels = itertools.count(700_000_000_000_000_000)

    async def game(
        self, *, guild_id: int = GUILD, started_at: datetime = NOW, finish: bool = True
    ) -> int:
        game_id = await create_game(
            self.sessions,
            guild_id=guild_id,
            channel_id=next(self.channels),
            starter_id=1,
            mode=Mode.BUTTONS,
            kinds=list(QuestionKind),
            rounds=10,
            started_at=started_at,
        )
        if finish:
            await finish_game(
                self.sessions,
                game_id=game_id,
                reason=EndReason.COMPLETED,
                winner_id=None,
                ended_at=started_at,
            )
        return game_id

    async def play(
        self,
        answers: Sequence[tuple[int, bool, int]],
        *,
        guild_id: int = GUILD,
        at: datetime = NOW,
        kind: QuestionKind = QuestionKind.YEAR,
        game_id: int | None = None,
        question_number: int = 1,
    ) -> int:
        """``answers`` are (user_id, correct, points), all to one question."""
        if game_id is None:
            game_id = await self.game(guild_id=guild_id, started_at=at)
        records = [
            AnswerRecord(
                game_id=game_id,
                question_number=question_number,
                guild_id=guild_id,
                channel_id=1,
                user_id=user_id,
                kind=kind,
                record_slug="oleg-gordievsky",
                correct=correct,
                points=points,
                response_ms=1500,
                answered_at=at,
            )
            for user_id, correct, points in answers
        ]
        return await record_answers(self.sessions, answers=records)


@pytest.fixture
def ledger(sessions: Sessions) -> Ledger:
    return Ledger(sessions)


def make_question(slug: str, kind: QuestionKind = QuestionKind.ORIGIN_COUNTRY) -> Question:
    return Question(
        kind=kind,
        prompt=f"Where did {slug} come from?",
        subject=slug.title(),
        subject_slug=slug,
        answer="A",
        accepted=("A",),
        choices=("A", "B", "C", "D"),
        explanation="",
        difficulty=1,
    )


def award(player_id: int, points: int, response_time: float = 2.5) -> Award:
    correct = points > 0
    return Award(
        player_id=player_id,
        value="A" if correct else "B",
        correct=correct,
        verdict=Verdict.CORRECT if correct else Verdict.WRONG,
        points=points,
        response_time=response_time,
        hints_seen=0,
    )


def question_result(
    number: int, awards: Sequence[Award], slug: str = "rudolf-nureyev"
) -> QuestionResult:
    return QuestionResult(
        question=make_question(slug),
        number=number,
        reason=CloseReason.TIMEOUT,
        opened_at=100.0,
        closed_at=120.0,
        hints_used=0,
        awards=tuple(awards),
    )


async def table_rows(sessions: Sessions, name: str) -> list[tuple[Any, ...]]:
    table = SQLModel.metadata.tables[name]
    async with sessions() as session:
        rows = (await session.execute(select(table))).all()
    return sorted(tuple(row) for row in rows)


AGGREGATES = (
    "quiz_score_days",
    "quiz_player_totals",
    "quiz_player_counts",
    "quiz_recent_totals",
    "quiz_recent_windows",
)


async def aggregates(sessions: Sessions) -> tuple[Rows, ...]:
    return tuple([await table_rows(sessions, name) for name in AGGREGATES])


async def open_recent_windows(sessions: Sessions, now: datetime = NOW) -> None:
    """A global week and month read, which makes ``quiz_recent_totals`` hold those windows."""
    for period in ("week", "month"):
        await leaderboard(sessions, guild_id=None, period=period, kind=None, now=now)


# --- the ledger -----------------------------------------------------------------------------------


async def record_question(
    sessions: Sessions,
    *,
    game_id: int,
    guild_id: int,
    channel_id: int,
    result: QuestionResult,
    opened_at: datetime,
) -> int:
    """A closed question's awards written as the service writes them (its rows built by
    ``answers_from_result``, then one ``record_answers`` transaction); how many were new."""
    answers = answers_from_result(
        game_id=game_id,
        guild_id=guild_id,
        channel_id=channel_id,
        result=result,
        opened_at=opened_at,
    )
    return await record_answers(sessions, answers=answers)


async def test_a_question_written_twice_is_counted_once(sessions: Sessions, ledger: Ledger) -> None:
    await open_recent_windows(sessions)
    game_id = await ledger.game(finish=False)
    opened = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    result = question_result(1, [award(BIG_ID, 9, 1.25), award(2, 0, 4.0), award(3, 6, 9.5)])
    arguments: dict[str, Any] = {
        "game_id": game_id,
        "guild_id": GUILD,
        "channel_id": 5,
        "result": result,
        "opened_at": opened,
    }
    assert await record_question(sessions, **arguments) == 3
    ledger_rows = await table_rows(sessions, "quiz_answers")
    sums = await aggregates(sessions)
    assert all(sums), "every aggregate has rows"

    assert await record_question(sessions, **arguments) == 0
    assert await table_rows(sessions, "quiz_answers") == ledger_rows
    assert await aggregates(sessions) == sums

    # A retry that knows one more answer adds just that one.
    more = replace(result, awards=(*result.awards, award(4, 5)))
    assert await record_question(sessions, **{**arguments, "result": more}) == 1
    board = await leaderboard(sessions, guild_id=GUILD, period="week", kind=None, now=NOW)
    assert [(e.user_id, e.points, e.correct, e.answers) for e in board.entries] == [
        (BIG_ID, 9, 1, 1),
        (3, 6, 1, 1),
        (4, 5, 1, 1),
        (2, 0, 0, 1),
    ]


async def test_ledger_rows_keep_what_the_game_decided(sessions: Sessions, ledger: Ledger) -> None:
    game_id = await ledger.game(finish=False)
    opened = datetime(2026, 11, 28, 16, 0, tzinfo=timezone(timedelta(hours=1)))
    result = question_result(3, [award(BIG_ID, 8, 3.2505)], slug="viktor-suvorov")
    await record_question(
        sessions,
        game_id=game_id,
        guild_id=GUILD,
        channel_id=BIG_ID - 1,
        result=result,
        opened_at=opened,
    )
    async with sessions() as session:
        row = (await session.execute(text("SELECT * FROM quiz_answers"))).mappings().one()
    assert row["game_id"] == game_id
    assert row["question_number"] == 3
    assert (row["guild_id"], row["channel_id"], row["user_id"]) == (GUILD, BIG_ID - 1, BIG_ID)
    assert row["kind"] == "origin_country"
    assert row["record_slug"] == "viktor-suvorov"
    assert bool(row["correct"]) is True
    assert (row["points"], row["response_ms"]) == (8, 3250)


async def test_an_empty_question_writes_nothing(sessions: Sessions, ledger: Ledger) -> None:
    game_id = await ledger.game()
    count = await record_question(
        sessions,
        game_id=game_id,
        guild_id=GUILD,
        channel_id=1,
        result=question_result(1, []),
        opened_at=NOW,
    )
    assert count == 0
    assert await aggregates(sessions) == ([], [], [], [], [])


async def test_naive_timestamps_are_refused(sessions: Sessions, ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await ledger.play([(1, True, 5)], at=datetime(2026, 11, 28, 12, 0))


async def play_random_games(ledger: Ledger, rng: random.Random) -> None:
    kinds = list(QuestionKind)
    # Games across 40 days, two guilds, times near midnight and in other time zones.
    for game in range(30):
        guild_id = rng.choice([GUILD, OTHER_GUILD])
        start = NOW - timedelta(days=rng.randrange(40), minutes=rng.choice([0, 20, 931]))
        start = start.astimezone(timezone(timedelta(hours=rng.choice([-8, 0, 5]))))
        game_id = await ledger.game(guild_id=guild_id, started_at=start)
        for number in range(1, rng.randrange(2, 6)):
            players = rng.sample(range(1, 12), rng.randrange(1, 5))
            await ledger.play(
                [(p, (c := rng.random() < 0.6), rng.randrange(1, 11) if c else 0) for p in players],
                guild_id=guild_id,
                at=start + timedelta(minutes=number * 7),
                kind=rng.choice(kinds),
                game_id=game_id,
                question_number=number,
            )
        if game % 7 == 0:  # and some retries
            await ledger.play([(1, True, 10)], guild_id=guild_id, at=start, game_id=game_id)


async def test_the_aggregates_equal_a_recomputation_from_the_ledger(
    sessions: Sessions, ledger: Ledger
) -> None:
    await open_recent_windows(sessions)  # so that the writes keep those up to date too
    await play_random_games(ledger, random.Random(5))
    incremental = await aggregates(sessions)
    assert all(incremental)
    await rebuild_aggregates(sessions)
    await open_recent_windows(sessions)
    assert await aggregates(sessions) == incremental

    # And the all-kinds rows are the sums of the per-kind rows; the counts count the totals.
    days, totals, counts, _, _ = incremental
    assert dict(counts) == {
        kind: sum(1 for row in totals if row[0] == kind) for kind in {row[0] for row in totals}
    }
    summed: dict[tuple[Any, ...], list[int]] = {}
    for guild_id, kind, day, user_id, points, correct, answers in days:
        if kind != "*":
            sums = summed.setdefault((guild_id, day, user_id), [0, 0, 0])
            for i, value in enumerate((points, correct, answers)):
                sums[i] += value
    assert {(g, d, u): [p, c, a] for g, k, d, u, p, c, a in days if k == "*"} == summed
    assert sum(row[2] for row in totals if row[0] == "*") == sum(
        row[4] for row in days if row[1] == "*"
    )


async def test_a_new_player_written_by_two_writers_at_once_is_counted_once(
    sessions: Sessions, ledger: Ledger, database_url: str
) -> None:
    """Two engines (as two bot processes) write the first answers of the same new players at
    the same moment; each player must be counted once in quiz_player_counts."""
    await open_recent_windows(sessions)
    others = [create_engine(database_url) for _ in range(2)]
    try:
        writers = [Ledger(session_factory(engine)) for engine in others]
        games = [await ledger.game(finish=False) for _ in writers]
        for round_number in range(1, 6):
            players = [(1000 + round_number * 10 + i, True, 5) for i in range(4)]
            await asyncio.gather(
                *(
                    writer.play(players, game_id=game, question_number=round_number)
                    for writer, game in zip(writers, games, strict=True)
                )
            )
    finally:
        for engine in others:
            await engine.dispose()
    incremental = await aggregates(sessions)
    counts = dict(incremental[2])
    assert counts == {"*": 20, QuestionKind.YEAR.value: 20}
    await rebuild_aggregates(sessions)
    await open_recent_windows(sessions)
    assert await aggregates(sessions) == incremental


async def test_a_window_opened_while_an_answer_is_written_counts_it(
    sessions: Sessions, ledger: Ledger, database_url: str
) -> None:
    """PostgreSQL: a writer has summed its answer into the days and found no week window (so
    it skips the recent totals), and has not committed, when the first global week read opens
    the window and rebuilds it from the days. The read must wait for the writer, or the
    answer is missing from the global week board until the next UTC day."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    from bot.db.quiz import ledger as ledger_store

    game_id = await ledger.game(finish=False)
    answer = AnswerRecord(
        game_id=game_id, question_number=1, guild_id=GUILD, channel_id=1, user_id=7,
        kind=QuestionKind.YEAR, record_slug="oleg-gordievsky", correct=True, points=5,
        response_ms=1500, answered_at=NOW,
    )  # fmt: skip
    writer_engine = create_engine(database_url)
    summed, release = asyncio.Event(), asyncio.Event()

    async def write_then_hold() -> None:
        writer = session_factory(writer_engine)
        async with writer() as session, session.begin():
            # The ledger row, days, totals, and the FOR SHARE look at the (absent) windows.
            await session.run_sync(
                ledger_store._write_ledger, [ledger_store._ledger_values(answer)]
            )
            summed.set()
            await release.wait()  # still inside the transaction

    try:
        writing = asyncio.create_task(write_then_hold())
        await summed.wait()
        reading = asyncio.create_task(
            leaderboard(sessions, guild_id=None, period="week", kind=None, now=NOW)
        )
        # Until the read has finished or is waiting for a lock (polled, bounded).
        async with sessions() as session:
            for _ in range(500):
                waiting = await session.scalar(
                    text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                )
                await session.rollback()
                if reading.done() or waiting:
                    break
                await asyncio.sleep(0.01)
        release.set()
        await writing
        await reading
    finally:
        release.set()
        await writer_engine.dispose()
    board = await leaderboard(sessions, guild_id=None, period="week", kind=None, now=NOW)
    assert [(e.user_id, e.points) for e in board.entries] == [(7, 5)]


async def test_forgotten_answers_leave_the_ledger_and_every_aggregate(
    sessions: Sessions, ledger: Ledger
) -> None:
    await open_recent_windows(sessions)
    await play_random_games(ledger, random.Random(11))
    answers = SQLModel.metadata.tables["quiz_answers"].c
    guild_at, user_at = (
        list(answers.keys()).index("guild_id"),
        list(answers.keys()).index("user_id"),
    )
    everything = await table_rows(sessions, "quiz_answers")
    others = [row for row in everything if row[guild_at] != GUILD]
    player = next(row[user_at] for row in everything if row[guild_at] == GUILD)

    async def agree_with_a_recomputation() -> None:
        incremental = await aggregates(sessions)
        await rebuild_aggregates(sessions)
        await open_recent_windows(sessions)
        assert await aggregates(sessions) == incremental

    # One member's answers in one server.
    assert await forget_answers(sessions, guild_id=GUILD, user_id=player) > 0
    rows = await table_rows(sessions, "quiz_answers")
    assert not any(row[guild_at] == GUILD and row[user_at] == player for row in rows)
    assert any(row[guild_at] == GUILD for row in rows)
    await agree_with_a_recomputation()

    # Then the whole server: the other server's answers and boards are untouched.
    assert await forget_answers(sessions, guild_id=GUILD) > 0
    assert await table_rows(sessions, "quiz_answers") == others
    await agree_with_a_recomputation()
    board = await leaderboard(sessions, guild_id=GUILD, period="all", kind=None, now=NOW)
    assert board.entries == () and board.total_players == 0
    assert await forget_answers(sessions, guild_id=GUILD) == 0  # nothing left: a no-op


# --- leaderboards ---------------------------------------------------------------------------------


async def test_ranking_is_points_then_correct_answers_then_the_older_account(
    sessions: Sessions, ledger: Ledger
) -> None:
    await ledger.play([(30, True, 10), (20, True, 10), (10, True, 10), (40, True, 7)])
    await ledger.play([(30, False, 0), (20, True, 0), (50, True, 17)])
    # 50: 17 pts 1 correct; 20: 10 pts 2 correct; 10 and 30: 10 pts 1 correct; 40: 7 pts.
    expected = [
        LeaderboardEntry(1, 50, 17, 1, 1),
        LeaderboardEntry(2, 20, 10, 2, 2),
        LeaderboardEntry(3, 10, 10, 1, 1),
        LeaderboardEntry(4, 30, 10, 1, 2),
        LeaderboardEntry(5, 40, 7, 1, 1),
    ]
    for guild_id, period in [(GUILD, "week"), (None, "week"), (GUILD, "all"), (None, "all")]:
        board = await leaderboard(sessions, guild_id=guild_id, period=period, kind=None, now=NOW)
        assert list(board.entries) == expected, (guild_id, period)
        assert (board.total_players, board.page, board.pages) == (5, 1, 1)
        await ranks_agree(sessions, expected, guild_id=guild_id, period=period, kind=None)


async def test_week_and_month_are_whole_utc_days_up_to_now(
    sessions: Sessions, ledger: Ledger
) -> None:
    await ledger.play([(1, True, 1)], at=NOW - timedelta(days=8))
    await ledger.play([(2, True, 2)], at=NOW - timedelta(days=6, hours=15))  # first day of week
    await ledger.play([(3, True, 3)], at=NOW - timedelta(days=29, hours=15))  # first of month
    await ledger.play([(4, True, 4)], at=NOW - timedelta(days=31))
    await ledger.play([(5, True, 5)], at=NOW + timedelta(days=1))  # not yet (a clock skew)
    await ledger.play([(6, True, 6)], at=NOW.replace(hour=23, minute=59))  # later today: counts

    async def users(period: str) -> list[int]:
        board = await leaderboard(sessions, guild_id=GUILD, period=period, kind=None, now=NOW)
        return sorted(entry.user_id for entry in board.entries)

    assert await users("week") == [2, 6]
    assert await users("month") == [1, 2, 3, 6]
    assert await users("all") == [1, 2, 3, 4, 5, 6]
    assert period_start("week", NOW) == (NOW - timedelta(days=6)).date()
    assert period_start("month", NOW) == (NOW - timedelta(days=29)).date()
    assert period_start("all", NOW) is None
    assert (
        await player_rank(sessions, guild_id=GUILD, period="week", kind=None, now=NOW, user_id=1)
        is None
    )
    assert await player_rank(
        sessions, guild_id=None, period="month", kind=None, now=NOW, user_id=1
    ) == PlayerRank(4, 1)


async def test_the_kind_filter_counts_only_that_kind(sessions: Sessions, ledger: Ledger) -> None:
    await ledger.play([(1, True, 10), (2, True, 3)], kind=QuestionKind.YEAR)
    await ledger.play([(2, True, 9), (3, False, 0)], kind=QuestionKind.WHO)
    for period in ("week", "all"):
        for guild_id in (GUILD, None):
            board = await leaderboard(
                sessions, guild_id=guild_id, period=period, kind=QuestionKind.WHO, now=NOW
            )
            assert [(e.user_id, e.points) for e in board.entries] == [(2, 9), (3, 0)]
            everything = await leaderboard(
                sessions, guild_id=guild_id, period=period, kind=None, now=NOW
            )
            assert [(e.user_id, e.points) for e in everything.entries] == [
                (2, 12),
                (1, 10),
                (3, 0),
            ]
    assert (
        await player_rank(sessions, guild_id=None, period="all", kind="who", now=NOW, user_id=1)
        is None
    )
    empty = await leaderboard(sessions, guild_id=GUILD, period="week", kind="method", now=NOW)
    assert (empty.entries, empty.total_players, empty.pages) == ((), 0, 1)


async def test_a_guild_board_counts_only_that_guild(sessions: Sessions, ledger: Ledger) -> None:
    await ledger.play([(1, True, 10), (2, True, 8)], guild_id=GUILD)
    await ledger.play([(2, True, 7), (3, True, 9)], guild_id=OTHER_GUILD)

    async def board(guild_id: int | None) -> list[tuple[int, int]]:
        page = await leaderboard(sessions, guild_id=guild_id, period="week", kind=None, now=NOW)
        return [(e.user_id, e.points) for e in page.entries]

    assert await board(GUILD) == [(1, 10), (2, 8)]
    assert await board(OTHER_GUILD) == [(3, 9), (2, 7)]
    assert await board(None) == [(2, 15), (1, 10), (3, 9)]
    assert await board(12345) == []


async def test_pages_and_the_rank_of_someone_off_the_first_page(
    sessions: Sessions, ledger: Ledger
) -> None:
    # 25 players; player p has 100 - p points, so the rank of p is p.
    for start in range(1, 26, 5):
        await ledger.play([(p, True, 100 - p) for p in range(start, start + 5)])
    for guild_id, period in [(GUILD, "month"), (None, "week"), (None, "all")]:
        pages = [
            await leaderboard(
                sessions, guild_id=guild_id, period=period, kind=None, now=NOW, page=page
            )
            for page in (1, 2, 3)
        ]
        assert [(p.page, p.pages, p.total_players) for p in pages] == [
            (1, 3, 25),
            (2, 3, 25),
            (3, 3, 25),
        ]
        assert [e.rank for p in pages for e in p.entries] == list(range(1, 26))
        assert [e.user_id for p in pages for e in p.entries] == list(range(1, 26))
        past_the_end = await leaderboard(
            sessions, guild_id=guild_id, period=period, kind=None, now=NOW, page=9
        )
        assert past_the_end == pages[2]
        before_the_start = await leaderboard(
            sessions, guild_id=guild_id, period=period, kind=None, now=NOW, page=0
        )
        assert before_the_start == pages[0]
        small = await leaderboard(
            sessions, guild_id=guild_id, period=period, kind=None, now=NOW, page=4, page_size=7
        )
        assert (small.pages, [e.rank for e in small.entries]) == (4, [22, 23, 24, 25])
        rank = await player_rank(
            sessions, guild_id=guild_id, period=period, kind=None, now=NOW, user_id=17
        )
        assert rank == PlayerRank(17, 83)
    with pytest.raises(ValueError):
        await leaderboard(sessions, guild_id=GUILD, period="week", kind=None, now=NOW, page_size=0)
    with pytest.raises(ValueError):
        await leaderboard(sessions, guild_id=GUILD, period="year", kind=None, now=NOW)


async def test_player_rank_agrees_with_the_board_everywhere(
    sessions: Sessions, ledger: Ledger
) -> None:
    rng = random.Random(11)
    for _ in range(25):
        at = NOW - timedelta(days=rng.randrange(45), hours=rng.randrange(24))
        guild_id = rng.choice([GUILD, OTHER_GUILD])
        await ledger.play(
            [
                (p, (c := rng.random() < 0.5), rng.choice([5, 10]) if c else 0)
                for p in rng.sample(range(1, 15), 5)
            ],
            guild_id=guild_id,
            at=at,
            kind=rng.choice([QuestionKind.YEAR, QuestionKind.METHOD]),
        )
    scopes: list[int | None] = [GUILD, None]
    for scope, period, kind in itertools.product(
        scopes, ["week", "month", "all"], [None, QuestionKind.YEAR]
    ):
        board = await leaderboard(
            sessions, guild_id=scope, period=period, kind=kind, now=NOW, page_size=100
        )
        keys = [(-e.points, -e.correct, e.user_id) for e in board.entries]
        assert keys == sorted(keys)
        await ranks_agree(sessions, board.entries, guild_id=scope, period=period, kind=kind)


async def test_global_week_and_month_stay_right_as_answers_arrive_and_days_pass(
    sessions: Sessions, ledger: Ledger
) -> None:
    """The global week and month boards read ``quiz_recent_totals`` (kept up to date by the
    writes, rebuilt on the first read of a new UTC day, bypassed for reads about the past);
    whatever path a read takes, it must equal a plain recomputation from the answers."""
    rng = random.Random(8)
    played: list[tuple[int, datetime, QuestionKind, bool, int]] = []

    async def play(count: int, around: datetime) -> None:
        for _ in range(count):
            at = around - timedelta(days=rng.randrange(-2, 35), hours=rng.randrange(24))
            kind = rng.choice([QuestionKind.YEAR, QuestionKind.WHO])
            answers = [
                (user, (c := rng.random() < 0.6), rng.randrange(1, 11) if c else 0)
                for user in rng.sample(range(1, 30), 4)
            ]
            await ledger.play(answers, guild_id=rng.choice([GUILD, OTHER_GUILD]), at=at, kind=kind)
            played.extend((user, at, kind, correct, points) for user, correct, points in answers)

    def expected(
        period: str, kind: QuestionKind | None, now: datetime
    ) -> list[tuple[int, int, int, int, int]]:
        first = period_start(period, now)
        sums: dict[int, list[int]] = {}
        for user, at, answer_kind, correct, points in played:
            if first is not None and not first <= at.date() <= now.date():
                continue
            if kind is not None and answer_kind is not kind:
                continue
            row = sums.setdefault(user, [0, 0, 0])
            row[0] += points
            row[1] += correct
            row[2] += 1
        order = sorted(sums.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [(i, user, p, c, a) for i, (user, (p, c, a)) in enumerate(order, start=1)]

    async def check(now: datetime) -> None:
        for period in ("week", "month"):
            for kind in (None, QuestionKind.WHO):
                board = await leaderboard(
                    sessions, guild_id=None, period=period, kind=kind, now=now, page_size=100
                )
                want = expected(period, kind, now)
                assert [tuple(entry) for entry in board.entries] == want, (period, kind, now)
                assert board.total_players == len(want)
                for rank, user, points, *_ in want[::5]:
                    assert await player_rank(
                        sessions, guild_id=None, period=period, kind=kind, now=now, user_id=user
                    ) == (rank, points)
                assert (
                    await player_rank(
                        sessions, guild_id=None, period=period, kind=kind, now=now, user_id=999
                    )
                    is None
                )

    await play(10, NOW)
    await check(NOW)  # builds the windows
    await play(10, NOW)  # answers added to the windows as they are written
    await check(NOW)
    tomorrow = NOW + timedelta(days=1)
    await check(tomorrow)  # the first read of a new day moves the windows
    await play(6, tomorrow)
    await check(tomorrow)
    await check(NOW - timedelta(days=10))  # the past: summed from the days
    await check(tomorrow)
    windows = await table_rows(sessions, "quiz_recent_windows")
    assert windows == [
        ("month", (tomorrow - timedelta(days=29)).date(), tomorrow.date()),
        ("week", (tomorrow - timedelta(days=6)).date(), tomorrow.date()),
    ]


# --- player statistics ----------------------------------------------------------------------------


async def test_player_stats_with_streaks_across_games(sessions: Sessions, ledger: Ledger) -> None:
    me = BIG_ID
    day = NOW - timedelta(days=3)
    # Game 1 (won): right, right, wrong, right.  Game 2: right, right, right.  Game 3 in another
    # guild: right, wrong. Answer order: R R W R | R R R | R W -> best 5, current 0.
    year, who, method = QuestionKind.YEAR, QuestionKind.WHO, QuestionKind.METHOD
    plan = [
        (GUILD, [(year, True), (year, True), (who, False), (year, True)]),
        (GUILD, [(who, True), (method, True), (year, True)]),
        (OTHER_GUILD, [(who, True), (who, False)]),
    ]
    game_ids = []
    for g, (guild_id, questions) in enumerate(plan):
        start = day + timedelta(hours=g)
        game_id = await ledger.game(guild_id=guild_id, started_at=start, finish=False)
        game_ids.append(game_id)
        for number, (kind, correct) in enumerate(questions, start=1):
            await ledger.play(
                [(me, correct, 10 if correct else 0), (42, True, 1)],
                guild_id=guild_id,
                at=start + timedelta(minutes=number),
                kind=kind,
                game_id=game_id,
                question_number=number,
            )
    await finish_game(sessions, game_id=game_ids[0], reason="completed", winner_id=me, ended_at=day)
    await finish_game(sessions, game_id=game_ids[1], reason="completed", winner_id=42, ended_at=day)

    stats = await player_stats(sessions, user_id=me, guild_id=None, now=NOW)
    assert (stats.games_played, stats.wins) == (3, 1)
    assert (stats.answers, stats.correct, stats.points) == (9, 7, 70)
    assert stats.accuracy == pytest.approx(7 / 9)
    assert stats.average_response_ms == 1500
    assert (stats.best_streak, stats.current_streak) == (5, 0)
    by_kind = {k.kind: (k.answers, k.correct, k.points) for k in stats.kinds}
    assert by_kind == {
        QuestionKind.YEAR: (4, 4, 40),
        QuestionKind.WHO: (4, 2, 20),
        QuestionKind.METHOD: (1, 1, 10),
    }
    assert [k.kind for k in stats.kinds] == [
        QuestionKind.YEAR,
        QuestionKind.METHOD,
        QuestionKind.WHO,
    ]
    # YEAR and WHO both have 4 answers: the first in QuestionKind order is the favourite.
    assert stats.favourite_kind is QuestionKind.YEAR
    # No kind has HARDEST_KIND_MIN_ANSWERS answers yet.
    assert HARDEST_KIND_MIN_ANSWERS == 5
    assert stats.hardest_kind is None

    here = await player_stats(sessions, user_id=me, guild_id=GUILD, now=NOW)
    assert (here.games_played, here.wins, here.answers, here.correct) == (2, 1, 7, 6)
    assert (here.best_streak, here.current_streak) == (4, 4)

    # One more WHO answer makes WHO (2 of 5 right) the hardest kind.
    await ledger.play([(me, False, 0)], at=NOW - timedelta(hours=1), kind=QuestionKind.WHO)
    later = await player_stats(sessions, user_id=me, guild_id=None, now=NOW)
    assert later.hardest_kind is QuestionKind.WHO
    assert later.favourite_kind is QuestionKind.WHO

    # As of before any of it: nothing.
    before = await player_stats(sessions, user_id=me, guild_id=None, now=day - timedelta(days=1))
    assert (before.answers, before.games_played, before.wins, before.best_streak) == (0, 0, 0, 0)
    assert (before.accuracy, before.average_response_ms, before.favourite_kind) == (
        None,
        None,
        None,
    )


def test_streaks() -> None:
    assert streaks([]) == (0, 0)
    assert streaks([True, True, False, True]) == (2, 1)
    assert streaks([False, True, True, True]) == (3, 3)


# --- games ----------------------------------------------------------------------------------------


async def test_a_game_runs_then_finishes_once(sessions: Sessions) -> None:
    async def another_game(started_at: datetime) -> int:
        """Another member's game in the same channel."""
        return await create_game(
            sessions,
            guild_id=BIG_ID,
            channel_id=BIG_ID - 1,
            starter_id=3,
            mode=Mode.BUTTONS,
            kinds=[QuestionKind.WHO],
            rounds=5,
            started_at=started_at,
        )

    started = datetime(2026, 11, 28, 17, 0, tzinfo=timezone(timedelta(hours=2)))
    game_id = await create_game(
        sessions,
        guild_id=BIG_ID,
        channel_id=BIG_ID - 1,
        starter_id=BIG_ID - 2,
        mode="typed",
        kinds=[QuestionKind.WHO, "year"],
        rounds=5,
        started_at=started,
    )
    running = await running_game_in_channel(sessions, channel_id=BIG_ID - 1)
    assert running is not None and running.running
    assert (running.id, running.guild_id, running.starter_id) == (game_id, BIG_ID, BIG_ID - 2)
    assert (running.mode, running.kinds, running.rounds) == (
        Mode.TYPED,
        (QuestionKind.WHO, QuestionKind.YEAR),
        5,
    )
    assert running.started_at == started and running.started_at.tzinfo is UTC
    assert [g.id for g in await running_games(sessions)] == [game_id]

    with pytest.raises(GameAlreadyRunning) as refused:
        await another_game(started)
    assert isinstance(refused.value, UserFacingError)

    ended = started + timedelta(minutes=4)
    assert await finish_game(
        sessions, game_id=game_id, reason=EndReason.TARGET_REACHED, winner_id=BIG_ID, ended_at=ended
    )
    assert not await finish_game(
        sessions, game_id=game_id, reason=EndReason.STOPPED, winner_id=None, ended_at=NOW
    )
    game = await get_game(sessions, game_id=game_id)
    assert game is not None and not game.running
    assert (game.end_reason, game.winner_id, game.ended_at) == (
        EndReason.TARGET_REACHED,
        BIG_ID,
        ended,
    )
    assert game.ended_at is not None and game.ended_at.tzinfo is UTC
    assert await running_game_in_channel(sessions, channel_id=BIG_ID - 1) is None
    assert await running_games(sessions) == []
    # The channel is free again.
    await another_game(NOW)
    with pytest.raises(UnknownGame):
        await finish_game(sessions, game_id=424242, reason="stopped", winner_id=None, ended_at=NOW)
    assert await get_game(sessions, game_id=424242) is None


async def test_games_interrupted_by_a_restart_are_closed(sessions: Sessions) -> None:
    def guild_on_shard(shard: int, n: int) -> int:
        return ((1_000_000 + n) * 2 + shard) << 22

    ids = {}
    for channel, guild_id in [
        (11, guild_on_shard(0, 1)),
        (12, guild_on_shard(1, 2)),
        (13, guild_on_shard(0, 3)),
    ]:
        ids[channel] = await create_game(
            sessions,
            guild_id=guild_id,
            channel_id=channel,
            starter_id=1,
            mode="buttons",
            kinds=["year"],
            rounds=3,
            started_at=NOW - timedelta(minutes=10),
        )
    await finish_game(
        sessions,
        game_id=ids[13],
        reason="completed",
        winner_id=1,
        ended_at=NOW - timedelta(minutes=1),
    )
    assert shard_of(guild_on_shard(1, 2), 2) == 1

    # A process running shard 0 of 2 closes only its own games.
    closed = await close_interrupted_games(sessions, now=NOW, shard_count=2, shard_ids=[0])
    assert closed == [InterruptedGame(ids[11], guild_on_shard(0, 1), 11)]
    assert [g.id for g in await running_games(sessions)] == [ids[12]]
    closed = await close_interrupted_games(sessions, now=NOW)
    assert closed == [(ids[12], guild_on_shard(1, 2), 12)]
    assert await close_interrupted_games(sessions, now=NOW) == []

    for channel in (11, 12):
        game = await get_game(sessions, game_id=ids[channel])
        assert game is not None
        assert (game.end_reason, game.winner_id, game.ended_at) == (
            EndReason.INTERRUPTED,
            None,
            NOW,
        )
    finished = await get_game(sessions, game_id=ids[13])
    assert finished is not None and finished.end_reason is EndReason.COMPLETED


# --- guild settings -------------------------------------------------------------------------------


async def test_guild_settings_default_then_change_and_reset(sessions: Sessions) -> None:
    defaults = await get_guild_settings(sessions, guild_id=GUILD)
    assert defaults == GuildQuizSettings()
    assert (defaults.default_rounds, defaults.seconds_per_question, defaults.mode) == (
        10,
        20,
        Mode.BUTTONS,
    )
    assert (defaults.allowed_channel_ids, defaults.reveal_answers, defaults.updated_at) == (
        (),
        True,
        None,
    )
    assert defaults.allows_channel(123)

    changed_at = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    settings = await update_guild_settings(
        sessions, guild_id=GUILD, now=changed_at, default_rounds=15, mode="typed"
    )
    assert (settings.default_rounds, settings.mode, settings.seconds_per_question) == (
        15,
        Mode.TYPED,
        20,
    )
    assert settings.updated_at == changed_at and settings.updated_at.tzinfo is UTC
    settings = await update_guild_settings(
        sessions,
        guild_id=GUILD,
        now=NOW,
        seconds_per_question=5,
        allowed_channel_ids=[BIG_ID, 7, BIG_ID],
        reveal_answers=False,
    )
    assert settings == GuildQuizSettings(
        default_rounds=15,
        seconds_per_question=5,
        mode=Mode.TYPED,
        allowed_channel_ids=(BIG_ID, 7),
        reveal_answers=False,
        updated_at=NOW,
    )
    assert await get_guild_settings(sessions, guild_id=GUILD) == settings
    assert settings.allows_channel(7) and not settings.allows_channel(8)
    assert await get_guild_settings(sessions, guild_id=OTHER_GUILD) == GuildQuizSettings()

    # An empty list allows every channel again.
    settings = await update_guild_settings(
        sessions, guild_id=GUILD, now=NOW, allowed_channel_ids=[]
    )
    assert settings.allowed_channel_ids == () and settings.allows_channel(8)
    assert await update_guild_settings(sessions, guild_id=GUILD) == settings  # nothing to change

    assert await reset_guild_settings(sessions, guild_id=GUILD) == GuildQuizSettings()
    assert await get_guild_settings(sessions, guild_id=GUILD) == GuildQuizSettings()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"default_rounds": 0}, "1 to 50 rounds"),
        ({"default_rounds": 51}, "1 to 50 rounds"),
        ({"default_rounds": True}, "1 to 50 rounds"),
        ({"seconds_per_question": 4}, "5 to 120 seconds"),
        ({"seconds_per_question": 121}, "5 to 120 seconds"),
        ({"mode": "voice"}, "`buttons` or `typed`"),
        ({"allowed_channel_ids": list(range(1, 27))}, "at most 25 channels"),
        ({"allowed_channel_ids": [0]}, "channel ids"),
        ({"allowed_channel_ids": [2**64]}, "channel ids"),
        ({"reveal_answers": "yes"}, "on or off"),
        ({"default_rounds": 12, "seconds_per_question": 500}, "5 to 120 seconds"),
    ],
)
async def test_invalid_guild_settings_are_refused_and_change_nothing(
    sessions: Sessions, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidGuildSettings, match=message) as refused:
        await update_guild_settings(sessions, guild_id=GUILD, now=NOW, **changes)
    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value, InvalidInput)
    assert message in refused.value.message
    assert await get_guild_settings(sessions, guild_id=GUILD) == GuildQuizSettings()


async def test_at_most_25_channels_is_fine(sessions: Sessions) -> None:
    settings = await update_guild_settings(
        sessions, guild_id=GUILD, now=NOW, allowed_channel_ids=list(range(1, 26))
    )
    assert len(settings.allowed_channel_ids) == 25


# --- fixtures' own checks -------------------------------------------------------------------------


async def test_the_ledger_fixture_leaves_no_running_games(
    sessions: Sessions, ledger: Ledger
) -> None:
    await ledger.play([(1, True, 1)])
    assert await running_games(sessions) == []


def test_new_ledger_rows_are_summed_by_runs_of_consecutive_ids() -> None:
    from types import SimpleNamespace

    from bot.db.quiz.ledger import _id_runs

    rows = [SimpleNamespace(id=i) for i in (7, 3, 4, 5, 9, 10)]
    assert [[r.id for r in run] for run in _id_runs(rows)] == [[3, 4, 5], [7], [9, 10]]
    assert _id_runs([]) == []
