"""Reading the convocation's one-line form: who, what, when, where; times never guessed."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.convening.form import Parts, TimeProblem, read_time, split_parts
from bot.convening.who import Who, WhoProblem, read_who, split_who
from bot.roster.models import Area, Member

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 09:00
QR = Area(id=1, team_id=1, code="qr", name="QR")
VACCINE = Area(id=2, team_id=1, code="tiemchung", name="Tiêm chủng")


def member(id_: int, full_name: str, short_name: str, username: str | None = None, areas: tuple[Area, ...] = ()) -> Member:
    m = Member(id=id_, team_id=1, full_name=full_name, short_name=short_name, username=username, roster_order=id_)
    m.areas = list(areas)
    return m


MEMBERS = [member(1, "Vũ Mạnh Hùng", "Hùng", "hung_vm", (QR,)), member(2, "Lê Quốc Hùng", "Hùng"),
           member(3, "Đỗ Thị Mai", "Mai", areas=(VACCINE,)), member(4, "Trịnh Khánh Linh", "Linh", areas=(QR,))]
AREAS = [QR, VACCINE]


def names(who: Who | WhoProblem) -> list[str]:
    assert isinstance(who, Who), who
    return [m.full_name for m in who.members]


@pytest.mark.parametrize(("text", "people", "rest"), [
    ("#qr Họp QR lúc 14h mai tại P3", ["Vũ Mạnh Hùng", "Trịnh Khánh Linh"], "Họp QR lúc 14h mai tại P3"),
    ("#qr #tiemchung Họp", ["Vũ Mạnh Hùng", "Trịnh Khánh Linh", "Đỗ Thị Mai"], "Họp"),
    ("tất cả Họp gấp", ["Vũ Mạnh Hùng", "Lê Quốc Hùng", "Đỗ Thị Mai", "Trịnh Khánh Linh"], "Họp gấp"),
    ("tat ca hop gap", ["Vũ Mạnh Hùng", "Lê Quốc Hùng", "Đỗ Thị Mai", "Trịnh Khánh Linh"], "hop gap"),
    ("Mai, Vũ Mạnh Hùng Họp triển khai", ["Đỗ Thị Mai", "Vũ Mạnh Hùng"], "Họp triển khai"),
    ("@hung_vm, linh họp", ["Vũ Mạnh Hùng", "Trịnh Khánh Linh"], "họp"),
])
def test_who_then_the_rest(text: str, people: list[str], rest: str) -> None:
    who, after = split_who(text, MEMBERS, AREAS)
    assert names(who) == people and after == rest


@pytest.mark.parametrize(("text", "kind", "typed"), [
    ("Hùng họp", "ambiguous", "Hùng"), ("Xuân họp", "unknown", "Xuân"), ("#khong Họp", "unknown", "#khong"),
])
def test_who_is_never_guessed(text: str, kind: str, typed: str) -> None:
    who, _ = split_who(text, MEMBERS, AREAS)
    assert isinstance(who, WhoProblem) and (who.kind, who.text) == (kind, typed)
    if kind == "ambiguous":
        assert [m.full_name for m in who.candidates] == ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]


def test_guided_answer_to_who() -> None:
    assert names(read_who("#qr, Mai", MEMBERS, AREAS)) == ["Đỗ Thị Mai", "Vũ Mạnh Hùng", "Trịnh Khánh Linh"]
    assert names(read_who("#qr #tiemchung", MEMBERS, AREAS)) == ["Vũ Mạnh Hùng", "Trịnh Khánh Linh", "Đỗ Thị Mai"]
    assert names(read_who("Tất cả", MEMBERS, AREAS)) == [m.full_name for m in MEMBERS]


@pytest.mark.parametrize(("text", "parts"), [
    ("Họp triển khai QR lúc 14h chiều mai tại Phòng họp tầng 3",
     Parts("Họp triển khai QR", "14h chiều mai", "Phòng họp tầng 3")),
    ("Hop luc 8h sang thu 6 tai https://meet.example.org/abc", Parts("Hop", "8h sang thu 6", "https://meet.example.org/abc")),
    ("Họp lúc 14h mai", Parts("Họp", "14h mai", None)),
    ("Họp gấp tại phòng 2", Parts("Họp gấp", None, "phòng 2")),
    ("Họp tại chỗ lúc 9h mai tại Phòng 1", Parts("Họp tại chỗ", "9h mai", "Phòng 1")),
])
def test_split_content_time_place(text: str, parts: Parts) -> None:
    assert split_parts(text) == parts


def test_times() -> None:
    assert read_time("14h chiều mai", NOW, ZONE) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    assert read_time("8h hôm nay", NOW, ZONE) == TimeProblem("past", [datetime(2026, 11, 25, 1, 0, tzinfo=UTC)])
    assert read_time("mai", NOW, ZONE) == TimeProblem("no_hour")
    assert read_time("sớm nhất có thể", NOW, ZONE) == TimeProblem("unparseable")
    ambiguous = read_time("3h thứ 6", NOW, ZONE)
    assert isinstance(ambiguous, TimeProblem) and ambiguous.kind == "ambiguous"
    assert ambiguous.candidates == [datetime(2026, 11, 26, 20, 0, tzinfo=UTC), datetime(2026, 11, 27, 8, 0, tzinfo=UTC)]
