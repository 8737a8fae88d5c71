"""A synthetic year of a team's work, written fast, for the sweep, digest and footprint benchmarks.

The team is the demo roster (12 people with Telegram accounts). Over the
365 days before `now`:
- tasks created evenly, each with a deadline 1-7 days later; those older
  than two weeks are done (95%) or cancelled, the rest are half still open;
- one assignee each (the lead), a worker of the team;
- status updates spread between a task's creation and its end: created,
  acknowledged, progress notes, done;
- the task reminders the product lays (`bot.tasks.reminders.deadline_steps`
  and `ack_steps`): those of the past done, an open task's future ones
  pending, and `due` of them pending and due right now (what one sweep finds);
- the weekly report (bot/reports/default_reports.yaml), one period a week,
  opened through the reports service, every member's submission stored.

Tasks, assignees, updates and reminders are bulk-inserted with SQLAlchemy
Core in chunks (ids given, so rows refer to each other without a round trip);
the roster and report periods go through the product's own services.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text, update

from bench.common import Stopwatch
from bench.live import DEMO_ROSTER
from bot.config import Settings
from bot.reminders.models import Reminder, ReminderStatus
from bot.reports.models import Obligation, ReportPeriod, Submission
from bot.reports.service import open_scheduled, period_fields
from bot.reports.types import DEFAULT_FILE, FieldSpec, load_report_types
from bot.roster.file import load_roster
from bot.roster.models import Member, Role
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.tasks.models import Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind
from bot.tasks.reminders import ACK_KIND, DEADLINE_KIND, ack_steps, deadline_steps
from bot.tasks.rules import TaskRules

CHUNK = 5_000
YEAR = timedelta(days=365)
OPEN = [TaskStatus.NEW, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED]
TITLES = ["Tổng hợp số liệu quét mã QR", "Kiểm tra đường truyền điểm tiêm", "Hỗ trợ nhập kết quả xét nghiệm",
          "Rà soát tài khoản PC-Covid", "Cập nhật bản đồ nguy cơ", "Xử lý phản ánh của người dân",
          "Báo cáo tình hình cách ly", "Vá lỗ hổng máy chủ"]
NOTES = ["tiến độ 30%", "đang làm, chờ số liệu huyện", "được 60% rồi", "tiến độ 80", "vướng đường truyền"]


@dataclass
class Year:
    team_id: int
    now: datetime
    tasks: int = 0
    updates: int = 0
    reminders: int = 0
    due: int = 0
    periods: int = 0
    submissions: int = 0
    seconds: float = 0.0


async def build_year(storage: Storage, *, now: datetime, tasks: int, updates: int, due: int = 0,
                     periods: int = 52, seed: int = 8) -> Year:
    """Write the year into a migrated, empty database; `updates` in all, about updates/tasks per task."""
    rng = random.Random(seed)
    settings = Settings(_env_file=None)
    rules = TaskRules.from_settings(settings)
    with Stopwatch() as watch:
        async with storage.transaction() as session:
            summary = await import_roster(session, load_roster(DEMO_ROSTER), now=now - YEAR - timedelta(days=1))
            members = list(await session.scalars(select(Member).where(Member.telegram_id.is_not(None))))
            team_id = members[0].team_id
        year = Year(team_id=team_id, now=now)
        assert summary.team_code
        workers = [m.id for m in members if m.role not in (Role.DIRECTOR, Role.UNIT_MANAGER)]
        leader = next(m.id for m in members if m.role == Role.LEADER)
        await _write_tasks(storage, year, rng, rules, workers, leader, tasks, updates, due)
        await _write_reports(storage, year, rng, periods)
        if storage.dialect == "postgresql":
            await _advance_sequences(storage)
    year.seconds = watch.seconds
    return year


async def _write_tasks(storage: Storage, year: Year, rng: random.Random, rules: TaskRules, workers: list[int],
                       leader: int, count: int, updates: int, due: int) -> None:
    per_task = max(2, round(updates / count)) if count else 0
    task_rows, assignee_rows, update_rows, reminder_rows = [], [], [], []
    update_id = reminder_id = 0
    nearest = min(rules.reminder_offsets, default=timedelta(hours=2))
    for task_id in range(1, count + 1):
        created = year.now - YEAR + YEAR * (task_id - 0.5) / count
        recent = year.now - created < timedelta(days=14)
        deadline = created + timedelta(days=rng.uniform(1, 7))
        falls_due = task_id > count - due  # the newest tasks: their last reminder before the deadline is due now
        if falls_due:
            created, deadline, status = year.now - timedelta(days=1), year.now + nearest, TaskStatus.IN_PROGRESS
        elif recent and rng.random() < 0.5:
            status = rng.choice(OPEN)
        else:
            status = TaskStatus.DONE if rng.random() < 0.95 else TaskStatus.CANCELLED
        ended = min(deadline + timedelta(hours=rng.uniform(-20, 6)), year.now) if status not in OPEN else None
        ended = max(ended, created + timedelta(minutes=30)) if ended else None
        member = rng.choice(workers)
        task_rows.append({
            "id": task_id, "team_id": year.team_id, "title": f"{rng.choice(TITLES)} #{task_id}", "priority": "normal",
            "status": status, "percent": 100 if status == TaskStatus.DONE else None, "deadline_at": deadline,
            "schedule_revision": 0, "source": "direct", "created_by_member_id": leader, "created_at": created,
            "updated_at": ended or created, "done_at": ended if status == TaskStatus.DONE else None,
            "cancelled_at": ended if status == TaskStatus.CANCELLED else None,
        })
        acknowledged = created + timedelta(minutes=rng.uniform(5, 90)) if status != TaskStatus.NEW else None
        assignee_rows.append({
            "id": task_id, "team_id": year.team_id, "task_id": task_id, "member_id": member, "lead": True,
            "active": True, "assigned_at": created, "acknowledged_at": acknowledged,
        })
        for kind, at, task_status, note in _history(rng, status, created, acknowledged, ended or year.now, per_task):
            update_id += 1
            update_rows.append({
                "id": update_id, "team_id": year.team_id, "task_id": task_id, "at": at,
                "author_member_id": leader if kind == UpdateKind.CREATED else member, "kind": kind,
                "status": task_status, "text": note,
            })
        shape = Task(deadline_at=deadline, schedule_revision=0)
        holder = TaskAssignee(assigned_at=created)
        for kind, subject, steps in ((DEADLINE_KIND, task_id, deadline_steps(shape, rules)),
                                     (ACK_KIND, task_id, ack_steps(shape, holder, rules))):
            for step, due_at in steps:
                if falls_due and kind == DEADLINE_KIND and due_at == year.now:
                    due_at = year.now - timedelta(seconds=1)
                reminder_status = _reminder_status(status, due_at, year.now, kind, acknowledged)
                if reminder_status is None:
                    continue
                reminder_id += 1
                reminder_rows.append({
                    "id": reminder_id, "team_id": year.team_id, "kind": kind, "subject_id": subject, "step": step,
                    "due_at": due_at, "respects_quiet_hours": False, "status": reminder_status,
                    "done_at": due_at if reminder_status == ReminderStatus.DONE else None,
                })
        if len(update_rows) >= CHUNK:
            await _flush(storage, task_rows, assignee_rows, update_rows, reminder_rows)
    await _flush(storage, task_rows, assignee_rows, update_rows, reminder_rows)
    year.tasks, year.updates, year.reminders = count, update_id, reminder_id
    async with storage.read() as session:
        year.due = await session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= year.now)) or 0


def _history(rng: random.Random, status: TaskStatus, created: datetime, acknowledged: datetime | None,
             end: datetime, count: int) -> Iterator[tuple[UpdateKind, datetime, TaskStatus, str | None]]:
    yield UpdateKind.CREATED, created, TaskStatus.NEW, None
    if acknowledged is None:
        return
    yield UpdateKind.ACKNOWLEDGED, acknowledged, TaskStatus.ACKNOWLEDGED, None
    notes = count - 3 if status in (TaskStatus.DONE, TaskStatus.CANCELLED) else count - 2
    span = max((end - acknowledged).total_seconds(), 60)
    for number in range(max(notes, 0)):
        at = acknowledged + timedelta(seconds=span * (number + 1) / (notes + 1))
        yield UpdateKind.PROGRESS, at, TaskStatus.IN_PROGRESS, rng.choice(NOTES)
    if status == TaskStatus.DONE:
        yield UpdateKind.DONE, end, TaskStatus.DONE, "xong rồi"
    elif status == TaskStatus.CANCELLED:
        yield UpdateKind.CANCELLED, end, TaskStatus.CANCELLED, None


def _reminder_status(status: TaskStatus, due_at: datetime, now: datetime, kind: str,
                     acknowledged: datetime | None) -> ReminderStatus | None:
    """What became of a reminder the product laid; None for one it would not have laid."""
    if kind == ACK_KIND and acknowledged is not None and acknowledged < due_at:
        return ReminderStatus.CANCELLED
    if due_at <= now - timedelta(seconds=1) and status not in OPEN:
        return ReminderStatus.DONE if due_at < now - timedelta(days=1) else ReminderStatus.CANCELLED
    if due_at < now - timedelta(seconds=1):
        return ReminderStatus.DONE
    return ReminderStatus.PENDING if status in OPEN else ReminderStatus.CANCELLED


async def _flush(storage: Storage, *batches: list[dict[str, Any]]) -> None:
    """Insert what was gathered, parents first, and empty the lists."""
    async with storage.transaction() as session:
        connection = await session.connection()  # Core, not the ORM's bulk path: several times faster
        for model, rows in zip((Task, TaskAssignee, TaskUpdate, Reminder), batches):
            for start in range(0, len(rows), CHUNK):
                await connection.execute(insert(model.__table__), rows[start:start + CHUNK])
    for rows in batches:
        rows.clear()


async def _write_reports(storage: Storage, year: Year, rng: random.Random, periods: int) -> None:
    """`periods` weekly periods opened by the reports service, due Fridays 16:00, all submitted."""
    report = load_report_types(DEFAULT_FILE).types[0]
    last_due = year.now - timedelta(days=(year.now.weekday() - 4) % 7 or 7)
    last_due = last_due.replace(hour=9, minute=0, second=0, microsecond=0)  # 16:00 in Hà Nội
    async with storage.transaction() as session:
        for week in range(periods, 0, -1):
            due_at = last_due - timedelta(weeks=week - 1)
            period = await open_scheduled(session, year.team_id, report, due_at, due_at - timedelta(days=1))
            if period is None:
                continue
            year.periods += 1
            fields = {f.code: f for f in period_fields(period)}
            for obligation in await session.scalars(select(Obligation).where(Obligation.period_id == period.id)):
                values = {code: _value(fields[code], rng, week) for code in obligation.field_codes if code in fields}
                late = rng.random() < 0.1
                session.add(Submission(team_id=year.team_id, period_id=period.id, member_id=obligation.member_id,
                                       values={k: v for k, v in values.items() if v is not None},
                                       submitted_at=due_at + timedelta(hours=2 if late else -3), late=late,
                                       corrections=0))
                year.submissions += 1
        await session.execute(update(Reminder).where(Reminder.kind != DEADLINE_KIND, Reminder.kind != ACK_KIND,
                                                     Reminder.due_at < year.now)
                              .values(status=ReminderStatus.DONE))


def _value(field: FieldSpec, rng: random.Random, week: int) -> Any:
    if field.kind == "integer":
        top = int(field.max or Decimal(10_000))
        return int(top * rng.uniform(0.01, 0.05) * (1 + (52 - week) / 52))
    if field.kind == "percent":
        return round(rng.uniform(40, 95), 1)
    if field.kind == "choice":
        return field.choices[0].code if getattr(field, "choices", None) else None
    return rng.choice([None, "Ổn định, không có sự cố.", "Mất kết nối 2 giờ ở một điểm tiêm."])


async def _advance_sequences(storage: Storage) -> None:
    """Ids were given: move PostgreSQL's sequences past them so the bot's own inserts do not collide."""
    async with storage.transaction() as session:
        for table in ("tasks", "task_assignees", "task_updates", "reminders"):
            await session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"
            ))


async def table_sizes(storage: Storage) -> dict[str, int]:
    sizes = {}
    async with storage.read() as session:
        for model in (Task, TaskAssignee, TaskUpdate, Reminder, ReportPeriod, Submission):
            sizes[model.__tablename__] = await session.scalar(select(func.count()).select_from(model)) or 0
    return sizes
