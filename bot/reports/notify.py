"""Writing to a team member from a timer or another person's action, in the member's language."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import choose_locale, use_locale
from bot.outbox.service import enqueue
from bot.roster.models import Member, Person
from bot.ui import Message


async def locale_of(session: AsyncSession, member: Member, default: str) -> str:
    """The person's own choice, else the roster's language, else the deployment's default."""
    person = await session.get(Person, member.telegram_id) if member.telegram_id else None
    return choose_locale(chosen=person.language if person else None, roster=member.language, telegram=None,
                         default=default)


async def tell(
    session: AsyncSession, member: Member, render: Callable[[], Message], *, now: datetime, default_locale: str,
    ref: str | None = None, dedupe_key: str | None = None,
) -> bool:
    """Queue a message rendered in the member's language; False when they have no Telegram account
    (or the dedupe key was recorded already)."""
    if member.telegram_id is None:
        return False
    with use_locale(await locale_of(session, member, default_locale)):
        message = render()
    row = await enqueue(session, member.telegram_id, message, now=now, team_id=member.team_id, ref=ref,
                        dedupe_key=dedupe_key)
    return row is not None
