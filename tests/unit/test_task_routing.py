"""Routing area work: fewest open tasks, then the lightest deadline load, then roster order."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.roster.file import parse_roster
from bot.roster.models import Member
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.tasks.outcomes import Refused
from bot.tasks.rules import TaskRules
from bot.tasks.routing import route_to_area
from bot.tasks.service import Created, NewTask, StatusChange, change_status, create_task
from bot.config import Settings

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
RULES = TaskRules.from_settings(Settings(_env_file=None))
ROSTER = """
team: {code: t1, name: "Tổ một"}
areas: [{code: qr, name: "QR"}, {code: hatang, name: "Hạ tầng"}, {code: antoan, name: "An toàn"}]
members:
  - {telegram_id: 10, full_name: "Lê Tổ Trưởng", role: leader, areas: [antoan]}
  - {telegram_id: 11, full_name: "Phó Một", role: deputy, areas: [antoan]}
  - {telegram_id: 21, full_name: "An Một", role: member, areas: [qr]}
  - {telegram_id: 22, full_name: "Bình Hai", role: member, areas: [qr, hatang]}
  - {telegram_id: 23, full_name: "Chi Ba", role: member, areas: [qr]}
  - {code: unlinked, full_name: "Chưa Liên Kết", role: member, areas: [qr]}
  - {telegram_id: 24, full_name: "Đã Nghỉ", role: member, areas: [qr]}
"""


@pytest.fixture
async def team(storage: Storage) -> Storage:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=NOW)
        gone = await session.scalar(select(Member).where(Member.telegram_id == 24))
        assert gone is not None
        gone.active = False
    return storage


async def member(session, telegram_id: int) -> Member:  # type: ignore[no-untyped-def]
    found = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    assert found is not None
    return found


async def give(storage: Storage, telegram_id: int, deadline: datetime | None = None) -> int:
    async with storage.transaction() as session:
        created = await create_task(session, by=await member(session, 10), rules=RULES, now=NOW, new=NewTask(
            title="Việc", member_ids=[(await member(session, telegram_id)).id], deadline_at=deadline))
        assert isinstance(created, Created)
        return created.task.id


async def routed(storage: Storage, area: str, count: int = 1) -> list[str]:
    async with storage.read() as session:
        return [m.full_name for m in await route_to_area(session, 1, area, count=count)]


async def test_fewest_open_tasks_then_lightest_deadline_load_then_roster_order(team: Storage) -> None:
    assert await routed(team, "qr", count=3) == ["An Một", "Bình Hai", "Chi Ba"]  # all idle: roster order
    await give(team, 21)
    assert await routed(team, "qr") == ["Bình Hai"]
    await give(team, 22, NOW + timedelta(hours=3))
    await give(team, 23, NOW + timedelta(days=2))
    # One task each: An's has no deadline (lightest), Chi's is due later than Bình's.
    assert await routed(team, "qr", count=3) == ["An Một", "Chi Ba", "Bình Hai"]


async def test_every_area_of_a_member_counts_and_closed_tasks_do_not(team: Storage) -> None:
    busy = await give(team, 22)  # Bình works on qr and hatang
    assert await routed(team, "qr") == ["An Một"]
    async with team.transaction() as session:
        done = await change_status(session, task_id=busy, by=await member(session, 22), change=StatusChange("done"),
                                   rules=RULES, now=NOW)
        assert not isinstance(done, Refused)
    assert await routed(team, "qr", count=2) == ["An Một", "Bình Hai"]


async def test_inactive_and_unlinked_members_never_receive_work(team: Storage) -> None:
    assert "Đã Nghỉ" not in await routed(team, "qr", count=10)
    assert "Chưa Liên Kết" not in await routed(team, "qr", count=10)


async def test_an_area_without_members_falls_back_to_its_leaders(team: Storage) -> None:
    assert await routed(team, "antoan", count=2) == ["Lê Tổ Trưởng", "Phó Một"]
    assert await routed(team, "nothing") == []


async def test_routed_creation_records_the_area_and_the_alternatives(team: Storage) -> None:
    await give(team, 21)
    async with team.transaction() as session:
        created = await create_task(session, by=await member(session, 10), rules=RULES, now=NOW,
                                    new=NewTask(title="Trực QR", area_code="qr"))
    assert isinstance(created, Created)
    assert [a.member.full_name for a in created.task.current] == ["Bình Hai"]
    assert created.task.area is not None and created.task.area.code == "qr" and created.task.source == "area"
    assert [m.full_name for m in created.alternatives] == ["An Một", "Chi Ba"]
