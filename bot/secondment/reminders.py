"""The Director's reminder: a request still waiting DIEUPHOI_DECISION_REMIND_AFTER after it was sent.

Scheduled once per submitted version (step "v2"), respecting quiet hours,
cancelled by the decision; so the Director is reminded once, and a version
decided meanwhile is never reminded about.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.config import Settings
from bot.reminders.models import Reminder
from bot.reminders.service import ReminderHandler, people_of_teams, prefetching
from bot.secondment import notices
from bot.secondment.models import SecondmentRequest, Status
from bot.secondment.service import REMINDER_KIND


async def prefetch(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    """The batch's requests and the language choices of their teams' people (see prefetching)."""
    requests = list(await session.scalars(
        select(SecondmentRequest).where(SecondmentRequest.id.in_({reminder.subject_id for reminder in batch}))))
    return requests, await people_of_teams(session, batch)


def handlers(settings: Settings) -> dict[str, ReminderHandler]:
    @prefetching(prefetch)
    async def remind(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await remind_director(session, reminder, now, settings=settings)

    return {REMINDER_KIND: remind}


async def remind_director(session: AsyncSession, reminder: Reminder, now: datetime, *, settings: Settings) -> None:
    request = await session.get(SecondmentRequest, reminder.subject_id)
    if request is None or request.status != Status.SUBMITTED or reminder.step != f"v{request.version}":
        return
    await notices.remind_directors(session, request, now=now, settings=settings)
    record(session, at=now, action="secondment.remind", subject=f"secondment:{request.id}", actor=None,
           team_id=request.team_id, after={"version": request.version})
