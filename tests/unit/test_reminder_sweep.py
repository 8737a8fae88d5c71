"""The reminder sweep: a batch per transaction, each reminder once, quiet hours in one pass, a failing
handler kept apart from the others, prefetches, and a statement count that follows what is due."""

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import QuietHours, Settings
from bot.outbox.models import OutboxMessage
from bot.outbox.service import enqueue
from bot.reminders import service as reminders
from bot.reminders.models import Reminder, ReminderStatus
from bot.reminders.service import BATCH, ReminderHandler, Sweeper, prefetching
from bot.roster.file import parse_roster
from bot.roster.models import Member, Team
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.tasks import service as tasks
from bot.tasks.reminders import reminder_handlers as task_handlers
from bot.tasks.rules import TaskRules
from bot.tasks.service import Created, NewTask
from bot.telegram.app import reminder_handlers
from bot.ui import Message
from tests.unit.statements import statements

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET = QuietHours((time(22, 0), time(6, 30)))
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=HANOI).astimezone(UTC)
NIGHT = datetime(2026, 11, 25, 23, 0, tzinfo=HANOI).astimezone(UTC)
MORNING = datetime(2026, 11, 26, 6, 30, tzinfo=HANOI).astimezone(UTC)
NOTE = "test.note"
ROSTER = """
team: {code: t1, name: "Tổ một"}
members:
  - {telegram_id: 10, full_name: "Lê Tổ Trưởng", role: leader}
  - {telegram_id: 21, full_name: "An Một", role: member}
"""


async def note(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    """The test kind: one message, "Ghi chú <subject>", to member 21."""
    await enqueue(session, 21, Message(f"Ghi chú {reminder.subject_id}"), now=now, team_id=reminder.team_id,
                  ref=f"note:{reminder.subject_id}")


def sweeper(storage: Storage, clock: ManualClock, handlers: dict[str, ReminderHandler]) -> Sweeper:
    return Sweeper(storage, clock, handlers, quiet_hours=QUIET, zone=HANOI)


@pytest.fixture
async def team(storage: Storage) -> int:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=NOON - timedelta(days=1))
        team_id = await session.scalar(select(Team.id))
    assert team_id is not None
    return team_id


async def owe(storage: Storage, team: int, subjects: Sequence[int], due_at: datetime, *, kind: str = NOTE,
              quiet: bool = True) -> None:
    async with storage.transaction() as session:
        for subject in subjects:
            await reminders.schedule(session, team_id=team, kind=kind, subject_id=subject, step="once",
                                     due_at=due_at, respects_quiet_hours=quiet)


async def notes(storage: Storage) -> Counter[str]:
    async with storage.read() as session:
        return Counter(await session.scalars(select(OutboxMessage.text).where(OutboxMessage.chat_id == 21)))


async def rows(storage: Storage) -> dict[int, Reminder]:
    async with storage.read() as session:
        return {r.subject_id: r for r in await session.scalars(select(Reminder).where(Reminder.kind == NOTE))}


async def test_one_sweep_sends_every_due_reminder_once_over_several_batches(storage: Storage, team: int) -> None:
    due = range(1, 2 * BATCH + 8)
    await owe(storage, team, due, NOON - timedelta(minutes=5))
    await owe(storage, team, [900, 901], NOON + timedelta(minutes=5))
    clock = ManualClock(NOON, running=False)
    assert await sweeper(storage, clock, {NOTE: note}).sweep() == len(due)
    assert await notes(storage) == Counter({f"Ghi chú {subject}": 1 for subject in due})
    state = await rows(storage)
    assert {state[s].status for s in due} == {ReminderStatus.DONE} and state[1].done_at == NOON
    assert state[900].status == state[901].status == ReminderStatus.PENDING
    # A process started again finds nothing more to send.
    assert await sweeper(storage, clock, {NOTE: note}).sweep() == 0
    assert sum((await notes(storage)).values()) == len(due)


