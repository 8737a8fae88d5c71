"""Who hears about a secondment or a convocation, and in which language.

Shared by bot.secondment and bot.convening: the team's Director(s), a
person's language, and the managers of the units people belong to.
"""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import choose_locale
from bot.roster.models import Member, Person, Role, Unit
from bot.roster.service import team_members


async def directors_of(session: AsyncSession, team_id: int) -> list[Member]:
    """The team's Director(s) who can be reached on Telegram."""
    return [m for m in await team_members(session, team_id, roles={Role.DIRECTOR}) if m.telegram_id]


async def is_director(session: AsyncSession, team_id: int, telegram_id: int) -> bool:
    return any(m.telegram_id == telegram_id for m in await directors_of(session, team_id))


async def member_by_telegram(session: AsyncSession, team_id: int, telegram_id: int) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.team_id == team_id, Member.telegram_id == telegram_id)
    )


async def locale_of(session: AsyncSession, telegram_id: int, default: str) -> str:
    """A person's chosen language, else the roster's, else the default (Vietnamese)."""
    person = await session.get(Person, telegram_id)
    roster = await session.scalar(
        select(Member.language).where(Member.telegram_id == telegram_id, Member.language.is_not(None)).limit(1)
    )
    return choose_locale(chosen=person.language if person else None, roster=roster, telegram=None, default=default)


def managers_of(staff: Iterable[tuple[Unit | None, str]]) -> dict[int, list[str]]:
    """Each unit manager's Telegram id → the names of their staff in the list."""
    told: dict[int, list[str]] = {}
    for unit, name in staff:
        if unit is not None and unit.manager_telegram_id:
            names = told.setdefault(unit.manager_telegram_id, [])
            if name not in names:
                names.append(name)
    return told
