"""Reading tasks: the team view with its filters and pages, one task with its history.

Every query is scoped to one team. A member sees the tasks they are (or were)
on; the leader, deputies and the Director see the whole team's.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roster.models import Area, Member, Role, member_areas
from bot.tasks import buttons as b
from bot.tasks.models import OPEN_STATUSES, STATUS_ORDER, Task, TaskAssignee, TaskUpdate
from bot.tasks.outcomes import Refusal, Refused
from bot.tasks.service import team_task

PAGE_SIZE = 8
TEAM_VIEWERS = {Role.DIRECTOR, Role.LEADER, Role.DEPUTY}


@dataclass
class TaskPage:
    tasks: list[Task]
    kind: str  # one of buttons.L_OPEN, L_OVERDUE, L_STATUS, L_MEMBER, L_AREA
    value: int
    name: str  # the member, area or status the view is filtered by ("" otherwise)
    page: int
    pages: int
    total: int


def _open() -> object:
    return Task.status.in_([str(s) for s in OPEN_STATUSES])


def _on_task(member_id: int) -> object:
    return exists().where(TaskAssignee.task_id == Task.id, TaskAssignee.member_id == member_id,
                          TaskAssignee.active.is_(True))


def _in_area(area_id: int) -> object:
    """Routed to the area, or (not routed) carried by someone of the area."""
    carried = exists().where(
        TaskAssignee.task_id == Task.id, TaskAssignee.active.is_(True),
        TaskAssignee.member_id == member_areas.c.member_id, member_areas.c.area_id == area_id,
    )
    return or_(Task.area_id == area_id, and_(Task.area_id.is_(None), carried))


async def team_page(
    session: AsyncSession, team_id: int, kind: str, value: int, page: int, now: datetime
) -> TaskPage | None:
    """One page of the team's tasks under a filter; None when the filter names nothing of this team."""
    query: Select[tuple[Task]] = select(Task).where(Task.team_id == team_id)
    name = ""
    if kind == b.L_OPEN:
        query = query.where(_open())
    elif kind == b.L_OVERDUE:
        query = query.where(_open(), Task.deadline_at <= now)
    elif kind == b.L_STATUS:
        if not 0 <= value < len(STATUS_ORDER):
            return None
        status = STATUS_ORDER[value]
        query = query.where(Task.status == str(status))
    elif kind == b.L_MEMBER:
        member = await session.get(Member, value)
        if member is None or member.team_id != team_id:
            return None
        query, name = query.where(_open(), _on_task(member.id)), member.full_name
    elif kind == b.L_AREA:
        area = await session.get(Area, value)
        if area is None or area.team_id != team_id:
            return None
        query, name = query.where(_open(), _in_area(area.id)), f"#{area.code}"
    else:
        return None
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    if kind == b.L_STATUS and STATUS_ORDER[value] not in OPEN_STATUSES:
        ordered = query.order_by(Task.updated_at.desc(), Task.id.desc())  # recently closed first
    else:
        ordered = query.order_by(Task.deadline_at.is_(None), Task.deadline_at, Task.id)
    tasks = list(await session.scalars(ordered.offset(page * PAGE_SIZE).limit(PAGE_SIZE)))
    return TaskPage(tasks, kind, value, name, page, pages, total)


def sees_team(viewer: Member) -> bool:
    return viewer.role in TEAM_VIEWERS


async def visible_task(session: AsyncSession, task_id: int, viewer: Member) -> Task | Refused:
    """One task, if the viewer may see it: the team's viewers see all, a member only theirs."""
    task = await team_task(session, viewer.team_id, task_id)
    if task is None:
        return Refused(Refusal.NOT_FOUND)
    if not sees_team(viewer) and all(a.member_id != viewer.id for a in task.assignees):
        return Refused(Refusal.NOT_YOURS)
    return task


async def history(session: AsyncSession, task: Task) -> list[TaskUpdate]:
    query = select(TaskUpdate).where(TaskUpdate.task_id == task.id, TaskUpdate.team_id == task.team_id)
    return list(await session.scalars(query.order_by(TaskUpdate.at, TaskUpdate.id)))


async def filter_members(session: AsyncSession, team_id: int) -> list[Member]:
    """Who the team view can be filtered by: active leaders, deputies and members."""
    query = select(Member).where(
        Member.team_id == team_id, Member.active.is_(True),
        Member.role.in_([str(r) for r in (Role.LEADER, Role.DEPUTY, Role.MEMBER)]),
    )
    return list(await session.scalars(query.order_by(Member.roster_order)))


async def filter_areas(session: AsyncSession, team_id: int) -> list[Area]:
    return list(await session.scalars(select(Area).where(Area.team_id == team_id).order_by(Area.code)))


def current_assignee(task: Task, member: Member) -> TaskAssignee | None:
    return next((a for a in task.current if a.member_id == member.id), None)
