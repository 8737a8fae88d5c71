"""Convening rules without Telegram: who is invited, reminders owed, answers re-checked, digest counts."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.convening import service
from bot.convening.digest import coming_for_digest
from bot.convening.form import TimeProblem
from bot.convening.models import Answer, Convocation, ConvocationDraft
from bot.outbox.models import OutboxMessage
from bot.reminders.models import Reminder
from bot.roster.file import parse_roster
from bot.roster.models import Team
from bot.roster.service import import_roster
from bot.storage import Storage
from tests.e2e.harness import DEMO_ROSTER

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Hà Nội
SETTINGS = Settings(_env_file=None)
LEADER, HUNG, MAI, TUAN = 1001, 1004, 1006, 1007


async def team(storage: Storage) -> int:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")), now=NOW)
        team_id = await session.scalar(select(Team.id).where(Team.code == "hoabinh"))
        assert team_id is not None
        return team_id


async def convene(storage: Storage, team_id: int, text: str, now: datetime = NOW) -> Convocation:
    async with storage.transaction() as session:
        result = await service.one_line(session, text, team_id=team_id, convener=LEADER, now=now, settings=SETTINGS)
        assert isinstance(result, Convocation), result
        return result


async def reminders_of(storage: Storage, convocation_id: int) -> dict[str, tuple[datetime, bool]]:
    async with storage.read() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.subject_id == convocation_id,
                                                            Reminder.kind.like("convening.%")))
        return {r.kind: (r.due_at, r.respects_quiet_hours) for r in rows}


async def test_everyone_means_staff_but_not_the_convener_director_or_unit_managers(storage: Storage) -> None:
    team_id = await team(storage)
    meeting = await convene(storage, team_id, "tất cả Giao ban lúc 14h chiều mai tại Phòng họp")
    invited = sorted(i.member.full_name for i in meeting.invitees)
    assert "Hoàng Mạnh Cường" not in invited and "Trần Văn An" not in invited and "Đinh Thu Hà" not in invited
    assert "Nguyễn Thị Lan" in invited and "Lý Văn Quang" in invited and len(invited) == 11
    assert await reminders_of(storage, meeting.id) == {
        "convening.unanswered": (NOW + timedelta(hours=2), True),
        "convening.start": (datetime(2026, 11, 26, 6, 30, tzinfo=UTC), False),
    }


async def test_quiet_hours_hold_the_nudge_only_if_it_still_arrives_before_the_start(storage: Storage) -> None:
    team_id = await team(storage)
    evening = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)  # 21:30
    early = await convene(storage, team_id, "Mai Họp sớm lúc 6h45 sáng mai tại Phòng trực", now=evening)
    earlier = await convene(storage, team_id, "Mai Trực sớm lúc 6h20 sáng mai tại Phòng trực", now=evening)
    assert (await reminders_of(storage, early.id))["convening.unanswered"] == (evening + timedelta(hours=2), True)
    assert (await reminders_of(storage, earlier.id))["convening.unanswered"] == (evening + timedelta(hours=2), False)


async def test_a_convocation_starting_soon_owes_no_reminder_already_past(storage: Storage) -> None:
    team_id = await team(storage)
    meeting = await convene(storage, team_id, "Mai Họp gấp lúc 9h20 tại Phòng trực")
    assert await reminders_of(storage, meeting.id) == {}  # 20 minutes away: the card itself is the reminder


async def test_a_form_with_a_question_left_sends_nothing_and_keeps_a_draft(storage: Storage) -> None:
    team_id = await team(storage)
    async with storage.transaction() as session:
        result = await service.one_line(session, "#qr Họp lúc 3h thứ 6 tại P3", team_id=team_id, convener=LEADER,
                                        now=NOW, settings=SETTINGS)
        assert isinstance(result, tuple)
        draft, problem = result
        assert isinstance(problem, TimeProblem) and problem.kind == "ambiguous"
        assert draft.step == "time" and draft.content == "Họp" and draft.place == "P3" and len(draft.choices or []) == 2
        assert await service.choose_time(session, draft, 1, now=NOW) is None
        assert draft.step == "confirm" and draft.starts_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    async with storage.read() as session:
        assert await session.scalar(select(func.count()).select_from(Convocation)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(ConvocationDraft)) == 1


async def test_answers_are_rechecked(storage: Storage) -> None:
    team_id = await team(storage)
    meeting = await convene(storage, team_id, "Vũ Mạnh Hùng, Đỗ Thị Mai Họp lúc 14h chiều mai tại P3")
    async with storage.transaction() as session:
        assert await service.answer(session, meeting.id, Answer.ATTEND, by=TUAN, now=NOW, settings=SETTINGS) == \
            service.Refusal("not_invited")
        assert await service.answer(session, meeting.id + 99, Answer.ATTEND, by=HUNG, now=NOW, settings=SETTINGS) == \
            service.Refusal("not_found")
        late = meeting.starts_at + timedelta(minutes=1)
        assert await service.answer(session, meeting.id, Answer.ATTEND, by=HUNG, now=late, settings=SETTINGS) == \
            service.Refusal("started")
        assert await service.for_convener(session, meeting.id, team_id=team_id + 1) == service.Refusal("not_found")
        invitee = await service.answer(session, meeting.id, Answer.ABSENT, by=MAI, now=NOW, settings=SETTINGS)
        assert not isinstance(invitee, service.Refusal) and invitee.reason_asked_at == NOW
        assert await service.reason_listening(session, MAI, NOW + timedelta(minutes=5)) == invitee
        assert await service.reason_listening(session, MAI, NOW + timedelta(hours=3)) is None


async def test_the_digest_counts_answers_of_coming_convocations(storage: Storage) -> None:
    team_id = await team(storage)
    meeting = await convene(storage, team_id, "Vũ Mạnh Hùng, Đỗ Thị Mai, Bùi Anh Tuấn Họp lúc 14h chiều mai tại P3")
    await convene(storage, team_id, "Mai Họp xa lúc 9h ngày 20/12 tại P3")
    async with storage.transaction() as session:
        await service.answer(session, meeting.id, Answer.ATTEND, by=HUNG, now=NOW, settings=SETTINGS)
        await service.answer(session, meeting.id, Answer.ABSENT, by=MAI, now=NOW, settings=SETTINGS)
    async with storage.read() as session:
        coming = await coming_for_digest(session, team_id, now=NOW)
        after = await coming_for_digest(session, team_id, now=meeting.starts_at)
    assert [(c.content, c.attending, c.absent, c.unanswered) for c in coming] == [("Họp", 1, 1, 1)]
    assert after == []
