"""The task rules without Telegram: handing out, answering, managing, refusing, and the digest query."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.audit import AuditEntry
from bot.config import Settings
from bot.outbox.models import Kind, OutboxMessage, Status
from bot.roster.file import parse_roster
from bot.roster.models import Member
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.tasks import service
from bot.tasks.digest import task_digest
from bot.tasks.models import Priority, Task, TaskStatus, TaskUpdate, UpdateKind
from bot.tasks.outcomes import Refusal, Refused
from bot.tasks.rules import TaskRules
from bot.tasks.service import Created, NewTask, StatusChange

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
RULES = TaskRules.from_settings(Settings(_env_file=None))
ROSTER = """
team: {code: t1, name: "Tổ một", group_chat_id: -100777}
areas: [{code: qr, name: "QR"}]
members:
  - {telegram_id: 10, full_name: "Lê Tổ Trưởng", role: leader}
  - {telegram_id: 11, full_name: "Phó Một", role: deputy}
  - {telegram_id: 21, full_name: "An Một", role: member, areas: [qr]}
  - {telegram_id: 22, full_name: "Bình Hai", role: member, areas: [qr], language: en}
  - {telegram_id: 30, full_name: "Giám Đốc", role: director}
"""
OTHER = """
team: {code: t2, name: "Tổ hai"}
members:
  - {telegram_id: 40, full_name: "Tổ Trưởng Hai", role: leader}
  - {telegram_id: 41, full_name: "Thành Viên Hai", role: member}
