"""/privacy through the local Discord: hide and show on every board, delete after a
confirmation bound to the member, and boards and stats equal to a recomputation afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.db import daily as daily_store
from bot.db.quiz import leaderboards as board_store
from bot.db.quiz import ledger as ledger_store
from bot.db.quiz import stats as stats_store
from bot.records import Period
from bot.sandbox.model import Message
from bot.services.clock import ManualClock
from tests.e2e.helpers import (
    ADMIN,
    ALICE,
    BORIS,
    CHANNEL,
    GUILD,
    OTHER_CHANNEL,
    OTHER_GUILD,
    World,
    open_world,
)
from tests.e2e.test_daily import configure, daily, daily_post, next_day_at, post_of, press
from tests.e2e.test_quiz import choice_index, final_message, question_message, start, tick

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def play_one_round(world: World, clock: ManualClock, right: list[int], wrong: list[int],
                         *, guild: int = GUILD, channel: int = CHANNEL) -> None:  # fmt: skip
    await start(
        world,
        {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"},
        user=right[0],
        guild=guild,
        channel=channel,
    )
    first = await question_message(world, 1, channel)
    assert world.bot is not None
    question = world.bot.services.quiz.games[channel].game.current
    assert question is not None
    for user in right:
        await press(world, first, choice_index(question, True), user)
    for user in wrong:
        await press(world, first, choice_index(question, False), user)
    await tick(clock, 10.5)
    await final_message(world, channel)


async def boards(world: World) -> list[Any]:
    """Every board and rank the bot can show, read from the store."""
    sessions = world.bot.services.quiz.sessions  # type: ignore[union-attr]
    now = world.bot.services.quiz.clock.wall()  # type: ignore[union-attr]
    seen: list[Any] = []
    for guild in (GUILD, OTHER_GUILD, None):
        for period in Period:
            board = await board_store.leaderboard(
                sessions, guild_id=guild, period=period, kind=None, now=now
            )
            seen.append((guild, period, board.entries, board.total_players))
            for user in (ADMIN, ALICE, BORIS):
                rank = await board_store.player_rank(
                    sessions, guild_id=guild, period=period, kind=None, now=now, user_id=user
                )
                seen.append((guild, period, user, rank))
    for user in (ADMIN, ALICE, BORIS):
        for guild in (GUILD, None):
            seen.append(
                await stats_store.player_stats(sessions, user_id=user, guild_id=guild, now=now)
            )
    return seen


async def text_of(world: World, command: str, options: dict[str, Any], user: int) -> Message:
    return await world.reply(await world.slash(command, options, user=user))


async def test_hide_show_and_delete(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        await play_one_round(world, clock, [ALICE, ADMIN], [BORIS])
        await play_one_round(world, clock, [ALICE], [], guild=OTHER_GUILD, channel=OTHER_CHANNEL)
        # A daily question answered right, and its day closed: Alice has a streak.
        await configure(world, {"channel": CHANNEL, "time": "09:00"})
        await next_day_at(world, clock, 3600)
        question = await daily_post(world, "Thu 3 Dec 2026")
        post = await post_of(world, question)
        await press(world, question, int(post.question["answer_index"]), ALICE)
        await next_day_at(world, clock, 24 * 3600)
        await daily_post(world, "Fri 4 Dec 2026")

        board = await text_of(world, "leaderboard", {}, BORIS)
        assert f"<@{ALICE}>" in board.embed_text() and "3 players" in board.embed_text()

        hidden = await text_of(world, "privacy hide", {}, ALICE)
        assert hidden.ephemeral and hidden.content.startswith("You are now hidden")
        for options in ({}, {"scope": "global"}, {"scope": "global", "period": "week"},
                        {"ranking": "daily streaks"}):  # fmt: skip
            shown = (await text_of(world, "leaderboard", options, BORIS)).embed_text()
            assert f"<@{ALICE}>" not in shown, (options, shown)
        assert "2 players" in (await text_of(world, "leaderboard", {}, BORIS)).embed_text()
        # Ranks close up behind her: the admin, second before, is first now.
        admin_view = (await text_of(world, "leaderboard", {}, ADMIN)).embed_text()
        assert "Your rank: #1 with" in admin_view
        # She still plays and her own stats still work.
        stats = (await text_of(world, "quiz stats", {"everywhere": True}, ALICE)).embed_text()
        assert "2/2 right" in stats
        own = (await text_of(world, "leaderboard", {}, ALICE)).embed_text()
        assert "You are hidden from the leaderboards" in own and "#1" not in own
        again = await text_of(world, "privacy hide", {}, ALICE)
        assert again.content.startswith("You were already hidden")
        back = await text_of(world, "privacy show", {}, ALICE)
        assert back.content.startswith("You are back")
        assert f"<@{ALICE}>" in (await text_of(world, "leaderboard", {}, BORIS)).embed_text()

        # Delete: a confirmation only she can give, and only for 5 minutes.
        ask = await text_of(world, "privacy delete", {}, ALICE)
        assert ask.ephemeral and "every server" in ask.embed_text()
        go = next(b for b in ask.buttons() if b.label == "Delete my data")
        assert go.custom_id is not None
        # Boris cannot give it for her, even with her button's id on a message he can see.
        carrier = question
        button = {"type": 2, "style": 4, "label": "Delete my data", "custom_id": go.custom_id}
        carrier.components = [{"type": 1, "components": [button]}]
        forged = await world.reply(await world.server.click(carrier.id, go.custom_id, BORIS))
        assert forged.ephemeral and "Only the member who asked" in forged.content
        await clock.advance(301)
        expired = await world.reply(await world.server.click(ask.id, go.custom_id, ALICE))
        assert "expired" in expired.content
        sessions = daily(world).sessions
        assert await daily_store.stored_about(sessions, user_id=ALICE) > 0

        ask = await text_of(world, "privacy delete", {}, ALICE)
        go = next(b for b in ask.buttons() if b.label == "Delete my data")
        assert go.custom_id is not None
        done = await world.server.click(ask.id, go.custom_id, ALICE)
        await done.wait_for_response(timeout=5)
        finished = await world.wait_for(
            lambda m: m.id == ask.id and "Your data is deleted" in m.embed_text()
        )
        assert "Deleted 2 quiz answers and 1 daily answer, in every server" in (
            finished.embed_text().replace("\n", " ")
        )
        assert await daily_store.stored_about(sessions, user_id=ALICE) == 0
        assert await daily_store.streak(sessions, guild_id=GUILD, user_id=ALICE) == (0, 0)
        stats = (await text_of(world, "quiz stats", {"everywhere": True}, ALICE)).embed_text()
        assert "0/0 right" in stats and "0 won" in stats

        # Every board and every player's figures equal a recomputation from the ledger.
        before = await boards(world)
        await ledger_store.rebuild_aggregates(sessions)
        assert await boards(world) == before
        for item in before:
            if isinstance(item, tuple) and len(item) == 4 and isinstance(item[2], tuple):
                assert ALICE not in [entry.user_id for entry in item[2]]
            if isinstance(item, tuple) and len(item) == 4 and item[2] == ALICE:
                assert item[3] is None  # no rank anywhere


async def test_a_hidden_members_stats_are_theirs_alone(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        await play_one_round(world, clock, [BORIS], [ALICE])
        shown = await text_of(world, "quiz stats", {"member": BORIS}, ALICE)
        assert "1/1 right" in shown.embed_text()
        await text_of(world, "privacy hide", {}, BORIS)
        for options in ({"member": BORIS}, {"member": BORIS, "everywhere": True}):
            refused = await text_of(world, "quiz stats", options, ALICE)
            assert refused.ephemeral and refused.embeds == [] and not refused.attachments
            assert refused.content == "boris keeps their quiz stats private."
        own = await text_of(world, "quiz stats", {"member": BORIS}, BORIS)
        assert "1/1 right" in own.embed_text()
        await text_of(world, "privacy show", {}, BORIS)
        assert (
            "1/1 right"
            in (await text_of(world, "quiz stats", {"member": BORIS}, ALICE)).embed_text()
        )


async def test_bots_have_no_stats(tmp_path: Path, database_url: str) -> None:
    async with open_world(tmp_path, database_url) as world:
        refused = await text_of(world, "quiz stats", {"member": world.server.bot_user_id}, ALICE)
        assert refused.ephemeral and refused.content == "Bots don't play quizzes."
        assert refused.embeds == [] and not refused.attachments
