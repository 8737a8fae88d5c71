"""Sending the digest: on a schedule to the Director (and leader), and on demand.

- Daily at DIEUPHOI_DIGEST_CRON (default 07:30) covering the last day; weekly
  at DIEUPHOI_DIGEST_WEEKLY_CRON (default Monday 07:30) covering the last
  seven days. At an instant where both fall only the weekly one is sent: it
  covers the day too.
- Exactly once per (team, kind, instant), even with two processes: the
  DigestRun row is inserted in the same transaction as the messages, and its
  unique key lets only one process commit it. The APScheduler cron jobs, the
  start of the bot and the sandbox's clock all call `run_due`, which also
  catches up on an instant missed while stopped (within CATCH_UP, and never
  one before the team existed).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.digest.build import Digest, build_digest, knowledge_file
from bot.digest.chart import digest_chart
from bot.digest.models import DigestRun
from bot.digest.spreadsheet import digest_workbook
from bot.digest.text import digest_text
from bot.helpdesk.knowledge import SHIPPED_FILE
from bot.i18n import gettext as _
from bot.i18n import use_locale
from bot.outbox.service import Attachment, enqueue, enqueue_file
from bot.reports.cron import instants_between, parse_cron
from bot.reports.notify import locale_of
from bot.roster.models import Member, Role, Team
from bot.roster.service import team_members
from bot.storage import Storage
from bot.ui import Message

log = logging.getLogger("dieuphoi.digest")

CATCH_UP = timedelta(hours=6)


@dataclass(frozen=True)
class DigestKind:
    name: str
    cron: str
    window: timedelta


class DigestSchedule:
    def __init__(self, storage: Storage, clock: Clock, settings: Settings) -> None:
        self.storage, self.clock, self.settings = storage, clock, settings
        kinds = [DigestKind("weekly", settings.digest_weekly_cron, timedelta(days=7)),
                 DigestKind("daily", settings.digest_cron, timedelta(days=1))]
        self.kinds = [kind for kind in kinds if kind.cron]

    def _trigger(self, kind: DigestKind) -> CronTrigger:
        return parse_cron(kind.cron, self.settings.zone)

    def due_instants(self, now: datetime, not_before: datetime) -> list[tuple[DigestKind, datetime]]:
        """The latest instant of each kind in the catch-up window, a daily one dropped where a weekly falls."""
        start = max(now - CATCH_UP, not_before - timedelta(microseconds=1))
        due: list[tuple[DigestKind, datetime]] = []
        for kind in self.kinds:
            instants = instants_between(self._trigger(kind), start, now)
            if instants and all(instants[-1] != instant for _, instant in due):
                due.append((kind, instants[-1]))
        return due

    async def run_due(self, now: datetime | None = None) -> int:
        """Send every scheduled digest that is due and not sent yet; returns how many were sent."""
        now = now or self.clock.now()
        async with self.storage.read() as session:
            teams = [(team.id, team.created_at) for team in await session.scalars(select(Team).order_by(Team.id))]
        sent = 0
        for team_id, created_at in teams:
            for kind, instant in self.due_instants(now, created_at):
                sent += await self.send_scheduled(team_id, kind, instant, now)
        return sent

    async def send_scheduled(self, team_id: int, kind: DigestKind, instant: datetime, now: datetime) -> bool:
        async with self.storage.transaction() as session:
            if not await _claim(session, team_id, kind, instant, now):
                return False
            digest = await build_digest(session, team_id, since=instant - kind.window, until=instant, kind=kind.name,
                                        knowledge=knowledge_file(self.settings.faq or SHIPPED_FILE))
            roles = {Role(role) for role in self.settings.digest_to}
            for member in await team_members(session, team_id, roles=roles):
                await send_digest(session, member, digest, now=now, settings=self.settings,
                                  key=f"digest:{team_id}:{kind.name}:{instant.isoformat()}:{member.id}")
        log.info("%s digest of team %s for %s sent", kind.name, team_id, instant)
        return True

    def add_jobs(self, scheduler: BaseScheduler) -> None:
        for kind in self.kinds:
            scheduler.add_job(self.run_due, self._trigger(kind), id=f"digest:{kind.name}", name=f"{kind.name} digest",
                              replace_existing=True)


async def _claim(session: AsyncSession, team_id: int, kind: DigestKind, instant: datetime, now: datetime) -> bool:
    """Record the run; False when this (team, kind, instant) was sent already, by any process."""
    exists = await session.scalar(select(DigestRun.id).where(
        DigestRun.team_id == team_id, DigestRun.kind == kind.name, DigestRun.instant == instant))
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(DigestRun(team_id=team_id, kind=kind.name, instant=instant, since=instant - kind.window,
                                  sent_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def send_digest(session: AsyncSession, member: Member, digest: Digest, *, now: datetime, settings: Settings,
                      key: str | None = None, locale: str | None = None) -> bool:
    """Queue the digest's text, chart and spreadsheet for one person, in their language."""
    if member.telegram_id is None:
        return False
    chat = member.telegram_id
    zone = settings.zone
    with use_locale(locale or await locale_of(session, member, settings.default_locale)):
        text = digest_text(digest, zone)
        chart = digest_chart(digest.series, zone)
        workbook = digest_workbook(digest, zone)
        day = digest.until.astimezone(zone).strftime("%Y-%m-%d")
        caption = _("Số liệu chính qua các kỳ báo cáo")
        sheet_caption = _("Bảng tính tổng hợp (mỗi phần một trang)")
    first = await enqueue(session, chat, Message(text), now=now, team_id=member.team_id, ref="digest",
                          dedupe_key=f"{key}:text" if key else None)
    if first is None:
        return False
    if chart is not None:
        await enqueue_file(session, chat, Attachment(f"tonghop-{day}.png", chart, caption), now=now, photo=True,
                           team_id=member.team_id, ref="digest", dedupe_key=f"{key}:chart" if key else None)
    await enqueue_file(session, chat, Attachment(f"tonghop-{day}.xlsx", workbook, sheet_caption), now=now,
                       team_id=member.team_id, ref="digest", dedupe_key=f"{key}:xlsx" if key else None)
    return True


async def digest_now(session: AsyncSession, member: Member, *, now: datetime, days: int,
                     settings: Settings, locale: str) -> None:
    """`/tonghop`: the digest of the last `days` days, to the person who asked."""
    digest = await build_digest(session, member.team_id, since=now - timedelta(days=days), until=now,
                                kind="weekly" if days >= 7 else "on_demand",
                                knowledge=knowledge_file(settings.faq or SHIPPED_FILE))
    await send_digest(session, member, digest, now=now, settings=settings, locale=locale)
