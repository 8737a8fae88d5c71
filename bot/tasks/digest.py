"""The tasks part of the Director's digest: plain data, rendered by the digest feature.

- new: tasks handed out since `since`;
- done: tasks finished since `since`;
- overdue: open tasks past their deadline now, with how late;
- blocked: open tasks marked blocked, with the member's latest words;
- escalated: open tasks still overdue DIEUPHOI_ESCALATE_AFTER past the deadline.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roster.models import Member
from bot.tasks.models import OPEN_STATUSES, Priority, Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind


@dataclass(frozen=True)
class DigestTask:
    id: int
    title: str
    people: list[str]  # full names, the lead first
    deadline_at: datetime | None
    priority: Priority
    status: TaskStatus
    late_by: timedelta | None = None  # overdue and escalated: now - deadline
    words: str | None = None  # blocked: what the member wrote
    at: datetime | None = None  # new: created; done: finished; blocked: since; escalated: flagged


@dataclass
class TaskDigest:
    new: list[DigestTask] = field(default_factory=list)
    done: list[DigestTask] = field(default_factory=list)
    overdue: list[DigestTask] = field(default_factory=list)
    blocked: list[DigestTask] = field(default_factory=list)
    escalated: list[DigestTask] = field(default_factory=list)
    open_count: int = 0


# What a digest line needs of a task: read as plain rows, never as ORM objects with their
# relationships (a year's export lists about 100,000 tasks).
COLUMNS = (Task.id, Task.title, Task.deadline_at, Task.priority, Task.status, Task.created_at, Task.done_at,
           Task.escalated_at)


def _item(task: Row[Any], people: dict[int, list[str]], **extra: object) -> DigestTask:
    return DigestTask(
        id=task.id, title=task.title, people=people.get(task.id, []),
        deadline_at=task.deadline_at, priority=Priority(task.priority), status=TaskStatus(task.status),
        **extra,  # type: ignore[arg-type]
    )


async def task_digest(session: AsyncSession, team_id: int, *, since: datetime, now: datetime) -> TaskDigest:
    digest = TaskDigest()
    team = Task.team_id == team_id
    created = team & (Task.created_at >= since) & (Task.created_at <= now)
    done = team & (Task.status == str(TaskStatus.DONE)) & (Task.done_at >= since) & (Task.done_at <= now)
    opened = team & Task.status.in_([str(s) for s in OPEN_STATUSES])

    tasks, people = await _tasks(session, created, (Task.created_at, Task.id))
    digest.new = [_item(t, people, at=t.created_at) for t in tasks]
    tasks, people = await _tasks(session, done, (Task.done_at, Task.id))
    digest.done = [_item(t, people, at=t.done_at) for t in tasks]
    open_tasks, people = await _tasks(session, opened, (Task.deadline_at.is_(None), Task.deadline_at, Task.id))
    digest.open_count = len(open_tasks)
    blocked = await _blocked_words(session, opened & (Task.status == str(TaskStatus.BLOCKED)))
    for task in open_tasks:
        if task.deadline_at is not None and task.deadline_at <= now:
            digest.overdue.append(_item(task, people, late_by=now - task.deadline_at))
            if task.escalated_at is not None:
                digest.escalated.append(_item(task, people, late_by=now - task.deadline_at, at=task.escalated_at))
        if task.status == TaskStatus.BLOCKED:
            words, since_at = blocked.get(task.id, (None, None))
            digest.blocked.append(_item(task, people, words=words, at=since_at))
    return digest


async def _tasks(session: AsyncSession, condition: ColumnElement[bool],
                 order: Sequence[Any]) -> tuple[list[Row[Any]], dict[int, list[str]]]:
    """The tasks matching `condition` in `order`, and who carries each out now (Task.current's names)."""
    tasks = list(await session.execute(select(*COLUMNS).where(condition).order_by(*order)))
    rows = await session.execute(
        select(TaskAssignee.task_id, TaskAssignee.lead, TaskAssignee.id, Member.full_name)
        .join(Task, Task.id == TaskAssignee.task_id).join(Member, Member.id == TaskAssignee.member_id)
        .where(condition, TaskAssignee.active.is_(True))
    )
    assignees: dict[int, list[tuple[bool, int, str]]] = {}
    for task_id, lead, assignee_id, name in rows:
        assignees.setdefault(task_id, []).append((not lead, assignee_id, name))
    return tasks, {task_id: [name for *_key, name in sorted(items)] for task_id, items in assignees.items()}


async def _blocked_words(session: AsyncSession,
                         blocked: ColumnElement[bool]) -> dict[int, tuple[str | None, datetime | None]]:
    """For each blocked task: the member's latest words about being blocked (among the last five such
    updates) and when the task became blocked (the last of them)."""
    rows = await session.execute(
        select(TaskUpdate.task_id, TaskUpdate.text, TaskUpdate.at).join(Task, Task.id == TaskUpdate.task_id)
        .where(blocked, TaskUpdate.kind == str(UpdateKind.BLOCKED))
        .order_by(TaskUpdate.task_id, TaskUpdate.id.desc())
    )
    latest: dict[int, list[tuple[str | None, datetime]]] = {}
    for task_id, text, at in rows:
        updates = latest.setdefault(task_id, [])
        if len(updates) < 5:
            updates.append((text, at))
    return {task_id: (next((text for text, _at in updates if text), None), updates[0][1])
            for task_id, updates in latest.items()}
