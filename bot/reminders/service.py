"""Scheduling, cancelling and sweeping reminders.

The sweep runs every DIEUPHOI_SWEEP_SECONDS in each process. It claims each
due row with a conditional UPDATE (so two processes never both take it),
defers those that fall in quiet hours, and hands each to the handler
registered for its kind, in the same transaction as the claim: the messages a
reminder produces are committed exactly when the reminder is marked done.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import QuietHours
from bot.reminders.models import Reminder, ReminderStatus
from bot.storage import Storage

log = logging.getLogger("dieuphoi.reminders")

ReminderHandler = Callable[[AsyncSession, Reminder, datetime], Awaitable[None]]
BATCH = 200


async def schedule(
    session: AsyncSession,
    *,
    team_id: int,
    kind: str,
    subject_id: int,
    step: str,
    due_at: datetime,
    respects_quiet_hours: bool = True,
) -> None:
    """Owe a reminder; scheduling one that exists already moves its time if still pending."""
    existing = await session.scalar(
        select(Reminder).where(Reminder.kind == kind, Reminder.subject_id == subject_id, Reminder.step == step)
    )
    if existing is not None:
        if existing.status == ReminderStatus.PENDING:
            existing.due_at, existing.respects_quiet_hours = due_at, respects_quiet_hours
        return
    try:
        async with session.begin_nested():
            session.add(Reminder(team_id=team_id, kind=kind, subject_id=subject_id, step=step, due_at=due_at,
                                 respects_quiet_hours=respects_quiet_hours, status=ReminderStatus.PENDING))
    except IntegrityError:
        pass


async def cancel(session: AsyncSession, *, kind: str, subject_id: int, steps: list[str] | None = None) -> None:
    """Drop pending reminders of a subject (all of them, or the named steps)."""
    query = update(Reminder).where(
        Reminder.kind == kind, Reminder.subject_id == subject_id, Reminder.status == ReminderStatus.PENDING
    )
    if steps is not None:
        query = query.where(Reminder.step.in_(steps))
    await session.execute(query.values(status=ReminderStatus.CANCELLED))


def after_quiet_hours(moment: datetime, quiet: QuietHours | None, zone: ZoneInfo) -> datetime | None:
    """When a reminder due at `moment` falls in quiet hours, the instant they end; else None."""
    if quiet is None:
        return None
    local = moment.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    end = local.replace(hour=quiet[1].hour, minute=quiet[1].minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)


class Sweeper:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        handlers: Mapping[str, ReminderHandler],
        *,
        quiet_hours: QuietHours | None,
        zone: ZoneInfo,
    ) -> None:
        self.storage, self.clock, self.handlers = storage, clock, handlers
        self.quiet_hours, self.zone = quiet_hours, zone

    async def sweep(self) -> int:
        """Handle every reminder due now; returns how many were sent."""
        sent = 0
        while True:
            ids = await self._due_ids()
            if not ids:
                return sent
            for reminder_id in ids:
                sent += await self._handle(reminder_id)
            if len(ids) < BATCH:
                return sent

    async def _due_ids(self) -> list[int]:
        async with self.storage.read() as session:
            query = (
                select(Reminder.id)
                .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= self.clock.now())
                .order_by(Reminder.due_at, Reminder.id)
                .limit(BATCH)
            )
            return list(await session.scalars(query))

    async def _handle(self, reminder_id: int) -> int:
        now = self.clock.now()
        async with self.storage.transaction() as session:
            # The conditional update is the claim: only one process sees a row count of 1.
            claimed = await session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
                .values(status=ReminderStatus.DONE, done_at=now)
            )
            if claimed.rowcount != 1:  # another process took it, or it was cancelled meanwhile
                return 0
            reminder = await session.get(Reminder, reminder_id, populate_existing=True)
            assert reminder is not None
            if reminder.respects_quiet_hours and (later := after_quiet_hours(now, self.quiet_hours, self.zone)):
                reminder.status, reminder.done_at, reminder.due_at = ReminderStatus.PENDING, None, later
                return 0
            handler = self.handlers.get(reminder.kind)
            if handler is None:
                log.error("no handler for reminder kind %s (id %s)", reminder.kind, reminder.id)
                return 0
            await handler(session, reminder, now)
            return 1
