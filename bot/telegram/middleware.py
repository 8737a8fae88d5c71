"""Middleware: record each update, know who sent it, check what they may do.

Permissions are decided here and only here, for commands and button presses
alike: a handler declares flags={"action": Action.X}, and a person whose role
lacks X is refused politely, the refusal audited, nothing changed.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import inbox, logs
from bot.audit import record
from bot.clock import Clock
from bot.config import Settings
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.render import category_menu
from bot.i18n import gettext as _
from bot.i18n import set_locale
from bot.metrics import Metrics
from bot.people import Actor, load_actor, remember_contact
from bot.permissions import Action
from bot.reachability import heard_from
from bot.sender import Sender
from bot.storage import Storage, lost_a_race, storage_unavailable
from bot.telegram.deferred import call_patiently, deferring, send_deferred
from bot.telegram.menus import Menus
from bot.ui import Message as Reply

log = logging.getLogger("dieuphoi.updates")
# Two updates (chats handled side by side, or two processes) may race for the same new row;
# the loser is rolled back and handled again rather than parked.
RACE_ATTEMPTS = 3
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InboxMiddleware(BaseMiddleware):
    """Outer middleware on updates: record, handle in one transaction, park failures, keep running.

    The update is handled in one unit of work that starts by recording it in
    the inbox (`inbox.record`): its changes, its outbox messages and its inbox
    row commit together, and an update already recorded is skipped. Toasts and menus wait for
    that commit (bot.telegram.deferred). A handler error rolls everything back,
    parks the update with its error and body, and the person gets an apology.

    When the database cannot be reached, polling waits for it and tries the
    update again (the update is not confirmed to Telegram meanwhile); webhook
    mode lets the error through so Telegram gets a 500 and delivers it again.
    """

    def __init__(
        self, storage: Storage, clock: Clock, sender: Sender, *, metrics: Metrics | None = None,
        wait_for_storage: bool = True,
    ) -> None:
        self.storage, self.clock, self.sender = storage, clock, sender
        self.metrics = metrics or Metrics()
        self.wait_for_storage = wait_for_storage

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat, user = data.get("event_chat"), data.get("event_from_user")
        started = time.monotonic()
        with logs.event(update=event.update_id, type=event.event_type, chat=chat.id if chat else None,
                        member=user.id if user else None) as fields:
            outcome, result = await self._handle_patiently(handler, event, data)
            fields.update(outcome=outcome, ms=round((time.monotonic() - started) * 1000))
            log.info("update %s", outcome, extra={"fields": {k: v for k, v in fields.items() if v is not None}})
        self.metrics.count("dieuphoi_updates_total", outcome)
        return result

    async def _handle_patiently(self, handler: Handler, event: Update, data: dict[str, Any]) -> tuple[str, Any]:
        delay = 1.0
        while True:
            try:
                return await self._handle(handler, event, data)
            except Exception as error:
                if not (self.wait_for_storage and storage_unavailable(error)):
                    raise
                log.error("database unavailable while handling update %s (%s); retrying in %.0fs",
                          event.update_id, type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _handle(self, handler: Handler, event: Update, data: dict[str, Any]) -> tuple[str, Any]:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with deferring() as calls:
                    async with self.storage.unit_of_work() as session:
                        if not await inbox.record(session, event.update_id, now=self.clock.now()):
                            return "skipped", None
                        await self._reachable_again(session, event, data)
                        result = await handler(event, data)
            except Exception as error:
                if storage_unavailable(error) and not lost_a_race(error):
                    raise
                if lost_a_race(error) and attempt < RACE_ATTEMPTS:
                    log.info("update %s lost a race with another transaction (%s); handling it again",
                             event.update_id, type(error).__name__)
                    continue
                await self._park(event, data, error)
                return "parked", None
            await send_deferred(data["bot"], calls)
            return "done", result
        raise AssertionError("unreachable")

    async def _reachable_again(self, session: AsyncSession, event: Update, data: dict[str, Any]) -> None:
        """A person who writes or presses a button in their private chat can be written to again."""
        chat = data.get("event_chat")
        if (event.message or event.callback_query) and chat is not None and chat.type == "private":
            await heard_from(session, chat.id)

    async def _park(self, event: Update, data: dict[str, Any], error: Exception) -> None:
        log.exception("handler failed for update %s (%s)", event.update_id, type(error).__name__,
                      extra={"fields": {"update": event.update_id, "error": type(error).__name__}})
        self.metrics.count("dieuphoi_handler_errors_total")
        body = event.model_dump(mode="json", exclude_none=True)
        await inbox.park(self.storage, event.update_id, now=self.clock.now(), error=repr(error), body=body)
        await self._apologise(event, data)

    async def _apologise(self, event: Update, data: dict[str, Any]) -> None:
        chat = data.get("event_chat")
        text = _("Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. Tổ CNTT đã được ghi nhận để kiểm tra; bạn vui lòng thử lại sau.")
        try:
            if event.callback_query is not None:
                await call_patiently(data["bot"], event.callback_query.answer(text[:200], show_alert=True))
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
        logs.note(action=str(action) if action else None, team=actor.team_id if actor else None)
        if action is None or actor is None or actor.may(action):
            return await handler(event, data)
        async with self.storage.transaction() as session:
            record(session, at=self.clock.now(), action="denied", subject=str(action), actor=actor.telegram_id,
                   team_id=actor.team_id, after={"audience": str(actor.audience)})
        log.info("refused %s to user %s (%s)", action, actor.telegram_id, actor.audience)
        await self._refuse(event, actor, data.get("helpdesk"))
        return None

    async def _refuse(self, event: TelegramObject, actor: Actor, helpdesk: HelpDesk | None) -> None:
        if actor.is_citizen:
            text = _("Lệnh này chỉ dành cho thành viên Tổ CNTT. Bạn có thể xem hướng dẫn cho người dân bằng lệnh /hoidap hoặc gõ câu hỏi của mình.")
        else:
            text = _("Xin lỗi, vai trò của bạn không được phép làm việc này. Gõ /trogiup để xem những việc bạn có thể làm.")
        if isinstance(event, CallbackQuery):
            await event.answer(text[:200], show_alert=True)
        elif isinstance(event, Message):
            reply = Reply(text)
            if actor.is_citizen and helpdesk is not None:  # a citizen gets the help desk's menu with it
                reply = category_menu(helpdesk.knowledge, actor.locale, text)
            await self.sender.send(event.chat.id, reply)
