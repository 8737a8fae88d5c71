"""What happens when Telegram says a chat moved or cannot be reached.

A chat that refused a message for good (the person blocked the bot, the
account is gone, the chat does not exist) is remembered in
`unreachable_chats`: nothing more is attempted there, and the leader is told
once which member cannot be reached. It becomes reachable again as soon as the
person writes to the bot or unblocks it. A group upgraded to a supergroup gets
its new id everywhere it is stored.

Whether a person who writes was unreachable is read with their `people` row,
which the update reads anyway (see `heard_from`): the mark costs a statement of
its own only when there is one to remove.
"""

import logging
from datetime import datetime

from sqlalchemy import Select, String, bindparam, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.audit import record
from bot.clock import Clock
from bot.db import Base, TelegramId, UTCDateTime, upsert
from bot.i18n import gettext as _
from bot.i18n import use_locale
from bot.outbox.service import enqueue
from bot.people import remember_person
from bot.roster.models import Member, Person, Role, Team
from bot.roster.service import leaders_of
from bot.storage import Storage
from bot.ui import Message, esc

log = logging.getLogger("dieuphoi.reachability")


class UnreachableChat(Base):
    __tablename__ = "unreachable_chats"

    chat_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(String(255))
    since: Mapped[datetime] = mapped_column(UTCDateTime)


async def mark_unreachable(session: AsyncSession, chat_id: int, reason: str, *, now: datetime) -> bool:
    """Remember that a chat refuses messages; True the first time (then the leaders are told)."""
    result = await session.execute(
        upsert(session, UnreachableChat).values(chat_id=chat_id, reason=reason[:255], since=now)
        .on_conflict_do_nothing(index_elements=["chat_id"])
    )
    if result.rowcount != 1:
        return False
    await _tell_leaders(session, chat_id, reason, now)
    return True


async def mark_reachable(session: AsyncSession, chat_id: int) -> None:
    """The person wrote to the bot or unblocked it: messages may go there again."""
    await session.execute(delete(UnreachableChat).where(UnreachableChat.chat_id == chat_id))


def _person_and_mark() -> Select[tuple[Person | None, bool]]:
    """The person of :chat_id (None if they have no row yet) and whether their chat is marked unreachable."""
    chat_id = bindparam("chat_id", type_=TelegramId)
    one_row = select(literal(1).label("one")).subquery()
    marked = select(UnreachableChat.chat_id).where(UnreachableChat.chat_id == chat_id).exists()
    return select(Person, marked).select_from(one_row).outerjoin(Person, Person.telegram_id == chat_id)


_PERSON_AND_MARK = _person_and_mark()  # built once: it runs for every message and button press


async def heard_from(session: AsyncSession, chat_id: int) -> None:
    """The person wrote or pressed a button in their private chat: reachable again if they were not.

    Rather than a DELETE for every update (hardly anyone who writes was unreachable), one query
    reads the person's row, which the update needs next (`bot.people` keeps it for the
    transaction), and whether the chat is marked; the mark is deleted only when there is one.
    The query runs where the DELETE did, in the update's transaction, so it sees every mark
    the DELETE would have, whichever process wrote it.
    """
    person, unreachable = (await session.execute(_PERSON_AND_MARK, {"chat_id": chat_id})).one()
    remember_person(session, chat_id, person)
    if unreachable:
        await mark_reachable(session, chat_id)


async def is_unreachable(session: AsyncSession, chat_id: int) -> bool:
    return await session.get(UnreachableChat, chat_id) is not None


async def group_migrated(session: AsyncSession, old_chat_id: int, new_chat_id: int, *, now: datetime) -> None:
    """A team group became a supergroup: remember its new id."""
    teams = list(await session.scalars(select(Team).where(Team.group_chat_id == old_chat_id)))
    for team in teams:
        record(session, at=now, action="team.group_migrated", subject=f"team:{team.code}", actor=None,
               team_id=team.id, before={"group_chat_id": old_chat_id}, after={"group_chat_id": new_chat_id})
    await session.execute(update(Team).where(Team.group_chat_id == old_chat_id).values(group_chat_id=new_chat_id))
    if teams:
        log.info("team group %s is now %s", old_chat_id, new_chat_id)


async def _tell_leaders(session: AsyncSession, chat_id: int, reason: str, now: datetime) -> None:
    members = list(await session.scalars(
        select(Member).where(Member.telegram_id == chat_id, Member.active.is_(True))
    ))
    for member in members:
        for leader in await _who_hears(session, member):
            with use_locale(leader.language or "vi"):
                text = _("⚠️ Không gửi được tin nhắn cho <b>{name}</b>: Telegram báo tài khoản này đã chặn bot hoặc không còn hoạt động. Vui lòng liên hệ trực tiếp.").format(name=esc(member.full_name))
            await enqueue(session, leader.telegram_id or 0, Message(text), now=now, team_id=member.team_id,
                          ref=f"unreachable:{chat_id}")
        record(session, at=now, action="member.unreachable", subject=f"member:{member.key}", actor=None,
               team_id=member.team_id, after={"reason": reason[:200]})
    if members:
        log.warning("member chat %s unreachable (%s); leaders told", chat_id, reason)


async def _who_hears(session: AsyncSession, member: Member) -> list[Member]:
    """The team leader; the deputies when the leader is the one who cannot be reached."""
    people = [m for m in await leaders_of(session, member.team_id)
              if m.telegram_id is not None and m.telegram_id != member.telegram_id]
    leaders = [m for m in people if m.role == Role.LEADER]
    reachable = [m for m in (leaders or people) if not await is_unreachable(session, m.telegram_id or 0)]
    return reachable


class ChatEvents:
    """The delivery worker's callbacks, each in the transaction that records the outcome."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage, self.clock = storage, clock

    async def chat_migrated(self, session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
        await group_migrated(session, old_chat_id, new_chat_id, now=self.clock.now())

    async def chat_unreachable(self, session: AsyncSession, chat_id: int, reason: str) -> None:
        await mark_unreachable(session, chat_id, reason, now=self.clock.now())