"""


@pytest.fixture
async def team(storage: Storage) -> Storage:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=NOW)
        await import_roster(session, parse_roster(OTHER), now=NOW)
    return storage


async def member(session: Any, telegram_id: int) -> Member:
    found = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    assert found is not None
    return found


async def create(storage: Storage, *people: int, by: int = 10, at: datetime = NOW, **fields: Any) -> Task:
    async with storage.transaction() as session:
        ids = [(await member(session, p)).id for p in people]
        created = await service.create_task(session, by=await member(session, by), rules=RULES, now=at,
                                            new=NewTask(title=fields.pop("title", "Vá lỗ hổng"), member_ids=ids, **fields))
        assert isinstance(created, Created), created
        return created.task


async def act(storage: Storage, name: str, by: int, at: datetime = NOW, **kwargs: Any) -> Task | Refused:
    async with storage.transaction() as session:
        return await getattr(service, name)(session, by=await member(session, by), rules=RULES, now=at, **kwargs)


async def status(storage: Storage, task: Task, by: int, kind: str, text: str | None = None,
                 percent: int | None = None, at: datetime = NOW) -> Task | Refused:
    return await act(storage, "change_status", by, at, task_id=task.id,
                     change=StatusChange(kind, percent, text))  # type: ignore[arg-type]


async def outbox(storage: Storage) -> list[OutboxMessage]:
    async with storage.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_handing_out_writes_cards_summary_group_line_history_audit(team: Storage) -> None:
    task = await create(team, 21, 22, deadline_at=NOW + timedelta(days=2), priority=Priority.URGENT)
    rows = await outbox(team)
    assert [(r.chat_id, r.ref) for r in rows] == [
        (21, f"task:{task.id}"), (22, f"task:{task.id}"), (10, f"task-summary:{task.id}"), (-100777, f"task-group:{task.id}"),
    ]
    assert "(chính)" in rows[0].text and "Khẩn" in rows[0].text  # type: ignore[operator]
    assert "Friday" in rows[1].text  # type: ignore[operator]  # Bình reads English dates
    async with team.read() as session:
        stored = await session.get(Task, task.id)
        assert stored is not None
        assert [(a.member.full_name, a.lead, a.card_outbox_id) for a in stored.current] == [
            ("An Một", True, rows[0].id), ("Bình Hai", False, rows[1].id)]
        assert await session.scalar(select(func.count()).select_from(TaskUpdate)) == 1
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "task.create"))
        assert audit is not None and audit.after and audit.after["assignees"] == [a.member_id for a in stored.current]


@pytest.mark.parametrize(("by", "fields", "reason"), [
    (21, {}, Refusal.NOT_ALLOWED),  # a member may not hand out work
    (30, {}, Refusal.NOT_ALLOWED),  # nor the Director (the leaders do)
    (10, {"title": "   "}, Refusal.NO_TITLE),
    (10, {"title": "x" * 1001}, Refusal.TITLE_TOO_LONG),
    (10, {"deadline_at": NOW - timedelta(minutes=1)}, Refusal.PAST_DEADLINE),
])
async def test_refusals_when_handing_out(team: Storage, by: int, fields: dict[str, Any], reason: Refusal) -> None:
    async with team.transaction() as session:
        outcome = await service.create_task(session, by=await member(session, by), rules=RULES, now=NOW, new=NewTask(
            title=fields.pop("title", "Việc"), member_ids=[(await member(session, 21)).id], **fields))
    assert outcome == Refused(reason)
    assert await outbox(team) == []


async def test_recipients_must_be_active_staff_of_the_team(team: Storage) -> None:
    async with team.transaction() as session:
        leader = await member(session, 10)
        for other in (41, 30):  # another team's member; the Director
            outcome = await service.create_task(session, by=leader, rules=RULES, now=NOW, new=NewTask(
                title="Việc", member_ids=[(await member(session, other)).id]))
            assert outcome == Refused(Refusal.NOT_ASSIGNABLE)
        assert await service.create_task(session, by=leader, rules=RULES, now=NOW, new=NewTask(title="Việc")) == \
            Refused(Refusal.NO_RECIPIENT)
        assert await service.create_task(session, by=leader, rules=RULES, now=NOW, new=NewTask(
            title="Việc", area_code="nowhere")) == Refused(Refusal.NOBODY_IN_AREA)


async def test_answers_acknowledge_move_the_status_and_are_kept_in_history(team: Storage) -> None:
    task = await create(team, 21, 22)
    support_ack = await status(team, task, 22, "ack")
    assert isinstance(support_ack, Task) and support_ack.status == TaskStatus.NEW  # only the lead's ack moves it
    assert await status(team, task, 22, "ack") == Refused(Refusal.UNCHANGED)
    noted = await status(team, task, 21, "note", "đang chờ số liệu")
    assert isinstance(noted, Task) and noted.status == TaskStatus.ACKNOWLEDGED
    progress = await status(team, task, 21, "progress", "được 40%", 40)
    assert isinstance(progress, Task) and (progress.status, progress.percent) == (TaskStatus.IN_PROGRESS, 40)
    blocked = await status(team, task, 22, "blocked", "vướng quyền")
    assert isinstance(blocked, Task) and (blocked.status, blocked.percent) == (TaskStatus.BLOCKED, 40)
    done = await status(team, task, 21, "done", "xong")
    assert isinstance(done, Task) and (done.status, done.percent) == (TaskStatus.DONE, 100)
    assert await status(team, task, 21, "note", "thêm") == Refused(Refusal.CLOSED)
    async with team.read() as session:
        history = list(await session.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task.id)
                                             .order_by(TaskUpdate.id)))
    assert [(h.kind, h.author.full_name if h.author else None, h.text) for h in history] == [
        (UpdateKind.CREATED, "Lê Tổ Trưởng", None),
        (UpdateKind.ACKNOWLEDGED, "Bình Hai", None),
        (UpdateKind.NOTE, "An Một", "đang chờ số liệu"),
        (UpdateKind.PROGRESS, "An Một", "được 40%"),
        (UpdateKind.BLOCKED, "Bình Hai", "vướng quyền"),
        (UpdateKind.DONE, "An Một", "xong"),
    ]
    leader_messages = [r.text or "" for r in await outbox(team) if r.chat_id == 10 and r.kind == Kind.SEND]
    assert sum("gặp khó khăn" in t and "«vướng quyền»" in t for t in leader_messages) == 1
    assert sum("đã hoàn thành việc" in t for t in leader_messages) == 1


async def test_nobody_touches_a_task_that_is_not_theirs(team: Storage) -> None:
    task = await create(team, 21)
    assert await status(team, task, 22, "done") == Refused(Refusal.NOT_YOURS)  # same team, not on it
    assert await status(team, task, 41, "done") == Refused(Refusal.NOT_FOUND)  # another team
    assert await act(team, "cancel_task", 40, task_id=task.id) == Refused(Refusal.NOT_FOUND)
    assert await act(team, "cancel_task", 21, task_id=task.id) == Refused(Refusal.NOT_ALLOWED)
    assert await act(team, "reassign", 30, task_id=task.id, member_id=task.current[0].member_id) == \
        Refused(Refusal.NOT_ALLOWED)
    async with team.read() as session:
        stored = await session.get(Task, task.id)
        assert stored is not None and stored.status == TaskStatus.NEW


async def test_reassign_promotes_a_supporter_or_adds_the_new_lead(team: Storage) -> None:
    task = await create(team, 21, 22)
    async with team.read() as session:
        binh = await member(session, 22)
        an = await member(session, 21)
        pho = await member(session, 11)
    moved = await act(team, "reassign", 11, task_id=task.id, member_id=binh.id)
    assert isinstance(moved, Task)
    assert [(a.member.full_name, a.lead) for a in moved.current] == [("Bình Hai", True)]
    assert await act(team, "reassign", 11, task_id=task.id, member_id=binh.id) == Refused(Refusal.UNCHANGED)
    moved = await act(team, "reassign", 10, task_id=task.id, member_id=pho.id)
    assert isinstance(moved, Task) and [a.member.full_name for a in moved.current] == ["Phó Một"]
    assert moved.status == TaskStatus.NEW
    assert await status(team, task, 21, "done") == Refused(Refusal.NOT_YOURS)
    assert an.id not in [a.member_id for a in moved.current]


async def test_deadline_priority_cancel_reopen(team: Storage) -> None:
    task = await create(team, 21, deadline_at=NOW + timedelta(days=1))
    later = NOW + timedelta(days=3)
    assert await act(team, "change_deadline", 10, task_id=task.id, deadline_at=NOW - timedelta(hours=1)) == \
        Refused(Refusal.PAST_DEADLINE)
    moved = await act(team, "change_deadline", 10, task_id=task.id, deadline_at=later)
    assert isinstance(moved, Task) and moved.deadline_at == later and moved.schedule_revision == 1
    assert await act(team, "change_deadline", 10, task_id=task.id, deadline_at=later) == Refused(Refusal.UNCHANGED)
    urgent = await act(team, "change_priority", 11, task_id=task.id, priority=Priority.URGENT)
    assert isinstance(urgent, Task) and urgent.priority == Priority.URGENT
    cancelled = await act(team, "cancel_task", 10, task_id=task.id)
    assert isinstance(cancelled, Task) and cancelled.status == TaskStatus.CANCELLED
    assert await act(team, "cancel_task", 10, task_id=task.id) == Refused(Refusal.CLOSED)
    assert await act(team, "change_priority", 10, task_id=task.id, priority=Priority.NORMAL) == Refused(Refusal.CLOSED)
    reopened = await act(team, "reopen_task", 10, task_id=task.id)
    assert isinstance(reopened, Task) and reopened.status == TaskStatus.NEW and reopened.schedule_revision == 2
    assert await act(team, "reopen_task", 10, task_id=task.id) == Refused(Refusal.OPEN)
    async with team.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"task:{task.id}")
                                             .order_by(AuditEntry.id)))
    assert actions == ["task.create", "task.deadline", "task.priority", "task.cancel", "task.reopen"]


async def test_digest(team: Storage) -> None:
    old = await create(team, 21, title="Việc cũ", at=NOW - timedelta(days=3), deadline_at=NOW - timedelta(days=1))
    blocked = await create(team, 22, title="Việc vướng", deadline_at=NOW + timedelta(days=1))
    finished = await create(team, 21, title="Việc xong")
    await status(team, blocked, 22, "blocked", "chưa có tài khoản")
    await status(team, finished, 21, "done")
    async with team.transaction() as session:
        stored = await session.get(Task, old.id)
        assert stored is not None
        stored.escalated_at = NOW
    async with team.read() as session:
        digest = await task_digest(session, 1, since=NOW - timedelta(days=1), now=NOW)
        other = await task_digest(session, 2, since=NOW - timedelta(days=1), now=NOW)
    assert [t.title for t in digest.new] == ["Việc vướng", "Việc xong"]
    assert [t.title for t in digest.done] == ["Việc xong"]
    assert [(t.title, t.people, t.late_by) for t in digest.overdue] == [("Việc cũ", ["An Một"], timedelta(days=1))]
    assert [(t.title, t.words) for t in digest.blocked] == [("Việc vướng", "chưa có tài khoản")]
    assert [t.title for t in digest.escalated] == ["Việc cũ"]
    assert digest.open_count == 2
    assert (other.new, other.overdue, other.open_count) == ([], [], 0)


async def test_the_summary_shows_the_latest_update_and_an_unsent_edit_gives_way_to_the_next(team: Storage) -> None:
    task = await create(team, 21)

    async def summary_edits() -> list[tuple[Status, str]]:
        return [(r.status, r.text or "") for r in await outbox(team) if r.kind == Kind.EDIT and r.chat_id == 10]

    await status(team, task, 21, "progress", "được 40%", 40)
    await status(team, task, 21, "progress", "được 60%", 60)  # before the first edit went out
    edits = await summary_edits()
    assert [s for s, _ in edits] == [Status.SUPERSEDED, Status.PENDING]
    assert "Cập nhật gần nhất: An Một" in edits[-1][1] and "«được 60%»" in edits[-1][1]

    async with team.transaction() as session:  # delivered; then the next one is being sent
        await session.execute(update(OutboxMessage).where(OutboxMessage.status == Status.PENDING)
                              .values(status=Status.SENT, attempts=1))
    await status(team, task, 21, "blocked", "vướng quyền")
    async with team.transaction() as session:
        last = max(r.id for r in await outbox(team) if r.kind == Kind.EDIT and r.chat_id == 10)
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == last).values(attempts=1))
    await status(team, task, 21, "done", "xong")
    edits = await summary_edits()
    assert [s for s, _ in edits] == [Status.SUPERSEDED, Status.SENT, Status.PENDING, Status.PENDING]
    assert "«vướng quyền»" in edits[2][1] and "«xong»" in edits[3][1]
