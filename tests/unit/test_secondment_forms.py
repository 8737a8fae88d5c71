"""Reading the proposer's answers: people (roster or typed) and the period."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.roster.models import Member, Unit
from bot.secondment.forms import PeopleProblem, Period, PeriodProblem, read_people, read_period

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday 19:00 in Hà Nội

CDC = Unit(id=3, team_id=1, code="cdc", name="Trung tâm Kiểm soát bệnh tật tỉnh")


def member(id_: int, full_name: str, short_name: str, username: str | None = None, unit: Unit | None = None) -> Member:
    m = Member(id=id_, team_id=1, full_name=full_name, short_name=short_name, username=username, title="Chuyên viên",
               roster_order=id_)
    m.unit, m.areas = unit, []
    return m


MEMBERS = [member(1, "Vũ Mạnh Hùng", "Hùng", "hung_vm"), member(2, "Lê Quốc Hùng", "Hùng", unit=CDC),
           member(3, "Đỗ Thị Mai", "Mai", unit=CDC)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Đỗ Thị Mai", [("Đỗ Thị Mai", "Trung tâm Kiểm soát bệnh tật tỉnh", "Chuyên viên", 3, 3)]),
    ("do thi mai", [("Đỗ Thị Mai", "Trung tâm Kiểm soát bệnh tật tỉnh", "Chuyên viên", 3, 3)]),
    ("@hung_vm; Mai", [("Vũ Mạnh Hùng", None, "Chuyên viên", 1, None),
                       ("Đỗ Thị Mai", "Trung tâm Kiểm soát bệnh tật tỉnh", "Chuyên viên", 3, 3)]),
    ("Trần Thị Hoa, CDC, Bác sĩ", [("Trần Thị Hoa", "CDC", "Bác sĩ", None, 3)]),
    ("- Nguyễn Văn A, Sở Y tế, Phòng Nghiệp vụ, Chuyên viên",
     [("Nguyễn Văn A", "Sở Y tế, Phòng Nghiệp vụ", "Chuyên viên", None, None)]),
])
def test_people_from_the_roster_or_typed(text: str, expected: list[tuple[object, ...]]) -> None:
    people = read_people(text, MEMBERS, [CDC])
    assert not isinstance(people, PeopleProblem)
    assert [(p.full_name, p.unit_name, p.title, p.member_id, p.unit_id) for p in people] == expected


@pytest.mark.parametrize(("text", "kind"), [
    ("Hùng", "ambiguous"), ("Nguyễn Văn Không", "unknown"), ("Trần Thị Hoa, CDC", "incomplete"),
    ("Trần Thị Hoa, , Bác sĩ", "incomplete"), ("  \n ", "empty"),
])
def test_people_problems_change_nothing_and_say_why(text: str, kind: str) -> None:
    problem = read_people(text, MEMBERS, [CDC])
    assert isinstance(problem, PeopleProblem) and problem.kind == kind
    if kind == "ambiguous":
        assert problem.candidates == ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]


@pytest.mark.parametrize(("text", "start", "end"), [
    ("từ 1/12 đến 31/12", date(2026, 12, 1), date(2026, 12, 31)),
    ("1/12 - 15/12/2026", date(2026, 12, 1), date(2026, 12, 15)),
    ("1/12-31/12", date(2026, 12, 1), date(2026, 12, 31)),
    ("tu thu 2 tuan sau den het 31/12", date(2026, 11, 30), date(2026, 12, 31)),
    ("hôm nay đến 30/11", date(2026, 11, 25), date(2026, 11, 30)),  # today counts, even after 17:00
    ("từ ngày mai đến hết ngày 5/1", date(2026, 11, 26), date(2027, 1, 5)),
])
def test_periods(text: str, start: date, end: date) -> None:
    assert read_period(text, NOW, ZONE) == Period(start, end)


@pytest.mark.parametrize(("text", "kind"), [
    ("20/11 đến 30/11", "past"), ("30/12 đến 1/12", "reversed"), ("1/12", "one_date"),
    ("sớm nhất có thể", "unparseable"), ("1/12 đến 31/12/2027", "too_long"),
])
def test_period_problems(text: str, kind: str) -> None:
    assert read_period(text, NOW, ZONE) == PeriodProblem(kind)

