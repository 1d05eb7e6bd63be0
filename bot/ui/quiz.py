"""Quiz rendering: question, result and standings embeds; answer and leaderboard buttons.

custom ids (stable, so clicks after a restart get an answer, never silence):
* ``quiz:<game id>:<question number>:<choice index>`` — answer a question;
* ``lb:<s|g>:<w|m|a>:<kind|all>:<page>:<p|n>`` — turn a leaderboard page.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import discord

from bot.quiz.game import (
    JOIN_WINDOW,
    AnswerOutcome,
    CloseReason,
    EndReason,
    GameResult,
    GameSettings,
    Mode,
    QuestionResult,
)
from bot.quiz.model import Question, QuestionKind
from bot.quiz.order import letters, order_points, pairs, pairs_right
from bot.records import HARDEST_KIND_MIN_ANSWERS, LeaderboardPage, Period, PlayerRank, PlayerStats
from bot.services.leaderboard import LeaderboardQuery, Scope, Viewer
from bot.services.quiz import START_OVER, OrderPick, RunningGame, Saved, ordinal
from bot.ui.cards import COLOUR
from bot.ui.components import (
    CardButton,
    page_button,
    run_safely,
    services_of,
    show_page,
    stateless_view,
)
from bot.ui.text import clip, plural

KIND_TITLES = {
    QuestionKind.YEAR: "Year",
    QuestionKind.ORIGIN_COUNTRY: "Country left",
    QuestionKind.BIRTH_COUNTRY: "Country of birth",
    QuestionKind.DESTINATION_COUNTRY: "Destination",
    QuestionKind.METHOD: "How they got out",
    QuestionKind.WHO: "Who did this?",
    QuestionKind.ORDER: "Chronology",
}
END_WORDS = {
    EndReason.COMPLETED: "All rounds played.",
    EndReason.TARGET_REACHED: "The score target was reached.",
    EndReason.STOPPED: "The quiz was stopped.",
    EndReason.INACTIVE: "The quiz ended: nobody answered for a while.",
    EndReason.EXHAUSTED: "The quiz ran out of fresh questions.",
    EndReason.INTERRUPTED: "The quiz was interrupted.",
}
SAVED_LOCALLY = (
    "The database is unavailable: these points are saved on the bot's disk and reach the "
    "leaderboard when it returns."
)
NOT_SAVED = (
    "The database and the bot's disk both refuse writes: these points are not saved yet. "
    "They are written if the database returns before the bot stops; otherwise they are lost."
)
PERIOD_WORDS = {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def timestamp(moment: datetime | None, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>" if moment else "soon"


def points(count: int) -> str:
    return plural(count, "point")


STANDINGS_SHOWN = 3
"""How many players a question's result ranks by name."""


# -- the rules, in words (every number read from GameSettings.points) -------------------------


def hint_cost(settings: GameSettings) -> str:
    """What a hint costs, e.g. "−3 points on every answer given after it"."""
    if settings.hint_cost == 0:
        return "free"
    return f"−{points(settings.hint_cost)} on every answer given after it"


def order_rule(settings: GameSettings) -> str:
    """How a chronology question scores (in a game that asks them)."""
    if QuestionKind.ORDER not in settings.kinds:
        return ""
    how = "typed as letters like “BDAC”" if settings.mode is Mode.TYPED else "clicked in order"
    return f". Chronology: one order each, {how}; {order_share(settings)}"


def order_share(settings: GameSettings) -> str:
    """How a chronology order scores, with an example read from the scoring rule."""
    full = settings.points(elapsed=0, hints_seen=0)
    near = order_points(full, "ABDC", "ABCD")  # one neighbouring pair swapped: 5 of 6
    return (
        "full points only for the exact order, else a share for the pairs in the right "
        f"order (5 of the 6 pairs: {near} of {points(full)}, rounded down)"
    )


def mode_rule(settings: GameSettings) -> str:
    """How answers score in ``settings.mode``."""
    return _mode_rule(settings) + order_rule(settings)


