"""The rules of tasks: handing them out, answering them, managing them.

Every function takes the acting roster entry (`by`, a Member of the team the
person acts for), re-checks that the task is in that team and that `by` may
touch it (callback data is user input), and returns a Refused instead of
raising when not. Changes are written with their history row, audit entry,
reminder schedule and messages in the caller's transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from bot.audit import record
from bot.db import is_row_id
from bot.roster.models import Member, Role
from bot.tasks import notify, render
from bot.tasks import reminders as schedule
from bot.tasks.outcomes import Refusal, Refused
from bot.tasks.models import OPEN_STATUSES, Priority, Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind
from bot.tasks.routing import area_staff, route_to_area
from bot.tasks.rules import TaskRules

MANAGERS = {Role.LEADER, Role.DEPUTY}
ASSIGNABLE = {Role.LEADER, Role.DEPUTY, Role.MEMBER}
TITLE_LIMIT = 1000
# A task with everything its rules and cards read, in two queries: the task with its creator and
# area, then its assignees with their members. The models' own loading takes up to six: members
# and their areas by separate queries, and a member already loaded (the one answering) read again.
WHOLE_TASK = (
    joinedload(Task.created_by).joinedload(Member.areas),
    joinedload(Task.area),
    selectinload(Task.assignees).joinedload(TaskAssignee.member).joinedload(Member.areas),
)


StatusKind = Literal["ack", "progress", "blocked", "done", "note"]


@dataclass(frozen=True)
class StatusChange:
    kind: StatusKind
    percent: int | None = None
    text: str | None = None  # the member's words, as typed


@dataclass
class NewTask:
    title: str
    member_ids: list[int] = field(default_factory=list)  # the first is the lead, the others support
    area_code: str | None = None  # with no member_ids: route to this area's least loaded member
    deadline_at: datetime | None = None
    priority: Priority = Priority.NORMAL
    source: str = "direct"  # or "convocation", "report"... for tasks other features create


@dataclass
class Created:
    task: Task
    alternatives: list[Member]  # routed: the area's other people, for a one-tap reassignment


# ------------------------------------------------------------------ loading and checking


async def team_task(session: AsyncSession, team_id: int, task_id: int) -> Task | None:
    if not is_row_id(task_id):  # crafted callback data or a typed /viec number
        return None
    task = await session.get(Task, task_id, options=WHOLE_TASK)
    return task if task is not None and task.team_id == team_id else None


async def managed_task(session: AsyncSession, task_id: int, by: Member) -> Task | Refused:
    """A task of by's team that by (the leader or a deputy) may manage."""
    if by.role not in MANAGERS or not by.active:
        return Refused(Refusal.NOT_ALLOWED)
    task = await team_task(session, by.team_id, task_id)
    return task if task is not None else Refused(Refusal.NOT_FOUND)


async def open_managed_task(session: AsyncSession, task_id: int, by: Member) -> Task | Refused:
    """A still-open task that by may manage (reassign, move, reprioritise, cancel)."""
    task = await managed_task(session, task_id, by)
    if isinstance(task, Refused) or task.is_open:
        return task
    return Refused(Refusal.CLOSED)


def _history(
    session: AsyncSession, task: Task, kind: UpdateKind, now: datetime, *, by: Member | None,
    text: str | None = None, data: dict[str, Any] | None = None,
) -> TaskUpdate:
    update = TaskUpdate(team_id=task.team_id, task_id=task.id, at=now, author=by,
                        kind=kind, status=task.status, percent=task.percent, text=text, data=data)
    session.add(update)
    notify.remember_update(session, update)
    task.updated_at = now
    return update


def _audit(session: AsyncSession, task: Task, action: str, by: Member, now: datetime,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    record(session, at=now, action=action, subject=f"task:{task.id}", actor=by.telegram_id, team_id=task.team_id,
           before=before, after=after)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# ------------------------------------------------------------------ handing out


async def assignable_members(session: AsyncSession, team_id: int, member_ids: list[int]) -> list[Member] | None:
    """The members, in the order given, if all are active leaders, deputies or members of the team."""
    rows = {
        m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(member_ids)))
        if m.team_id == team_id and m.active and m.role in ASSIGNABLE
    }
    if any(member_id not in rows for member_id in member_ids):
        return None
    return [rows[member_id] for member_id in dict.fromkeys(member_ids)]


