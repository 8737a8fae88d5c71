"""Scheduling, cancelling and sweeping reminders.

The sweep runs every DIEUPHOI_SWEEP_SECONDS in each process. A read finds
whether anything is due (the index on (status, due_at)); then due reminders
are handled a batch per transaction: one SELECT takes the batch (its rows
locked, FOR UPDATE SKIP LOCKED on PostgreSQL; the write lock on SQLite), those
that fall in quiet hours are put back until they end, and each of the others
is marked done by a conditional UPDATE (so two processes never both take it)
and handed to the handler registered for its kind: the messages a reminder
produces are committed exactly when it is marked done. If anything in a batch
fails, the batch is rolled back and handled again one reminder per
transaction, so a failing handler is rolled back alone and its reminder stays
pending for the next sweep, while the others are sent once. A handler may
carry a `prefetch` (see `prefetching`) that loads what a whole batch of its
kind needs in a few queries, instead of a few per reminder.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import QuietHours
from bot.reminders.models import Reminder, ReminderStatus
from bot.roster.models import Member, Person
from bot.storage import Storage, storage_unavailable

log = logging.getLogger("dieuphoi.reminders")

ReminderHandler = Callable[[AsyncSession, Reminder, datetime], Awaitable[None]]
Prefetch = Callable[[AsyncSession, Sequence[Reminder], datetime], Awaitable[object]]
# Reminders claimed and handled per transaction. On SQLite the transaction holds the
# write lock, so a batch is kept small enough not to hold back people's updates for long.
BATCH = 50


def prefetching(prefetch: Prefetch) -> Callable[[ReminderHandler], ReminderHandler]:
    """Give a reminder handler what to load, once per batch, for all the due reminders of its kind.

    The sweep calls `prefetch(session, reminders, now)` before the handlers of that
    batch run, in the same transaction, and keeps what it returns (the rows it loaded)
    until the batch is done: the session's identity map holds objects only weakly, and
    while they are alive the handler's `session.get(...)` finds them without a query.
    It is only a shortcut: if it fails, the batch is handled again one reminder at a
    time, without prefetches.
    """

    def attach(handler: ReminderHandler) -> ReminderHandler:
        handler.prefetch = prefetch  # type: ignore[attr-defined]
        return handler

    return attach


async def people_of_teams(session: AsyncSession, batch: Sequence[Reminder]) -> list[Person]:
    """For a prefetch: the `people` rows (language choices) of every member of the batch's teams, in one
    query. Kept alive, they let `session.get(Person, telegram_id)`, which finds the language of each
    person a reminder tells, answer without a query. Teams are small: a few dozen members."""
    team_ids = {reminder.team_id for reminder in batch}
    if not team_ids:
        return []
    members = select(Member.telegram_id).where(Member.team_id.in_(team_ids), Member.telegram_id.is_not(None))
    return list(await session.scalars(select(Person).where(Person.telegram_id.in_(members))))


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
        # One sweep at a time in a process: the timer's and one asked for (the sandbox's clock
        # buttons, tests) would otherwise skip each other's locked rows, and the one asked for
        # could return before the reminders due now were handled.
        self._sweeping = asyncio.Lock()

    async def sweep(self) -> int:
        """Handle every reminder due now, a batch per transaction; returns how many were sent."""
        async with self._sweeping:
            if not await self._anything_due():
                return 0
            sent, failed = 0, set[int]()
            while True:
                taken, handled = await self._batch(failed)
                sent += handled
                if taken < BATCH:
                    return sent

    def _due(self, now: datetime) -> Select[tuple[Reminder]]:
        return (
            select(Reminder)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
        )

    async def _anything_due(self) -> bool:
        """A read, so that a sweep that finds nothing (most of them) takes no write lock on SQLite."""
        async with self.storage.read() as session:
            first = await session.scalar(self._due(self.clock.now()).with_only_columns(Reminder.id).limit(1))
            return first is not None

    async def _batch(self, failed: set[int]) -> tuple[int, int]:
        """One batch in one transaction; if anything in it fails, the batch again one reminder at a time."""
        try:
            return await self._take_and_handle(failed)
        except Exception as error:
            if storage_unavailable(error):
                raise  # rolled back: nothing lost, nothing sent; the next sweep tries again
            log.warning("a batch of reminders failed (%s: %s); handling it again, each reminder on its own",
                        type(error).__name__, error)
        return await self._one_by_one(failed)

    async def _take_and_handle(self, failed: set[int]) -> tuple[int, int]:
        """Take a batch of due reminders and handle it in one transaction: (how many taken, how many sent).

        One SELECT takes the batch: on PostgreSQL FOR UPDATE SKIP LOCKED locks its rows
        (another process's sweep skips them rather than waits), on SQLite the
        transaction holds the write lock from its BEGIN. Each reminder is then marked
        done by a conditional UPDATE just before its handler runs: a reminder an earlier
        handler of the batch cancelled is skipped, one it moved is seen moved (as if
        handled one by one).
        """
        now, sent = self.clock.now(), 0
        async with self.storage.transaction() as session:
            query = self._due(now).limit(BATCH).with_for_update(skip_locked=True)  # SQLite: no FOR UPDATE
            if failed:
                query = query.where(Reminder.id.not_in(failed))
            batch = list(await session.scalars(query))
            ready = self._hold_quiet(batch, now)
            loaded = await self._prefetch(session, ready, now)  # kept alive until the batch is done
            for reminder in ready:
                sent += await self._run(session, reminder, now)
            del loaded
        return len(batch), sent

    async def _one_by_one(self, failed: set[int]) -> tuple[int, int]:
        """The batch again, each reminder in a transaction of its own: a handler that fails is rolled
        back alone, its reminder left pending for the next sweep (and skipped by this one)."""
        now, sent = self.clock.now(), 0
        async with self.storage.read() as session:
            query = self._due(now).with_only_columns(Reminder.id).limit(BATCH)
            if failed:
                query = query.where(Reminder.id.not_in(failed))
            ids = list(await session.scalars(query))
        for reminder_id in ids:
            which = f"id {reminder_id}"
            try:
                async with self.storage.transaction() as session:
                    reminder = await session.get(Reminder, reminder_id)
                    if reminder is None or reminder.status != ReminderStatus.PENDING:
                        continue  # taken by another process meanwhile
                    which = f"kind {reminder.kind}, step {reminder.step}, id {reminder_id}"
                    if self._hold_quiet([reminder], now):
                        sent += await self._run(session, reminder, now)
            except Exception as error:
                if storage_unavailable(error):
                    raise
                log.exception("reminder handler failed (%s); left for the next sweep", which)
                failed.add(reminder_id)
        return len(ids), sent

    def _hold_quiet(self, batch: list[Reminder], now: datetime) -> list[Reminder]:
        """Put back those falling in quiet hours until they end; the others, in order."""
        later = after_quiet_hours(now, self.quiet_hours, self.zone)
        if later is None:
            return batch
        for reminder in batch:
            if reminder.respects_quiet_hours:
                reminder.due_at = later
        return [reminder for reminder in batch if not reminder.respects_quiet_hours]

    async def _run(self, session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
        """Mark the reminder done and run its handler; False when it no longer applies or has no handler."""
        if reminder.status != ReminderStatus.PENDING or reminder.due_at > now:
            return False  # an earlier handler of the batch cancelled or moved it
        # The claim: only a row still pending is marked (the batch's rows are ours until commit).
        marked = await session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus.DONE, done_at=now)
        )
        if marked.rowcount != 1:
            return False
        handler = self.handlers.get(reminder.kind)
        if handler is None:
            log.error("no handler for reminder kind %s (id %s)", reminder.kind, reminder.id)
            return False
        await handler(session, reminder, now)
        return True

    async def _prefetch(self, session: AsyncSession, reminders: list[Reminder], now: datetime) -> list[object]:
        """Let each kind's handler load what the whole batch needs in a few queries (see `prefetching`)."""
        loaded: list[object] = []
        by_kind: dict[str, list[Reminder]] = {}
        for reminder in reminders:
            by_kind.setdefault(reminder.kind, []).append(reminder)
        for kind, group in by_kind.items():
            prefetch = getattr(self.handlers.get(kind), "prefetch", None)
            if prefetch is not None:
                loaded.append(await prefetch(session, group, now))
        return loaded
