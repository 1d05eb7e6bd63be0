"""``cancel_and_wait``: the tasks end, their errors surface, and a cancel aimed at the
caller while it waits reaches the caller (the old ``suppress(CancelledError): await task``
swallowed it and cut the task's clean-up short)."""

from __future__ import annotations

import asyncio

import pytest

from bot.aio import cancel_and_wait


async def _slow_to_stop(
    cancelled: asyncio.Event, release: asyncio.Event, log: list[str]
) -> asyncio.Task[None]:
    """A running task whose clean-up on cancel waits for ``release`` (as closing a connection
    or writing what is pending would)."""
    started = asyncio.Event()

    async def run() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            await release.wait()
            log.append("cleaned up")
            raise

    task = asyncio.create_task(run())
    await started.wait()
    return task


async def test_the_tasks_are_cancelled_and_have_ended() -> None:
    cancelled, release, log = asyncio.Event(), asyncio.Event(), []
    release.set()
    tasks = [await _slow_to_stop(cancelled, release, log) for _ in range(3)]
    await cancel_and_wait(*tasks)
    assert all(t.cancelled() for t in tasks)
    assert log == ["cleaned up"] * 3


async def test_no_tasks_is_nothing_to_do() -> None:
    await cancel_and_wait()


async def test_a_cancel_aimed_at_the_caller_reaches_the_caller() -> None:
    cancelled, release, log = asyncio.Event(), asyncio.Event(), []
    worker = await _slow_to_stop(cancelled, release, log)
    caller = asyncio.create_task(cancel_and_wait(worker))
    await cancelled.wait()  # the caller has cancelled the worker and waits for it to end
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    # the caller's cancellation did not cut the worker's clean-up short
    assert not worker.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await worker
    assert log == ["cleaned up"]


async def test_an_error_of_a_task_surfaces_once_all_have_ended() -> None:
    async def fails() -> None:
        raise LookupError("boom")

    cancelled, release, log = asyncio.Event(), asyncio.Event(), []
    failing = asyncio.create_task(fails())
    await asyncio.wait({failing})  # it has ended with its error before the stop
    slow = await _slow_to_stop(cancelled, release, log)
    stopper = asyncio.create_task(cancel_and_wait(failing, slow))
    await cancelled.wait()
    assert not stopper.done()  # the error waits for the slow task to end
    release.set()
    with pytest.raises(LookupError, match="boom"):
        await stopper
    assert slow.cancelled() and log == ["cleaned up"]
