"""A task's reminders: laid in the reminders table, sent by the sweep, exactly once.

Two kinds:
- "task.ack", one per assignee (subject: the assignee row): `r<rev>:remind`
  after DIEUPHOI_ACK_WITHIN tells the member; `r<rev>:leader` the same time
  after that reminder (twice it from the assignment, unless quiet hours held
  the reminder back) tells the leader.
- "task.deadline", one per task: `r<rev>:pre:<offset>` before the deadline at
  each DIEUPHOI_REMINDER_OFFSETS, `r<rev>:due` at it (members),
  `r<rev>:late` DIEUPHOI_OVERDUE_AFTER past it (members and leader),
  `r<rev>:escalate` DIEUPHOI_ESCALATE_AFTER past it (flagged for the
  Director's digest, leader told).

`<rev>` is the task's schedule revision, bumped whenever the schedule is laid
anew (a new deadline, a reopened task): each schedule's steps are unique, so
nothing of an old schedule is sent for the new one, nor twice. Steps already
past when a schedule is laid are skipped rather than sent in a burst.
Urgent (khẩn) tasks' reminders ignore quiet hours. A handler re-checks the
task when it runs and stays silent when the reminder no longer applies.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.durations import format_duration
from bot.reminders import service as reminders
from bot.reminders.models import Reminder, ReminderStatus
from bot.tasks import notify, render
from bot.tasks.models import Priority, Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind
from bot.tasks.rules import TaskRules

ACK_KIND = "task.ack"
DEADLINE_KIND = "task.deadline"

ReminderHandler = Callable[[AsyncSession, Reminder, datetime], Awaitable[None]]


def deadline_steps(task: Task, rules: TaskRules) -> list[tuple[str, datetime]]:
    """Every deadline reminder of the task's current schedule, with when it falls due."""
    if task.deadline_at is None:
        return []
    rev, deadline = task.schedule_revision, task.deadline_at
    steps = [(f"r{rev}:pre:{format_duration(offset)}", deadline - offset) for offset in rules.reminder_offsets]
    return steps + [
        (f"r{rev}:due", deadline),
        (f"r{rev}:late", deadline + rules.overdue_after),
        (f"r{rev}:escalate", deadline + rules.escalate_after),
    ]


def ack_steps(task: Task, assignee: TaskAssignee, rules: TaskRules) -> list[tuple[str, datetime]]:
    rev = task.schedule_revision
    return [(f"r{rev}:remind", assignee.assigned_at + rules.ack_within),
            (f"r{rev}:leader", assignee.assigned_at + 2 * rules.ack_within)]


async def lay_deadline(session: AsyncSession, task: Task, rules: TaskRules, now: datetime) -> None:
    for step, due_at in deadline_steps(task, rules):
        if due_at > now:
            await reminders.schedule(session, team_id=task.team_id, kind=DEADLINE_KIND, subject_id=task.id,
                                     step=step, due_at=due_at, respects_quiet_hours=_quiet(task))


async def lay_ack(session: AsyncSession, task: Task, assignee: TaskAssignee, rules: TaskRules, now: datetime) -> None:
    if assignee.acknowledged_at is not None:
        return
    for step, due_at in ack_steps(task, assignee, rules):
        if due_at > now:
            await reminders.schedule(session, team_id=task.team_id, kind=ACK_KIND, subject_id=assignee.id,
                                     step=step, due_at=due_at, respects_quiet_hours=_quiet(task))


async def lay_all(session: AsyncSession, task: Task, rules: TaskRules, now: datetime) -> None:
    """The whole schedule of an open task (also to apply a new priority to what is pending)."""
    await lay_deadline(session, task, rules, now)
    for assignee in task.current:
        await lay_ack(session, task, assignee, rules, now)


async def drop_deadline(session: AsyncSession, task: Task) -> None:
    await reminders.cancel(session, kind=DEADLINE_KIND, subject_id=task.id)


async def drop_ack(session: AsyncSession, assignee: TaskAssignee) -> None:
    await reminders.cancel(session, kind=ACK_KIND, subject_id=assignee.id)


async def drop_all(session: AsyncSession, task: Task) -> None:
    await drop_deadline(session, task)
    for assignee in task.assignees:
        await drop_ack(session, assignee)


def _quiet(task: Task) -> bool:
    return task.priority != Priority.URGENT


def _revision(step: str) -> int | None:
    head = step.split(":", 1)[0]
    return int(head[1:]) if head.startswith("r") and head[1:].isdigit() else None


# ------------------------------------------------------------------ when they fall due