def join_rule(settings: GameSettings | None = None) -> str:
    """How long a buttons question waits for newcomers: the number for ``settings``, or the
    rule itself (the game's :data:`JOIN_WINDOW` cap) where the question's length is not known,
    as in /help, where one number would be wrong for every other length."""
    if settings is not None:
        return f"not in its first {settings.join_window:g} s"
    return f"not before a quarter of its time has passed, or {JOIN_WINDOW:g} s if that comes sooner"


def _mode_rule(settings: GameSettings, *, any_length: bool = False) -> str:
    fastest = settings.points(elapsed=0, hints_seen=0)
    if settings.mode is Mode.TYPED:
        return (
            f"Typed: the first right message in the channel wins {points(fastest)}; "
            "others may keep guessing until then"
        )
    slowest = settings.points(elapsed=settings.seconds_per_question, hints_seen=0)
    return (
        f"Buttons: one click each; every right answer scores, {points(fastest)} at once "
        f"down to {points(slowest)} at the last second; the question closes early once "
        f"everyone playing has answered ({join_rule(None if any_length else settings)}, so "
        "others can join)"
    )


def hint_rule(settings: GameSettings, *, both_modes: bool = False) -> str:
    """What a hint costs, and who may take one (the starter or a moderator, as the service
    says; in buttons mode not after their own click)."""
    who = "the starter or a moderator"
    if both_modes:
        who += "; with buttons, before their own click"
    elif settings.mode is Mode.BUTTONS:
        who += ", before their own click"
    if settings.hint_cost == 0:
        return f"Hints (/quiz hint, for {who}) are free"
    floor = settings.points(elapsed=settings.seconds_per_question, hints_seen=99)
    return (
        f"A hint (/quiz hint, for {who}) takes {points(settings.hint_cost)} off every "
        f"answer given after it; a right answer still earns at least {points(floor)}"
    )


def scoring_rules(settings: GameSettings) -> str:
    """The scoring rules of one game, for its announcement."""
    return f"{mode_rule(settings)}. {hint_rule(settings)}."


def all_scoring_rules(settings: GameSettings) -> str:
    """The scoring rules of both modes (``settings`` gives the defaults), for /help: a rule
    that depends on the question's length is said as the rule, not as the default's number."""
    buttons, typed = replace(settings, mode=Mode.BUTTONS), replace(settings, mode=Mode.TYPED)
    chronology = (
        "\nChronology (kinds: order): one order each, clicked in order or typed as letters "
        f"like “BDAC”; {order_share(typed)}."
    )
    return (
        f"{_mode_rule(buttons, any_length=True)}.\n{_mode_rule(typed)}."
        + chronology
        + f"\n{hint_rule(buttons, both_modes=True)}."
    )


# -- questions -------------------------------------------------------------------------------


def start_announcement(running: RunningGame) -> str:
    """The public message a new game begins with: its size, its timing, how to answer,
    who started it and how it scores."""
    settings = running.settings
    how = "click a button" if settings.mode is Mode.BUTTONS else "type your answer"
    # The players are told of a score target, or a game ends early with no warning.
    target = settings.score_target
    until = "" if target is None else f"; it ends once someone has {points(target)}"
    return (
        f"Quiz #{running.id}: {plural(settings.rounds, 'question')}, "
        f"{int(settings.seconds_per_question)} s each{until}; {how}. "
        f"Started by {mention(running.starter_id)}.\n"
        f"Scoring: {scoring_rules(settings)}"
    )


def status_text(running: RunningGame, viewer_id: int) -> str:
    """``/quiz status``: the game, its open question's deadline, the leader and the viewer."""
    game = running.game
    leader = game.standings()[:1]
    lines = [
        f"Quiz #{running.id} started by {mention(running.starter_id)}",
        f"Question {game.question_number} of {running.settings.rounds} · "
        f"{running.settings.mode.value}",
    ]
    if running.deadline_wall and game.current is not None:
        lines.append(f"This question closes {timestamp(running.deadline_wall)}")
    if leader and leader[0][1] > 0:
        lines.append(f"Leading: {mention(leader[0][0])} with {points(leader[0][1])}")
    standings = game.standings()
    if (
        running.settings.mode is Mode.BUTTONS
        and viewer_id in game.locked_in
        and viewer_id not in dict(standings)
    ):
        # A first answer is locked in but not scored yet: "not answered" would be untrue.
        lines.append("Your answer to this question is locked in; it counts when it closes.")
    else:
        lines.append(own_standing(standings, viewer_id))
    return "\n".join(lines)


