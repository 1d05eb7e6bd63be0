"""Reporting a bad question: the 🚩 button on every result, its modal, and the listing of a
server's reports for its admins.

custom ids:
* ``report:<fingerprint>`` — open the report modal for that question (works after a
  restart: the bot stores the questions it showed when it shuts down, and finds them by
  fingerprint);
* ``report:<fingerprint>:m`` — the modal itself;
* ``reports:<page>:<p|n>`` — turn a page of ``/quizconfig reports`` (Manage Server).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.errors import NotPermitted
from bot.quiz.report import MAX_NOTE_CHARS, REASON_LABELS, Reason
from bot.services.reports import ReportedQuestion, ReportPage, ReportService
from bot.ui.cards import COLOUR
from bot.ui.components import page_button, run_safely, services_of, stateless_view
from bot.ui.text import clip, plural

REASON_FIELD = "reason"
NOTE_FIELD = "note"
KIND_WORDS = {
    "year": "Year",
    "origin_country": "Country left",
    "birth_country": "Country of birth",
    "destination_country": "Destination",
    "method": "How they got out",
    "who": "Who did this?",
    "order": "Chronology",
}


def reports_of(interaction: discord.Interaction[Any]) -> ReportService:
    reports = services_of(interaction).reports
    if reports is None:
        raise NotPermitted("Reports are not available here.")
    return reports


class ReportButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"report:(?P<key>[0-9a-f]{12})",
):
    def __init__(self, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report", emoji="🚩", style=discord.ButtonStyle.secondary,
                custom_id=f"report:{key}",
            )
        )  # fmt: skip
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> ReportButton:  # fmt: skip
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def open_modal() -> None:
            if interaction.guild_id is None:
                raise NotPermitted("Questions are reported in the server they were asked in.")
            modal = ReportModal(self.key)
            modal.stop()  # not kept in memory: submit_report files it, after a restart too
            await interaction.response.send_modal(modal)

        await run_safely(interaction, self.custom_id, open_modal())


class ReportModal(discord.ui.Modal):
    """What is wrong (a select) and an optional note (shown only to the server's admins and
    the bot's operators)."""

    def __init__(self, key: str) -> None:
        super().__init__(title="Report this question", custom_id=f"report:{key}:m", timeout=900)
        self.key = key
        self.reason: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=REASON_FIELD,
            placeholder="Choose one",
            options=[
                discord.SelectOption(label=label, value=reason.value)
                for reason, label in REASON_LABELS.items()
            ],
            min_values=1,
            max_values=1,
            required=True,
        )
        self.note: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=NOTE_FIELD,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_NOTE_CHARS,
            placeholder="What should it say? (optional)",
        )
        self.add_item(discord.ui.Label(text="What is wrong?", component=self.reason))
        self.add_item(
            discord.ui.Label(
                text="Details",
                description="Only this server's admins and the bot's operators see this.",
                component=self.note,
            )
        )


REPORT_MODAL = re.compile(r"report:(?P<key>[0-9a-f]{12}):m")
"""The modal's custom id. Its submission is handled from ``on_interaction`` (the modal is
sent stopped, not kept in memory), so a report submitted after a restart is still filed."""


def _fields(components: Any) -> dict[str, Any]:
    """Each field of a submitted modal by custom id: a text input's value, a select's values."""
    found: dict[str, Any] = {}
    for item in components if isinstance(components, list) else []:
        if not isinstance(item, dict):
            continue
        for child in (item.get("component"), *(item.get("components") or [])):
            if isinstance(child, dict) and isinstance(child.get("custom_id"), str):
                found[child["custom_id"]] = child.get("values", child.get("value"))
    return found