async def on_ack(session: AsyncSession, reminder: Reminder, now: datetime, rules: TaskRules) -> None:
    assignee = await session.get(TaskAssignee, reminder.subject_id)
    if assignee is None or assignee.team_id != reminder.team_id:
        return
    task = assignee.task
    if (not task.is_open or not assignee.active or assignee.acknowledged_at is not None
            or _revision(reminder.step) != task.schedule_revision):
        return
    key = f"task:{task.id}:ack:{reminder.id}"
    if reminder.due_at > now:  # moved later while this sweep was under way: not yet
        reminder.status, reminder.done_at = ReminderStatus.PENDING, None
        return
    if reminder.step.endswith(":remind"):
        await notify.tell(session, assignee.member, lambda: render.ack_reminder(task), rules, now,
                          ref=notify.card_ref(task.id), dedupe_key=key,
                          reply_to_message_id=await notify.card_message_id(session, assignee))
        # The leader hears of it only after the member has had the same time again since this
        # reminder (which quiet hours may have held back).
        leader_step, leader_due = ack_steps(task, assignee, rules)[1]
        await reminders.schedule(session, team_id=task.team_id, kind=ACK_KIND, subject_id=assignee.id,
                                 step=leader_step, due_at=max(leader_due, reminder.due_at + rules.ack_within),
                                 respects_quiet_hours=_quiet(task))
    else:
        remind_step = ack_steps(task, assignee, rules)[0][0]
        member_reminder = await session.scalar(select(Reminder).where(
            Reminder.kind == ACK_KIND, Reminder.subject_id == assignee.id, Reminder.step == remind_step))
        if member_reminder is not None and member_reminder.status == ReminderStatus.PENDING:
            # The member's reminder is still held back (quiet hours): the leader waits until after it.
            reminder.status, reminder.done_at = ReminderStatus.PENDING, None
            reminder.due_at = member_reminder.due_at + rules.ack_within
            return
        waited = reminder.due_at - assignee.assigned_at
        await notify.tell_leaders(session, task, lambda: render.ack_overdue_alert(task, assignee.member, waited),
                                  rules, now, dedupe_prefix=key)


async def on_deadline(session: AsyncSession, reminder: Reminder, now: datetime, rules: TaskRules) -> None:
    task = await session.get(Task, reminder.subject_id)
    if task is None or task.team_id != reminder.team_id or task.deadline_at is None:
        return
    if not task.is_open or _revision(reminder.step) != task.schedule_revision:
        return
    step = reminder.step.split(":", 1)[1]
    key = f"task:{task.id}:{reminder.step}"
    deadline = task.deadline_at
    # Spans are told from when the reminder was due (moved to the end of quiet hours if held
    # back), not from the moment the sweep happened to run.
    if step.startswith("pre:"):
        remaining = deadline - reminder.due_at
        if remaining > timedelta(0):  # a reminder held back by quiet hours past the deadline says nothing
            await notify.tell_assignees(session, task, lambda: render.before_deadline(task, remaining, rules.zone),
                                        rules, now, dedupe_prefix=key)
    elif step == "due":
        if reminder.due_at < deadline + rules.overdue_after:  # otherwise the overdue notice says it better
            await notify.tell_assignees(session, task, lambda: render.at_deadline(task, rules.zone), rules, now,
                                        dedupe_prefix=key)
    elif step == "late":
        late = reminder.due_at - deadline
        _history(session, task, UpdateKind.OVERDUE, now, {"late_seconds": int(late.total_seconds())})
        await notify.tell_assignees(session, task, lambda: render.overdue_to_member(task, late), rules, now,
                                    dedupe_prefix=key)
        await notify.tell_leaders(session, task, lambda: render.overdue_to_leader(task, late), rules, now,
                                  dedupe_prefix=key)
    elif step == "escalate":
        late = reminder.due_at - deadline
        task.escalated_at = now
        _history(session, task, UpdateKind.ESCALATED, now, {"late_seconds": int(late.total_seconds())})
        await notify.tell_leaders(session, task, lambda: render.escalated_to_leader(task, late), rules, now,
                                  dedupe_prefix=key)


def _history(session: AsyncSession, task: Task, kind: UpdateKind, now: datetime, data: dict[str, int]) -> None:
    update = TaskUpdate(team_id=task.team_id, task_id=task.id, at=now, author=None, kind=kind,
                        status=TaskStatus(task.status), percent=task.percent, data=data)
    session.add(update)
    notify.remember_update(session, update)


# ------------------------------------------------------------------ a sweep's batch, loaded at once


async def prefetch_deadline(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    """The batch's tasks with everything their handlers read, in a few queries for all of them
    (see bot.reminders.service.prefetching)."""
    people = await reminders.people_of_teams(session, batch)
    return people, list(await session.scalars(select(Task).where(Task.id.in_({r.subject_id for r in batch}))))


async def prefetch_ack(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    people = await reminders.people_of_teams(session, batch)
    return people, list(await session.scalars(
        select(TaskAssignee).where(TaskAssignee.id.in_({r.subject_id for r in batch}))))


def reminder_handlers(rules: TaskRules) -> dict[str, ReminderHandler]:
    """The task reminder kinds, for bot.telegram.app.reminder_handlers."""

    @reminders.prefetching(prefetch_ack)
    async def ack(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await on_ack(session, reminder, now, rules)

    @reminders.prefetching(prefetch_deadline)
    async def deadline(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await on_deadline(session, reminder, now, rules)

    return {ACK_KIND: ack, DEADLINE_KIND: deadline}
