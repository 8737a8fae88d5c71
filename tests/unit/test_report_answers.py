"""Reading answers to report fields, and cron schedules written the standard way."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.reports.answers import AnswerProblem, Skipped, read_answer
from bot.reports.cron import ShiftedTrigger, instants_between, next_instant, parse_cron
from bot.reports.types import Choice, FieldSpec

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
COUNT = FieldSpec(code="qr_luot", label="Lượt quét", kind="integer", max=Decimal(1_000_000))
SHARE = FieldSpec(code="tyle", label="Tỷ lệ", kind="percent")
STATE = FieldSpec(code="tt", label="Tình trạng", kind="choice", choices=[
    Choice(code="on_dinh", label="Ổn định", label_en="Stable"), Choice(code="ngung", label="Ngừng hoạt động")])
NOTE = FieldSpec(code="su_co", label="Sự cố", kind="text", required=False)


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        (COUNT, "1.234", 1234), (COUNT, "1,234", 1234), (COUNT, "1234", 1234), (COUNT, "1,5 nghìn", 1500),
        (COUNT, "1,5 nghin", 1500), (COUNT, "2k", 2000), (COUNT, "0", 0),
        (COUNT, "-5", AnswerProblem("negative")), (COUNT, "âm 3", AnswerProblem("negative")),
        (COUNT, "năm trăm", AnswerProblem("not_a_number")), (COUNT, "", AnswerProblem("empty")),
        (COUNT, "1,5", AnswerProblem("not_integer")),
        (COUNT, "2 triệu", AnswerProblem("above_max", Decimal(1_000_000))),
        (SHARE, "87,5", 87.5), (SHARE, "87.5%", 87.5), (SHARE, "100", 100),
        (SHARE, "120%", AnswerProblem("above_max", Decimal(100))),
        (STATE, "2", "ngung"), (STATE, "ổn định", "on_dinh"), (STATE, "on dinh", "on_dinh"), (STATE, "stable", "on_dinh"),
        (STATE, "ngừng", "ngung"), (STATE, "7", AnswerProblem("not_a_choice")),
        (STATE, "không biết", AnswerProblem("not_a_choice")),
        (NOTE, "Mất kết nối 2 giờ", "Mất kết nối 2 giờ"), (NOTE, "bo qua", Skipped()), (NOTE, "x" * 1001,
                                                                                      AnswerProblem("too_long", Decimal(1000))),
    ],
)
def test_answers(field: FieldSpec, typed: str, expected: object) -> None:
    assert read_answer(field, typed) == expected


def test_a_required_field_cannot_be_skipped() -> None:
    assert read_answer(COUNT, "bỏ qua") == AnswerProblem("not_a_number")


def test_cron_weekdays_are_standard_cron() -> None:
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)
    assert next_instant(parse_cron("0 16 * * 5", ZONE), wednesday) == datetime(2026, 11, 27, 16, 0, tzinfo=ZONE)
    assert next_instant(parse_cron("0 16 * * fri", ZONE), wednesday) == datetime(2026, 11, 27, 16, 0, tzinfo=ZONE)
    assert next_instant(parse_cron("0 8 * * 0", ZONE), wednesday) == datetime(2026, 11, 29, 8, 0, tzinfo=ZONE)
    assert next_instant(parse_cron("0 8 * * 7", ZONE), wednesday) == datetime(2026, 11, 29, 8, 0, tzinfo=ZONE)
    weekdays = instants_between(parse_cron("30 7 * * 1-5", ZONE), wednesday, wednesday + timedelta(days=7))
    assert [d.strftime("%a") for d in weekdays] == ["Thu", "Fri", "Mon", "Tue", "Wed"]
    sunday_to_monday = instants_between(parse_cron("0 9 * * 0-1", ZONE), wednesday, wednesday + timedelta(days=7))
    assert [d.strftime("%a") for d in sunday_to_monday] == ["Sun", "Mon"]
    with pytest.raises(ValueError):
        parse_cron("0 16 * * 9", ZONE)
    with pytest.raises(ValueError):
        parse_cron("0 16 * *", ZONE)


def test_a_shifted_trigger_fires_before_each_deadline() -> None:
    trigger = ShiftedTrigger(parse_cron("0 16 * * 5", ZONE), timedelta(days=2))
    now = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)
    first = trigger.get_next_fire_time(None, now)
    assert first == datetime(2026, 11, 25, 16, 0, tzinfo=ZONE)
    assert first is not None
    assert trigger.get_next_fire_time(first, first) == datetime(2026, 12, 2, 16, 0, tzinfo=ZONE)
