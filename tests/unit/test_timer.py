"""The timer stops after the jobs it is running, instead of cancelling them mid-transaction."""

import asyncio
from datetime import UTC, datetime

from bot.scheduler import build_scheduler


async def test_a_running_job_finishes_before_the_timer_stops() -> None:
    timer = build_scheduler()
    started, finished = asyncio.Event(), asyncio.Event()

    async def sweep() -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    timer.add_job(sweep, next_run_time=datetime.now(UTC))
    timer.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await timer.stop(timeout=5)
    assert finished.is_set()
    assert not timer.running


async def test_stopping_a_timer_that_never_started_is_harmless() -> None:
    await build_scheduler().stop(timeout=1)
