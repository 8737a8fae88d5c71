"""Work for a convocation's attendees, handed out through the tasks feature.

The convener types the task as for /giao: "[#area] <việc> [hạn <thời hạn>]".
With an area, it is routed like the tasks feature routes area work, but only
among the attendees of that area: the least loaded one takes it. Without an
area it goes to every attendee (the first in roster order leads).
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.config import Settings
from bot.convening import render
from bot.convening.form import TimeProblem
from bot.convening.models import Convocation
from bot.convening.service import attendees
from bot.roster.models import Member
from bot.tasks.routing import open_load
from bot.tasks.rules import TaskRules
from bot.tasks.service import Created, NewTask, create_task
from bot.text.deadline import Deadline, find_deadline, parse_deadline
from bot.ui import Message


async def create_for_attendees(session: AsyncSession, convocation: Convocation, text: str, *, by: Member,
                               now: datetime, settings: Settings) -> Message | None:
    """Create the task; None when done (the tasks feature sends its own summary), else what to tell."""
    people = attendees(convocation)
    title, deadline_text = find_deadline(text.strip())
    area_code = None
    if title.startswith("#"):
        tag, _, title = title.partition(" ")
        area_code = tag[1:].lower()
        people = [m for m in people if any(a.code == area_code for a in m.areas)]
    if not people:
        return Message(render.refusal("no_attendees"))
    deadline = None
    if deadline_text:
        read = parse_deadline(deadline_text, now, settings.zone)
        if not isinstance(read, Deadline):
            return render.time_problem(TimeProblem(read.kind, list(read.candidates)), settings.zone)
        deadline = read.at
    if area_code:
        people = [await _least_loaded(session, convocation.team_id, people)]
    created = await create_task(
        session, by=by, rules=TaskRules.from_settings(settings), now=now,
        new=NewTask(title=title, member_ids=[m.id for m in people], deadline_at=deadline, source="convocation"),
    )
    if not isinstance(created, Created):
        return Message(render.task_refused(str(created.reason)))
    convocation.task_asked_by = convocation.task_asked_at = None
    record(session, at=now, action="convocation.task", subject=f"convocation:{convocation.id}",
           actor=by.telegram_id, team_id=convocation.team_id,
           after={"task": created.task.id, "members": [m.id for m in people]})
    return None


async def _least_loaded(session: AsyncSession, team_id: int, people: list[Member]) -> Member:
    load = await open_load(session, team_id, [m.id for m in people])

    def key(member: Member) -> tuple[int, float, int]:
        tasks, nearest = load[member.id]
        return (tasks, -nearest.timestamp() if nearest else float("-inf"), member.roster_order)

    return min(people, key=key)
