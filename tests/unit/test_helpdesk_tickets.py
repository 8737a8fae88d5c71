"""Help-desk tickets: what typed questions get, the hand-off, who may answer, reminders, the digest."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.audit import AuditEntry
from bot.config import Settings
from bot.helpdesk import render, service
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.digest import helpdesk_digest
from bot.helpdesk.models import LookupKind, Ticket, TicketStatus
from bot.helpdesk.reminders import remind
from bot.outbox.models import Kind, OutboxMessage
from bot.reminders.models import Reminder, ReminderStatus
from bot.roster.file import parse_roster
from bot.roster.models import Member, Team
from bot.roster.service import import_roster
from bot.storage import Storage
from handlers.helpdesk import Press

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[2] / "bot" / "roster" / "demo.yaml"
CITIZEN, OTHER_CITIZEN = 555001, 555002
HUNG, SON, MAI = 1004, 1011, 1006  # Hùng and Sơn are on support (area hotro); Mai is not
NO_SUPPORT_TEAM = """
team: {code: second, name: "Tổ thứ hai"}
areas: [{code: qr, name: "QR"}, {code: hotro, name: "Hỗ trợ"}]
members:
  - {telegram_id: 4001, full_name: "Trưởng Tổ Hai", role: leader}
  - {telegram_id: 4002, full_name: "Phó Tổ Hai", role: deputy}
  - {telegram_id: 4003, full_name: "Thành Viên QR", role: member, areas: [qr]}
