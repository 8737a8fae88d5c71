"""The timer: APScheduler runs the periodic work; the database holds what is owed.

APScheduler 3 keeps its jobs in memory here (never a shared job store), so
each process has its own timer and all the work it triggers is claimed in the
database: running two processes sends nothing twice.
"""

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger


def build_scheduler() -> AsyncIOScheduler:
    return AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})


def every(scheduler: AsyncIOScheduler, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    scheduler.add_job(job, IntervalTrigger(seconds=seconds), id=name, name=name, replace_existing=True)
