"""/start (with or without an invitation code) and /trogiup."""

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot.clock import Clock
from bot.commands import HELP, START
from bot.config import Settings
from bot.home import audience_of_member, greeting, help_message, home
from bot.i18n import N_, choose_locale
from bot.i18n import gettext as _
from bot.i18n import use_locale
from bot.people import Actor, remember_contact
from bot.roster.invites import InviteRefusal, Redeemed, looks_like_invite, redeem_invite
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.menus import Menus
from bot.ui import Message as Reply
from handlers.filters import command

REFUSALS = {
    InviteRefusal.UNKNOWN: N_("Mã mời không hợp lệ. Vui lòng kiểm tra lại đường dẫn hoặc xin Tổ trưởng một mã mới."),
    InviteRefusal.USED: N_("Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần; vui lòng xin Tổ trưởng một mã mới."),
    InviteRefusal.EXPIRED: N_("Mã mời này đã hết hạn. Vui lòng xin Tổ trưởng một mã mới."),
    InviteRefusal.INACTIVE: N_("Người được mời không còn trong danh sách của tổ. Vui lòng liên hệ Tổ trưởng."),
    InviteRefusal.TAKEN: N_("Tài khoản Telegram này đã gắn với một thành viên khác của tổ. Vui lòng liên hệ Tổ trưởng."),
}


async def start(
    message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock, sender: Sender,
    menus: Menus, settings: Settings,
) -> None:
    payload = (command.args or "").strip()
    if payload and looks_like_invite(payload):
        await _redeem(message, payload, storage, clock, sender, menus, settings.default_locale)
        return
    if payload:
        await sender.send(message.chat.id, Reply(_(REFUSALS[InviteRefusal.UNKNOWN])))
        return
    await sender.send(message.chat.id, home(actor))


async def _redeem(
    message: Message, code: str, storage: Storage, clock: Clock, sender: Sender, menus: Menus, default_locale: str
) -> None:
    assert message.from_user is not None
    async with storage.transaction() as session:
        outcome = await redeem_invite(session, code, telegram_id=message.from_user.id, now=clock.now())
        if isinstance(outcome, Redeemed):
            await remember_contact(session, message.from_user.id)
    if isinstance(outcome, Redeemed):
        member = outcome.member
        locale = choose_locale(chosen=None, roster=member.language, telegram=message.from_user.language_code,
                               default=default_locale)
        with use_locale(locale):
            await sender.send(message.chat.id, greeting(member), team_id=member.team_id)
        await menus.set_for(message.from_user.id, audience_of_member(member), locale)
    else:
        await sender.send(message.chat.id, Reply(_(REFUSALS[outcome])))


async def help_(message: Message, actor: Actor, sender: Sender) -> None:
    await sender.send(message.chat.id, help_message(actor))


def router() -> Router:
    router = Router(name="start")
    router.message.register(start, command(START), flags={"action": START.action})
    router.message.register(help_, command(HELP), flags={"action": HELP.action})
    return router
