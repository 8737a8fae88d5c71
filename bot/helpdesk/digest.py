"""The help desk's figures for the Director's and leaders' digests.

    figures = await helpdesk_digest(session, team_id, since=start, now=now, knowledge=desk.knowledge)
    text = bot.helpdesk.render.digest_section(figures, locale)

Definitions, over tickets handed to a person between `since` and `now`:
answered = a support member's answer was relayed (whenever); closed = closed
by support without an answer; unanswered rate = (opened − answered) / opened,
so a ticket still waiting and one closed without an answer both count as
unanswered. `open_now` counts every ticket waiting at `now`, however old.
Most asked = the entries citizens were shown most (answered at once, picked
among choices or opened from the menu). Rows older than
DIEUPHOI_CITIZEN_RETENTION_DAYS are gone, so a window longer than that
undercounts.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.helpdesk.knowledge import SHIPPED_FILE, Knowledge, Text, load_knowledge
from bot.helpdesk.models import Lookup, LookupKind, Ticket, TicketStatus

TOP = 5
SHOWN = (LookupKind.CONFIDENT, LookupKind.CHOICE, LookupKind.MENU)
TYPED = (LookupKind.CONFIDENT, LookupKind.NEAR, LookupKind.NONE)


@dataclass(frozen=True)
class TopQuestion:
    entry_id: str
    question: Text | None  # None when the entry is no longer in the knowledge file
    count: int


@dataclass(frozen=True)
class HelpdeskDigest:
    questions_typed: int
    answered_at_once: int  # typed questions answered confidently, with no person involved
    tickets_opened: int
    tickets_answered: int
    tickets_closed: int
    open_now: int
    unanswered_rate: float | None  # None when no ticket was opened
    median_answer_time: timedelta | None
    top_questions: list[TopQuestion] = field(default_factory=list)


async def helpdesk_digest(
    session: AsyncSession, team_id: int, *, since: datetime, now: datetime, knowledge: Knowledge | None = None
) -> HelpdeskDigest:
    """The help desk's figures for one team over [since, now); `knowledge` names the most asked
    entries (default: the shipped file; pass the running desk's to honour DIEUPHOI_FAQ)."""
    typed = await _lookups_by_kind(session, team_id, since, now)
    opened = list(await session.scalars(
        select(Ticket).where(Ticket.team_id == team_id, Ticket.opened_at >= since, Ticket.opened_at < now)
    ))
    answered = [t for t in opened if t.status == TicketStatus.ANSWERED]
    waits = [t.closed_at - t.opened_at for t in answered if t.closed_at and t.opened_at]
    open_now = await session.scalar(
        select(func.count(Ticket.id)).where(Ticket.team_id == team_id, Ticket.status == TicketStatus.OPEN)
    )
    return HelpdeskDigest(
        questions_typed=sum(typed.get(kind, 0) for kind in TYPED),
        answered_at_once=typed.get(LookupKind.CONFIDENT, 0),
        tickets_opened=len(opened),
        tickets_answered=len(answered),
        tickets_closed=sum(1 for t in opened if t.status == TicketStatus.CLOSED),
        open_now=open_now or 0,
        unanswered_rate=(len(opened) - len(answered)) / len(opened) if opened else None,
        median_answer_time=median(waits) if waits else None,
        top_questions=await _most_asked(session, team_id, since, now, knowledge or load_knowledge(SHIPPED_FILE)),
    )


async def _lookups_by_kind(session: AsyncSession, team_id: int, since: datetime, now: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(Lookup.kind, func.count(Lookup.id))
        .where(Lookup.team_id == team_id, Lookup.at >= since, Lookup.at < now)
        .group_by(Lookup.kind)
    )
    return {str(kind): count for kind, count in rows.all()}


async def _most_asked(
    session: AsyncSession, team_id: int, since: datetime, now: datetime, knowledge: Knowledge
) -> list[TopQuestion]:
    count = func.count(Lookup.id).label("count")
    rows = await session.execute(
        select(Lookup.entry_id, count)
        .where(Lookup.team_id == team_id, Lookup.at >= since, Lookup.at < now,
               Lookup.kind.in_([str(kind) for kind in SHOWN]), Lookup.entry_id.is_not(None))
        .group_by(Lookup.entry_id)
        .order_by(count.desc(), Lookup.entry_id)
        .limit(TOP)
    )
    return [TopQuestion(entry_id, _question(knowledge, entry_id), number) for entry_id, number in rows.all()]


def _question(knowledge: Knowledge, entry_id: str) -> Text | None:
    try:
        return knowledge.entry(entry_id).question
    except KeyError:
        return None
