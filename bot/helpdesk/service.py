"""The help desk's rules: answering what citizens type, and handing the rest to a person.

Who serves citizens: the only team, or the team named by
DIEUPHOI_HELPDESK_TEAM when there are several (with several teams and no
setting, questions are still answered from the knowledge base but nothing can
be handed off). Who answers a ticket: the active members of the team's area
`hotro` with a linked Telegram account; when the team has none, its leader
and deputies, so a question never waits for nobody.

Every function takes the session and `now`; those that change a ticket also
queue the messages the change causes (cards to support, the relayed answer),
so both commit together. Refusals are returned, never raised: callback data
and replies are user input.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.helpdesk import render
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.knowledge import Entry
from bot.helpdesk.models import QUESTION_LIMIT, Lookup, LookupKind, Ticket, TicketStatus
from bot.i18n import use_locale
from bot.outbox.models import Kind, OutboxMessage
from bot.outbox.service import enqueue, enqueue_edit, find_by_message
from bot.reminders import service as reminders
from bot.roster.models import Area, Member, Team
from bot.roster.service import leaders_of, team_members

SUPPORT_AREA = "hotro"
REMINDER_KIND = "helpdesk.ticket"
# A citizen who pressed "Hỏi người hỗ trợ" under an answer: their next message is
# taken as the question for this long.
LISTEN_FOR = timedelta(minutes=30)


def card_ref(ticket_id: int) -> str:
    """The outbox ref of every message a support member may reply to in order to answer a ticket."""
    return f"hd:ticket:{ticket_id}"


def ticket_id_of(ref: str | None) -> int | None:
    prefix = card_ref(0)[:-1]
    if ref is None or not ref.startswith(prefix) or not ref[len(prefix):].isdigit():
        return None
    return int(ref[len(prefix):])


# --- who -----------------------------------------------------------------------------------


async def serving_team(session: AsyncSession, desk: HelpDesk) -> Team | None:
    """The team whose support members answer citizens (see the module's rule)."""
    if desk.team_code:
        return await session.scalar(select(Team).where(Team.code == desk.team_code))
    teams = list(await session.scalars(select(Team).limit(2)))
    return teams[0] if len(teams) == 1 else None


async def support_members(session: AsyncSession, team_id: int) -> list[Member]:
    """Active members of the area `hotro` who can receive a card (a linked Telegram account)."""
    area = await session.scalar(select(Area).where(Area.team_id == team_id, Area.code == SUPPORT_AREA))
    if area is None:
        return []
    return [m for m in await team_members(session, team_id) if area in m.areas and m.telegram_id is not None]


async def answerers(session: AsyncSession, team_id: int) -> list[Member]:
    """Who gets a team's tickets and may answer them: support, else the leader and deputies."""
    support = await support_members(session, team_id)
    if support:
        return support
    return [m for m in await leaders_of(session, team_id) if m.telegram_id is not None]


# --- what citizens type ---------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    entry: Entry
    can_hand_off: bool


@dataclass(frozen=True)
class Choices:
    entries: list[Entry]
    draft_id: int | None  # None: nobody to hand off to


@dataclass(frozen=True)
class NoAnswer:
    draft_id: int | None


@dataclass(frozen=True)
class HandedOff:
    ticket: Ticket


Outcome = Answered | Choices | NoAnswer | HandedOff


async def ask(
    session: AsyncSession, desk: HelpDesk, *, citizen_id: int, locale: str, text: str, now: datetime
) -> Outcome:
    """A citizen's message: their question for a person if they were asked for it, else matched."""
    team = await serving_team(session, desk)
    listening = await _listening_draft(session, citizen_id, now) if team else None
    if listening is not None:
        listening.question = text.strip()[:QUESTION_LIMIT]
        await open_ticket(session, desk, listening, now=now)
        return HandedOff(listening)
    result = desk.matcher(locale).match(text)
    if team is not None:
        entry_id = result.entries[0].id if result.kind == "confident" else None
        await record_lookup(session, team.id, LookupKind(result.kind), entry_id, now=now)
    if result.kind == "confident":
        return Answered(result.entries[0], can_hand_off=team is not None)
    draft = await _save_draft(session, team, citizen_id, locale, text, now) if team else None
    draft_id = draft.id if draft else None
    return Choices(result.entries, draft_id) if result.kind == "near" else NoAnswer(draft_id)


async def record_lookup(
    session: AsyncSession, team_id: int, kind: LookupKind, entry_id: str | None, *, now: datetime
) -> None:
    session.add(Lookup(team_id=team_id, kind=kind, entry_id=entry_id, at=now))
    await session.flush()


async def record_shown(session: AsyncSession, desk: HelpDesk, kind: LookupKind, entry_id: str, *, now: datetime) -> None:
    """An entry opened from the menu or picked among choices, counted for the digest."""
    team = await serving_team(session, desk)
    if team is not None:
        await record_lookup(session, team.id, kind, entry_id, now=now)


async def can_hand_off(session: AsyncSession, desk: HelpDesk) -> bool:
    return await serving_team(session, desk) is not None


async def listen_for_question(
    session: AsyncSession, desk: HelpDesk, *, citizen_id: int, locale: str, topic_entry_id: str | None, now: datetime
) -> Ticket | None:
    """"Hỏi người hỗ trợ" pressed without a typed question: wait for the citizen to type it.

    None when nobody can take questions (no serving team).
    """
    team = await serving_team(session, desk)
    if team is None:
        return None
    draft = await _save_draft(session, team, citizen_id, locale, None, now)
    draft.topic_entry_id = topic_entry_id
    return draft


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such ticket, or not this person's
    EXPIRED = "expired"  # a draft replaced by a newer question or deleted
    NOT_SUPPORT = "not_support"  # the person may not answer this team's tickets
    ALREADY_ANSWERED = "already_answered"
    ALREADY_CLOSED = "already_closed"
    EMPTY = "empty"  # an answer without text


async def send_draft(
    session: AsyncSession, desk: HelpDesk, *, citizen_id: int, ticket_id: int, now: datetime
) -> Ticket | Refusal:
    """The citizen pressed "Hỏi người hỗ trợ" under a question the desk could not answer."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.citizen_id != citizen_id:
        return Refusal.EXPIRED if ticket is None else Refusal.UNKNOWN
    if ticket.status != TicketStatus.DRAFT:
        return ticket  # pressed twice: already on its way
    if ticket.question is None:
        return Refusal.EXPIRED
    await open_ticket(session, desk, ticket, now=now)
    return ticket


async def open_ticket(session: AsyncSession, desk: HelpDesk, ticket: Ticket, *, now: datetime) -> None:
    """Send the question to the people who answer it and owe them reminders."""
    ticket.status, ticket.opened_at = TicketStatus.OPEN, now
    await session.flush()
    topic = topic_of(desk, ticket.topic_entry_id)
    for member in await answerers(session, ticket.team_id):
        assert member.telegram_id is not None
        with use_locale(member.language or desk.default_locale):
            card = render.ticket_card(ticket, topic, desk.zone)
        await enqueue(session, member.telegram_id, card, now=now, team_id=ticket.team_id, ref=card_ref(ticket.id))
    for step, after in (("remind", desk.remind_after), ("escalate", desk.escalate_after)):
        await reminders.schedule(session, team_id=ticket.team_id, kind=REMINDER_KIND, subject_id=ticket.id,
                                 step=step, due_at=now + after)
    record(session, at=now, action="helpdesk.ticket.open", subject=f"ticket:{ticket.id}", actor=None,
           team_id=ticket.team_id)


# --- support members ------------------------------------------------------------------------


async def ticket_of_card(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The ticket whose card (or reminder) this message is, if it is one."""
    card = await find_by_message(session, chat_id, message_id)
    return ticket_id_of(card.ref if card is not None else None)


async def answer_ticket(
    session: AsyncSession, desk: HelpDesk, *, ticket_id: int, telegram_id: int, text: str, now: datetime
) -> Ticket | Refusal:
    """Relay a support member's answer to the citizen in the bot's name, and close the ticket."""
    ticket, member = await _for_support(session, ticket_id, telegram_id)
    if isinstance(ticket, Refusal):
        return ticket
    assert member is not None
    if ticket.status != TicketStatus.OPEN:
        return Refusal.ALREADY_ANSWERED if ticket.status == TicketStatus.ANSWERED else Refusal.ALREADY_CLOSED
    if not text.strip():
        return Refusal.EMPTY
    ticket.status, ticket.closed_at, ticket.answered_by_member_id = TicketStatus.ANSWERED, now, member.id
    with use_locale(ticket.locale):
        await enqueue(session, ticket.citizen_id, render.relayed_answer(ticket, text), now=now,
                      team_id=ticket.team_id, ref=f"hd:answer:{ticket.id}")
    await _settle(session, desk, ticket, member, now)
    record(session, at=now, action="helpdesk.ticket.answer", subject=f"ticket:{ticket.id}",
           actor=telegram_id, team_id=ticket.team_id, after={"member": member.id})
    return ticket


async def close_ticket(
    session: AsyncSession, desk: HelpDesk, *, ticket_id: int, telegram_id: int, now: datetime
) -> Ticket | Refusal:
    """Close without an answer (spam, a duplicate); the citizen is told so politely."""
    ticket, member = await _for_support(session, ticket_id, telegram_id)
    if isinstance(ticket, Refusal):
        return ticket
    assert member is not None
    if ticket.status != TicketStatus.OPEN:
        return Refusal.ALREADY_ANSWERED if ticket.status == TicketStatus.ANSWERED else Refusal.ALREADY_CLOSED
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
    with use_locale(ticket.locale):
        await enqueue(session, ticket.citizen_id, render.closed_notice(ticket), now=now, team_id=ticket.team_id)
    await _settle(session, desk, ticket, member, now)
    record(session, at=now, action="helpdesk.ticket.close", subject=f"ticket:{ticket.id}",
           actor=telegram_id, team_id=ticket.team_id, after={"member": member.id})
    return ticket


async def may_answer(session: AsyncSession, team_id: int, telegram_id: int) -> Member | None:
    """The person's membership of the team if they may answer its tickets (checked at every reply and press)."""
    return next((m for m in await answerers(session, team_id) if m.telegram_id == telegram_id), None)


async def _for_support(
    session: AsyncSession, ticket_id: int, telegram_id: int
) -> tuple[Ticket | Refusal, Member | None]:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.status == TicketStatus.DRAFT:
        return Refusal.UNKNOWN, None
    member = await may_answer(session, ticket.team_id, telegram_id)
    if member is None:
        return Refusal.NOT_SUPPORT, None
    return ticket, member


async def _settle(session: AsyncSession, desk: HelpDesk, ticket: Ticket, by: Member, now: datetime) -> None:
    """No more reminders, and every card of the ticket shows who settled it, without buttons."""
    await reminders.cancel(session, kind=REMINDER_KIND, subject_id=ticket.id)
    topic = topic_of(desk, ticket.topic_entry_id)
    cards = await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id).where(
            OutboxMessage.ref == card_ref(ticket.id), OutboxMessage.kind == Kind.SEND
        )
    )
    for card_id, chat_id in cards.all():
        member = await session.scalar(
            select(Member).where(Member.team_id == ticket.team_id, Member.telegram_id == chat_id)
        )
        with use_locale((member.language if member else None) or desk.default_locale):
            settled = render.ticket_card_settled(ticket, topic, desk.zone, by)
        await enqueue_edit(session, chat_id, settled, now=now, target_id=card_id, team_id=ticket.team_id)


