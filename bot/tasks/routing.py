"""Routing work convened for an area to the member(s) who can take it best.

Who: the active members (role "member") of the area who have a linked
Telegram account (a task card must reach them); when the area has none, its
deputies and leader. Order: fewest open tasks; on a tie, the one whose
nearest open deadline is furthest away (no deadline at all counts as
furthest); then roster order.
"""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roster.models import Area, Member, Role
from bot.roster.service import team_members
from bot.tasks.models import OPEN_STATUSES, Task, TaskAssignee


async def area_staff(session: AsyncSession, team_id: int, area_code: str) -> list[Member]:
    """Who may receive routed work in an area, in roster order (see the module's rule)."""
    area = await session.scalar(select(Area).where(Area.team_id == team_id, Area.code == area_code))
    if area is None:
        return []
    staff = [
        m for m in await team_members(session, team_id, roles={Role.MEMBER, Role.DEPUTY, Role.LEADER})
        if area in m.areas and m.telegram_id is not None
    ]
    members = [m for m in staff if m.role == Role.MEMBER]
    return members or staff


async def open_load(
    session: AsyncSession, team_id: int, member_ids: list[int]
) -> dict[int, tuple[int, datetime | None]]:
    """For each member: (number of open tasks, nearest open deadline)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(TaskAssignee.member_id, func.count(Task.id), func.min(Task.deadline_at))
        .join(Task, Task.id == TaskAssignee.task_id)
        .where(
            TaskAssignee.team_id == team_id,
            TaskAssignee.member_id.in_(member_ids),
            TaskAssignee.active.is_(True),
            Task.status.in_([str(s) for s in OPEN_STATUSES]),
        )
        .group_by(TaskAssignee.member_id)
    )
    load = {member_id: (0, None) for member_id in member_ids}
    for member_id, count, nearest in rows:
        load[member_id] = (count, _aware(nearest))
    return load


def _aware(value: datetime | None) -> datetime | None:
    # Defensive: an aggregate may come back without the column type's UTC marker.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def route_to_area(session: AsyncSession, team_id: int, area_code: str, *, count: int = 1) -> list[Member]:
    """The `count` members of an area who should take the next piece of work (best first)."""
    candidates = await area_staff(session, team_id, area_code)
    load = await open_load(session, team_id, [m.id for m in candidates])

    def key(member: Member) -> tuple[int, float, int]:
        tasks, nearest = load[member.id]
        furthest_first = -nearest.timestamp() if nearest is not None else float("-inf")
        return (tasks, furthest_first, member.roster_order)

    return sorted(candidates, key=key)[:count]