async def create_task(
    session: AsyncSession, *, by: Member, new: NewTask, rules: TaskRules, now: datetime,
    summary_chat_id: int | None = None,
) -> Created | Refused:
    """Hand out a task: cards to the assignees, a summary to the assigner, a line in the team group.

    Other features (convocations, report requests) call it with area_code to
    route work to the least loaded member of an area.
    """
    if by.role not in MANAGERS or not by.active:
        return Refused(Refusal.NOT_ALLOWED)
    title = " ".join(new.title.split())
    if not title:
        return Refused(Refusal.NO_TITLE)
    if len(title) > TITLE_LIMIT:
        return Refused(Refusal.TITLE_TOO_LONG)
    if new.deadline_at is not None and new.deadline_at <= now:
        return Refused(Refusal.PAST_DEADLINE)
    alternatives: list[Member] = []
    area_id = None
    if new.member_ids:
        people = await assignable_members(session, by.team_id, new.member_ids)
        if people is None:
            return Refused(Refusal.NOT_ASSIGNABLE)
    elif new.area_code:
        people = await route_to_area(session, by.team_id, new.area_code)
        if not people:
            return Refused(Refusal.NOBODY_IN_AREA)
        staff = await area_staff(session, by.team_id, new.area_code)
        alternatives = [m for m in staff if m.id != people[0].id]
        area_id = next(a.id for a in people[0].areas if a.code == new.area_code)
    else:
        return Refused(Refusal.NO_RECIPIENT)

    task = Task(team_id=by.team_id, title=title, priority=new.priority, status=TaskStatus.NEW,
                deadline_at=new.deadline_at, schedule_revision=0, area_id=area_id,
                source="area" if area_id and new.source == "direct" else new.source,
                created_by_member_id=by.id, created_at=now, updated_at=now)
    session.add(task)
    await session.flush()
    for index, member in enumerate(people):
        session.add(TaskAssignee(team_id=task.team_id, task_id=task.id, member_id=member.id, lead=index == 0,
                                 active=True, assigned_at=now))
    await session.flush()
    await session.refresh(task, ["assignees", "area", "created_by"])
    _history(session, task, UpdateKind.CREATED, now, by=by,
             data={"to": [m.full_name for m in people], "deadline": _iso(task.deadline_at)})
    _audit(session, task, "task.create", by, now, None, _snapshot(task))
    await schedule.lay_all(session, task, rules, now)
    for assignee in task.current:
        await notify.send_card(session, task, assignee, rules, now)
    chat_id = summary_chat_id or by.telegram_id
    if chat_id is not None:
        await notify.send_summary(session, task, chat_id, await notify.member_locale(session, by, rules), rules, now,
                                  alternatives)
    await notify.announce(session, task, rules, now)
    return Created(task, alternatives)


def _snapshot(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "status": str(task.status),
        "priority": str(task.priority),
        "deadline": _iso(task.deadline_at),
        "assignees": [a.member_id for a in task.current],
        "lead": task.lead.member_id if task.lead else None,
    }


# ------------------------------------------------------------------ members answering


async def change_status(
    session: AsyncSession, *, task_id: int, by: Member, change: StatusChange, rules: TaskRules, now: datetime
) -> Task | Refused:
    """A member's button or reply: acknowledged, progress, blocked, done, or a note.

    Any answer also acknowledges the task. Repeating the current state
    ("Đã nhận" twice) is refused as UNCHANGED and changes nothing.
    """
    task = await team_task(session, by.team_id, task_id)
    if task is None:
        return Refused(Refusal.NOT_FOUND)
    assignee = next((a for a in task.current if a.member_id == by.id), None)
    if assignee is None:
        return Refused(Refusal.NOT_YOURS)
    if not task.is_open:
        return Refused(Refusal.CLOSED)
    if _repeats(task, assignee, change):
        return Refused(Refusal.UNCHANGED)
    before = _snapshot(task)
    newly_acknowledged = await _acknowledge(session, task, assignee, now)
    kind = _apply(task, change, now)
    if kind is not None:
        _history(session, task, kind, now, by=by, text=change.text)
    elif newly_acknowledged:
        _history(session, task, UpdateKind.ACKNOWLEDGED, now, by=by)
    _audit(session, task, "task.status", by, now, before, {**_snapshot(task), "change": change.kind})
    if task.status == TaskStatus.DONE:
        await schedule.drop_all(session, task)
        await notify.tell_leaders(session, task, lambda: render.done_alert(task, by), rules, now)
    if change.kind == "blocked" and change.text:
        await notify.tell_leaders(session, task, lambda: render.blocked_alert(task, by, change.text, rules.zone),
                                  rules, now)
    await notify.refresh(session, task, rules, now)
    return task


