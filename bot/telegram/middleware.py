"""Middleware: record each update, know who sent it, check what they may do.

Permissions are decided here and only here, for commands and button presses
alike: a handler declares flags={"action": Action.X}, and a person whose role
lacks X is refused politely, the refusal audited, nothing changed.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot import inbox
from bot.audit import record
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import gettext as _
from bot.i18n import set_locale
from bot.people import Actor, load_actor, remember_contact
from bot.permissions import Action
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.menus import Menus
from bot.ui import Message as Reply

log = logging.getLogger("dieuphoi.updates")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InboxMiddleware(BaseMiddleware):
    """Outer middleware on updates: dedupe by update_id, park failures, keep running."""

    def __init__(self, storage: Storage, clock: Clock, sender: Sender) -> None:
        self.storage, self.clock, self.sender = storage, clock, sender

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not await inbox.admit(self.storage, event.update_id, now=self.clock.now()):
            log.info("update %s already handled; skipped", event.update_id)
            return None
        try:
            result = await handler(event, data)
        except Exception as error:
            user = data.get("event_from_user")
            chat = data.get("event_chat")
            log.exception(
                "handler failed: update=%s chat=%s user=%s type=%s",
                event.update_id, chat.id if chat else None, user.id if user else None, event.event_type,
            )
            body = event.model_dump(mode="json", exclude_none=True)
            await inbox.park(self.storage, event.update_id, now=self.clock.now(), error=repr(error), body=body)
            await self._apologise(event, data)
            return None
        await inbox.finish(self.storage, event.update_id, now=self.clock.now())
        return result

    async def _apologise(self, event: Update, data: dict[str, Any]) -> None:
        chat = data.get("event_chat")
        text = _("Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. Tổ CNTT đã được ghi nhận để kiểm tra; bạn vui lòng thử lại sau.")
        try:
            if event.callback_query is not None:
                await event.callback_query.answer(text[:200], show_alert=True)
            elif chat is not None:
                await self.sender.send(chat.id, Reply(text))
        except Exception:
            log.exception("could not apologise for update %s", event.update_id)


class ActorMiddleware(BaseMiddleware):
    """Outer middleware on messages and button presses: load the person once."""

    def __init__(self, storage: Storage, settings: Settings, menus: Menus) -> None:
        self.storage, self.settings, self.menus = storage, settings, menus

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or user.is_bot:
            return None
        async with self.storage.read() as session:
            actor = await load_actor(
                session, user.id, telegram_language=user.language_code, default_locale=self.settings.default_locale
            )
        if not actor.is_citizen and not actor.known:
            await self._first_contact(actor)
        set_locale(actor.locale)
        data["actor"] = actor
        return await handler(event, data)


    async def _first_contact(self, actor: Actor) -> None:
        """A member's first message: remember it, and give them their role's menu."""
        async with self.storage.transaction() as session:
            await remember_contact(session, actor.telegram_id)
        actor.known = True
        await self.menus.set_for(actor.telegram_id, actor.audience, actor.locale)


class PermissionMiddleware(BaseMiddleware):
    """Inner middleware: refuse a handler whose declared action this person may not do."""

    def __init__(self, storage: Storage, clock: Clock, sender: Sender) -> None:
        self.storage, self.clock, self.sender = storage, clock, sender

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        action: Action | None = get_flag(data, "action")
        actor: Actor | None = data.get("actor")
        if action is None or actor is None or actor.may(action):
            return await handler(event, data)
        async with self.storage.transaction() as session:
            record(session, at=self.clock.now(), action="denied", subject=str(action), actor=actor.telegram_id,
                   team_id=actor.team_id, after={"audience": str(actor.audience)})
        log.info("refused %s to user %s (%s)", action, actor.telegram_id, actor.audience)
        await self._refuse(event, actor)
        return None

    async def _refuse(self, event: TelegramObject, actor: Actor) -> None:
        if actor.is_citizen:
            text = _("Lệnh này chỉ dành cho thành viên Tổ CNTT. Bạn có thể xem hướng dẫn cho người dân bằng lệnh /hoidap hoặc gõ câu hỏi của mình.")
        else:
            text = _("Xin lỗi, vai trò của bạn không được phép làm việc này. Gõ /trogiup để xem những việc bạn có thể làm.")
        if isinstance(event, CallbackQuery):
            await event.answer(text[:200], show_alert=True)
        elif isinstance(event, Message):
            await self.sender.send(event.chat.id, Reply(text))
