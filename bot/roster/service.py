"""Importing and exporting the roster, and reading it back."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.audit import record
from bot.roster.file import AreaSpec, MemberSpec, RosterFile, TeamSpec, UnitSpec
from bot.roster.models import Area, Member, Role, Team, Unit


@dataclass
class ImportSummary:
    team_code: str
    team_created: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


async def import_roster(
    session: AsyncSession, roster: RosterFile, *, now: datetime, actor: int | None = None
) -> ImportSummary:
    """Make the database match the file: update in place, never duplicate.

    Members missing from the file are deactivated, not deleted, so their
    history stays readable. The caller owns the transaction: a failure
    leaves nothing half-imported.
    """
    team, created = await _upsert_team(session, roster.team, now)
    summary = ImportSummary(team_code=team.code, team_created=created)
    areas = await _upsert_codes(session, team, Area, roster.areas)
    units = await _upsert_codes(session, team, Unit, roster.units)
    existing = {m.key: m for m in await _members(session, team.id)}
    seen: set[str] = set()
    for order, spec in enumerate(roster.members):
        member = existing.get(spec.key)
        before = _snapshot(member) if member else None
        if member is None:
            member = Member(team_id=team.id, key=spec.key)
            session.add(member)
        _apply(member, spec, order, areas, units)
        after = _snapshot(member)
        seen.add(spec.key)
        if before != after:
            (summary.updated if before else summary.created).append(member.full_name)
            record(session, at=now, action="roster.member", subject=f"member:{spec.key}",
                   actor=actor, team_id=team.id, before=before, after=after)
    for key, member in existing.items():
        if key not in seen and member.active:
            before = _snapshot(member)
            member.active = False
            summary.deactivated.append(member.full_name)
            record(session, at=now, action="roster.member.deactivate", subject=f"member:{key}",
                   actor=actor, team_id=team.id, before=before, after=_snapshot(member))
    await session.flush()
    return summary


async def _upsert_team(session: AsyncSession, spec: TeamSpec, now: datetime) -> tuple[Team, bool]:
    team = await session.scalar(select(Team).where(Team.code == spec.code))
    created = team is None
    if team is None:
        team = Team(code=spec.code, created_at=now)
        session.add(team)
    team.name, team.group_chat_id = spec.name, spec.group_chat_id
    await session.flush()
    return team, created


async def _upsert_codes(
    session: AsyncSession, team: Team, model: type[Area] | type[Unit], specs: list[AreaSpec] | list[UnitSpec]
) -> dict[str, Any]:
    rows = {row.code: row for row in await session.scalars(select(model).where(model.team_id == team.id))}
    for spec in specs:
        row = rows.get(spec.code) or model(team_id=team.id, code=spec.code)
        for name, value in spec.model_dump(exclude={"code"}).items():
            setattr(row, name, value)
        session.add(row)
        rows[spec.code] = row
    await session.flush()
    return rows


def _apply(member: Member, spec: MemberSpec, order: int, areas: dict[str, Area], units: dict[str, Unit]) -> None:
    if spec.telegram_id is not None:  # a member linked by invite keeps the link
        member.telegram_id = spec.telegram_id
    member.username = spec.bare_username
    member.full_name = spec.full_name
    member.short_name = spec.display_short_name
    member.title = spec.title
    member.unit = units[spec.unit] if spec.unit else None
    member.role = spec.role
    member.language = spec.language
    member.active = True
    member.roster_order = order
    member.areas = [areas[code] for code in spec.areas]


def _snapshot(member: Member) -> dict[str, Any]:
    return {
        "telegram_id": member.telegram_id,
        "username": member.username,
        "full_name": member.full_name,
        "short_name": member.short_name,
        "title": member.title,
        "unit": member.unit.code if member.unit else None,
        "role": str(member.role),
        "areas": sorted(area.code for area in member.areas),
        "language": member.language,
        "active": member.active,
    }


async def _members(session: AsyncSession, team_id: int) -> list[Member]:
    rows = await session.scalars(select(Member).where(Member.team_id == team_id).order_by(Member.roster_order))
    return list(rows)


async def export_roster(session: AsyncSession, team_code: str) -> RosterFile:
    """The active roster of one team, in the file format."""
    team = await session.scalar(select(Team).where(Team.code == team_code))
    if team is None:
        raise LookupError(team_code)
    areas = await session.scalars(select(Area).where(Area.team_id == team.id).order_by(Area.id))
    units = await session.scalars(select(Unit).where(Unit.team_id == team.id).order_by(Unit.id))
    members = [m for m in await _members(session, team.id) if m.active]
    return RosterFile(
        team=TeamSpec(code=team.code, name=team.name, group_chat_id=team.group_chat_id),
        areas=[AreaSpec(code=a.code, name=a.name) for a in areas],
        units=[UnitSpec(code=u.code, name=u.name, manager_telegram_id=u.manager_telegram_id) for u in units],
        members=[_member_spec(m) for m in members],
    )


def _member_spec(member: Member) -> MemberSpec:
    code = member.key.removeprefix("code:") if member.key.startswith("code:") else None
    return MemberSpec(
        telegram_id=member.telegram_id,
        code=code,
        username=member.username,
        full_name=member.full_name,
        short_name=member.short_name,
        title=member.title,
        unit=member.unit.code if member.unit else None,
        role=member.role,
        areas=[area.code for area in member.areas],
        language=member.language,  # type: ignore[arg-type]
    )


async def team_codes(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Team.code).order_by(Team.id)))


def _memberships() -> Select[tuple[Member]]:
    return (
        select(Member)
        .options(joinedload(Member.areas))
        .where(Member.telegram_id == bindparam("telegram_id"), Member.active.is_(True))
        .order_by(Member.team_id)
    )


_MEMBERSHIPS = _memberships()  # built once: every update reads who writes


async def memberships(session: AsyncSession, telegram_id: int) -> list[Member]:
    """Every active roster entry of this Telegram account, one per team, with its areas
    (joined into the same query: the model alone would load them with a second one)."""
    rows = await session.scalars(_MEMBERSHIPS, {"telegram_id": telegram_id})
    return list(rows.unique())


async def team_members(session: AsyncSession, team_id: int, *, roles: set[Role] | None = None) -> list[Member]:
    query = select(Member).where(Member.team_id == team_id, Member.active.is_(True))
    if roles:
        query = query.where(Member.role.in_([str(role) for role in roles]))
    return list(await session.scalars(query.order_by(Member.roster_order)))


async def linked_telegram_ids(session: AsyncSession) -> list[int]:
    """Every Telegram account linked to an active member of any team."""
    query = select(Member.telegram_id).where(Member.telegram_id.is_not(None), Member.active.is_(True)).distinct()
    return sorted(tid for tid in await session.scalars(query) if tid is not None)


async def leaders_of(session: AsyncSession, team_id: int) -> list[Member]:
    """The leader first, then deputies: who hears about trouble in the team."""
    people = await team_members(session, team_id, roles={Role.LEADER, Role.DEPUTY})
    return sorted(people, key=lambda m: (m.role != Role.LEADER, m.roster_order))