def question_embed(
    running: RunningGame, question: Question, *, closed: bool = False
) -> discord.Embed:
    """The question; ``closed``: as it reads once answers are no longer taken (the result
    follows in its own message)."""
    number, rounds = running.game.question_number, running.settings.rounds
    embed = discord.Embed(
        title=f"Question {number} of {rounds} · {KIND_TITLES[question.kind]}",
        description=clip(question.prompt, 4096),
        colour=COLOUR,
    )
    closes = (
        "Closed: the answer is below." if closed else f"Closes {timestamp(running.deadline_wall)}"
    )
    if question.kind is QuestionKind.ORDER:
        how = (
            "Type the letters in order, earliest first (like “BDAC”); one try each"
            if running.settings.mode is Mode.TYPED
            else "Click them in order, earliest first; the last one is placed for you"
        )
        embed.add_field(name=how, value=closes, inline=False)
    elif running.settings.mode is Mode.TYPED:
        embed.add_field(name="Type your answer in this channel", value=closes, inline=False)
    else:
        embed.add_field(name="Pick one", value=closes, inline=False)
    footer = f"Difficulty {'●' * question.difficulty}{'○' * (3 - question.difficulty)}"
    if question.hints_for(typed=running.settings.mode is Mode.TYPED):
        footer += f" · Hint: /quiz hint ({hint_cost(running.settings)})"
    embed.set_footer(text=footer)
    return embed


