"""The reminder sweep: one pass of `Sweeper.sweep()` over a year of tasks, and its query plan.

The database holds a synthetic year (bench/dataset.py): 100,000 tasks,
about 1,000,000 status updates and 700,000 reminders (done, cancelled, and
the open tasks' pending ones), and a `people` row for each member with a
Telegram account (after a year of work every member has written to the bot,
which is when the bot records one). A number of reminders are made due now,
and one sweep is timed with the product's reminder handlers
(bot.telegram.app: reminder_handlers), which claim each due reminder and
queue its messages in the same transaction. Two database sizes, 0 to 100 due
reminders: the time should follow the number due, not the number of tasks.
The statements the sweep sends are counted too.

The plans are those of the statements the sweep really sends to find due
reminders and to take a batch of them (captured from the engine), shown by
EXPLAIN QUERY PLAN on SQLite and EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL
(in a transaction rolled back afterwards).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select, update

from bench.common import Options, Result, Stopwatch, ms, scratch_database
from bench.dataset import build_year, table_sizes
from bot.clock import ManualClock
from bot.config import Settings
from bot.outbox.models import OutboxMessage
from bot.reminders.models import Reminder, ReminderStatus
from bot.reminders.service import Sweeper
from bot.roster.models import Member, Person
from bot.storage import Storage
from bot.tasks.reminders import DEADLINE_KIND
from bot.telegram.app import reminder_handlers

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Hà Nội: outside quiet hours


class CapturedQuery:
    """The statements the sweep sends that look for due reminders (with their parameters), and a count
    of every statement sent (savepoints included, BEGIN and COMMIT not)."""

    QUERIES = {"find": "SELECT reminders.id FROM reminders", "take": "SELECT reminders.id, reminders.team_id"}

    def __init__(self, storage: Storage) -> None:
        self.statements: dict[str, tuple[str, Any]] = {}
        self.count = 0
        event.listen(storage.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.count += 1
        flat = " ".join(statement.split())
        for name, start in self.QUERIES.items():
            if name not in self.statements and flat.startswith(start) and "ORDER BY" in flat:
                self.statements[name] = statement, parameters


async def query_plan(storage: Storage, captured: CapturedQuery, name: str) -> list[str]:
    if name not in captured.statements:
        return [f"(the sweep sent no query to {name} due reminders)"]
    statement, parameters = captured.statements[name]
    prefix = "EXPLAIN QUERY PLAN " if storage.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    async with storage.read() as session:  # rolled back at the end (a FOR UPDATE takes its locks in it)
        connection = await session.connection()
        rows = await connection.exec_driver_sql(prefix + statement, parameters)
        return [" | ".join(str(v) for v in row) for row in rows]


async def add_people(storage: Storage) -> None:
    """A `people` row per member with a Telegram account, as the bot records when one first writes to it."""
    async with storage.transaction() as session:
        known = set(await session.scalars(select(Person.telegram_id)))
        members = await session.scalars(select(Member.telegram_id).where(Member.telegram_id.is_not(None)).distinct())
        session.add_all(Person(telegram_id=telegram_id) for telegram_id in members if telegram_id not in known)


async def arm(storage: Storage, candidates: list[int], due: int) -> None:
    """Exactly `due` of the candidate reminders pending and due now; the others pending later."""
    async with storage.transaction() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(update(Reminder).where(Reminder.id.in_(candidates[:due])).values(
            status=ReminderStatus.PENDING, done_at=None, due_at=NOW - timedelta(seconds=1)))
        await session.execute(update(Reminder).where(Reminder.id.in_(candidates[due:])).values(
            status=ReminderStatus.PENDING, done_at=None, due_at=NOW + timedelta(hours=1)))


async def measure_size(options: Options, tasks: int, updates: int, due_counts: list[int], repeats: int,
                       result: Result) -> list[list[Any]]:
    rows = []
    async with scratch_database(options.db, "sweep") as url:
        storage = Storage.from_url(url)
        try:
            year = await build_year(storage, now=NOW, tasks=tasks, updates=updates, due=max(due_counts))
            await add_people(storage)
            sizes = await table_sizes(storage)
            async with storage.read() as session:
                candidates = list(await session.scalars(select(Reminder.id).where(
                    Reminder.kind == DEADLINE_KIND, Reminder.status == ReminderStatus.PENDING,
                    Reminder.due_at <= NOW).order_by(Reminder.id)))
            settings = Settings(_env_file=None)
            sweeper = Sweeper(storage, ManualClock(NOW, running=False), reminder_handlers(settings),
                              quiet_hours=settings.quiet_hours, zone=settings.zone)
            captured = CapturedQuery(storage)
            for due in due_counts:
                times, sent = [], 0
                for _ in range(repeats):
                    await arm(storage, candidates, due)
                    captured.count = 0
                    with Stopwatch() as watch:
                        sent = await sweeper.sweep()
                    times.append(watch.seconds)
                rows.append([f"{sizes['tasks']:,}", f"{sizes['task_updates']:,}", f"{sizes['reminders']:,}", due, sent,
                             ms(statistics.median(times)), ms(min(times)),
                             round(ms(statistics.median(times)) / due, 2) if due else "-", captured.count])
            result.data.setdefault("sizes", []).append({**sizes, "generated_seconds": round(year.seconds, 1)})
            result.data.setdefault("plans", {})[str(tasks)] = {
                name: await query_plan(storage, captured, name) for name in CapturedQuery.QUERIES}
        finally:
            await storage.close()
    return rows


async def run(options: Options) -> Result:
    result = Result("sweep", options)
    sizes = options.pick([(10_000, 100_000), (100_000, 1_000_000)], [(2_000, 20_000), (20_000, 200_000)],
                         [(200, 2_000), (1_000, 10_000)])
    due_counts = options.pick([0, 1, 10, 100], [0, 10, 100], [0, 10])
    repeats = options.pick(5, 3, 1)
    rows = []
    started = time.perf_counter()
    for tasks, updates in sizes:
        rows += await measure_size(options, tasks, updates, due_counts, repeats, result)
    result.table(f"one sweep (median of {repeats}), product reminder handlers, {options.db}",
                 ["tasks", "updates", "reminders", "due", "sent", "median ms", "min ms", "ms per due", "statements"],
                 rows)
    largest = max(tasks for tasks, _ in sizes)
    plans = result.data["plans"][str(largest)]
    result.table(f"query plan of finding due reminders, {largest:,} tasks", ["plan"],
                 [[line] for line in plans["find"]])
    result.table(f"query plan of taking a batch of them, {largest:,} tasks", ["plan"],
                 [[line] for line in plans["take"]])
    typical = next((row for row in rows if row[0] == f"{largest:,}" and row[3] == 10), None)
    if typical is not None:
        result.target(f"sweep with 10 due, {largest:,} tasks", typical[5], 50, "ms")
    small, big = [[row for row in rows if row[0] == f"{tasks:,}"] for tasks, _ in sizes]
    for a, b in zip(small, big):
        if a[3] == 0:
            result.notes.append(f"nothing due: {a[5]} ms at {a[0]} tasks, {b[5]} ms at {b[0]} tasks "
                                f"({b[5] / a[5] if a[5] else float('nan'):.2f}x for {sizes[1][0] / sizes[0][0]:.0f}x tasks)")
    result.notes.append(f"data generated and measured in {time.perf_counter() - started:.0f}s")
    return result