def _repeats(task: Task, assignee: TaskAssignee, change: StatusChange) -> bool:
    if change.kind == "ack":
        return assignee.acknowledged_at is not None
    if change.kind == "progress" and not change.text:
        return task.status == TaskStatus.IN_PROGRESS and change.percent in (None, task.percent)
    if change.kind == "blocked" and not change.text:
        return task.status == TaskStatus.BLOCKED
    return False


async def _acknowledge(session: AsyncSession, task: Task, assignee: TaskAssignee, now: datetime) -> bool:
    if assignee.acknowledged_at is not None:
        return False
    assignee.acknowledged_at = now
    await schedule.drop_ack(session, assignee)
    if assignee.lead and task.status == TaskStatus.NEW:
        task.status = TaskStatus.ACKNOWLEDGED
    return True


def _apply(task: Task, change: StatusChange, now: datetime) -> UpdateKind | None:
    """Change the task's state; the kind of history entry to write (None: only acknowledged)."""
    if change.kind == "progress":
        task.status = TaskStatus.IN_PROGRESS
        task.percent = change.percent if change.percent is not None else task.percent
        return UpdateKind.PROGRESS
    if change.kind == "blocked":
        task.status = TaskStatus.BLOCKED
        task.percent = change.percent if change.percent is not None else task.percent
        return UpdateKind.BLOCKED
    if change.kind == "done":
        task.status, task.percent, task.done_at = TaskStatus.DONE, 100, now
        return UpdateKind.DONE
    if change.kind == "note":
        return UpdateKind.NOTE
    return None


# ------------------------------------------------------------------ leader and deputies managing


async def reassign(
    session: AsyncSession, *, task_id: int, by: Member, member_id: int, rules: TaskRules, now: datetime
) -> Task | Refused:
    """Give the task's lead role to another member; the one relieved and the new one are told."""
    task = await open_managed_task(session, task_id, by)
    if isinstance(task, Refused):
        return task
    people = await assignable_members(session, task.team_id, [member_id])
    if people is None:
        return Refused(Refusal.NOT_ASSIGNABLE)
    new = people[0]
    old = task.lead
    if old is not None and old.member_id == new.id:
        return Refused(Refusal.UNCHANGED)
    before = _snapshot(task)
    if old is not None:
        old.active, old.removed_at = False, now
        await schedule.drop_ack(session, old)
    supporter = next((a for a in task.current if a.member_id == new.id), None)
    if supporter is not None:
        supporter.lead = True
        lead = supporter
    else:
        lead = TaskAssignee(team_id=task.team_id, task_id=task.id, member_id=new.id, lead=True, active=True,
                            assigned_at=now)
        session.add(lead)
        await session.flush()
        await session.refresh(task, ["assignees"])
    task.status = TaskStatus.ACKNOWLEDGED if lead.acknowledged_at else TaskStatus.NEW
    _history(session, task, UpdateKind.REASSIGNED, now, by=by,
             data={"from": old.member.full_name if old else "", "to": new.full_name})
    _audit(session, task, "task.reassign", by, now, before, _snapshot(task))
    await schedule.lay_ack(session, task, lead, rules, now)
    if old is not None:
        await notify.refresh_card(session, task, old, rules, now)  # "no longer yours", no buttons
        await notify.tell(session, old.member, lambda: render.reassigned_away(task, new), rules, now)
    if lead.card_outbox_id is None:
        await notify.send_card(session, task, lead, rules, now)
    await notify.refresh(session, task, rules, now)
    return task


