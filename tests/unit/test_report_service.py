"""Report rules without Telegram: opening once, who owes what, the form, submitting, correcting, late."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.reminders.models import Reminder
from bot.reports.models import Obligation, ReportPeriod, Submission
from bot.reports.requests import Requested, RequestProblem, request_report
from bot.reports.service import (
    Refusal, Submitted, answer, open_scheduled, owed_by, owed_one, read_one_message, start_form, submit,
)
from bot.reports.types import DEFAULT_FILE, load_report_types
from bot.roster.file import parse_roster
from bot.roster.models import Member
from bot.roster.service import import_roster
from bot.storage import Storage
from tests.e2e.harness import DEMO_ROSTER

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TYPES = load_report_types(DEFAULT_FILE)
WEEKLY = TYPES.types[0]
WEDNESDAY = datetime(2026, 11, 25, 16, 0, tzinfo=ZONE)
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=ZONE)


@pytest.fixture
async def team(storage: Storage) -> int:
    async with storage.transaction() as session:
        summary = await import_roster(session, parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")),
                                      now=WEDNESDAY - timedelta(days=1))
        assert summary.team_created
    async with storage.read() as session:
        return (await session.scalar(select(Member.team_id).limit(1))) or 0


async def member(storage: Storage, telegram_id: int) -> Member:
    async with storage.read() as session:
        found = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    assert found is not None
    return found


async def test_a_scheduled_period_opens_once_with_one_person_per_area(storage: Storage, team: int) -> None:
    async def open_it() -> ReportPeriod | None:
        async with storage.transaction() as session:
            return await open_scheduled(session, team, WEEKLY, DUE, WEDNESDAY)

    results = await asyncio.gather(open_it(), open_it())
    assert sum(result is not None for result in results) == 1
    assert await open_it() is None
    async with storage.read() as session:
        assert await session.scalar(select(func.count()).select_from(ReportPeriod)) == 1
        owed = {o.member.short_name + str(o.member.telegram_id): o.field_codes
                for o in await session.scalars(select(Obligation))}
        steps = sorted(r.step for r in await session.scalars(select(Reminder)))
    assert owed == {
        "Hùng1004": ["qr_diem", "qr_luot", "kbyt_luot"], "Mai1006": ["tc_mui", "tc_tyle"],
        "Hùng1005": ["xn_mau", "xn_ketqua"], "Thảo1008": ["tv_f1"], "Nam1009": ["cl_theodoi", "cl_ungdung"],
        "Linh1010": ["pt_bantin", "su_co", "de_xuat"],
    }
    assert steps == ["before:1d", "before:2h", "due", "escalate", "open"]


async def test_submit_correct_until_the_deadline_then_late_and_closed(storage: Storage, team: int) -> None:
    async with storage.transaction() as session:
        period = await open_scheduled(session, team, WEEKLY, DUE, WEDNESDAY)
    assert period is not None
    hung, nam = await member(storage, 1004), await member(storage, 1009)
    async with storage.transaction() as session:
        owed = await owed_one(session, hung, period.id)
        assert owed is not None
        assert await submit(session, owed, {"qr_diem": 1}, now=WEDNESDAY, actor=1004) == Refusal.INCOMPLETE
        first = await submit(session, owed, {"qr_diem": 1, "qr_luot": 2, "kbyt_luot": 3, "tc_mui": 9},
                             now=WEDNESDAY, actor=1004)
        assert isinstance(first, Submitted) and not first.corrected and not first.submission.late
        assert first.submission.values == {"qr_diem": 1, "qr_luot": 2, "kbyt_luot": 3}  # only their own fields
        again = await submit(session, owed, {"qr_diem": 10, "qr_luot": 2, "kbyt_luot": 3},
                             now=DUE - timedelta(minutes=1), actor=1004)
        assert isinstance(again, Submitted) and again.corrected and again.submission.corrections == 1
        assert await submit(session, owed, {"qr_diem": 11, "qr_luot": 2, "kbyt_luot": 3},
                            now=DUE + timedelta(minutes=1), actor=1004) == Refusal.CLOSED
        late_owed = await owed_one(session, nam, period.id)
        assert late_owed is not None
        late = await submit(session, late_owed, {"cl_theodoi": 5, "cl_ungdung": "on_dinh"},
                            now=DUE + timedelta(hours=1), actor=1009)
        assert isinstance(late, Submitted) and late.submission.late
        assert await owed_one(session, await member(storage, 1007), period.id) is None  # Tuấn owes nothing
    async with storage.read() as session:
        stored = {s.member.telegram_id: s.values["qr_diem" if s.member.telegram_id == 1004 else "cl_theodoi"]
                  for s in await session.scalars(select(Submission))}
        assert stored == {1004: 10, 1009: 5}
        assert [o.period.id for o in await owed_by(session, hung, DUE + timedelta(hours=1))] == []


async def test_the_form_asks_each_field_in_turn_and_keeps_bad_answers_out(storage: Storage, team: int) -> None:
    async with storage.transaction() as session:
        period = await open_scheduled(session, team, WEEKLY, DUE, WEDNESDAY)
        assert period is not None
        owed = await owed_one(session, await member(storage, 1010), period.id)
        assert owed is not None
        draft = await start_form(session, owed, WEDNESDAY)
        assert draft.asking == "pt_bantin"
        problem = answer(draft, owed.fields, "nhiều lắm", WEDNESDAY)
        assert problem is not None and problem.reason == "not_a_number" and draft.asking == "pt_bantin"
        assert answer(draft, owed.fields, "3", WEDNESDAY) is None and draft.asking == "su_co"
        assert answer(draft, owed.fields, "bỏ qua", WEDNESDAY) is None and draft.asking == "de_xuat"
        assert answer(draft, owed.fields, "Tăng băng thông", WEDNESDAY) is None and draft.asking is None
        assert draft.values == {"pt_bantin": 3, "de_xuat": "Tăng băng thông"}


async def test_the_one_message_form_reads_codes_and_values(storage: Storage, team: int) -> None:
    async with storage.transaction() as session:
        period = await open_scheduled(session, team, WEEKLY, DUE, WEDNESDAY)
        assert period is not None
        owed = await owed_by(session, await member(storage, 1010), WEDNESDAY)
    reading = read_one_message(owed, "pt_bantin=2 su_co=Mất kết nối 2 giờ, đã khắc phục de_xuat=Tăng băng thông", WEDNESDAY)
    assert reading.values == {"pt_bantin": 2, "su_co": "Mất kết nối 2 giờ, đã khắc phục", "de_xuat": "Tăng băng thông"}
    assert not reading.problems and not reading.unknown
    bad = read_one_message(owed, "pt_bantin=-2 qr_diem=4", WEDNESDAY)
    assert [p.reason for _, p in bad.problems] == ["negative"] and bad.unknown == ["qr_diem"]


async def test_an_adhoc_request_is_routed_and_refused_when_unclear(storage: Storage, team: int) -> None:
    director = await member(storage, 1000)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)
    async with storage.transaction() as session:
        asked = await request_report(session, director, "#cachly số người đang cách ly tại nhà hạn 16h",
                                     types=TYPES, now=now, zone=ZONE)
        assert isinstance(asked, Requested)
        assert [m.telegram_id for m, _ in asked.owers.by_member.values()] == [1009]
        assert asked.period.title == "số người đang cách ly tại nhà" and asked.period.due_at == now.replace(hour=16)
        typed = await request_report(session, director, "@thao_np báo cáo tuần hạn 17h mai", types=TYPES, now=now,
                                     zone=ZONE)
        assert isinstance(typed, Requested) and typed.period.type_code == WEEKLY.code
        assert [codes for _, codes in typed.owers.by_member.values()] == [["tv_f1"]]
        for text, kind in [("#qr số liệu", "no_deadline"), ("#qr số liệu hạn 8h hôm nay", "deadline"),
                           ("số liệu hạn 16h", "no_target"), ("#xyz số liệu hạn 16h", "unknown_target"),
                           ("hạn 16h", "empty")]:
            problem = await request_report(session, director, text, types=TYPES, now=now, zone=ZONE)
            assert isinstance(problem, RequestProblem) and problem.kind == kind, text
