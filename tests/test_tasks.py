"""``cancel_and_wait`` ends a task even when its first cancellation is swallowed."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.tasks import cancel_and_wait, stop_within


async def test_a_swallowed_cancellation_is_repeated() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed:  # the second one is obeyed
                    raise
                swallowed += 1  # as a client library that lost it would

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await cancel_and_wait(task, again_after=0.05)
    assert task.cancelled() and swallowed == 1


async def test_the_task_s_own_error_is_raised() -> None:
    async def failing() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="boom"):
        await cancel_and_wait(task)


async def test_stop_within_lets_tasks_end_then_cancels_the_rest() -> None:
    stop = asyncio.Event()

    async def obedient() -> str:
        await stop.wait()
        return "done"

    async def deaf() -> None:
        await asyncio.sleep(3600)  # never looks at ``stop``

    polite, stuck = asyncio.create_task(obedient()), asyncio.create_task(deaf())
    await asyncio.sleep(0)
    stop.set()
    async with asyncio.timeout(5):
        await stop_within([polite, stuck], 0.2)
    assert polite.result() == "done"  # ended on its own, not cancelled
    assert stuck.cancelled()


async def test_stop_within_ends_every_task_before_raising_the_first_error() -> None:
    async def failing() -> None:
        raise RuntimeError("boom")

    async def deaf() -> None:
        await asyncio.sleep(3600)

    broken, stuck = asyncio.create_task(failing()), asyncio.create_task(deaf())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="boom"):
        await stop_within([broken, stuck], 0.1)
    assert stuck.cancelled()
