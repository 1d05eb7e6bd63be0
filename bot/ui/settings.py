"""How a server's quiz settings read: ``/quizconfig`` replies and the refusal of ``/quiz start``
in a channel the rules keep quizzes out of.

The channel rule (``GuildQuizSettings.allows_channel``): if the allowed list is non-empty,
quizzes run only in those channels; channels on the deny list never.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.records import ChannelRuleChange, GuildQuizSettings
from bot.ui.cards import COLOUR


def _channels(channel_ids: tuple[int, ...]) -> str:
    return ", ".join(f"<#{c}>" for c in channel_ids)


def where_quizzes_run(config: GuildQuizSettings) -> str:
    """``everywhere``, ``only in #a, #b``, ``everywhere except #c``, or both lists."""
    allowed, denied = config.allowed_channel_ids, config.denied_channel_ids
    if allowed and denied:
        return f"only in {_channels(allowed)}; never in {_channels(denied)}"
    if allowed:
        return f"only in {_channels(allowed)}"
    if denied:
        return f"everywhere except {_channels(denied)}"
    return "everywhere"


def settings_embed(config: GuildQuizSettings) -> discord.Embed:
    embed = discord.Embed(title="Quiz settings", colour=COLOUR)
    embed.add_field(name="Rounds", value=str(config.default_rounds))
    embed.add_field(name="Seconds per question", value=str(config.seconds_per_question))
    embed.add_field(name="Mode", value=config.mode.value)
    embed.add_field(name="Reveal answers", value="yes" if config.reveal_answers else "no")
    embed.add_field(name="Quizzes", value=where_quizzes_run(config), inline=False)
    return embed


def refusal(config: GuildQuizSettings, channel_id: int) -> str:
    """Why ``/quiz start`` cannot run in ``channel_id``, and where it can."""
    if config.allowed_channel_ids:  # then the deny list changes nothing today
        where = f"only in {_channels(config.allowed_channel_ids)}"
    else:
        where = f"everywhere except {_channels(config.denied_channel_ids)}"
    return (
        f"Quizzes can't run in <#{channel_id}> on this server: they run {where}. "
        "An admin can change that with `/quizconfig channel`."
    )


def channel_rule_note(
    change: ChannelRuleChange,
    channel_id: int,
    *,
    allowed: bool,
    running: Sequence[int] = (),
) -> str:
    """What ``/quizconfig channel`` did, in a sentence or two (the embed shows the rest);
    ``running``: the channels where a quiz runs now (one the change blocks plays on)."""
    note = _what_changed(change, channel_id, allowed=allowed)
    blocked = tuple(c for c in running if not change.after.allows_channel(c))
    if change.changed and blocked:
        quizzes = "The quiz" if len(blocked) == 1 else "The quizzes"
        note += (
            f" {quizzes} running in {_channels(blocked)} can finish; no new one will start there."
        )
    return note


def _what_changed(change: ChannelRuleChange, channel_id: int, *, allowed: bool) -> str:
    before, after = change.before, change.after
    here = f"<#{channel_id}>"
    now = f"Quizzes now run {where_quizzes_run(after)}."
    if not change.changed:
        if allowed:
            return f"Nothing changed: {here} is already on the allowed list. {now}"
        return f"Nothing changed: quizzes are already kept out of {here}. {now}"
    if allowed:
        if not before.allowed_channel_ids and after.allowed_channel_ids:
            return (
                f"Saved. {now} Allow more channels the same way; quizzes stay out of every "
                "channel that is not on the allowed list."
            )
        if channel_id in before.denied_channel_ids and channel_id not in after.allowed_channel_ids:
            return f"Saved: {here} is no longer kept out. {now}"
        return f"Saved. {now}"
    if before.allowed_channel_ids and not after.allowed_channel_ids:
        return (
            f"Saved. {here} was the last allowed channel, so there is no allowed list any more: "
            f"every channel is open again, except the denied ones. {now}"
        )
    return f"Saved. {now}"
