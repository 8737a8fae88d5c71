"""Resolving the recipients a leader types: names with or without diacritics, handles, areas, commas."""

from datetime import UTC, datetime

import pytest

from bot.roster.file import parse_roster
from bot.roster.lookup import Ambiguous, Found, FoundArea, Unknown, load_directory, lookup_leading, lookup_members
from bot.roster.models import Role
from bot.roster.service import import_roster
from bot.storage import Storage

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
ROSTER = """
team: {code: t1, name: "Tổ một"}
areas: [{code: antoan, name: "An toàn thông tin"}, {code: qr, name: "QR"}]
members:
  - {telegram_id: 11, username: cuong_hm, full_name: "Hoàng Mạnh Cường", role: leader, areas: [antoan]}
  - {telegram_id: 12, username: hung_vm, full_name: "Vũ Mạnh Hùng", role: member, areas: [qr]}
  - {telegram_id: 13, username: hung_lq, full_name: "Lê Quốc Hùng", role: member}
  - {telegram_id: 14, full_name: "Trần Văn Hưng", role: member}
  - {telegram_id: 15, full_name: "Đỗ Thị Mai", short_name: "Mai", role: member}
  - {telegram_id: 16, full_name: "Giám Đốc Chung", role: director}
"""
OTHER_TEAM = """
team: {code: t2, name: "Tổ hai"}
members:
  - {telegram_id: 21, full_name: "Nguyễn Văn Tâm", role: leader}
"""


@pytest.fixture
async def team(storage: Storage) -> Storage:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=NOW)
        await import_roster(session, parse_roster(OTHER_TEAM), now=NOW)
    return storage


def names(entry: object) -> list[str]:
    if isinstance(entry, Found):
        return [entry.member.full_name]
    if isinstance(entry, Ambiguous):
        return [m.full_name for m in entry.candidates]
    return []


@pytest.mark.parametrize(("typed", "expected"), [
    ("hung", ["Vũ Mạnh Hùng", "Lê Quốc Hùng", "Trần Văn Hưng"]),  # folded: all three
    ("Hùng", ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]),  # with diacritics: not Hưng
    ("HÙNG", ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]),
    ("Hưng", ["Trần Văn Hưng"]),
    ("vu manh hung", ["Vũ Mạnh Hùng"]),
    ("manh hung", ["Vũ Mạnh Hùng"]),
    ("Mạnh Hùng", ["Vũ Mạnh Hùng"]),
    ("Quốc Hùng", ["Lê Quốc Hùng"]),
    ("@hung_lq", ["Lê Quốc Hùng"]),
    ("@HUNG_VM", ["Vũ Mạnh Hùng"]),
    ("mai", ["Đỗ Thị Mai"]),
    ("do thi mai", ["Đỗ Thị Mai"]),
    ("  cường  ", ["Hoàng Mạnh Cường"]),
])
async def test_one_name(team: Storage, typed: str, expected: list[str]) -> None:
    async with team.read() as session:
        lookup = await lookup_members(session, 1, typed)
    assert [names(e) for e in lookup.entries] == [expected]
    assert lookup.complete == (len(expected) == 1)


async def test_several_names_areas_and_unknowns(team: Storage) -> None:
    async with team.read() as session:
        lookup = await lookup_members(session, 1, "manh hung, @cuong_hm, #QR, hugn, Nguyễn Văn Tâm, @nobody")
    kinds = [type(e).__name__ for e in lookup.entries]
    assert kinds == ["Found", "Found", "FoundArea", "Unknown", "Unknown", "Unknown"]
    assert [m.full_name for m in lookup.members] == ["Vũ Mạnh Hùng", "Hoàng Mạnh Cường"]
    assert [a.code for a in lookup.areas] == ["qr"]
    hugn = lookup.unknown[0]
    assert hugn.typed == "hugn" and [m.full_name for m in hugn.suggestions][:2] == ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]
    assert lookup.unknown[1].typed == "Nguyễn Văn Tâm"  # another team's member is not found here


async def test_roles_and_inactive_members_are_left_out(team: Storage) -> None:
    async with team.transaction() as session:
        await import_roster(session, parse_roster(ROSTER.replace(
            '  - {telegram_id: 15, full_name: "Đỗ Thị Mai", short_name: "Mai", role: member}\n', "")), now=NOW)
    async with team.read() as session:
        staff = await load_directory(session, 1, roles={Role.LEADER, Role.DEPUTY, Role.MEMBER})
        assert isinstance(staff.match_or_unknown("mai"), Unknown)  # deactivated
        assert isinstance(staff.match_or_unknown("Giám Đốc Chung"), Unknown)  # not a role that takes tasks
        everyone = await lookup_members(session, 1, "Giám Đốc Chung")
    assert [e.member.full_name for e in everyone.entries if isinstance(e, Found)] == ["Giám Đốc Chung"]


@pytest.mark.parametrize(("text", "recipients", "rest"), [
    ("hung Vá lỗ hổng", ["hung"], "Vá lỗ hổng"),
    ("vu manh hung kiem tra, bao cao", ["vu manh hung"], "kiem tra, bao cao"),
    ("@hung_vm, mai, cuong Viec A, B", ["@hung_vm", "mai", "cuong"], "Viec A, B"),
    ("#antoan Rà soát tường lửa", ["#antoan"], "Rà soát tường lửa"),
    ("Mạnh Hùng", ["Mạnh Hùng"], ""),
    ("hung, mai", ["hung", "mai"], ""),
    ("nguyen van x, mai lam", ["nguyen van x", "mai"], "lam"),  # an unknown piece before a comma is whole
    ("xyz lam viec", ["xyz"], "lam viec"),
])
async def test_recipients_at_the_start_of_a_command(team: Storage, text: str, recipients: list[str], rest: str) -> None:
    async with team.read() as session:
        lookup, remainder = await lookup_leading(session, 1, text)
    assert [e.typed for e in lookup.entries] == recipients
    assert remainder == rest
    assert all(isinstance(e, (Found, FoundArea, Ambiguous, Unknown)) for e in lookup.entries)
