"""The tree's central error path: what the member is told and what the log says."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from discord import app_commands

from bot import client as client_module
from bot.client import DefectorTree


async def _on_error(error: app_commands.AppCommandError) -> mock.AsyncMock:
    command = SimpleNamespace(qualified_name="quizconfig reset")
    interaction: Any = SimpleNamespace(command=command)
    reply = mock.AsyncMock()
    with mock.patch.object(client_module, "reply_error", reply):
        await DefectorTree.on_error(mock.Mock(), interaction, error)
    return reply


async def test_database_outage_logs_the_command_by_name(caplog: pytest.LogCaptureFixture) -> None:
    command: Any = mock.Mock()
    error = app_commands.CommandInvokeError(command, ConnectionRefusedError(111, "refused"))
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        await _on_error(error)
    message = caplog.records[-1].getMessage()
    assert "/quizconfig reset" in message
    assert "object at 0x" not in message
