"""/quizconfig reset: settings back to the defaults, and scores deleted after a confirmation
that only the admin who asked can give, in the server it was asked in, for five minutes."""

from __future__ import annotations

import pytest

from bot.sandbox import CommandNotPermitted
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
)
from tests.e2e.test_outage import FlakySessions
from tests.e2e.test_quiz import (
    choice_index,
    final_message,
    game_in,
    press,
    question_message,
    result_message,
    start,
    tick,
)


async def play_one_question(
    world: World, clock: ManualClock, answers: dict[int, bool], *, guild: int, channel: int
) -> None:
    """A one-question buttons game in ``channel``; ``answers``: member -> right or wrong. The
    admin starts it and does not answer, so it runs its full time (no early close)."""
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"},
                user=ADMIN, guild=guild, channel=channel)  # fmt: skip
    asked = await question_message(world, 1, channel)
    question = game_in(world, channel).game.current
    assert question is not None
    for user, right in answers.items():
        await press(world, asked, choice_index(question, right), user)
    await tick(clock, 10.5)
    await result_message(world, 1, channel)
    await final_message(world, channel)


async def board(world: World, *, guild: int = GUILD, scope: str = "server") -> str:
    channel = CHANNEL if guild == GUILD else OTHER_CHANNEL
    shown = await world.reply(
        await world.slash("leaderboard", {"scope": scope}, user=ADMIN, guild=guild, channel=channel)
    )
    return shown.embed_text()


async def ask_for_reset(world: World, options: dict[str, object] | None = None) -> Message:
    asked = await world.reply(
        await world.slash("quizconfig reset", {"what": "scores", **(options or {})}, user=ADMIN)
    )
    assert asked.ephemeral and "cannot be undone" in asked.embed_text()
    assert [b.label for b in asked.buttons()] == ["Delete scores", "Cancel"]
    return asked


async def settled(world: World, message_id: int, title: str) -> Message:
    """The confirmation once the bot has edited it to ``title`` (it says "Deleting scores…"
    while it works)."""

    def edited() -> Message | None:
        message = world.server.message(message_id)
        if message and message.embeds and message.embeds[0].get("title") == title:
            return message
        return None

    return await world.server.wait_for(edited, 5)


async def test_reset_scores_deletes_this_servers_answers_after_confirmation(
    world: World, clock: ManualClock
) -> None:
    await play_one_question(world, clock, {ALICE: True, BORIS: False}, guild=GUILD, channel=CHANNEL)
    await play_one_question(world, clock, {ALICE: True}, guild=OTHER_GUILD, channel=OTHER_CHANNEL)
    assert f"<@{ALICE}>" in await board(world)

    asked = await ask_for_reset(world)
    assert f"<@{ALICE}>" in await board(world)  # asking deletes nothing
    await world.click(asked, "Delete scores", user=ADMIN)
    done = await settled(world, asked.id, "Scores deleted")
    assert done.buttons() == []
    assert "Deleted 2 of this server's answers." in done.embed_text()

    assert f"<@{ALICE}>" not in await board(world)
    # The other server keeps its answers, and the global board now counts only those.
    assert f"<@{ALICE}>" in await board(world, guild=OTHER_GUILD)
    here = await world.reply(await world.slash("quiz stats", {}, user=ALICE))
    assert "Games: 0 played · 0 won" in here.embed_text()
    assert "Answers: 0/0 right" in here.embed_text()
    everywhere = await world.reply(
        await world.slash("quiz stats", {"everywhere": True}, user=ALICE)
    )
    assert "Games: 1 played · 1 won" in everywhere.embed_text()
    assert "Answers: 1/1 right" in everywhere.embed_text()


async def test_reset_one_members_scores(world: World, clock: ManualClock) -> None:
    await play_one_question(world, clock, {ALICE: True, BORIS: True}, guild=GUILD, channel=CHANNEL)
    asked = await ask_for_reset(world, {"member": BORIS})
    assert f"<@{BORIS}>'s answers" in asked.embed_text()
    await world.click(asked, "Delete scores", user=ADMIN)
    done = await settled(world, asked.id, "Scores deleted")
    assert f"Deleted 1 of <@{BORIS}>'s answers." in done.embed_text()
    shown = await board(world)
    assert f"<@{ALICE}>" in shown and f"<@{BORIS}>" not in shown


async def test_cancel_and_expiry_delete_nothing(world: World, clock: ManualClock) -> None:
    await play_one_question(world, clock, {ALICE: True}, guild=GUILD, channel=CHANNEL)
    asked = await ask_for_reset(world)
    await world.click(asked, "Cancel", user=ADMIN)
    cancelled = world.server.message(asked.id)
    assert cancelled is not None and "nothing was deleted" in cancelled.content

    late = await ask_for_reset(world)
    await clock.advance(301)
    refused = await world.reply(await world.click(late, "Delete scores", user=ADMIN))
    assert refused.ephemeral and "expired" in refused.content
    assert f"<@{ALICE}>" in await board(world)