def question_view(
    running: RunningGame, question: Question, *, disabled: bool = False
) -> discord.ui.View:
    view = stateless_view()
    if running.settings.mode is not Mode.BUTTONS:
        return view
    number = running.game.question_number
    ordered = question.kind is QuestionKind.ORDER
    marks = letters(len(question.choices))
    for index, label in enumerate(question.choice_labels):
        shown = f"{marks[index]} · {label}" if ordered else label
        view.add_item(AnswerButton(running.id, number, index, shown, disabled=disabled))
    if ordered:
        view.add_item(
            AnswerButton(running.id, number, START_OVER, "↺ Start over", disabled=disabled)
        )
    return view


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:(?P<game>\d{1,20}):(?P<number>\d{1,3}):(?P<choice>\d)",
):
    def __init__(
        self, game_id: int, number: int, choice: int, label: str = "?", *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:{game_id}:{number}:{choice}",
                disabled=disabled,
            )
        )
        self.game_id, self.number, self.choice = game_id, number, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> AnswerButton:  # fmt: skip
        return cls(int(match["game"]), int(match["number"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def answer() -> None:
            quiz = services_of(interaction).quiz
            pick = quiz.order_pick(
                channel_id=interaction.channel_id,
                game_id=self.game_id,
                number=self.number,
                user_id=interaction.user.id,
                choice=self.choice,
                event_id=interaction.id,
            )
            if pick is not None and pick.outcome is AnswerOutcome.DUPLICATE_EVENT:
                return
            if pick is not None and pick.outcome is None:
                await interaction.response.send_message(order_progress(pick), ephemeral=True)
                return
            if pick is not None:
                outcome = pick.outcome
            else:
                outcome = quiz.click(
                    channel_id=interaction.channel_id,
                    game_id=self.game_id,
                    number=self.number,
                    user_id=interaction.user.id,
                    choice=self.choice,
                    event_id=interaction.id,
                )
            if outcome is AnswerOutcome.LOCKED_IN:
                where = (interaction.channel_id, self.game_id, self.number)
                if quiz.waits_only_for_newcomers(*where):
                    text = (
                        "Locked in. Everyone playing has answered: the results come in a "
                        "few seconds, once others have had a chance to join."
                    )
                elif quiz.is_open(*where):
                    text = "Locked in. Results when the question closes."
                else:
                    text = "Locked in. Everyone playing has answered: the results are coming."
                if pick is not None:
                    text = f"Your order: {', '.join(pick.picked)}. {text}"
            elif outcome is AnswerOutcome.DUPLICATE_EVENT:
                return
            else:
                text = "You have already answered this question; your first answer stands."
            await interaction.response.send_message(text, ephemeral=True)

        await run_safely(interaction, self.custom_id, answer())


def order_progress(pick: OrderPick) -> str:
    """A member's chronology order so far, for a reply only they see."""
    if not pick.picked:
        return "Your order is cleared: click who went first."
    placed = ", ".join(f"{ordinal(i)} {mark}" for i, mark in enumerate(pick.picked, start=1))
    return f"So far: {placed}. Click who went {ordinal(len(pick.picked) + 1)}."


# -- results ---------------------------------------------------------------------------------


def result_embed(running: RunningGame, result: QuestionResult) -> discord.Embed:
    question = result.question
    ordered = question.kind is QuestionKind.ORDER
    if ordered:
        right = ", ".join(str(question.answer))
    else:
        right = (
            question.label(question.answer)
            if question.answer in question.choices
            else str(question.answer)
        )
    if question.kind is QuestionKind.METHOD:
        right = right[0].lower() + right[1:]  # "the answer was during a tour…"
    typed = running.settings.mode is Mode.TYPED
    title = f"Question {result.number}: " + (
        f"the {'order' if ordered else 'answer'} was {right}" if running.reveal else "closed"
    )
    embed = discord.Embed(
        title=clip(title, 256), description=close_note(result, typed=typed) or None, colour=COLOUR
    )
    if ordered and running.reveal:
        embed.add_field(name="In order", value=clip(order_lines(question), 1024), inline=False)
    scorers = sorted(result.scorers, key=lambda a: (a.response_time, a.player_id))
    heading = "Got it"
    if ordered:  # partial credit: most points first, and not all of them "got it"
        scorers.sort(key=lambda a: -a.points)
        heading = "Scored"
    if scorers:
        lines = [
            scorer_line(a.player_id, a.points, a.response_time)
            + (order_note(a.value, str(question.answer)) if ordered else "")
            for a in scorers[:15]
        ]
        if len(scorers) > 15:
            lines.append(f"…and {len(scorers) - 15} more")
        embed.add_field(name=heading, value=clip("\n".join(lines), 1024), inline=False)
    else:
        nobody = "Nobody answered." if not result.awards else "Nobody this time."
        embed.add_field(name=heading, value=nobody, inline=False)
    if result.standings:
        embed.add_field(name="Standings", value=short_standings(result.standings), inline=False)
    if running.reveal and not ordered:  # a chronology's source words are its years, above
        embed.add_field(
            name="From the source",
            value=clip(question.explanation_for(typed=typed), 1024),
            inline=False,
        )
    if scorers:
        saved = running.saved.get(result.number)
        if saved is Saved.JOURNALED:
            embed.set_footer(text=SAVED_LOCALLY)
        elif saved is Saved.UNSAVED:
            embed.add_field(name="⚠️ Not saved", value=NOT_SAVED, inline=False)
    return embed


def order_lines(question: Question) -> str:
    """Each person of a chronology question with their year, earliest first."""
    marks = letters(len(question.choices))
    by_mark = dict(zip(marks, zip(question.choices, question.years, strict=True), strict=True))
    return "\n".join(
        f"{i}. **{mark}** {by_mark[mark][0]}: {by_mark[mark][1]}"
        for i, mark in enumerate(str(question.answer), start=1)
    )


def order_note(given: str, answer: str) -> str:
    """How close a chronology order was: " · BDCA, 5 of 6 pairs"."""
    return f" · {given}, {pairs_right(given, answer)} of {pairs(len(answer))} pairs"


def close_note(result: QuestionResult, *, typed: bool = False) -> str:
    """Why a question closed, when it was not its time running out (or a typed winner).
    Typed mode has no lock-in: a right guess closes the question at once, so a question
    closed any other way had no right answer to count."""
    counted = " Answers locked in before it count." if result.awards and not typed else ""
    return {
        CloseReason.ALL_ANSWERED: "Closed early: everyone playing had answered.",
        CloseReason.SKIPPED: "Skipped." + counted,
        CloseReason.STOPPED: "The quiz was stopped." + counted,
        CloseReason.INACTIVE: "Closed: nobody answered for a while." + counted,
        CloseReason.INTERRUPTED: "Interrupted." + counted,
    }.get(result.reason, "")


def scorer_line(player_id: int, gained: int, seconds: float) -> str:
    """A scorer, as "<@id> +10 (2.3 s)"."""
    return f"{mention(player_id)} +{gained} ({seconds:.1f} s)"


def winner_line(result: QuestionResult) -> str | None:
    """Typed: who got it, for the channel ("✅ <@id> +10 (2.3 s)"); None if nobody did."""
    # The right answer that closed it: in a chronology round, partial orders typed before
    # it also score, so the first scorer is not necessarily the winner.
    award = next((a for a in result.scorers if a.correct), None)
    if result.reason is not CloseReason.ANSWERED or award is None:
        return None
    return f"✅ {scorer_line(award.player_id, award.points, award.response_time)}"


def standing_line(rank: int, player_id: int, total: int) -> str:
    return f"{rank}. {mention(player_id)} · {points(total)}"


def short_standings(standings: tuple[tuple[int, int], ...]) -> str:
    """The top of a game's standings and how many others play, for a public message (whose
    reader is unknown, so no "your rank")."""
    lines = [
        standing_line(rank, player, total)
        for rank, (player, total) in enumerate(standings[:STANDINGS_SHOWN], start=1)
    ]
    others = len(standings) - STANDINGS_SHOWN
    if others > 0:
        lines.append(f"…and {plural(others, 'other player')}")
    return "\n".join(lines)


def own_standing(standings: tuple[tuple[int, int], ...], player_id: int) -> str:
    """A member's place in a game, for a reply only they see."""
    for rank, (player, total) in enumerate(standings, start=1):
        if player == player_id:
            return f"You are #{rank} of {len(standings)} with {points(total)}."
    return "You have not answered in this quiz yet."


def learn_more_view(question: Question) -> discord.ui.View:
    view = stateless_view()
    if question.people:  # chronology: a card for each of the four, earliest first as listed
        marks = letters(len(question.choices))
        for mark in str(question.answer):
            i = marks.index(mark)
            name = question.choices[i]
            view.add_item(CardButton(question.people[i], f"Learn more: {name}", private=True))
        return view
    view.add_item(
        CardButton(question.subject_slug, f"Learn more: {question.subject}", private=True)
    )
    return view


def standings_embed(running: RunningGame, result: GameResult) -> discord.Embed:
    embed = discord.Embed(title="Quiz over", description=END_WORDS[result.reason], colour=COLOUR)
    if result.winner is not None:
        embed.add_field(name="Winner", value=f"🏆 {mention(result.winner)}", inline=False)
    lines = [
        standing_line(rank, player, total)
        for rank, (player, total) in enumerate(result.standings[:10], start=1)
        if result.winner is not None  # else everyone has 0: "Nobody scored."
    ]
    if lines and len(result.standings) > 10:
        lines.append(f"…and {plural(len(result.standings) - 10, 'other player')}")
    embed.add_field(name="Standings", value="\n".join(lines) or "Nobody scored.", inline=False)
    embed.set_footer(
        text=f"{plural(result.questions_asked, 'question')} · /leaderboard for the rankings"
    )
    return embed


# -- leaderboards and stats ---------------------------------------------------------------------


def leaderboard_embed(
    board: LeaderboardPage, query: LeaderboardQuery, viewer_rank: PlayerRank | None
) -> discord.Embed:
    kind, period, server = query.kind, query.period, query.scope is Scope.SERVER
    where = "this server" if server else "every server"
    what = KIND_TITLES[kind] if kind else "all questions"
    embed = discord.Embed(
        title=f"Leaderboard · {where} · {PERIOD_WORDS[period]}",
        description=f"Kind: {what}",
        colour=COLOUR,
    )
    lines = [
        f"{e.rank}. {mention(e.user_id)} · **{points(e.points)}** · {e.correct}/{e.answers} right"
        for e in board.entries
    ]
    when = "" if period is Period.ALL else f" {PERIOD_WORDS[period]}"
    asked = f"a “{KIND_TITLES[kind]}” question" if kind else "a quiz question"
    on = "on this server" if server else "on any server"
    nobody = f"Nobody has answered {asked} {on}{when} yet."
    embed.add_field(name="Ranking", value=clip("\n".join(lines) or nobody, 1024), inline=False)
    mine = (
        f"#{viewer_rank.rank} with {points(viewer_rank.points)}."
        if viewer_rank
        else f"You have not answered {asked} {on}{when} yet."
    )
    embed.add_field(name="Your rank", value=mine, inline=False)
    embed.set_footer(
        text=f"Page {board.page} of {board.pages} · {plural(board.total_players, 'player')} · "
        "ties: more correct answers, then the older account"
    )
    return embed


class LeaderboardButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"lb:(?P<query>{LeaderboardQuery.PATTERN}):(?P<dir>[pn])",
):
    """A page turn: the query of the page it leads to, encoded in its custom id (decoded
    on the click, where a query no longer valid gets an answer in words)."""

    def __init__(self, query: str, direction: str, *, disabled: bool = False) -> None:
        super().__init__(page_button(direction, f"lb:{query}:{direction}", disabled=disabled))
        self.query, self.direction = query, direction

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> LeaderboardButton:  # fmt: skip
        return cls(match["query"], match["dir"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def turn() -> None:
            query = LeaderboardQuery.decode(self.query)
            embed, view = await leaderboard_message(interaction, query)
            await show_page(interaction, embed, view)

        await run_safely(interaction, self.custom_id, turn())


async def leaderboard_message(
    interaction: discord.Interaction[Any], query: LeaderboardQuery
) -> tuple[discord.Embed, discord.ui.View]:
    """The leaderboard as ``interaction.user`` sees it (their own rank included)."""
    services = services_of(interaction)
    viewer = Viewer(interaction.user.id, interaction.guild_id)
    board, rank = await services.quiz.board(query, viewer)
    embed = leaderboard_embed(board, query, rank)
    privacy = services.privacy
    if rank is None and privacy is not None and await privacy.hidden(interaction.user.id):
        note = "You are hidden from the leaderboards (`/privacy show` to come back)."
        embed.set_field_at(1, name="You", value=f"{mention(interaction.user.id)}: {note}")
    return embed, leaderboard_view(query.on_page(board.page), board.pages)


def leaderboard_view(query: LeaderboardQuery, pages: int) -> discord.ui.View:
    """◀ and ▶ for the page ``query`` shows, of ``pages``."""
    page = query.page
    view = stateless_view()
    previous, following = query.on_page(max(page - 1, 1)), query.on_page(min(page + 1, pages))
    view.add_item(LeaderboardButton(previous.encode(), "p", disabled=page <= 1))
    view.add_item(LeaderboardButton(following.encode(), "n", disabled=page >= pages))
    return view


def stats_embed(stats: PlayerStats, *, scope: str) -> discord.Embed:
    embed = discord.Embed(
        title="Quiz stats", description=f"{mention(stats.user_id)} · {scope}", colour=COLOUR
    )
    accuracy = f"{stats.accuracy:.0%}" if stats.accuracy is not None else "—"
    average = (
        f"{stats.average_response_ms / 1000:.1f} s"
        if stats.average_response_ms is not None
        else "—"
    )
    embed.add_field(name="Games", value=f"{stats.games_played} played · {stats.wins} won")
    embed.add_field(name="Answers", value=f"{stats.correct}/{stats.answers} right ({accuracy})")
    embed.add_field(name="Points", value=str(stats.points))
    embed.add_field(name="Average time", value=average)
    embed.add_field(
        name="Streaks", value=f"best {stats.best_streak} · current {stats.current_streak}"
    )
    per_kind = [
        f"{KIND_TITLES[k.kind]}: {k.correct}/{k.answers} ({k.accuracy:.0%})" for k in stats.kinds
    ]
    embed.add_field(name="By kind", value="\n".join(per_kind) or "—", inline=False)
    favourite = KIND_TITLES[stats.favourite_kind] if stats.favourite_kind else "—"
    embed.add_field(name="Favourite", value=favourite)
    # Hardest counts only kinds with enough answers to mean something; say so rather than
    # name a kind another one plainly beats.
    if stats.hardest_kind:
        embed.add_field(
            name=f"Hardest (of kinds with {HARDEST_KIND_MIN_ANSWERS}+ answers)",
            value=KIND_TITLES[stats.hardest_kind],
        )
    return embed


QUIZ_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (AnswerButton, LeaderboardButton)
