"""What nobody else handled: unknown commands, stray text, stale buttons."""

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.helpdesk.desk import HelpDesk
from bot.home import citizen_home
from bot.i18n import gettext as _
from bot.people import Actor
from bot.sender import Sender
from bot.ui import Message as Reply

async def unknown_command(message: Message, actor: Actor, sender: Sender, helpdesk: HelpDesk) -> None:
    if actor.is_citizen:  # the help desk's menu
        await sender.send(message.chat.id, citizen_home(helpdesk.knowledge, actor.locale))
        return
    await sender.send(message.chat.id, Reply(_("Tôi chưa hiểu lệnh này. Gõ /trogiup để xem những việc bạn có thể làm.")))


async def anything_else(message: Message, actor: Actor, sender: Sender, helpdesk: HelpDesk) -> None:
    if actor.is_citizen:  # the help desk's menu
        await sender.send(message.chat.id, citizen_home(helpdesk.knowledge, actor.locale))
        return
    await sender.send(message.chat.id, Reply(_("Tôi chưa hiểu tin nhắn này. Gõ /trogiup để xem những việc bạn có thể làm.")))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("Nút này không còn hiệu lực. Gõ /start để bắt đầu lại."), show_alert=True)


def router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(anything_else, F.chat.type == "private")
    router.callback_query.register(stale_button)
    return router