"""


@pytest.fixture
def desk() -> HelpDesk:
    return HelpDesk.from_settings(Settings(_env_file=None))


@pytest.fixture
async def team(storage: Storage) -> Team:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(DEMO.read_text(encoding="utf-8")), now=NOW)
        return (await session.scalars(select(Team))).one()


async def ask(storage: Storage, desk: HelpDesk, text: str, *, citizen: int = CITIZEN, at: datetime = NOW) -> service.Outcome:
    async with storage.transaction() as session:
        return await service.ask(session, desk, citizen_id=citizen, locale="vi", text=text, now=at)


async def handed_off(storage: Storage, desk: HelpDesk, text: str = "mất giấy tờ thì làm lại ở đâu") -> Ticket:
    outcome = await ask(storage, desk, text)
    assert isinstance(outcome, service.NoAnswer) and outcome.draft_id is not None
    async with storage.transaction() as session:
        ticket = await service.send_draft(session, desk, citizen_id=CITIZEN, ticket_id=outcome.draft_id, now=NOW)
    assert isinstance(ticket, Ticket)
    return ticket


async def outbox_to(storage: Storage, chat_id: int) -> list[OutboxMessage]:
    async with storage.read() as session:
        return list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        ))


async def answer(storage: Storage, desk: HelpDesk, ticket_id: int, by: int, text: str = "Bạn đến UBND xã.") \
        -> Ticket | service.Refusal:
    async with storage.transaction() as session:
        return await service.answer_ticket(session, desk, ticket_id=ticket_id, telegram_id=by, text=text, now=NOW)


# --- typed questions --------------------------------------------------------------------------


async def test_a_clear_question_is_answered_without_keeping_anything_about_the_citizen(storage, desk, team) -> None:
    outcome = await ask(storage, desk, "cach quet ma qr")
    assert isinstance(outcome, service.Answered) and outcome.entry.id == "scan_howto" and outcome.can_hand_off
    async with storage.read() as session:
        assert list(await session.scalars(select(Ticket))) == []
        digest = await helpdesk_digest(session, team.id, since=NOW, now=NOW + timedelta(hours=1))
    assert (digest.questions_typed, digest.answered_at_once) == (1, 1)
    assert [(top.entry_id, top.count) for top in digest.top_questions] == [("scan_howto", 1)]


async def test_vague_and_unknown_questions_keep_one_draft_per_citizen(storage, desk, team) -> None:
    near = await ask(storage, desk, "khai bao")
    assert isinstance(near, service.Choices) and len(near.entries) == 3 and near.draft_id is not None
    none = await ask(storage, desk, "gia xang hom nay bao nhieu")
    assert isinstance(none, service.NoAnswer) and none.draft_id is not None
    await ask(storage, desk, "gia vang hom nay", citizen=OTHER_CITIZEN)
    async with storage.read() as session:
        drafts = list(await session.scalars(select(Ticket).order_by(Ticket.citizen_id)))
    assert [(d.citizen_id, d.question, d.status) for d in drafts] == [
        (CITIZEN, "gia xang hom nay bao nhieu", TicketStatus.DRAFT),
        (OTHER_CITIZEN, "gia vang hom nay", TicketStatus.DRAFT),
    ]


async def test_with_several_teams_and_no_setting_nothing_is_handed_off(storage, team) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(NO_SUPPORT_TEAM), now=NOW)
    desk = HelpDesk.from_settings(Settings(_env_file=None))
    outcome = await ask(storage, desk, "gia xang hom nay bao nhieu")
    assert outcome == service.NoAnswer(draft_id=None)
    chosen = HelpDesk.from_settings(Settings(_env_file=None, helpdesk_team="second"))
    async with storage.read() as session:
        serving = await service.serving_team(session, chosen)
    assert serving is not None and serving.code == "second"


# --- hand-off ---------------------------------------------------------------------------------


async def test_a_sent_draft_reaches_every_support_member_and_owes_reminders(storage, desk, team) -> None:
    ticket = await handed_off(storage, desk)
    assert ticket.status == TicketStatus.OPEN and ticket.opened_at == NOW
    for member in (HUNG, SON):
        [card] = await outbox_to(storage, member)
        assert card.ref == service.card_ref(ticket.id)
        assert "mất giấy tờ thì làm lại ở đâu" in (card.text or "") and str(CITIZEN) not in (card.text or "")
    assert await outbox_to(storage, MAI) == []
    async with storage.read() as session:
        owed = list(await session.scalars(select(Reminder).where(Reminder.subject_id == ticket.id)))
    assert sorted((r.step, r.due_at - NOW) for r in owed) == [
        ("escalate", desk.escalate_after), ("remind", desk.remind_after),
    ]


async def test_sending_someone_elses_or_a_replaced_draft_is_refused(storage, desk, team) -> None:
    first = await ask(storage, desk, "gia xang hom nay bao nhieu")
    assert isinstance(first, service.NoAnswer) and first.draft_id is not None
    async with storage.transaction() as session:
        stolen = await service.send_draft(session, desk, citizen_id=OTHER_CITIZEN, ticket_id=first.draft_id, now=NOW)
        missing = await service.send_draft(session, desk, citizen_id=CITIZEN, ticket_id=999, now=NOW)
    assert (stolen, missing) == (service.Refusal.UNKNOWN, service.Refusal.EXPIRED)


async def test_only_support_members_of_the_ticket_team_may_answer(storage, desk, team) -> None:
    ticket = await handed_off(storage, desk)
    assert await answer(storage, desk, ticket.id, MAI) == service.Refusal.NOT_SUPPORT
    assert await answer(storage, desk, ticket.id, CITIZEN) == service.Refusal.NOT_SUPPORT
    assert await answer(storage, desk, ticket.id, SON, text="   ") == service.Refusal.EMPTY
    answered = await answer(storage, desk, ticket.id, SON)
    assert isinstance(answered, Ticket) and answered.status == TicketStatus.ANSWERED
    assert await answer(storage, desk, ticket.id, HUNG) == service.Refusal.ALREADY_ANSWERED

    [relayed] = await outbox_to(storage, CITIZEN)
    assert "Bạn đến UBND xã." in (relayed.text or "")
    assert "Sơn" not in (relayed.text or "") and "Phan" not in (relayed.text or "")
    edits = [row for member in (HUNG, SON) for row in await outbox_to(storage, member) if row.kind == Kind.EDIT]
    assert len(edits) == 2 and all("Đã trả lời" in (row.text or "") for row in edits)
    async with storage.read() as session:
        son = await session.scalar(select(Member).where(Member.telegram_id == SON, Member.team_id == team.id))
        reminders = list(await session.scalars(select(Reminder.status).where(Reminder.subject_id == ticket.id)))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "helpdesk.ticket.answer"))
    assert answered.answered_by_member_id == son.id
    assert reminders == [ReminderStatus.CANCELLED, ReminderStatus.CANCELLED]
    assert audit is not None and audit.actor == SON


async def test_support_members_of_another_team_may_not_answer(storage, desk, team) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(NO_SUPPORT_TEAM.replace("role: member, areas: [qr]",
                                                                          "role: member, areas: [hotro]")), now=NOW)
    desk = HelpDesk.from_settings(Settings(_env_file=None, helpdesk_team="hoabinh"))
    ticket = await handed_off(storage, desk)
    assert await answer(storage, desk, ticket.id, 4003) == service.Refusal.NOT_SUPPORT


async def test_a_team_without_support_members_hands_tickets_to_its_leaders(storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(NO_SUPPORT_TEAM), now=NOW)
    desk = HelpDesk.from_settings(Settings(_env_file=None))
    ticket = await handed_off(storage, desk)
    assert [len(await outbox_to(storage, who)) for who in (4001, 4002, 4003)] == [1, 1, 0]
    assert isinstance(await answer(storage, desk, ticket.id, 4002), Ticket)


async def test_closing_without_an_answer_tells_the_citizen_and_counts_as_unanswered(storage, desk, team) -> None:
    ticket = await handed_off(storage, desk)
    async with storage.transaction() as session:
        closed = await service.close_ticket(session, desk, ticket_id=ticket.id, telegram_id=HUNG, now=NOW)
        again = await service.close_ticket(session, desk, ticket_id=ticket.id, telegram_id=HUNG, now=NOW)
    assert isinstance(closed, Ticket) and closed.status == TicketStatus.CLOSED
    assert again == service.Refusal.ALREADY_CLOSED
    [notice] = await outbox_to(storage, CITIZEN)
    assert "đã được đóng" in (notice.text or "")
    async with storage.read() as session:
        digest = await helpdesk_digest(session, team.id, since=NOW - timedelta(days=1), now=NOW + timedelta(hours=1))
    assert (digest.tickets_opened, digest.tickets_answered, digest.tickets_closed) == (1, 0, 1)
    assert digest.unanswered_rate == 1.0


# --- reminders --------------------------------------------------------------------------------


async def due_reminder(storage: Storage, ticket: Ticket, step: str) -> Reminder:
    async with storage.read() as session:
        reminder = await session.scalar(
            select(Reminder).where(Reminder.subject_id == ticket.id, Reminder.step == step)
        )
    assert reminder is not None
    return reminder


async def test_reminders_resend_the_card_to_support_and_escalate_to_the_leaders(storage, desk, team) -> None:
    ticket = await handed_off(storage, desk)
    async with storage.transaction() as session:
        await remind(session, desk, await due_reminder(storage, ticket, "remind"), NOW + timedelta(hours=1))
        await remind(session, desk, await due_reminder(storage, ticket, "escalate"), NOW + timedelta(hours=4))
    resent = (await outbox_to(storage, SON))[-1]
    assert resent.ref == service.card_ref(ticket.id) and "chưa được trả lời sau 1 giờ" in (resent.text or "")
    for leader in (1001, 1002, 1003):
        [note] = await outbox_to(storage, leader)
        assert "chưa được trả lời sau 4 giờ" in (note.text or "") and "Hùng, Sơn" in (note.text or "")


async def test_a_reminder_of_an_answered_ticket_sends_nothing(storage, desk, team) -> None:
    ticket = await handed_off(storage, desk)
    reminder = await due_reminder(storage, ticket, "remind")
    await answer(storage, desk, ticket.id, HUNG)
    before = len(await outbox_to(storage, SON))
    async with storage.transaction() as session:
        await remind(session, desk, reminder, NOW + timedelta(hours=1))
    assert len(await outbox_to(storage, SON)) == before


# --- digest -----------------------------------------------------------------------------------


async def test_digest_counts_typed_questions_tickets_and_the_most_asked(storage, desk, team) -> None:
    for text in ("cach quet ma qr", "quet ma qr the nao", "lam sao khai bao y te", "khai bao"):
        await ask(storage, desk, text)
    async with storage.transaction() as session:
        await service.record_shown(session, desk, LookupKind.MENU, "declare_howto", now=NOW)
        await service.record_shown(session, desk, LookupKind.CHOICE, "declare_howto", now=NOW)
    ticket = await handed_off(storage, desk)
    later = NOW + timedelta(minutes=30)
    async with storage.transaction() as session:
        await service.answer_ticket(session, desk, ticket_id=ticket.id, telegram_id=SON, text="Đã rõ.", now=later)
    await handed_off(storage, desk, "một câu hỏi khác không ai trả lời")
    async with storage.read() as session:
        digest = await helpdesk_digest(session, team.id, since=NOW, now=NOW + timedelta(days=1),
                                       knowledge=desk.knowledge)
        before = await helpdesk_digest(session, team.id, since=NOW - timedelta(days=1), now=NOW)
    assert (digest.questions_typed, digest.answered_at_once) == (6, 3)
    assert (digest.tickets_opened, digest.tickets_answered, digest.open_now) == (2, 1, 1)
    assert digest.unanswered_rate == 0.5 and digest.median_answer_time == timedelta(minutes=30)
    assert [(top.entry_id, top.count) for top in digest.top_questions] == [("declare_howto", 3), ("scan_howto", 2)]
    assert digest.top_questions[0].question is not None
    assert before.tickets_opened == 0 and before.unanswered_rate is None and before.top_questions == []
    text = render.digest_section(digest, "vi")
    assert "Tỷ lệ chưa được trả lời: 50%" in text and "1. Khai báo y tế ở đâu, như thế nào? (3)" in text


# --- callback data ------------------------------------------------------------------------------


def test_callback_data_fits_telegram_and_round_trips(desk) -> None:
    ids = [entry.id for entry in desk.knowledge.entries] + [category.id for category in desk.knowledge.categories]
    for value in [*ids, "", "2147483647"]:
        packed = render.data(render.ENTRY, value)
        assert len(packed.encode()) <= 64
        assert Press.unpack(packed) == Press(act=render.ENTRY, arg=value)
