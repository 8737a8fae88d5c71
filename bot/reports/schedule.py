"""Opening scheduled report periods by themselves.

Each scheduled report type gets an APScheduler job firing `opens_before`
ahead of every deadline of its cron schedule (in the team's zone). The job,
the start of the bot and the sandbox's clock all call the same `run_due`,
which opens, for every team, the next period whose opening time has come;
the unique key (team, type, deadline) makes that idempotent.
"""

import logging
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select

from bot.clock import Clock
from bot.config import Settings
from bot.reports.cron import ShiftedTrigger, next_instant, parse_cron
from bot.reports.models import ReportPeriod
from bot.reports.service import open_scheduled
from bot.reports.types import ReportType, ReportTypesFile
from bot.roster.models import Team
from bot.storage import Storage

log = logging.getLogger("dieuphoi.reports")


class ReportSchedule:
    def __init__(self, storage: Storage, clock: Clock, settings: Settings, types: ReportTypesFile) -> None:
        self.storage, self.clock, self.settings, self.types = storage, clock, settings, types

    @property
    def scheduled(self) -> list[ReportType]:
        return [report for report in self.types.types if report.schedule]

    def next_deadline(self, report: ReportType, now: datetime) -> datetime | None:
        assert report.schedule is not None
        return next_instant(parse_cron(report.schedule, self.settings.zone), now)

    async def run_due(self, now: datetime | None = None) -> list[ReportPeriod]:
        """Open every period whose opening time has come and that is not open yet."""
        now = now or self.clock.now()
        opened: list[ReportPeriod] = []
        async with self.storage.read() as session:
            team_ids = list(await session.scalars(select(Team.id).order_by(Team.id)))
        for report in self.scheduled:
            deadline = self.next_deadline(report, now)
            if deadline is None or deadline - report.opens_before > now:
                continue
            for team_id in team_ids:
                async with self.storage.transaction() as session:
                    period = await open_scheduled(session, team_id, report, deadline, now)
                if period is not None:
                    log.info("report period %s opened: team %s, %s due %s", period.id, team_id, report.code, deadline)
                    opened.append(period)
        return opened

    def add_jobs(self, scheduler: BaseScheduler) -> None:
        for report in self.scheduled:
            assert report.schedule is not None
            trigger = ShiftedTrigger(parse_cron(report.schedule, self.settings.zone), report.opens_before)
            scheduler.add_job(self.run_due, trigger, id=f"report-open:{report.code}", name=f"open {report.code}",
                              replace_existing=True)
