"""Small asyncio helpers the bot's long-lived tasks share."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Task[Any]) -> None:
    """Cancel ``tasks`` and wait until every one has ended, without eating our own cancellation.

    ``task.cancel(); with suppress(CancelledError): await task`` cannot tell the task's
    cancellation from one aimed at the caller while it waits: the caller's is passed on to the
    task (cutting its clean-up short a second time) and then suppressed, so the caller carries
    on as if never cancelled. ``asyncio.wait`` raises the caller's own cancellation and leaves
    the tasks to finish. A task that ended with an error of its own (not its cancellation) has
    it raised here once all have ended, as awaiting it would.
    """
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
