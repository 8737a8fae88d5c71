"""Task reminders with a clock the test moves: what falls due when, once, across restarts."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.outbox.models import Kind, OutboxMessage
from bot.reminders.models import Reminder, ReminderStatus
from bot.reminders.service import Sweeper
from bot.roster.file import parse_roster
from bot.roster.models import Member
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.tasks import service
from bot.tasks.models import Priority, Task
from bot.tasks.reminders import DEADLINE_KIND, deadline_steps, reminder_handlers
from bot.tasks.rules import TaskRules
from bot.tasks.service import Created, NewTask, StatusChange

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = Settings(_env_file=None)
RULES = TaskRules.from_settings(SETTINGS)
ROSTER = """
team: {code: t1, name: "Tổ một"}
members:
  - {telegram_id: 10, full_name: "Lê Tổ Trưởng", role: leader}
  - {telegram_id: 21, full_name: "An Một", role: member}
"""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


class Team:
    def __init__(self, storage: Storage, clock: ManualClock) -> None:
        self.storage, self.clock = storage, clock

    async def member(self, session: Any, telegram_id: int) -> Member:
        found = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
        assert found is not None
        return found

    async def task(self, deadline: datetime | None, priority: Priority = Priority.NORMAL, ack: bool = True) -> int:
        async with self.storage.transaction() as session:
            created = await service.create_task(
                session, by=await self.member(session, 10), rules=RULES, now=self.clock.now(),
                new=NewTask(title="Vá lỗ hổng", member_ids=[(await self.member(session, 21)).id], deadline_at=deadline,
                            priority=priority))
            assert isinstance(created, Created)
            if ack:
                await service.change_status(session, task_id=created.task.id, by=await self.member(session, 21),
                                            change=StatusChange("ack"), rules=RULES, now=self.clock.now())
            return created.task.id

    async def sweep_at(self, at: datetime) -> None:
        """Sweep as a freshly started process would (nothing kept in memory), twice."""
        self.clock.set(at)
        for _ in range(2):
            await Sweeper(self.storage, self.clock, reminder_handlers(RULES), quiet_hours=SETTINGS.quiet_hours,
                          zone=SETTINGS.zone).sweep()

    async def sent(self, chat_id: int, fragment: str) -> int:
        async with self.storage.read() as session:
            texts = await session.scalars(select(OutboxMessage.text).where(OutboxMessage.chat_id == chat_id,
                                                                            OutboxMessage.kind == Kind.SEND))
            return sum(fragment in (text or "") for text in texts)


@pytest.fixture
async def team(storage: Storage) -> Team:
    clock = ManualClock(local(25, 9), running=False)
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=clock.now())
    return Team(storage, clock)


def test_the_steps_of_a_deadline() -> None:
    task = Task(deadline_at=local(27, 17), schedule_revision=2)
    assert deadline_steps(task, RULES) == [
        ("r2:pre:1d", local(26, 17)), ("r2:pre:2h", local(27, 15)), ("r2:due", local(27, 17)),
        ("r2:late", local(27, 18)), ("r2:escalate", local(28, 17)),
    ]
    assert deadline_steps(Task(deadline_at=None, schedule_revision=0), RULES) == []


async def test_each_step_once_at_its_time(team: Team) -> None:
    await team.task(local(27, 17))
    expectations = [
        (local(26, 17), [(21, "Còn 1 ngày đến hạn")]),
        (local(27, 15), [(21, "Còn 2 giờ đến hạn")]),
        (local(27, 17), [(21, "Đã đến hạn việc")]),
        (local(27, 18), [(21, "đã quá hạn 1 giờ"), (10, "đã quá hạn 1 giờ")]),
        (local(28, 17), [(10, "vẫn quá hạn sau 1 ngày")]),
    ]
    for at, messages in expectations:
        await team.sweep_at(at - timedelta(seconds=1))
        for chat, fragment in messages:
            assert await team.sent(chat, fragment) == 0, fragment
        await team.sweep_at(at)
        for chat, fragment in messages:
            assert await team.sent(chat, fragment) == 1, fragment
    await team.sweep_at(local(30, 9))
    for _, messages in expectations:
        for chat, fragment in messages:
            assert await team.sent(chat, fragment) == 1, fragment


async def test_steps_already_past_are_not_sent_in_a_burst(team: Team) -> None:
    await team.task(team.clock.now() + timedelta(hours=3))  # 24h before is already past
    await team.sweep_at(team.clock.now() + timedelta(hours=1, seconds=1))
    assert await team.sent(21, "đến hạn") == 1 and await team.sent(21, "Còn 2 giờ") == 1
    async with team.storage.read() as session:
        steps = list(await session.scalars(select(Reminder.step).where(Reminder.kind == DEADLINE_KIND)))
    assert "r0:pre:1d" not in steps


async def test_a_moved_deadline_gets_a_fresh_schedule_and_a_finished_task_none(team: Team) -> None:
    task_id = await team.task(local(27, 17))
    async with team.storage.transaction() as session:
        moved = await service.change_deadline(session, task_id=task_id, by=await team.member(session, 10),
                                              deadline_at=local(30, 17), rules=RULES, now=team.clock.now())
        assert isinstance(moved, Task)
        back = await service.change_deadline(session, task_id=task_id, by=await team.member(session, 10),
                                             deadline_at=local(27, 17), rules=RULES, now=team.clock.now())
        assert isinstance(back, Task)  # moved back: a third schedule, not the cancelled first one
    async with team.storage.read() as session:
        pending = list(await session.scalars(select(Reminder.step).where(
            Reminder.kind == DEADLINE_KIND, Reminder.status == ReminderStatus.PENDING).order_by(Reminder.due_at)))
    assert pending == ["r2:pre:1d", "r2:pre:2h", "r2:due", "r2:late", "r2:escalate"]
    await team.sweep_at(local(27, 15))
    assert await team.sent(21, "Còn 2 giờ đến hạn") == 1
    async with team.storage.transaction() as session:
        await service.change_status(session, task_id=task_id, by=await team.member(session, 21),
                                    change=StatusChange("done"), rules=RULES, now=team.clock.now())
    await team.sweep_at(local(30, 17))
    assert await team.sent(21, "Đã đến hạn") == 0 and await team.sent(10, "quá hạn") == 0


async def test_quiet_hours_hold_the_ack_reminder_and_the_leader_waits_after_it(team: Team) -> None:
    team.clock.set(local(25, 21))
    await team.task(None, ack=False)  # handed out at 21:00: reminder due 23:00, in quiet hours
    await team.sweep_at(local(25, 23, 1))
    assert await team.sent(21, "Bạn chưa xác nhận") == 0
    await team.sweep_at(local(26, 6, 30))
    assert await team.sent(21, "Bạn chưa xác nhận") == 1
    assert await team.sent(10, "chưa xác nhận") == 0  # the leader hears only ack_within after the reminder
    await team.sweep_at(local(26, 8, 29))
    assert await team.sent(10, "chưa xác nhận") == 0
    await team.sweep_at(local(26, 8, 30))
    assert await team.sent(10, "An Một chưa xác nhận việc") == 1


async def test_urgent_tasks_ignore_quiet_hours(team: Team) -> None:
    await team.task(local(25, 23, 30), priority=Priority.URGENT)
    await team.task(local(25, 23, 30))
    await team.sweep_at(local(25, 23, 30))
    assert await team.sent(21, "Đã đến hạn việc #1") == 1
    assert await team.sent(21, "Đã đến hạn việc #2") == 0
