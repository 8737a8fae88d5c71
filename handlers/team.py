"""/nhom (/team): a person on several teams chooses the one they act for."""

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.audit import record
from bot.clock import Clock
from bot.commands import TEAM
from bot.home import home, team_choice
from bot.i18n import gettext as _
from bot.people import Actor, choose_team
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.menus import Menus
from bot.ui import Message as Reply
from handlers.filters import command

class TeamChoice(CallbackData, prefix="tm1"):
    team_id: int


async def ask_team(message: Message, actor: Actor, sender: Sender) -> None:
    if not actor.needs_team_choice:
        await sender.send(message.chat.id, Reply(_("Bạn chỉ thuộc một tổ, không cần chọn.")))
        return
    await sender.send(message.chat.id, team_choice(actor))


async def set_team(
    query: CallbackQuery, callback_data: TeamChoice, actor: Actor, storage: Storage, clock: Clock,
    sender: Sender, menus: Menus,
) -> None:
    async with storage.transaction() as session:
        chosen = await choose_team(session, actor.telegram_id, callback_data.team_id)
        if chosen is not None:
            record(session, at=clock.now(), action="person.team", subject=f"person:{actor.telegram_id}",
                   actor=actor.telegram_id, team_id=chosen.team_id, before={"team_id": actor.team_id},
                   after={"team_id": chosen.team_id})
    if chosen is None:  # crafted or stale data: not one of this person's teams
        await query.answer(_("Bạn không thuộc tổ này."), show_alert=True)
        return
    await query.answer(_("Đã chuyển sang tổ: {team}").format(team=chosen.team.name)[:200])
    actor.membership = chosen
    if query.message is not None:
        await sender.edit(query.message.chat.id, query.message.message_id, home(actor))
    await menus.set_for(actor.telegram_id, actor.audience, actor.locale)


async def stale_team(query: CallbackQuery) -> None:
    await query.answer(_("Bạn không thuộc tổ này."), show_alert=True)


def router() -> Router:
    router = Router(name="team")
    router.message.register(ask_team, command(TEAM), flags={"action": TEAM.action})
    router.callback_query.register(set_team, TeamChoice.filter(), flags={"action": TEAM.action})
    router.callback_query.register(stale_team, F.data.startswith("tm1:"))
    return router
