"""The services a running bot holds, built once in ``DefectorBot.setup_hook``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.services.daily import DailyService
from bot.services.lookup import LookupService
from bot.services.pictures import PictureService
from bot.services.privacy import PrivacyService
from bot.services.quiz import QuizService
from bot.services.reports import ReportService


@dataclass
class Services:
    lookup: LookupService
    quiz: QuizService
    search_timeout: float = 180.0
    """Seconds a search list stays usable before its components are disabled."""
    pictures: PictureService = field(default_factory=PictureService)
    daily: DailyService | None = None
    privacy: PrivacyService | None = None
    reports: ReportService | None = None


class HasServices(Protocol):
    """What the UI layer needs from the client (``interaction.client``)."""

    services: Services
