"""Secondment rules without Telegram: submitting, deciding exactly once (also under a real race),
refusals, history, the digest query and who counts as seconded."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.outbox.models import OutboxMessage
from bot.roster.file import parse_roster
from bot.roster.models import Team
from bot.roster.service import import_roster
from bot.secondment import service
from bot.secondment.digest import pending_for_digest
from bot.secondment.models import Outcome, SecondmentDecision, SecondmentRequest, Status, Step
from bot.storage import Storage
from tests.e2e.harness import DEMO_ROSTER

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Hà Nội
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DIRECTOR, LEADER, MEMBER = 1000, 1001, 1004
SETTINGS = Settings(_env_file=None)


async def submitted(storage: Storage) -> int:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")), now=NOW)
        team_id = await session.scalar(select(Team.id).where(Team.code == "hoabinh"))
        assert team_id is not None
        request, resumed = await service.start(session, team_id=team_id, proposer=LEADER, now=NOW)
        assert not resumed and request.step == Step.PEOPLE
        for answer in ("Bùi Anh Tuấn", "Thiếu người trực", "Trực hệ thống truy vết", "từ 1/12 đến 31/12"):
            assert await service.answer(session, request, answer, now=NOW, zone=ZONE) is None
        assert request.step == Step.CONFIRM
        result = await service.submit(session, request, now=NOW, settings=SETTINGS)
        assert isinstance(result, SecondmentRequest) and result.status == Status.SUBMITTED
        return request.id


async def decide_alone(storage: Storage, request_id: int, outcome: Outcome, by: int = DIRECTOR,
                       note: str | None = None) -> object:
    async with storage.transaction() as session:
        return await service.decide(session, request_id, 1, outcome, by=by, now=NOW + timedelta(minutes=5),
                                    settings=SETTINGS, note=note)


async def test_two_sessions_racing_decide_once(storage: Storage) -> None:
    request_id = await submitted(storage)
    other = Storage.from_url(str(storage.engine.url.render_as_string(hide_password=False)))
    try:
        results = await asyncio.gather(
            decide_alone(storage, request_id, Outcome.APPROVED),
            decide_alone(other, request_id, Outcome.REJECTED, note="Không cần"),
        )
    finally:
        await other.close()
    won = [r for r in results if isinstance(r, service.Decided)]
    lost = [r for r in results if isinstance(r, service.AlreadyDecided)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].outcome == won[0].outcome and lost[0].decided_by == DIRECTOR
    async with storage.read() as session:
        rows = list(await session.scalars(select(SecondmentDecision)))
        request = await session.get(SecondmentRequest, request_id)
    assert len(rows) == 1 and rows[0].outcome == won[0].outcome
    assert request is not None and request.status == Status(won[0].outcome)


async def test_only_the_teams_director_decides(storage: Storage) -> None:
    request_id = await submitted(storage)
    for by in (LEADER, MEMBER, 555001):
        refused = await decide_alone(storage, request_id, Outcome.APPROVED, by=by)
        assert refused == service.Refusal("not_director")
    async with storage.read() as session:
        assert await session.scalar(select(func.count()).select_from(SecondmentDecision)) == 0


async def test_a_reason_is_required_to_reject_or_ask_for_more(storage: Storage) -> None:
    request_id = await submitted(storage)
    with pytest.raises(ValueError):
        await decide_alone(storage, request_id, Outcome.REJECTED, note="  ")


async def test_cancelling_the_why_question_after_the_decision_says_who_decided(storage: Storage) -> None:
    """The question's Hủy button outlives the answer: pressed late, it must not reopen anything."""
    request_id = await submitted(storage)
    async with storage.transaction() as session:
        asked = await service.ask_reason(session, request_id, 1, Outcome.REJECTED, by=DIRECTOR, now=NOW)
        assert isinstance(asked, SecondmentRequest) and asked.awaiting_by == DIRECTOR
    async with storage.transaction() as session:
        cancelled = await service.cancel_reason(session, request_id, 1, by=DIRECTOR, now=NOW)
        assert isinstance(cancelled, SecondmentRequest) and cancelled.awaiting_by is None
    await decide_alone(storage, request_id, Outcome.REJECTED, note="Chưa cần")
    async with storage.transaction() as session:
        late = await service.cancel_reason(session, request_id, 1, by=DIRECTOR, now=NOW + timedelta(minutes=9))
        request = await session.get(SecondmentRequest, request_id)
    assert late == service.AlreadyDecided(Outcome.REJECTED, DIRECTOR, NOW + timedelta(minutes=5))
    assert request is not None and request.status == Status.REJECTED


async def test_only_the_proposer_edits_and_only_while_editable(storage: Storage) -> None:
    request_id = await submitted(storage)
    async with storage.transaction() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None
        assert await service.editable(session, request_id, by=MEMBER, team_id=request.team_id) == \
            service.Refusal("not_yours")
        assert await service.editable(session, request_id, by=LEADER, team_id=request.team_id + 99) == \
            service.Refusal("not_found")
        assert await service.editable(session, request_id, by=LEADER, team_id=request.team_id) == \
            service.Refusal("not_editable")


async def test_the_digest_lists_what_waits_until_decided(storage: Storage) -> None:
    request_id = await submitted(storage)
    async with storage.read() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None
        pending = await pending_for_digest(session, request.team_id, now=NOW + timedelta(hours=5))
    assert [(p.number, p.proposer_name, p.people, p.waiting) for p in pending] == [
        (1, "Hoàng Mạnh Cường", ("Bùi Anh Tuấn",), timedelta(hours=5))]
    await decide_alone(storage, request_id, Outcome.APPROVED)
    async with storage.read() as session:
        assert await pending_for_digest(session, request.team_id, now=NOW + timedelta(hours=6)) == []


async def test_approved_secondees_count_only_within_their_period(storage: Storage) -> None:
    request_id = await submitted(storage)
    await decide_alone(storage, request_id, Outcome.APPROVED)
    async with storage.read() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None and request.starts_on == date(2026, 12, 1)

        async def names(day: datetime) -> list[str]:
            return [m.full_name for m in await service.active_secondees(session, request.team_id, day, zone=ZONE)]

        assert await names(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == []  # 23:59 on 30/11 local
        assert await names(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == ["Bùi Anh Tuấn"]  # 00:00 on 1/12
        assert await names(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == ["Bùi Anh Tuấn"]
        assert await names(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == []


async def test_submitting_twice_submits_once(storage: Storage) -> None:
    request_id = await submitted(storage)
    async with storage.transaction() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None
        again = await service.submit(session, request, now=NOW, settings=SETTINGS)
        cards = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.ref == f"sg:{request_id}:v1"))
    assert again == service.Refusal("not_editable")
    assert cards == 2  # one card and one Tờ trình, for the one Director