async def change_deadline(
    session: AsyncSession, *, task_id: int, by: Member, deadline_at: datetime | None, rules: TaskRules, now: datetime
) -> Task | Refused:
    """Move (or remove) the deadline; a fresh reminder schedule replaces the old one."""
    task = await open_managed_task(session, task_id, by)
    if isinstance(task, Refused):
        return task
    if deadline_at is not None and deadline_at <= now:
        return Refused(Refusal.PAST_DEADLINE)
    if deadline_at == task.deadline_at:
        return Refused(Refusal.UNCHANGED)
    before = _snapshot(task)
    old = task.deadline_at
    task.deadline_at, task.escalated_at = deadline_at, None
    task.schedule_revision += 1
    await schedule.drop_deadline(session, task)
    await schedule.lay_deadline(session, task, rules, now)
    _history(session, task, UpdateKind.DEADLINE, now, by=by, data={"from": _iso(old), "to": _iso(deadline_at)})
    _audit(session, task, "task.deadline", by, now, before, _snapshot(task))
    await notify.tell_assignees(session, task, lambda: render.deadline_changed(task, rules.zone), rules, now)
    await notify.refresh(session, task, rules, now)
    return task


async def change_priority(
    session: AsyncSession, *, task_id: int, by: Member, priority: Priority, rules: TaskRules, now: datetime
) -> Task | Refused:
    task = await open_managed_task(session, task_id, by)
    if isinstance(task, Refused):
        return task
    if task.priority == priority:
        return Refused(Refusal.UNCHANGED)
    before = _snapshot(task)
    task.priority = priority
    await schedule.lay_all(session, task, rules, now)  # pending reminders take the new quiet-hours rule
    _history(session, task, UpdateKind.PRIORITY, now, by=by, data={"to": str(priority)})
    _audit(session, task, "task.priority", by, now, before, _snapshot(task))
    await notify.tell_assignees(session, task, lambda: render.priority_changed(task), rules, now)
    await notify.refresh(session, task, rules, now)
    return task


async def cancel_task(
    session: AsyncSession, *, task_id: int, by: Member, rules: TaskRules, now: datetime
) -> Task | Refused:
    task = await open_managed_task(session, task_id, by)
    if isinstance(task, Refused):
        return task
    before = _snapshot(task)
    task.status, task.cancelled_at = TaskStatus.CANCELLED, now
    await schedule.drop_all(session, task)
    _history(session, task, UpdateKind.CANCELLED, now, by=by)
    _audit(session, task, "task.cancel", by, now, before, _snapshot(task))
    await notify.tell_assignees(session, task, lambda: render.cancelled_notice(task), rules, now)
    await notify.refresh(session, task, rules, now)
    return task


async def reopen_task(
    session: AsyncSession, *, task_id: int, by: Member, rules: TaskRules, now: datetime
) -> Task | Refused:
    """Open a done or cancelled task again, with a fresh schedule (steps already past are skipped)."""
    task = await managed_task(session, task_id, by)
    if isinstance(task, Refused):
        return task
    if task.is_open:
        return Refused(Refusal.OPEN)
    before = _snapshot(task)
    lead = task.lead
    task.status = TaskStatus.ACKNOWLEDGED if lead and lead.acknowledged_at else TaskStatus.NEW
    task.done_at = task.cancelled_at = None
    task.percent = None if task.percent == 100 else task.percent
    task.schedule_revision += 1
    await schedule.lay_all(session, task, rules, now)
    _history(session, task, UpdateKind.REOPENED, now, by=by)
    _audit(session, task, "task.reopen", by, now, before, _snapshot(task))
    await notify.tell_assignees(session, task, lambda: render.reopened_notice(task, rules.zone), rules, now)
    await notify.refresh(session, task, rules, now)
    return task


# ------------------------------------------------------------------ what a member may answer


async def open_tasks_of(session: AsyncSession, member: Member) -> list[Task]:
    """A member's open tasks (as lead or support), nearest deadline first, no deadline last."""
    query = (
        select(Task)
        .join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(
            TaskAssignee.member_id == member.id,
            TaskAssignee.active.is_(True),
            Task.team_id == member.team_id,
            Task.status.in_([str(s) for s in OPEN_STATUSES]),
        )
        .order_by(Task.deadline_at.is_(None), Task.deadline_at, Task.id)
    )
    return list(await session.scalars(query))