async def test_a_confirmation_needs_manage_server_when_clicked(
    world: World, clock: ManualClock
) -> None:
    await play_one_question(world, clock, {ALICE: True}, guild=GUILD, channel=CHANNEL)
    asked = await ask_for_reset(world)
    # Before the admin confirms, the server changes hands and their roles lose every
    # permission: the click is checked again and refused.
    guild = world.server.guilds[GUILD]
    guild.owner_id = BORIS
    for role_id in guild.member_roles.get(ADMIN, []):
        guild.roles[role_id].permissions = 0
    refused = await world.reply(await world.click(asked, "Delete scores", user=ADMIN))
    assert refused.ephemeral and "Manage Server" in refused.content
    assert f"<@{ALICE}>" in await board(world)


async def test_a_forged_confirmation_is_refused(world: World, clock: ManualClock) -> None:
    await play_one_question(world, clock, {ALICE: True}, guild=GUILD, channel=CHANNEL)
    carrier = await final_message(world)
    far = int(clock.wall().timestamp()) + 200
    # A confirmation id put on a public message (as an old message could carry it), clicked
    # by a member without Manage Server, and by an admin who did not ask for it.
    for user, issuer, refusal in [
        (BORIS, BORIS, "Manage Server"),
        (ADMIN, BORIS, "Only the member who asked"),
    ]:
        custom_id = f"reset:go:{GUILD}:0:{issuer}:{far}"
        button = {"type": 2, "style": 4, "label": "Delete scores", "custom_id": custom_id}
        carrier.components = [{"type": 1, "components": [button]}]
        answer = await world.reply(await world.server.click(carrier.id, custom_id, user))
        assert answer.ephemeral and refusal in answer.content
    assert f"<@{ALICE}>" in await board(world)


async def test_a_confirmation_only_resets_the_server_it_was_asked_in(
    world: World, clock: ManualClock
) -> None:
    await play_one_question(world, clock, {ALICE: True}, guild=OTHER_GUILD, channel=OTHER_CHANNEL)
    carrier = await final_message(world, OTHER_CHANNEL)
    asked = await world.reply(
        await world.slash("quizconfig reset", {"what": "scores"}, user=ADMIN)
    )  # in GUILD, by an admin of both servers
    go = next(b.custom_id for b in asked.buttons() if b.label == "Delete scores")
    assert go is not None and f":{GUILD}:" in go
    # The same custom id on a message of the other server, clicked there by the same admin.
    button = {"type": 2, "style": 4, "label": "Delete scores", "custom_id": go}
    carrier.components = [{"type": 1, "components": [button]}]
    answer = await world.reply(await world.server.click(carrier.id, go, ADMIN))
    assert answer.ephemeral and "belongs to another server" in answer.content
    assert f"<@{ALICE}>" in await board(world, guild=OTHER_GUILD)


async def test_reset_needs_manage_server_even_when_discord_shows_it(world: World) -> None:
    with pytest.raises(CommandNotPermitted):  # Discord hides it from plain members
        await world.server.slash(GUILD, CHANNEL, BORIS, "quizconfig reset", {"what": "scores"})
    # An admin lets everyone see /quizconfig (Server Settings > Integrations): the bot checks
    # again when it runs.
    for command in world.server.commands[None]:
        if command["name"] == "quizconfig":
            command.pop("default_member_permissions", None)
    for what in ("scores", "settings"):
        refused = await world.reply(
            await world.slash("quizconfig reset", {"what": what}, user=BORIS)
        )
        assert refused.ephemeral and "Manage Server" in refused.content


async def test_reset_settings(world: World) -> None:
    await world.reply(await world.slash("quizconfig set", {"rounds": 7}, user=ADMIN))
    reset = await world.reply(
        await world.slash("quizconfig reset", {"what": "settings"}, user=ADMIN)
    )
    assert reset.ephemeral and "back to the defaults" in reset.content
    assert "Rounds: 10" in reset.embed_text()
    refused = await world.reply(
        await world.slash("quizconfig reset", {"what": "settings", "member": ALICE}, user=ADMIN)
    )
    assert refused.ephemeral and "leave out the member" in refused.content


async def test_a_reset_during_a_database_outage_deletes_nothing_and_says_so(
    world: World, clock: ManualClock
) -> None:
    await play_one_question(world, clock, {ALICE: True}, guild=GUILD, channel=CHANNEL)
    asked = await ask_for_reset(world)
    assert world.bot is not None
    quiz = world.bot.services.quiz
    flaky = FlakySessions(quiz.sessions)
    quiz.sessions = flaky  # type: ignore[assignment]
    flaky.down = True
    clicked = await world.click(asked, "Delete scores", user=ADMIN)
    told = await world.server.wait_for_message(
        lambda m: m.ephemeral and "try again shortly" in m.content, timeout=5
    )
    assert told.channel_id == CHANNEL and clicked.callbacks
    shown = await settled(world, asked.id, "Scores not deleted")
    assert "Nothing was deleted" in shown.embed_text()
    flaky.down = False
    assert f"<@{ALICE}>" in await board(world)
