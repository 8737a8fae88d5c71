"""Who is told what about a task, each in their own language, through the outbox.

Everything here writes in the caller's transaction, so a message exists
exactly when the change that causes it is committed. Cards and summaries are
edited in place, and only when what they show has changed (Telegram refuses
an edit that changes nothing).

What an update reads here it reads once per transaction: recipients' `people`
rows through `bot.people`, and the task's latest history entry, which the
change being told about has usually just written (`remember_update`).
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import choose_locale, use_locale
from bot.outbox.models import Kind, OutboxMessage, Status
from bot.outbox.service import edit_waiting, enqueue, enqueue_edit, find_by_message
from bot.people import read_people, read_person
from bot.roster.models import Member, Role, Team
from bot.roster.service import leaders_of
from bot.tasks import render
from bot.tasks.models import Task, TaskAssignee, TaskUpdate
from bot.tasks.routing import area_staff
from bot.tasks.rules import TaskRules
from bot.ui import Message

MANAGERS = (Role.LEADER, Role.DEPUTY)
LATEST_UPDATES = "task_latest_updates"  # session.info key: task id -> its history entry written last


def card_ref(task_id: int) -> str:
    """The ref of every message a member may answer about a task (card, reminders)."""
    return f"task:{task_id}"


def reason_ref(task_id: int) -> str:
    """The ref of the question "what is blocking you?": a reply to it is the reason."""
    return f"task-why:{task_id}"


def summary_ref(task_id: int) -> str:
    return f"task-summary:{task_id}"


def view_ref(task_id: int) -> str:
    """One task shown with its history (/viec 12): re-rendered in place when changed from its buttons."""
    return f"task-view:{task_id}"


def ask_ref(task_id: int) -> str:
    """A one-off question about a task (reassign to whom? cancel? new deadline?)."""
    return f"task-ask:{task_id}"


async def sent_ref(session: AsyncSession, chat_id: int, message_id: int) -> str | None:
    """The ref of a text message the bot sent (its original row, not the rows of later edits)."""
    row = await find_by_message(session, chat_id, message_id)
    return row.ref if row is not None and row.kind == Kind.SEND else None


def task_id_of(ref: str | None) -> tuple[str, int] | None:
    """("card", 12) for "task:12", ("reason", 12) for "task-why:12", else None."""
    if not ref:
        return None
    for prefix, kind in (("task:", "card"), ("task-why:", "reason")):
        if ref.startswith(prefix) and ref[len(prefix):].isdigit():
            return kind, int(ref[len(prefix):])
    return None


async def member_locale(session: AsyncSession, member: Member, rules: TaskRules) -> str:
    """The language a member reads: their own choice, else the roster's, else the default."""
    person = await read_person(session, member.telegram_id) if member.telegram_id else None
    return choose_locale(chosen=person.language if person else None, roster=member.language, telegram=None,
                         default=rules.default_locale)


async def tell(
    session: AsyncSession, member: Member, build: Callable[[], Message], rules: TaskRules, now: datetime, *,
    ref: str | None = None, dedupe_key: str | None = None, reply_to_message_id: int | None = None,
) -> OutboxMessage | None:
    """Send a member a message rendered in their language (nothing if they have no Telegram account)."""
    if member.telegram_id is None:
        return None
    with use_locale(await member_locale(session, member, rules)):
        message = build()
    return await enqueue(session, member.telegram_id, message, now=now, team_id=member.team_id, ref=ref,
                         dedupe_key=dedupe_key, reply_to_message_id=reply_to_message_id)


async def leaders_to_tell(session: AsyncSession, task: Task) -> list[Member]:
    """The team leader and whoever assigned the task (if a deputy), never the same person twice."""
    people = [m for m in await leaders_of(session, task.team_id) if m.role == Role.LEADER]
    assigner = task.created_by
    if assigner is not None and assigner.active and assigner.role in MANAGERS and assigner not in people:
        people.append(assigner)
    return people


async def tell_leaders(
    session: AsyncSession, task: Task, build: Callable[[], Message], rules: TaskRules, now: datetime, *,
    dedupe_prefix: str | None = None,
) -> None:
    for leader in await leaders_to_tell(session, task):
        key = f"{dedupe_prefix}:{leader.id}" if dedupe_prefix else None
        await tell(session, leader, build, rules, now, dedupe_key=key)


async def tell_assignees(
    session: AsyncSession, task: Task, build: Callable[[], Message], rules: TaskRules, now: datetime, *,
    dedupe_prefix: str | None = None, skip: Member | None = None,
) -> None:
    for assignee in task.current:
        if skip is not None and assignee.member_id == skip.id:
            continue
        key = f"{dedupe_prefix}:{assignee.member_id}" if dedupe_prefix else None
        await tell(session, assignee.member, build, rules, now, ref=card_ref(task.id), dedupe_key=key,
                   reply_to_message_id=await card_message_id(session, assignee))


