"""The local Discord's REST API (``RestApi``), its route handlers split by area."""

from bot.sandbox.rest.api import RestApi
from bot.sandbox.rest.base import Req, Response

__all__ = ["Req", "Response", "RestApi"]