async def test_quiet_hours_hold_reminders_back_until_they_end(storage: Storage, team: int) -> None:
    await owe(storage, team, [1, 2, 3], NIGHT - timedelta(minutes=1))
    await owe(storage, team, [4, 5], NIGHT - timedelta(minutes=1), quiet=False)
    clock = ManualClock(NIGHT, running=False)
    assert await sweeper(storage, clock, {NOTE: note}).sweep() == 2
    assert set(await notes(storage)) == {"Ghi chú 4", "Ghi chú 5"}
    state = await rows(storage)
    assert all(state[s].status == ReminderStatus.PENDING and state[s].due_at == MORNING for s in (1, 2, 3))
    clock.set(MORNING - timedelta(seconds=1))
    assert await sweeper(storage, clock, {NOTE: note}).sweep() == 0
    clock.set(MORNING)
    assert await sweeper(storage, clock, {NOTE: note}).sweep() == 3
    assert await notes(storage) == Counter({f"Ghi chú {subject}": 1 for subject in range(1, 6)})


async def test_a_failing_handler_is_rolled_back_alone_and_tried_again_next_sweep(
    storage: Storage, team: int, caplog: pytest.LogCaptureFixture
) -> None:
    broken = {3}

    async def fragile(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await note(session, reminder, now)  # written, then the handler fails: the message must go too
        if reminder.subject_id in broken:
            raise RuntimeError("the subject could not be read")

    await owe(storage, team, range(1, 7), NOON - timedelta(minutes=5))
    clock = ManualClock(NOON, running=False)
    with caplog.at_level(logging.WARNING, logger="dieuphoi.reminders"):
        assert await sweeper(storage, clock, {NOTE: fragile}).sweep() == 5
    assert await notes(storage) == Counter({f"Ghi chú {s}": 1 for s in (1, 2, 4, 5, 6)})
    state = await rows(storage)
    assert state[3].status == ReminderStatus.PENDING and state[3].done_at is None
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"reminder handler failed (kind test.note, step once, id {state[3].id}); left for the next sweep"]
    # Still broken: kept again, the others are not sent twice.
    assert await sweeper(storage, clock, {NOTE: fragile}).sweep() == 0
    broken.clear()
    assert await sweeper(storage, clock, {NOTE: fragile}).sweep() == 1
    assert await notes(storage) == Counter({f"Ghi chú {s}": 1 for s in range(1, 7)})


