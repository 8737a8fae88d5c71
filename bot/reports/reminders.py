"""Report reminders: the opening notice, the offsets before the deadline, the deadline, escalation.

All are rows of the reminders table (kind "report.period", subject the
period, step "open" / "before:24h" / "due" / "escalate"), so they come from
the database, are sent exactly once across restarts and processes, and wait
for quiet hours to end. Each looks at who is still missing when it fires.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.durations import parse_duration
from bot.reminders.models import Reminder
from bot.reminders.service import ReminderHandler, people_of_teams, prefetching
from bot.reports import render
from bot.reports.models import Obligation, ReportPeriod
from bot.reports.notify import tell
from bot.reports.service import REMINDER_KIND, fields_coded, period_status
from bot.roster.models import Member, Role
from bot.roster.service import team_members


async def prefetch(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    """The batch's periods and the language choices of their teams' people (see prefetching)."""
    periods = list(await session.scalars(
        select(ReportPeriod).where(ReportPeriod.id.in_({reminder.subject_id for reminder in batch}))))
    return periods, await people_of_teams(session, batch)


def report_reminders(settings: Settings) -> dict[str, ReminderHandler]:
    @prefetching(prefetch)
    async def handle(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        period = await session.get(ReportPeriod, reminder.subject_id)
        if period is None or period.team_id != reminder.team_id:
            return
        if reminder.step == "escalate":
            await escalate(session, period, now, settings)
        else:
            await remind_missing(session, period, reminder.step, now, settings)

    return {REMINDER_KIND: handle}


async def remind_missing(session: AsyncSession, period: ReportPeriod, step: str, now: datetime,
                         settings: Settings) -> int:
    """Tell each person who has not sent the report yet; returns how many were told."""
    if step.startswith("before:") and now >= period.due_at:
        return 0  # held back by quiet hours past the deadline: the deadline's own notice says it
    status = await period_status(session, period)
    zone, told = settings.zone, 0
    codes: dict[int, list[str]] = {}  # what each person answers, read once for all of them
    if step == "open" and status.missing:
        codes = {member_id: field_codes for member_id, field_codes in await session.execute(
            select(Obligation.member_id, Obligation.field_codes).where(Obligation.period_id == period.id))}
    for member in status.missing:
        if step == "open":
            fields = fields_coded(period, codes[member.id])
            render_message = lambda: render.opened_notice(period, fields, zone)  # noqa: E731
        elif step == "due":
            render_message = lambda: render.due_notice(period)  # noqa: E731
        else:
            left = parse_duration(step.removeprefix("before:"))
            render_message = lambda: render.reminder(period, left, zone)  # noqa: E731
        told += await tell(session, member, render_message, now=now, default_locale=settings.default_locale,
                           ref=f"report:{period.id}", dedupe_key=f"report:{period.id}:{step}:{member.id}")
    return told


async def escalate(session: AsyncSession, period: ReportPeriod, now: datetime, settings: Settings) -> int:
    """Show the people who follow this report who is missing, with the button to nudge them all."""
    status = await period_status(session, period)
    if not status.missing:
        return 0
    told = 0
    for person in await _followers(session, period):
        told += await tell(
            session, person, lambda: render.status_card(status, now, settings.zone, escalation=True), now=now,
            default_locale=settings.default_locale, ref=f"report:{period.id}",
            dedupe_key=f"report:{period.id}:escalate:{person.id}",
        )
    return told


async def _followers(session: AsyncSession, period: ReportPeriod) -> list[Member]:
    """The roles the report escalates to, plus whoever asked for an ad-hoc report."""
    roles = {Role(role) for role in period.escalate_to}
    people = await team_members(session, period.team_id, roles=roles) if roles else []
    if period.requested_by is not None and all(p.telegram_id != period.requested_by for p in people):
        people += [m for m in await team_members(session, period.team_id) if m.telegram_id == period.requested_by]
    return people
