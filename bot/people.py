"""The person behind an update: who they are on which team, and their preferences."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import choose_locale
from bot.permissions import Action, Audience, allows, audience_of
from bot.roster.models import Member, Person
from bot.roster.service import memberships


@dataclass
class Actor:
    telegram_id: int
    locale: str
    membership: Member | None  # the team they act for now; None for a citizen
    memberships: list[Member]
    known: bool = True  # False until a member's first contact has been recorded

    @property
    def audience(self) -> Audience:
        return audience_of(self.membership.role if self.membership else None)

    @property
    def team_id(self) -> int | None:
        return self.membership.team_id if self.membership else None

    @property
    def is_citizen(self) -> bool:
        return self.membership is None

    @property
    def needs_team_choice(self) -> bool:
        return len(self.memberships) > 1

    def may(self, action: Action) -> bool:
        return allows(self.audience, action)


async def load_actor(
    session: AsyncSession, telegram_id: int, *, telegram_language: str | None, default_locale: str
) -> Actor:
    person = await session.get(Person, telegram_id)
    teams = await memberships(session, telegram_id)
    acting = next((m for m in teams if person and m.team_id == person.acting_team_id), teams[0] if teams else None)
    locale = choose_locale(
        chosen=person.language if person else None,
        roster=acting.language if acting else None,
        telegram=telegram_language,
        default=default_locale,
    )
    return Actor(telegram_id=telegram_id, locale=locale, membership=acting, memberships=teams, known=person is not None)


async def _person(session: AsyncSession, telegram_id: int) -> Person:
    person = await session.get(Person, telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id)
        session.add(person)
    return person


async def remember_contact(session: AsyncSession, telegram_id: int) -> None:
    """A member has written to the bot: from now on it may set their menu and write first."""
    await _person(session, telegram_id)
    await session.flush()


async def contacted_telegram_ids(session: AsyncSession) -> set[int]:
    return set(await session.scalars(select(Person.telegram_id)))


async def remember_language(session: AsyncSession, telegram_id: int, locale: str) -> str | None:
    """Store a person's explicit language choice; returns the previous one."""
    person = await _person(session, telegram_id)
    previous, person.language = person.language, locale
    await session.flush()
    return previous


async def choose_team(session: AsyncSession, telegram_id: int, team_id: int) -> Member | None:
    """Act for another team; refused (None) unless the person is an active member of it."""
    chosen = next((m for m in await memberships(session, telegram_id) if m.team_id == team_id), None)
    if chosen is not None:
        person = await _person(session, telegram_id)
        person.acting_team_id = team_id
        await session.flush()
    return chosen
