"""Forgetting citizens: what the help desk kept about them goes after DIEUPHOI_CITIZEN_RETENTION_DAYS.

Deleted when older than the retention period:
- tickets (the question, the citizen's id) and their pending reminders;
- the bot's own copies of the messages exchanged with citizens: outbox rows
  to any private chat that is not a roster member's, and the ticket cards,
  reminders and relayed answers (outbox refs "hd:…");
- help-desk lookups (which entry was shown when; they name no one);
- the bodies of parked updates in the inbox (they may hold a citizen's
  message; finished updates keep no body at all);
- audit entries of refusals to citizens (they name the citizen's account;
  refusals to members, which carry their team, stay).
Sooner: drafts never sent after DRAFT_KEEP, flood counters after a day.

Messages already delivered stay in the Telegram chats: the Bot API lets a bot
delete a message only within 48 hours of sending it.

The job runs every hour in every process (bot.telegram.app); each run claims
the slot with a conditional update of its `helpdesk_job_runs` row, so one
process purges per hour. Purging twice would be harmless anyway.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Delete, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import AuditEntry
from bot.clock import Clock
from bot.helpdesk.models import JobRun, Lookup, Ticket, TicketStatus
from bot.helpdesk.ratelimit import forget_windows
from bot.helpdesk.service import REMINDER_KIND
from bot.inbox import InboxStatus, InboxUpdate
from bot.outbox.models import OutboxMessage, Status
from bot.reminders.models import Reminder
from bot.roster.models import Member, Unit
from bot.storage import Storage

JOB = "helpdesk.retention"
EVERY = timedelta(hours=1)
DRAFT_KEEP = timedelta(days=1)
COUNTERS_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    tickets: int
    drafts: int
    messages: int
    lookups: int


async def run_retention(storage: Storage, clock: Clock, keep: timedelta) -> Purged | None:
    """The periodic job: purge if this process claimed this hour's run (None otherwise)."""
    async with storage.transaction() as session:
        now = clock.now()
        if not await claim(session, JOB, now=now, every=EVERY):
            return None
        return await purge(session, now=now, keep=keep)


async def claim(session: AsyncSession, name: str, *, now: datetime, every: timedelta) -> bool:
    """True for exactly one caller per period, across processes."""
    taken = await session.execute(
        update(JobRun).where(JobRun.name == name, JobRun.next_run_at <= now).values(next_run_at=now + every)
    )
    if taken.rowcount == 1:
        return True
    if await session.get(JobRun, name) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(JobRun(name=name, next_run_at=now + every))
    except IntegrityError:  # another process ran it first
        return False
    return True


async def purge(session: AsyncSession, *, now: datetime, keep: timedelta) -> Purged:
    cutoff = now - keep
    old = select(Ticket.id).where(Ticket.created_at < cutoff)
    await session.execute(delete(Reminder).where(Reminder.kind == REMINDER_KIND, Reminder.subject_id.in_(old)))
    tickets = await _delete(session, delete(Ticket).where(Ticket.created_at < cutoff))
    drafts = await _delete(session, delete(Ticket).where(
        Ticket.status == TicketStatus.DRAFT, Ticket.created_at < now - DRAFT_KEEP
    ))
    messages = await _delete(session, delete(OutboxMessage).where(
        OutboxMessage.created_at < cutoff,
        OutboxMessage.status != Status.PENDING,
        (OutboxMessage.ref.startswith("hd:")) | _citizen_chat(),
    ))
    lookups = await _delete(session, delete(Lookup).where(Lookup.at < cutoff))
    await forget_windows(session, before=now - COUNTERS_KEEP)
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.status == InboxStatus.PARKED, InboxUpdate.received_at < cutoff)
        .values(body=None)
    )
    await session.execute(delete(AuditEntry).where(
        AuditEntry.action == "denied", AuditEntry.team_id.is_(None), AuditEntry.at < cutoff
    ))
    return Purged(tickets=tickets, drafts=drafts, messages=messages, lookups=lookups)


def _citizen_chat() -> ColumnElement[bool]:
    """A private chat (positive id) of someone who is on no roster and manages no unit."""
    members = select(Member.telegram_id).where(Member.telegram_id.is_not(None))
    managers = select(Unit.manager_telegram_id).where(Unit.manager_telegram_id.is_not(None))
    return (OutboxMessage.chat_id > 0) & OutboxMessage.chat_id.not_in(members) & OutboxMessage.chat_id.not_in(managers)


async def _delete(session: AsyncSession, statement: Delete) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount or 0
