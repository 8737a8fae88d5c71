"""Citizens are forgotten after DIEUPHOI_CITIZEN_RETENTION_DAYS; members' messages are kept; one purge per hour."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.audit import AuditEntry, record
from bot.clock import ManualClock
from bot.config import Settings
from bot.helpdesk import service
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.models import Lookup, RateWindow, Ticket
from bot.helpdesk.ratelimit import count_update
from bot.helpdesk.retention import EVERY, JOB, claim, purge, run_retention
from bot.inbox import InboxStatus, InboxUpdate
from bot.outbox.models import OutboxMessage, Status
from bot.outbox.service import enqueue
from bot.reminders.models import Reminder
from bot.roster.file import parse_roster
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.ui import Message

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[2] / "bot" / "roster" / "demo.yaml"
CITIZEN, SON = 555001, 1011
KEEP = timedelta(days=30)


@pytest.fixture
def desk() -> HelpDesk:
    return HelpDesk.from_settings(Settings(_env_file=None))


@pytest.fixture
async def clock(storage: Storage) -> ManualClock:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(DEMO.read_text(encoding="utf-8")), now=START)
    return ManualClock(START, running=False)


async def count(storage: Storage, model: type, *where: object) -> int:
    async with storage.read() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def a_conversation(storage: Storage, desk: HelpDesk, clock: ManualClock) -> None:
    """A citizen asks, is answered by support, and the bot also writes to a member about something else."""
    now = clock.now()
    async with storage.transaction() as session:
        await service.ask(session, desk, citizen_id=CITIZEN, locale="vi", text="cach quet ma qr", now=now)
        outcome = await service.ask(session, desk, citizen_id=CITIZEN, locale="vi", text="mat giay to", now=now)
        assert isinstance(outcome, service.NoAnswer) and outcome.draft_id is not None
        ticket = await service.send_draft(session, desk, citizen_id=CITIZEN, ticket_id=outcome.draft_id, now=now)
        assert isinstance(ticket, Ticket)
        await service.answer_ticket(session, desk, ticket_id=ticket.id, telegram_id=SON, text="Đến xã.", now=now)
        await count_update(session, CITIZEN, now=now, limit=10, window=timedelta(minutes=1))
        session.add(InboxUpdate(update_id=1, status=InboxStatus.PARKED, received_at=now, body={"text": "mat giay to"}))
        record(session, at=now, action="denied", subject="switch_team", actor=CITIZEN, team_id=None)
        await enqueue(session, 1005, Message("Nhiệm vụ mới"), now=now, ref="task:1")
        await session.execute(update(OutboxMessage).values(status=Status.SENT))  # all delivered


async def test_nothing_is_deleted_before_the_retention_period(storage, desk, clock) -> None:
    await a_conversation(storage, desk, clock)
    clock.advance(KEEP - timedelta(minutes=1))
    async with storage.transaction() as session:
        purged = await purge(session, now=clock.now(), keep=KEEP)
    assert (purged.tickets, purged.messages, purged.lookups) == (0, 0, 0)
    assert await count(storage, Ticket) == 1 and await count(storage, Lookup) == 2


async def test_after_the_retention_period_citizens_questions_and_messages_are_gone(storage, desk, clock) -> None:
    await a_conversation(storage, desk, clock)
    to_citizen = OutboxMessage.chat_id == CITIZEN
    cards = OutboxMessage.ref.startswith("hd:")
    assert await count(storage, OutboxMessage, to_citizen) == 1 and await count(storage, OutboxMessage, cards) >= 3
    clock.advance(KEEP + timedelta(minutes=1))
    async with storage.transaction() as session:
        purged = await purge(session, now=clock.now(), keep=KEEP)
    assert purged.tickets == 1 and purged.lookups == 2
    assert await count(storage, Ticket) == 0 and await count(storage, Lookup) == 0
    assert await count(storage, OutboxMessage, to_citizen) == 0 and await count(storage, OutboxMessage, cards) == 0
    assert await count(storage, OutboxMessage, OutboxMessage.chat_id == 1005) == 1  # a member's task note stays
    assert await count(storage, Reminder, Reminder.kind == service.REMINDER_KIND) == 0
    assert await count(storage, RateWindow) == 0
    async with storage.read() as session:
        parked = await session.get(InboxUpdate, 1)
    assert parked is not None and parked.body is None
    assert await count(storage, AuditEntry, AuditEntry.actor == CITIZEN) == 0
    assert await count(storage, AuditEntry, AuditEntry.actor == SON) == 1  # a member's answer stays audited


async def test_an_unsent_draft_goes_after_a_day(storage, desk, clock) -> None:
    async with storage.transaction() as session:
        await service.ask(session, desk, citizen_id=CITIZEN, locale="vi", text="gia xang", now=clock.now())
    assert await count(storage, Ticket) == 1
    clock.advance(timedelta(hours=23))
    async with storage.transaction() as session:
        assert (await purge(session, now=clock.now(), keep=KEEP)).drafts == 0
    clock.advance(timedelta(hours=2))
    async with storage.transaction() as session:
        assert (await purge(session, now=clock.now(), keep=KEEP)).drafts == 1
    assert await count(storage, Ticket) == 0


async def test_the_job_is_claimed_once_per_hour_across_processes(database_url, desk, clock) -> None:
    first, second = Storage.from_url(database_url), Storage.from_url(database_url)
    try:
        assert await run_retention(first, clock, KEEP) is not None
        assert await run_retention(second, clock, KEEP) is None  # the other process, same hour
        clock.advance(EVERY - timedelta(seconds=1))
        assert await run_retention(second, clock, KEEP) is None
        clock.advance(timedelta(seconds=1))
        assert await run_retention(second, clock, KEEP) is not None
        assert await run_retention(first, clock, KEEP) is None
        async with first.transaction() as session:
            assert await claim(session, JOB, now=clock.now(), every=EVERY) is False
    finally:
        await first.close()
        await second.close()