async def submit_report(interaction: discord.Interaction[Any], key: str) -> None:
    """File the report a member submitted in the modal."""

    async def file() -> None:
        if interaction.guild_id is None:
            raise NotPermitted("Questions are reported in the server they were asked in.")
        data: dict[str, Any] = dict(interaction.data or {})
        fields = _fields(data.get("components"))
        reasons = fields.get(REASON_FIELD)
        reason = reasons[0] if isinstance(reasons, list) and reasons else ""
        note = fields.get(NOTE_FIELD)
        filed = await reports_of(interaction).report(
            key=key,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            reason=str(reason),
            note=note if isinstance(note, str) and note.strip() else None,
        )
        text = (
            "Thank you: your report is in. This server's admins can see it, and the bot's "
            "operators will look at it."
            if filed.new
            else "You have already reported this question; your first report stands."
        )
        await interaction.response.send_message(text, ephemeral=True)

    await run_safely(interaction, f"report modal {key}", file())


# -- the listing ------------------------------------------------------------------------------


def question_line(question: ReportedQuestion) -> str:
    return clip(f"{KIND_WORDS.get(question.kind, question.kind)} · {question.prompt}", 240)


def status(question: ReportedQuestion) -> str:
    if question.decision is not None and question.open_reports == 0:
        return f"resolved: {question.decision.value}"
    if question.withheld:
        return "withheld until resolved"
    return "open"


def reports_embed(page: ReportPage) -> discord.Embed:
    if not page.total:
        return discord.Embed(
            title="Reported questions",
            description="No question has been reported in this server.",
            colour=COLOUR,
        )
    embed = discord.Embed(
        title="Reported questions",
        description=(
            f"{plural(page.total, 'question')} reported here, open ones first. A question is "
            "withheld everywhere once enough members report it, until the bot's operators "
            "resolve it."
        ),
        colour=COLOUR,
    )
    for question in page.questions:
        lines = [
            f"Marked right: **{clip(question.answer, 200)}** · `{question.fingerprint}` · "
            f"{status(question)} · {plural(question.reporters_everywhere, 'member')} "
            "reporting it everywhere",
        ]
        if question.choices:  # a typed question showed none
            lines.append(clip("Choices: " + " · ".join(question.choices), 300))
        for report in question.reports[:5]:
            note = f": “{clip(report.note, 160)}”" if report.note else ""
            lines.append(f"• <@{report.reporter_id}> {report.reason.label}{note}")
        if len(question.reports) > 5:
            lines.append(f"…and {len(question.reports) - 5} more")
        embed.add_field(
            name=clip(question_line(question), 256), value=clip("\n".join(lines), 1024),
            inline=False,
        )  # fmt: skip
    embed.set_footer(text=f"Page {page.page} of {page.pages}")
    return embed


def reports_view(page: ReportPage) -> discord.ui.View:
    view = stateless_view()
    if page.pages > 1:
        view.add_item(ReportsPageButton(page.page - 1, "p", disabled=page.page <= 1))
        view.add_item(ReportsPageButton(page.page + 1, "n", disabled=page.page >= page.pages))
    return view


class ReportsPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reports:(?P<page>\d{1,5}):(?P<direction>[pn])",
):
    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            page_button(direction, f"reports:{max(page, 0)}:{direction}", disabled=disabled)
        )
        self.page = max(page, 1)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> ReportsPageButton:  # fmt: skip
        return cls(int(match["page"]), match["direction"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def turn() -> None:
            if interaction.guild_id is None or not interaction.permissions.manage_guild:
                raise NotPermitted("You need the Manage Server permission to read reports.")
            page = await reports_of(interaction).page(guild_id=interaction.guild_id, page=self.page)
            await interaction.response.edit_message(
                embed=reports_embed(page), view=reports_view(page),
                allowed_mentions=discord.AllowedMentions.none(),
            )  # fmt: skip

        await run_safely(interaction, self.custom_id, turn())


REPORT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ReportButton, ReportsPageButton)
__all__ = [
    "REPORT_ITEMS",
    "REPORT_MODAL",
    "Reason",
    "ReportButton",
    "ReportModal",
    "reports_embed",
    "submit_report",
]