async def card_message_id(session: AsyncSession, assignee: TaskAssignee) -> int | None:
    """The Telegram id of a member's card, to answer it (None until it has been delivered)."""
    if assignee.card_outbox_id is None:
        return None
    return await session.scalar(select(OutboxMessage.message_id).where(OutboxMessage.id == assignee.card_outbox_id))


async def send_card(session: AsyncSession, task: Task, assignee: TaskAssignee, rules: TaskRules, now: datetime) -> None:
    row = await tell(session, assignee.member, lambda: render.card(task, assignee, rules.zone), rules, now,
                     ref=card_ref(task.id))
    assignee.card_outbox_id = row.id if row is not None else None


async def send_summary(
    session: AsyncSession, task: Task, chat_id: int, locale: str, rules: TaskRules, now: datetime,
    alternatives: list[Member],
) -> None:
    with use_locale(locale):
        message = render.summary(task, rules.zone, alternatives=alternatives)
    row = await enqueue(session, chat_id, message, now=now, team_id=task.team_id, ref=summary_ref(task.id))
    task.summary_chat_id, task.summary_outbox_id = chat_id, row.id if row is not None else None


async def announce(session: AsyncSession, task: Task, rules: TaskRules, now: datetime) -> None:
    """A compact line in the team group, if the team has one."""
    team = await session.get(Team, task.team_id)
    if team is None or team.group_chat_id is None:
        return
    with use_locale(rules.default_locale):
        message = render.group_announcement(task, rules.zone)
    await enqueue(session, team.group_chat_id, message, now=now, team_id=task.team_id, ref=f"task-group:{task.id}")


async def refresh(session: AsyncSession, task: Task, rules: TaskRules, now: datetime) -> None:
    """Bring every card and the summary up to date, in place."""
    readers = [a.member.telegram_id for a in task.current if a.card_outbox_id is not None]
    if task.summary_outbox_id is not None and task.created_by is not None:
        readers.append(task.created_by.telegram_id)
    await read_people(session, (tid for tid in readers if tid is not None))
    for assignee in task.current:
        await refresh_card(session, task, assignee, rules, now)
    await refresh_summary(session, task, rules, now)


async def refresh_card(
    session: AsyncSession, task: Task, assignee: TaskAssignee, rules: TaskRules, now: datetime
) -> None:
    if assignee.card_outbox_id is None or assignee.member.telegram_id is None:
        return
    with use_locale(await member_locale(session, assignee.member, rules)):
        message = render.card(task, assignee, rules.zone)
    await edit_if_changed(session, assignee.member.telegram_id, assignee.card_outbox_id, message, task, now,
                          ref=card_ref(task.id))


async def refresh_summary(session: AsyncSession, task: Task, rules: TaskRules, now: datetime) -> None:
    if task.summary_outbox_id is None or task.summary_chat_id is None:
        return
    last = await latest_update(session, task)
    locale = rules.default_locale
    if task.created_by is not None and task.created_by.telegram_id == task.summary_chat_id:
        locale = await member_locale(session, task.created_by, rules)
    with use_locale(locale):
        message = render.summary(task, rules.zone, last=last, alternatives=await alternatives(session, task))
    await edit_if_changed(session, task.summary_chat_id, task.summary_outbox_id, message, task, now,
                          ref=summary_ref(task.id))


def remember_update(session: AsyncSession, update: TaskUpdate) -> None:
    """A history entry just written: the task's latest, which the summary shows, without reading it back."""
    session.info.setdefault(LATEST_UPDATES, {})[update.task_id] = update


async def latest_update(session: AsyncSession, task: Task) -> TaskUpdate | None:
    remembered = session.info.get(LATEST_UPDATES, {}).get(task.id)
    if remembered is not None and (inspect(remembered).pending or inspect(remembered).persistent):
        return remembered  # not if discarded with a savepoint rolled back
    return await session.scalar(
        select(TaskUpdate).where(TaskUpdate.task_id == task.id).order_by(TaskUpdate.id.desc()).limit(1)
    )


async def alternatives(session: AsyncSession, task: Task) -> list[Member]:
    """For a task routed to an area and still open: the area's other people, one tap away."""
    if task.area is None or task.source != "area" or not task.is_open:
        return []
    on_it = {a.member_id for a in task.current}
    return [m for m in await area_staff(session, task.team_id, task.area.code) if m.id not in on_it]


async def edit_if_changed(
    session: AsyncSession, chat_id: int, target_id: int, message: Message, task: Task, now: datetime, *, ref: str
) -> None:
    found = (await session.execute(
        select(OutboxMessage, edit_waiting(chat_id, target_id))
        .where(
            OutboxMessage.chat_id == chat_id,
            or_(OutboxMessage.id == target_id, OutboxMessage.target_id == target_id),
            OutboxMessage.kind.in_([Kind.SEND, Kind.EDIT]),
            OutboxMessage.status != Status.SUPERSEDED,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )).first()
    latest, waiting = found if found is not None else (None, True)
    if latest is not None and latest.text == message.text and latest.reply_markup == message.markup():
        return
    await enqueue_edit(session, chat_id, message, now=now, target_id=target_id, team_id=task.team_id, ref=ref,
                       supersede=waiting)
