"""The timer: APScheduler runs the periodic work; the database holds what is owed.

APScheduler 3 keeps its jobs in memory here (never a shared job store), so
each process has its own timer and all the work it triggers is claimed in the
database: running two processes sends nothing twice.
"""

import asyncio
from collections.abc import Awaitable, Callable

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger


class Timer(AsyncIOScheduler):
    """APScheduler's asyncio scheduler that can stop after the jobs it is running.

    Its own shutdown cancels running coroutine jobs (it cannot wait for them), which
    would cut a reminder sweep or a digest off mid-transaction while the database is
    being closed.
    """

    def __init__(self) -> None:
        self.executor = AsyncIOExecutor()
        super().__init__(executors={"default": self.executor},
                         job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    async def stop(self, timeout: float) -> None:
        """No new runs; wait up to `timeout` seconds for the running ones; then shut down."""
        if not self.running:
            return
        self.pause()
        # APScheduler 3's AsyncIOExecutor keeps the tasks of running coroutine jobs there.
        running = [job for job in getattr(self.executor, "_pending_futures", ()) if not job.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)
        self.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop


def build_scheduler() -> Timer:
    return Timer()


def every(scheduler: AsyncIOScheduler, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    scheduler.add_job(job, IntervalTrigger(seconds=seconds), id=name, name=name, replace_existing=True)
