"""Reminders and escalation of tasks, from the database, each step exactly once across restarts."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.reminders.service import Sweeper
from bot.tasks.digest import task_digest
from bot.tasks.models import Priority, Task
from bot.telegram.app import reminder_handlers
from tests.e2e.harness import DEMO_ROSTER, Harness, start_of_test_day
from tests.e2e.test_tasks import LEADER, TUAN, card_of_task, given_task, load_task

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of November 2026 in Hà Nội time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


async def texts(harness: Harness, chat_id: int) -> list[str]:
    return [m["text"] for m in await harness.client.bot_messages(chat_id)]


async def sweep_around_a_restart(harness: Harness) -> None:
    """Sweep, restart the bot, sweep again: whatever fell due is sent once, not twice."""
    await harness.sweep()
    await harness.restart()
    await harness.sweep()


async def acknowledge(harness: Harness, member: int, task: int) -> None:
    await harness.handled(await harness.person(member).presses(await card_of_task(harness, member, task), "Đã nhận"))


def count(messages: list[str], fragment: str) -> int:
    return sum(fragment in text for text in messages)


async def test_not_acknowledged_reminds_the_member_then_tells_the_leader(harness: Harness) -> None:
    task = await given_task(harness, TUAN, title="Kiểm tra chứng thư số")
    harness.clock.advance(timedelta(hours=1, minutes=59))
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, TUAN), "Bạn chưa xác nhận việc") == 0

    harness.clock.advance(timedelta(minutes=2))
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, TUAN), f"Bạn chưa xác nhận việc #{task}") == 1
    assert count(await texts(harness, LEADER), "chưa xác nhận") == 0

    harness.clock.advance(timedelta(hours=2))
    await sweep_around_a_restart(harness)
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, TUAN), "Bạn chưa xác nhận việc") == 1
    assert count(await texts(harness, LEADER), f"Bùi Anh Tuấn chưa xác nhận việc #{task} «Kiểm tra chứng thư số» sau 4 giờ") == 1

    await acknowledge(harness, TUAN, task)
    harness.clock.advance(timedelta(days=1))
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, TUAN), "Bạn chưa xác nhận việc") == 1
    assert await harness.api_errors() == []


async def test_deadline_reminders_overdue_and_escalation_each_once(harness: Harness) -> None:
    task = await given_task(harness, TUAN, title="Vá lỗ hổng máy chủ", deadline=local(27, 17))
    await acknowledge(harness, TUAN, task)
    steps = [
        (local(26, 17), [(TUAN, "Còn 1 ngày đến hạn việc")]),  # DIEUPHOI_REMINDER_OFFSETS 24h
        (local(27, 15), [(TUAN, "Còn 2 giờ đến hạn việc")]),  # and 2h
        (local(27, 17), [(TUAN, "Đã đến hạn việc")]),
        (local(27, 18), [(TUAN, "đã quá hạn 1 giờ. Hãy cập nhật"),  # DIEUPHOI_OVERDUE_AFTER 1h
                         (LEADER, "của Bùi Anh Tuấn đã quá hạn 1 giờ")]),
        (local(28, 17), [(LEADER, "vẫn quá hạn sau 1 ngày: đã đưa vào báo cáo gửi Giám đốc")]),  # ESCALATE_AFTER
    ]
    for at, expected in steps:
        harness.clock.set(at - timedelta(minutes=1))
        await sweep_around_a_restart(harness)
        for chat, fragment in expected:
            assert count(await texts(harness, chat), fragment) == 0, f"{fragment} sent early"
        harness.clock.set(at + timedelta(seconds=1))
        await sweep_around_a_restart(harness)
        for chat, fragment in expected:
            assert count(await texts(harness, chat), fragment) == 1, fragment
    harness.clock.advance(timedelta(days=3))
    await sweep_around_a_restart(harness)
    for _, expected in steps:
        for chat, fragment in expected:
            assert count(await texts(harness, chat), fragment) == 1, fragment
    assert (await load_task(harness, task)).escalated_at is not None
    async with harness.app.storage.read() as session:
        digest = await task_digest(session, 1, since=local(25, 0), now=harness.clock.now())
    assert [t.id for t in digest.escalated] == [task] and [t.id for t in digest.overdue] == [task]
    assert digest.overdue[0].people == ["Bùi Anh Tuấn"] and digest.overdue[0].late_by > timedelta(days=4)
    assert await harness.api_errors() == []


async def test_quiet_hours_hold_reminders_except_for_urgent_tasks(harness: Harness) -> None:
    normal = await given_task(harness, TUAN, title="Việc thường", deadline=local(25, 23))
    urgent = await given_task(harness, TUAN, title="Việc khẩn", deadline=local(25, 23), priority=Priority.URGENT)
    await acknowledge(harness, TUAN, normal)
    await acknowledge(harness, TUAN, urgent)

    harness.clock.set(local(25, 21, 0) + timedelta(seconds=1))  # 2h before: not quiet yet
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, TUAN), "Còn 2 giờ đến hạn việc") == 2

    harness.clock.set(local(25, 23, 0) + timedelta(seconds=1))  # quiet hours (22:00-06:30)
    await sweep_around_a_restart(harness)
    sent = await texts(harness, TUAN)
    assert count(sent, f"Đã đến hạn việc #{urgent}") == 1 and count(sent, f"Đã đến hạn việc #{normal}") == 0

    harness.clock.set(local(26, 0, 0) + timedelta(seconds=1))
    await sweep_around_a_restart(harness)
    sent = await texts(harness, TUAN)
    assert count(sent, f"Việc #{urgent} «Việc khẩn» đã quá hạn 1 giờ") == 1
    assert count(sent, f"Việc #{normal} «Việc thường» đã quá hạn") == 0

    harness.clock.set(local(26, 6, 30) + timedelta(seconds=1))  # quiet hours end: the held ones go
    await sweep_around_a_restart(harness)
    sent = await texts(harness, TUAN)
    # The deadline reminder was held past the overdue time: only the overdue notice is sent.
    assert count(sent, f"Đã đến hạn việc #{normal}") == 0
    assert count(sent, f"Việc #{normal} «Việc thường» đã quá hạn 7 giờ 30 phút") == 1
    assert await harness.api_errors() == []


@pytest.fixture
async def minute_harness(database_url: str) -> AsyncIterator[Harness]:
    """Reminders in minutes, and no quiet hours."""
    h = Harness(database_url, ManualClock(start_of_test_day()))
    await h.open(DEMO_ROSTER.read_text(encoding="utf-8"), reminder_offsets="5m,2m", ack_within="10m",
                 overdue_after="3m", escalate_after="30m", quiet_hours="")
    try:
        yield h
    finally:
        await h.close()


async def test_minute_offsets_and_two_sweepers_racing(minute_harness: Harness) -> None:
    harness = minute_harness
    task = await given_task(harness, TUAN, title="Khởi động lại máy chủ", deadline=harness.clock.now() + timedelta(minutes=8))
    await acknowledge(harness, TUAN, task)
    # A second process sweeping the same database at the same moments.
    other = Sweeper(harness.app.storage, harness.clock, reminder_handlers(harness.settings),
                    quiet_hours=harness.settings.quiet_hours, zone=harness.settings.zone)
    for minutes in (3, 3, 2, 3, 30):
        harness.clock.advance(timedelta(minutes=minutes, seconds=1))
        await asyncio.gather(harness.app.sweeper.sweep(), other.sweep())
        await harness.app.delivery.drain()
    sent = await texts(harness, TUAN)
    assert count(sent, "Còn 5 phút đến hạn") == 1
    assert count(sent, "Còn 2 phút đến hạn") == 1
    assert count(sent, "Đã đến hạn việc") == 1
    assert count(sent, "đã quá hạn 3 phút") == 1
    assert count(await texts(harness, LEADER), "vẫn quá hạn sau 30 phút") == 1
    async with harness.app.storage.read() as session:
        assert (await session.scalar(select(Task.escalated_at).where(Task.id == task))) is not None
    assert await harness.api_errors() == []
