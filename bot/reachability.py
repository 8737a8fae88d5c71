"""What happens when Telegram says a chat moved or cannot be reached."""

import logging

from sqlalchemy import select, update

from bot.audit import record
from bot.clock import Clock
from bot.i18n import gettext as _
from bot.i18n import use_locale
from bot.outbox.service import enqueue
from bot.roster.models import Member, Role, Team
from bot.roster.service import leaders_of
from bot.storage import Storage
from bot.ui import Message, esc

log = logging.getLogger("dieuphoi.reachability")


class ChatEvents:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage, self.clock = storage, clock

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A team group became a supergroup: remember its new id."""
        async with self.storage.transaction() as session:
            teams = list(await session.scalars(select(Team).where(Team.group_chat_id == old_chat_id)))
            for team in teams:
                record(session, at=self.clock.now(), action="team.group_migrated", subject=f"team:{team.code}",
                       actor=None, team_id=team.id, before={"group_chat_id": old_chat_id},
                       after={"group_chat_id": new_chat_id})
            await session.execute(update(Team).where(Team.group_chat_id == old_chat_id).values(group_chat_id=new_chat_id))

    async def chat_unreachable(self, chat_id: int, reason: str) -> None:
        """A member blocked the bot (or the chat is gone): tell their leaders, once a day."""
        now = self.clock.now()
        async with self.storage.transaction() as session:
            members = list(await session.scalars(
                select(Member).where(Member.telegram_id == chat_id, Member.active.is_(True))
            ))
            for member in members:
                for leader in await leaders_of(session, member.team_id):
                    if leader.telegram_id is None or leader.telegram_id == chat_id or leader.role != Role.LEADER:
                        continue
                    with use_locale(leader.language or "vi"):
                        text = _("⚠️ Không gửi được tin nhắn cho <b>{name}</b>: Telegram báo tài khoản này đã chặn bot hoặc không còn hoạt động. Vui lòng liên hệ trực tiếp.").format(name=esc(member.full_name))
                    await enqueue(session, leader.telegram_id, Message(text), now=now, team_id=member.team_id,
                                  dedupe_key=f"unreachable:{chat_id}:{leader.telegram_id}:{now.date().isoformat()}")
                record(session, at=now, action="member.unreachable", subject=f"member:{member.key}", actor=None,
                       team_id=member.team_id, after={"reason": reason[:200]})
        if members:
            log.warning("member chat %s unreachable; leaders told", chat_id)