async def test_a_reminder_an_earlier_one_of_the_batch_cancelled_or_moved_is_not_sent(
    storage: Storage, team: int
) -> None:
    later = NOON + timedelta(hours=1)

    async def rearranging(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await note(session, reminder, now)
        if reminder.subject_id == 1:
            await reminders.cancel(session, kind=NOTE, subject_id=2)
            await reminders.schedule(session, team_id=team, kind=NOTE, subject_id=3, step="once", due_at=later)

    await owe(storage, team, [1], NOON - timedelta(minutes=10))
    await owe(storage, team, [2, 3, 4], NOON - timedelta(minutes=5))
    clock = ManualClock(NOON, running=False)
    assert await sweeper(storage, clock, {NOTE: rearranging}).sweep() == 2
    assert set(await notes(storage)) == {"Ghi chú 1", "Ghi chú 4"}
    state = await rows(storage)
    assert state[2].status == ReminderStatus.CANCELLED
    assert state[3].status == ReminderStatus.PENDING and state[3].due_at == later
    clock.set(later)
    assert await sweeper(storage, clock, {NOTE: rearranging}).sweep() == 1
    assert await notes(storage) == Counter({"Ghi chú 1": 1, "Ghi chú 3": 1, "Ghi chú 4": 1})


async def test_a_prefetch_runs_once_per_kind_and_batch_and_is_only_a_shortcut(storage: Storage, team: int) -> None:
    calls: list[int] = []

    async def counted(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
        calls.append(len(batch))
        return list(await session.scalars(select(Member).where(Member.team_id == team)))

    async def failing(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
        calls.append(-len(batch))
        # A statement the database refuses (on PostgreSQL the transaction cannot go on after it).
        await session.execute(insert(Team).values(code="t1", name="Tổ một, lần nữa", created_at=now))
        raise AssertionError("not reached")

    await owe(storage, team, range(1, BATCH + 4), NOON - timedelta(minutes=5))
    clock = ManualClock(NOON, running=False)
    assert await sweeper(storage, clock, {NOTE: prefetching(counted)(note)}).sweep() == BATCH + 3
    assert calls == [BATCH, 3]

    calls.clear()
    await owe(storage, team, range(100, 110), NOON - timedelta(minutes=1))

    async def other_note(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await note(session, reminder, now)

    assert await sweeper(storage, clock, {NOTE: prefetching(failing)(other_note)}).sweep() == 10
    assert calls == [-10]  # then the batch again, one reminder at a time, without it
    assert sum((await notes(storage)).values()) == BATCH + 3 + 10


async def test_two_sweepers_on_one_database_send_each_reminder_once(
    storage: Storage, team: int, database_url: str
) -> None:
    due = range(1, 3 * BATCH + 1)
    await owe(storage, team, due, NOON - timedelta(minutes=5))
    other = Storage.from_url(database_url)
    try:
        clock = ManualClock(NOON, running=False)
        sent = await asyncio.gather(sweeper(storage, clock, {NOTE: note}).sweep(),
                                    sweeper(other, clock, {NOTE: note}).sweep())
    finally:
        await other.close()
    assert sum(sent) == len(due)
    assert await notes(storage) == Counter({f"Ghi chú {subject}": 1 for subject in due})


async def test_a_sweep_asked_for_during_the_timers_returns_after_the_reminders_due_are_handled(
    storage: Storage, team: int
) -> None:
    """The sandbox's clock buttons and the timer share one Sweeper: the one asked for must not skip
    the rows the other is handling and return before their messages exist."""
    await owe(storage, team, [1], NOON - timedelta(minutes=5))
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_note(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        entered.set()
        await release.wait()
        await note(session, reminder, now)

    shared = sweeper(storage, ManualClock(NOON, running=False), {NOTE: slow_note})
    timers = asyncio.create_task(shared.sweep())
    await entered.wait()
    asked = asyncio.create_task(shared.sweep())
    # It may not return while the timer's sweep holds the reminder (half a second to show it
    # does not: with the lock it never can, so this cannot fail on a slow machine).
    done, _ = await asyncio.wait({asked}, timeout=0.5)
    assert not done
    release.set()
    assert await asked == 0  # nothing left for it: the timer's sweep handled the reminder
    assert await notes(storage) == Counter({"Ghi chú 1": 1})  # and its message exists by then
    assert await timers == 1


async def test_every_features_prefetch_runs_on_this_database(storage: Storage, team: int) -> None:
    handlers = reminder_handlers(Settings(_env_file=None))
    prefetched = {kind: getattr(handler, "prefetch") for kind, handler in handlers.items()}
    assert set(prefetched) >= {"task.deadline", "task.ack", "report.period"}
    for kind in prefetched:  # subjects that do not exist: each handler stays silent
        await owe(storage, team, [7001, 7002], NOON - timedelta(minutes=5), kind=kind)
    async with storage.transaction() as session:
        batch = list(await session.scalars(select(Reminder).where(Reminder.subject_id.in_([7001, 7002]))))
        for kind, prefetch in prefetched.items():
            await prefetch(session, [r for r in batch if r.kind == kind], NOON)
    assert await sweeper(storage, ManualClock(NOON, running=False), handlers).sweep() == 2 * len(prefetched)
    assert await notes(storage) == Counter()


async def test_statements_of_a_sweep_follow_the_reminders_due_not_more(storage: Storage, team: int) -> None:
    """Each due deadline reminder costs a handful of statements (its claim and its message);
    the tasks, their people and languages are loaded once for the batch."""
    rules = TaskRules.from_settings(Settings(_env_file=None, quiet_hours=""))
    clock = ManualClock(NOON, running=False)
    deadline = NOON + timedelta(hours=3)
    async with storage.transaction() as session:
        leader = await session.scalar(select(Member).where(Member.telegram_id == 10))
        member = await session.scalar(select(Member).where(Member.telegram_id == 21))
        assert leader is not None and member is not None
        for n in range(12):
            created = await tasks.create_task(session, by=leader, rules=rules, now=clock.now(), new=NewTask(
                title=f"Việc {n}", member_ids=[member.id], deadline_at=deadline))
            assert isinstance(created, Created)
    clock.set(deadline - timedelta(hours=2))  # the 2h reminder of all twelve
    with statements(storage) as seen:
        sent = await Sweeper(storage, clock, task_handlers(rules), quiet_hours=None, zone=HANOI).sweep()
    assert sent == 12
    assert len(seen.sql) <= 6 * sent + 25, len(seen.sql)  # one by one, it took 14 per reminder (170 here)
