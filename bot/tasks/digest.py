"""The tasks part of the Director's digest: plain data, rendered by the digest feature.

- new: tasks handed out since `since`;
- done: tasks finished since `since`;
- overdue: open tasks past their deadline now, with how late;
- blocked: open tasks marked blocked, with the member's latest words;
- escalated: open tasks still overdue DIEUPHOI_ESCALATE_AFTER past the deadline.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tasks.models import OPEN_STATUSES, Priority, Task, TaskStatus, TaskUpdate, UpdateKind


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


def _item(task: Task, **extra: object) -> DigestTask:
    return DigestTask(
        id=task.id, title=task.title, people=[a.member.full_name for a in task.current],
        deadline_at=task.deadline_at, priority=Priority(task.priority), status=TaskStatus(task.status),
        **extra,  # type: ignore[arg-type]
    )


async def task_digest(session: AsyncSession, team_id: int, *, since: datetime, now: datetime) -> TaskDigest:
    digest = TaskDigest()
    team = Task.team_id == team_id
    opened = [str(s) for s in OPEN_STATUSES]
    created = await session.scalars(select(Task).where(team, Task.created_at >= since, Task.created_at <= now)
                                    .order_by(Task.created_at, Task.id))
    digest.new = [_item(t, at=t.created_at) for t in created]
    done = await session.scalars(select(Task).where(team, Task.status == str(TaskStatus.DONE), Task.done_at >= since,
                                                    Task.done_at <= now).order_by(Task.done_at, Task.id))
    digest.done = [_item(t, at=t.done_at) for t in done]
    open_tasks = list(await session.scalars(
        select(Task).where(team, Task.status.in_(opened))
        .order_by(Task.deadline_at.is_(None), Task.deadline_at, Task.id)
    ))
    digest.open_count = len(open_tasks)
    for task in open_tasks:
        if task.deadline_at is not None and task.deadline_at <= now:
            digest.overdue.append(_item(task, late_by=now - task.deadline_at))
            if task.escalated_at is not None:
                digest.escalated.append(_item(task, late_by=now - task.deadline_at, at=task.escalated_at))
        if task.status == TaskStatus.BLOCKED:
            words, since_at = await _blocked_words(session, task)
            digest.blocked.append(_item(task, words=words, at=since_at))
    return digest


async def _blocked_words(session: AsyncSession, task: Task) -> tuple[str | None, datetime | None]:
    """The member's latest words about being blocked, and when the task became blocked."""
    updates = list(await session.scalars(
        select(TaskUpdate).where(TaskUpdate.task_id == task.id, TaskUpdate.kind == str(UpdateKind.BLOCKED))
        .order_by(TaskUpdate.id.desc()).limit(5)
    ))
    words = next((u.text for u in updates if u.text), None)
    return words, updates[0].at if updates else None
