"""/ngonngu (/language): choose Vietnamese or English."""

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.audit import record
from bot.clock import Clock
from bot.commands import LANGUAGE
from bot.i18n import SUPPORTED, language_name, use_locale
from bot.i18n import gettext as _
from bot.people import Actor, remember_language
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.menus import Menus
from bot.ui import Button, rows
from bot.ui import Message as Reply
from handlers.filters import command

class LanguageChoice(CallbackData, prefix="lg1"):
    locale: str


async def ask_language(message: Message, sender: Sender) -> None:
    buttons = rows([Button(language_name(code), data=LanguageChoice(locale=code).pack()) for code in SUPPORTED])
    await sender.send(message.chat.id, Reply(_("Chọn ngôn ngữ / Choose your language:"), buttons))


async def set_language(
    query: CallbackQuery, callback_data: LanguageChoice, actor: Actor, storage: Storage, clock: Clock,
    sender: Sender, menus: Menus,
) -> None:
    if callback_data.locale not in SUPPORTED:
        await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
        return
    async with storage.transaction() as session:
        previous = await remember_language(session, actor.telegram_id, callback_data.locale)
        record(session, at=clock.now(), action="person.language", subject=f"person:{actor.telegram_id}",
               actor=actor.telegram_id, team_id=actor.team_id, before={"language": previous},
               after={"language": callback_data.locale})
    with use_locale(callback_data.locale):
        await query.answer(_("Đã đổi ngôn ngữ."))
        if query.message is not None:
            await sender.edit(query.message.chat.id, query.message.message_id,
                              Reply(_("Ngôn ngữ của bạn: {language}").format(language=language_name(callback_data.locale))))
    if not actor.is_citizen:
        await menus.set_for(actor.telegram_id, actor.audience, callback_data.locale)


async def stale_language(query: CallbackQuery) -> None:
    await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)


def router() -> Router:
    router = Router(name="language")
    router.message.register(ask_language, command(LANGUAGE), flags={"action": LANGUAGE.action})
    router.callback_query.register(set_language, LanguageChoice.filter(), flags={"action": LANGUAGE.action})
    router.callback_query.register(stale_language, F.data.startswith("lg1:"))
    return router