# --- drafts ---------------------------------------------------------------------------------


async def _save_draft(
    session: AsyncSession, team: Team, citizen_id: int, locale: str, question: str | None, now: datetime
) -> Ticket:
    """The citizen's one draft: a newer question replaces an older one never sent."""
    await session.execute(
        delete(Ticket).where(Ticket.citizen_id == citizen_id, Ticket.status == TicketStatus.DRAFT)
    )
    draft = Ticket(
        team_id=team.id, citizen_id=citizen_id, locale=locale, status=TicketStatus.DRAFT, created_at=now,
        question=question.strip()[:QUESTION_LIMIT] if question is not None else None,
    )
    session.add(draft)
    await session.flush()
    return draft


async def _listening_draft(session: AsyncSession, citizen_id: int, now: datetime) -> Ticket | None:
    return await session.scalar(
        select(Ticket).where(
            Ticket.citizen_id == citizen_id, Ticket.status == TicketStatus.DRAFT,
            Ticket.question.is_(None), Ticket.created_at > now - LISTEN_FOR,
        )
    )


def topic_of(desk: HelpDesk, entry_id: str | None) -> Entry | None:
    if entry_id is None:
        return None
    try:
        return desk.knowledge.entry(entry_id)
    except KeyError:  # the knowledge file changed since
        return None
