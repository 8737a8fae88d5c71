"""Roster files: validation, idempotent import, deactivation, several teams."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.audit import AuditEntry
from bot.roster.file import RosterError, dump_roster, load_roster, parse_roster
from bot.roster.invites import InviteRefusal, Redeemed, create_invite, looks_like_invite, redeem_invite
from bot.roster.models import Member, Team
from bot.roster.service import export_roster, import_roster, memberships, team_members
from bot.storage import Storage

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
DEMO = Path("bot/roster/demo.yaml")

SMALL = """
team: {code: %(code)s, name: "Tổ %(code)s"}
areas:
  - {code: qr, name: "QR"}
units:
  - {code: u1, name: "Đơn vị 1", manager_telegram_id: 9001}
members:
  - {telegram_id: %(leader)s, full_name: "Lê Văn Tổ", role: leader, areas: [qr]}
  - {telegram_id: 5001, full_name: "Giám Đốc Chung", role: director}
  - {code: nomad, full_name: "Người Chưa Liên Kết", role: member, unit: u1}
"""


def small(code: str, leader: int) -> str:
    return SMALL % {"code": code, "leader": leader}


async def count(storage: Storage, model: type) -> int:
    async with storage.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_demo_roster_imports_and_reimport_changes_nothing(storage: Storage) -> None:
    roster = load_roster(DEMO)
    async with storage.transaction() as session:
        first = await import_roster(session, roster, now=NOW)
    async with storage.transaction() as session:
        again = await import_roster(session, roster, now=NOW)
    assert len(first.created) == 16 and first.team_created
    assert again.created == again.updated == again.deactivated == []
    assert await count(storage, Member) == 16


async def test_reimport_updates_in_place_and_deactivates_missing(storage: Storage) -> None:
    roster = load_roster(DEMO)
    async with storage.transaction() as session:
        await import_roster(session, roster, now=NOW)
    changed = roster.model_copy(deep=True)
    changed.members = [m for m in changed.members if m.telegram_id != 1009]
    tuan = next(m for m in changed.members if m.telegram_id == 1007)
    tuan.title = "Kỹ sư chính"
    async with storage.transaction() as session:
        summary = await import_roster(session, changed, now=NOW)
    assert summary.updated == ["Bùi Anh Tuấn"]
    assert summary.deactivated == ["Đặng Hoài Nam"]
    async with storage.read() as session:
        nam = await session.scalar(select(Member).where(Member.telegram_id == 1009))
        assert nam is not None and not nam.active  # kept, not deleted
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "roster.member.deactivate" in actions
    assert await count(storage, Member) == 16


async def test_export_round_trips(storage: Storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, load_roster(DEMO), now=NOW)
    async with storage.read() as session:
        exported = await export_roster(session, "hoabinh")
    assert parse_roster(dump_roster(exported)) == exported
    assert [m.full_name for m in exported.members] == [m.full_name for m in load_roster(DEMO).members]


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("role: leader", "role: chief"), ":8: members[0].role: Input should be"),
        (("areas: [qr]}", "areas: [qrr]}"), ":8: members[0].areas: unknown area 'qrr'"),
        (("unit: u1}", "unit: u9}"), ":10: members[2].unit: unknown unit 'u9'"),
        (("telegram_id: 5001", "telegram_id: 4001"), ":9: members[1]: duplicate telegram_id 4001"),
        (("{code: qr,", "{code: QR code,"), ":4: areas[0].code: String should match pattern"),
        (("full_name: \"Lê Văn Tổ\", ", "full_nam: \"x\", "), ":8: members[0]"),
        (("role: leader", "role: member"), "members: the team needs a member with role leader"),
    ],
)
def test_bad_files_name_the_line_and_field(mutation: tuple[str, str], expected: str) -> None:
    text = small("t1", 4001).replace(*mutation)
    with pytest.raises(RosterError) as caught:
        parse_roster(text, source="team.yaml")
    assert expected in str(caught.value), str(caught.value)


async def test_bad_file_imports_nothing(storage: Storage, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(small("t1", 4001).replace("role: director", "role: king"), encoding="utf-8")
    with pytest.raises(RosterError):
        load_roster(path)
    assert await count(storage, Team) == 0


async def test_two_teams_in_one_database_stay_apart(storage: Storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(small("alpha", 4001)), now=NOW)
        await import_roster(session, parse_roster(small("beta", 4002)), now=NOW)
    async with storage.read() as session:
        teams = {t.code: t.id for t in await session.scalars(select(Team))}
        alpha = await team_members(session, teams["alpha"])
        beta = await team_members(session, teams["beta"])
        director_teams = await memberships(session, 5001)
    assert {m.telegram_id for m in alpha} == {4001, 5001, None}
    assert {m.telegram_id for m in beta} == {4002, 5001, None}
    assert all(m.team_id == teams["alpha"] for m in alpha)
    assert [m.team_id for m in director_teams] == [teams["alpha"], teams["beta"]]
    # Re-importing alpha with fewer people never touches beta.
    async with storage.transaction() as session:
        shrunk = small("alpha", 4001).replace('  - {code: nomad, full_name: "Người Chưa Liên Kết", role: member, unit: u1}\n', "")
        summary = await import_roster(session, parse_roster(shrunk), now=NOW)
    assert summary.deactivated == ["Người Chưa Liên Kết"]
    async with storage.read() as session:
        assert len(await team_members(session, teams["beta"])) == 3


async def test_invite_links_once_and_expires(storage: Storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(small("alpha", 4001)), now=NOW)
        nomad = await session.scalar(select(Member).where(Member.key == "code:nomad"))
        assert nomad is not None
        code = await create_invite(session, nomad, now=NOW, ttl=timedelta(days=7))
        stale = await create_invite(session, nomad, now=NOW - timedelta(days=8), ttl=timedelta(days=7))
    assert looks_like_invite(code) and len(code) == 32
    async with storage.transaction() as session:
        outcome = await redeem_invite(session, code, telegram_id=7777, now=NOW)
    assert isinstance(outcome, Redeemed) and outcome.member.telegram_id == 7777
    async with storage.transaction() as session:
        assert await redeem_invite(session, code, telegram_id=7778, now=NOW) is InviteRefusal.USED
        assert await redeem_invite(session, stale, telegram_id=7778, now=NOW) is InviteRefusal.EXPIRED
        assert await redeem_invite(session, "x" * 32, telegram_id=7778, now=NOW) is InviteRefusal.UNKNOWN
    # The link survives a re-import of a file that has no telegram_id for that member.
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(small("alpha", 4001)), now=NOW)
        relinked = await session.scalar(select(Member).where(Member.key == "code:nomad"))
        assert relinked is not None and relinked.telegram_id == 7777


async def test_invite_codes_are_random_and_stored_hashed(storage: Storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(small("alpha", 4001)), now=NOW)
        nomad = await session.scalar(select(Member).where(Member.key == "code:nomad"))
        codes = {await create_invite(session, nomad, now=NOW, ttl=timedelta(days=1)) for _ in range(20)}  # type: ignore[arg-type]
        stored = set(await session.scalars(select(__import__("bot.roster.models", fromlist=["Invite"]).Invite.code_hash)))
    assert len(codes) == 20
    assert not codes & stored
