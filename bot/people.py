"""The person behind an update: who they are on which team, and their preferences.

A person's `people` row is read at most once per transaction (`read_person`,
`read_people`): the session's identity map holds rows weakly, so an update used
to read the same row again for every message it wrote to that person in their
language.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import choose_locale
from bot.permissions import Action, Audience, allows, audience_of
from bot.roster.models import Member, Person
from bot.roster.service import memberships

PEOPLE_READ = "people_read"  # session.info key: telegram_id -> the people row (None: there is none)


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
    person = await read_person(session, telegram_id)
    teams = await memberships(session, telegram_id)
    acting = next((m for m in teams if person and m.team_id == person.acting_team_id), teams[0] if teams else None)
    locale = choose_locale(
        chosen=person.language if person else None,
        roster=acting.language if acting else None,
        telegram=telegram_language,
        default=default_locale,
    )
    return Actor(telegram_id=telegram_id, locale=locale, membership=acting, memberships=teams, known=person is not None)


def _read(session: AsyncSession) -> dict[int, Person | None]:
    read: dict[int, Person | None] = session.info.setdefault(PEOPLE_READ, {})
    return read


def _current(person: Person | None) -> bool:
    """Still this transaction's row: not expired, nor discarded with a savepoint rolled back."""
    if person is None:
        return True
    state = inspect(person)
    return state.pending or (state.persistent and not state.expired_attributes)


def remember_person(session: AsyncSession, telegram_id: int, person: Person | None) -> None:
    """Keep a people row (or its absence) read by another query for the rest of the transaction."""
    _read(session)[telegram_id] = person


async def read_person(session: AsyncSession, telegram_id: int) -> Person | None:
    """A person's row (language choice, acting team), read once per transaction."""
    read = _read(session)
    if telegram_id in read and _current(read[telegram_id]):
        return read[telegram_id]
    person = read[telegram_id] = await session.get(Person, telegram_id)
    return person


async def read_people(session: AsyncSession, telegram_ids: Iterable[int]) -> None:
    """Read the rows of several people in one query, for the `read_person` calls that follow."""
    read = _read(session)
    wanted = {tid for tid in telegram_ids if not (tid in read and _current(read[tid]))}
    if not wanted:
        return
    found = {p.telegram_id: p for p in await session.scalars(select(Person).where(Person.telegram_id.in_(wanted)))}
    for telegram_id in wanted:
        read[telegram_id] = found.get(telegram_id)


async def _person(session: AsyncSession, telegram_id: int) -> Person:
    person = await read_person(session, telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id)
        session.add(person)
        remember_person(session, telegram_id, person)
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
