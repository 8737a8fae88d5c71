"""Unanswered tickets are reminded like tasks, through bot.reminders.

Opening a ticket schedules two reminders (bot.helpdesk.service.open_ticket):
- "remind", DIEUPHOI_TICKET_REMIND_AFTER after it reached support: the card is
  sent again to the people who answer it; a reply to the reminder answers the
  ticket like a reply to the card;
- "escalate", DIEUPHOI_TICKET_ESCALATE_AFTER after: the leader and deputies
  are told, with the names of the support members.
Answering or closing the ticket cancels both. Both respect quiet hours: a
citizen's question is not worth waking someone at night.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.helpdesk import render
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.models import Ticket, TicketStatus
from bot.helpdesk.service import REMINDER_KIND, answerers, card_ref, support_members, topic_of
from bot.i18n import use_locale
from bot.outbox.service import enqueue
from bot.reminders.models import Reminder
from bot.reminders.service import prefetching
from bot.roster.service import leaders_of

ReminderHandler = Callable[[AsyncSession, Reminder, datetime], Awaitable[None]]


async def prefetch(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    """The batch's tickets in one query (see bot.reminders.service.prefetching)."""
    return list(await session.scalars(select(Ticket).where(Ticket.id.in_({reminder.subject_id for reminder in batch}))))


def reminder_handlers(desk: HelpDesk) -> dict[str, ReminderHandler]:
    """For bot.telegram.app.reminder_handlers."""

    @prefetching(prefetch)
    async def handle(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await remind(session, desk, reminder, now)

    return {REMINDER_KIND: handle}


async def remind(session: AsyncSession, desk: HelpDesk, reminder: Reminder, now: datetime) -> None:
    ticket = await session.get(Ticket, reminder.subject_id)
    if ticket is None or ticket.status != TicketStatus.OPEN or ticket.opened_at is None:
        return  # answered, closed or deleted meanwhile
    waited = now - ticket.opened_at
    if reminder.step == "escalate":
        support = await support_members(session, ticket.team_id)
        for leader in await leaders_of(session, ticket.team_id):
            if leader.telegram_id is None:
                continue
            with use_locale(leader.language or desk.default_locale):
                message = render.ticket_escalation(ticket, desk.zone, waited, support)
            await enqueue(session, leader.telegram_id, message, now=now, team_id=ticket.team_id,
                          dedupe_key=f"hd:ticket:{ticket.id}:escalate:{leader.id}")
        return
    topic = topic_of(desk, ticket.topic_entry_id)
    for member in await answerers(session, ticket.team_id):
        assert member.telegram_id is not None
        with use_locale(member.language or desk.default_locale):
            message = render.ticket_reminder(ticket, topic, desk.zone, waited)
        await enqueue(session, member.telegram_id, message, now=now, team_id=ticket.team_id,
                      ref=card_ref(ticket.id), dedupe_key=f"hd:ticket:{ticket.id}:{reminder.step}:{member.id}")
