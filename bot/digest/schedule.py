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

import asyncio
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
        """Gather and render outside the transaction that claims the run and queues the messages:
        rendering takes a second or two, and on SQLite a write transaction holds up every other."""
        async with self.storage.read() as session:
            if await _sent(session, team_id, kind, instant):
                return False
            digest = await build_digest(session, team_id, since=instant - kind.window, until=instant, kind=kind.name,
                                        knowledge=knowledge_file(self.settings.faq or SHIPPED_FILE))
            roles = {Role(role) for role in self.settings.digest_to}
            recipients = [(member, await locale_of(session, member, self.settings.default_locale))
                          for member in await team_members(session, team_id, roles=roles)
                          if member.telegram_id is not None]
        rendered = {locale: await render_digest(digest, self.settings, locale)
                    for locale in {locale for _, locale in recipients}}
        async with self.storage.transaction() as session:
            if not await _claim(session, team_id, kind, instant, now):
                return False  # another process sent it meanwhile
            for member, locale in recipients:
                await queue_digest(session, member, rendered[locale], now=now,
                                   key=f"digest:{team_id}:{kind.name}:{instant.isoformat()}:{member.id}")
        log.info("%s digest of team %s for %s sent", kind.name, team_id, instant)
        return True

    def add_jobs(self, scheduler: BaseScheduler) -> None:
        for kind in self.kinds:
            scheduler.add_job(self.run_due, self._trigger(kind), id=f"digest:{kind.name}", name=f"{kind.name} digest",
                              replace_existing=True)


async def _sent(session: AsyncSession, team_id: int, kind: DigestKind, instant: datetime) -> bool:
    return await session.scalar(select(DigestRun.id).where(
        DigestRun.team_id == team_id, DigestRun.kind == kind.name, DigestRun.instant == instant)) is not None


async def _claim(session: AsyncSession, team_id: int, kind: DigestKind, instant: datetime, now: datetime) -> bool:
    """Record the run; False when this (team, kind, instant) was sent already, by any process."""
    if await _sent(session, team_id, kind, instant):
        return False
    try:
        async with session.begin_nested():
            session.add(DigestRun(team_id=team_id, kind=kind.name, instant=instant, since=instant - kind.window,
                                  sent_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class RenderedDigest:
    """The digest as one reader gets it: text, chart PNG (None without figures), spreadsheet."""

    text: str
    chart: bytes | None
    workbook: bytes
    day: str
    chart_caption: str
    sheet_caption: str


def _render(digest: Digest, settings: Settings, locale: str) -> RenderedDigest:
    zone = settings.zone
    with use_locale(locale):
        return RenderedDigest(
            text=digest_text(digest, zone),
            chart=digest_chart(digest.series, zone),
            workbook=digest_workbook(digest, zone),
            day=digest.until.astimezone(zone).strftime("%Y-%m-%d"),
            chart_caption=_("Số liệu chính qua các kỳ báo cáo"),
            sheet_caption=_("Bảng tính tổng hợp (mỗi phần một trang)"),
        )


async def render_digest(digest: Digest, settings: Settings, locale: str) -> RenderedDigest:
    """Text, chart and spreadsheet in `locale`, drawn in a worker thread: a second or two of
    CPU that must not stop the bot answering meanwhile (the chart uses no pyplot state)."""
    return await asyncio.to_thread(_render, digest, settings, locale)


async def queue_digest(session: AsyncSession, member: Member, rendered: RenderedDigest, *, now: datetime,
                       key: str | None = None) -> bool:
    """Queue a rendered digest for one person; False if they have no Telegram or it was queued already."""
    if member.telegram_id is None:
        return False
    chat, day = member.telegram_id, rendered.day
    first = await enqueue(session, chat, Message(rendered.text), now=now, team_id=member.team_id, ref="digest",
                          dedupe_key=f"{key}:text" if key else None)
    if first is None:
        return False
    if rendered.chart is not None:
        await enqueue_file(session, chat, Attachment(f"tonghop-{day}.png", rendered.chart, rendered.chart_caption),
                           now=now, photo=True, team_id=member.team_id, ref="digest",
                           dedupe_key=f"{key}:chart" if key else None)
    await enqueue_file(session, chat, Attachment(f"tonghop-{day}.xlsx", rendered.workbook, rendered.sheet_caption),
                       now=now, team_id=member.team_id, ref="digest", dedupe_key=f"{key}:xlsx" if key else None)
    return True


async def send_digest(session: AsyncSession, member: Member, digest: Digest, *, now: datetime, settings: Settings,
                      key: str | None = None, locale: str | None = None) -> bool:
    """Render the digest in the person's language and queue it for them."""
    if member.telegram_id is None:
        return False
    locale = locale or await locale_of(session, member, settings.default_locale)
    return await queue_digest(session, member, await render_digest(digest, settings, locale), now=now, key=key)


async def digest_now(session: AsyncSession, member: Member, *, now: datetime, days: int,
                     settings: Settings, locale: str) -> None:
    """`/tonghop`: the digest of the last `days` days, to the person who asked."""
    digest = await build_digest(session, member.team_id, since=now - timedelta(days=days), until=now,
                                kind="weekly" if days >= 7 else "on_demand",
                                knowledge=knowledge_file(settings.faq or SHIPPED_FILE))
    await send_digest(session, member, digest, now=now, settings=settings, locale=locale)
