"""The citizen help desk in chat: the menu (/hoidap, /faq, a citizen's /start), typed questions,
the hand-off to a person, and support members answering by replying to a ticket card.

Only citizens' private messages are taken as questions, so members' messages
still reach their own features; members may open the menu with /hoidap too. A citizen's
unknown command gets the menu from handlers.fallback, a member-only one from the
permission middleware.
`CitizenFloodGuard` (registered on the dispatcher in bot.telegram.app) limits
how fast a citizen may write or press buttons.
"""

from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.clock import Clock
from bot.commands import HELPDESK, START
from bot.helpdesk import ratelimit, render, service
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.models import LookupKind
from bot.home import citizen_home
from bot.i18n import N_
from bot.i18n import gettext as _
from bot.people import Actor
from bot.permissions import Action
from bot.sender import Sender
from bot.storage import Storage
from bot.ui import Message as Reply
from handlers.filters import command

REFUSALS = {
    service.Refusal.UNKNOWN: N_("Nút này không còn hiệu lực."),
    service.Refusal.EXPIRED: N_("Câu hỏi này đã cũ. Hãy gõ lại câu hỏi của bạn."),
    service.Refusal.NOT_SUPPORT: N_("Chỉ người hỗ trợ người dân (lĩnh vực hotro) của tổ mới trả lời được câu hỏi này."),
    service.Refusal.ALREADY_ANSWERED: N_("Câu hỏi này đã được trả lời; câu trả lời của bạn không được gửi đi."),
    service.Refusal.ALREADY_CLOSED: N_("Câu hỏi này đã được đóng; câu trả lời của bạn không được gửi đi."),
    service.Refusal.EMPTY: N_("Hãy trả lời bằng tin nhắn chữ: người dân chỉ nhận được chữ."),
}


class Press(CallbackData, prefix=render.PREFIX):
    act: str
    arg: str = ""


# --- filters ------------------------------------------------------------------------------------


def is_citizen(_event: TelegramObject, actor: Actor) -> bool:
    return actor.is_citizen


def without_payload(message: Message) -> bool:
    return len((message.text or "").split()) == 1


async def replying_to_ticket(message: Message, storage: Storage) -> bool | dict[str, Any]:
    """A reply to a ticket card or its reminder; gives the ticket id."""
    original = message.reply_to_message
    if original is None or original.from_user is None or not original.from_user.is_bot:
        return False
    async with storage.read() as session:
        ticket_id = await service.ticket_of_card(session, message.chat.id, original.message_id)
    return {"ticket_id": ticket_id} if ticket_id is not None else False


# --- the menu -----------------------------------------------------------------------------------


async def citizen_start(message: Message, actor: Actor, sender: Sender, helpdesk: HelpDesk) -> None:
    await sender.send(message.chat.id, citizen_home(helpdesk.knowledge, actor.locale))


async def open_menu(message: Message, actor: Actor, sender: Sender, helpdesk: HelpDesk) -> None:
    await sender.send(message.chat.id, render.category_menu(helpdesk.knowledge, actor.locale, render.menu_intro()))


async def show_category(query: CallbackQuery, callback_data: Press, actor: Actor, sender: Sender,
                        helpdesk: HelpDesk) -> None:
    category = next((c for c in helpdesk.knowledge.categories if c.id == callback_data.arg), None)
    if category is None:
        await query.answer(_("Chủ đề này không còn trong danh mục."), show_alert=True)
        return
    await query.answer()
    await _show(query, sender, render.question_list(helpdesk.knowledge, category, actor.locale))


async def show_menu(query: CallbackQuery, actor: Actor, sender: Sender, helpdesk: HelpDesk) -> None:
    await query.answer()
    await _show(query, sender, render.category_menu(helpdesk.knowledge, actor.locale, render.menu_intro()))


async def show_answer(query: CallbackQuery, callback_data: Press, actor: Actor, storage: Storage, clock: Clock,
                      sender: Sender, helpdesk: HelpDesk) -> None:
    try:
        entry = helpdesk.knowledge.entry(callback_data.arg)
    except KeyError:
        await query.answer(_("Câu hỏi này không còn trong danh mục."), show_alert=True)
        return
    kind = LookupKind.CHOICE if callback_data.act == render.PICK else LookupKind.MENU
    async with storage.transaction() as session:
        await service.record_shown(session, helpdesk, kind, entry.id, now=clock.now())
        can_hand_off = actor.is_citizen and await service.can_hand_off(session, helpdesk)
    await query.answer()
    await _show(query, sender, render.answer(entry, actor.locale, can_hand_off=can_hand_off))


async def _show(query: CallbackQuery, sender: Sender, reply: Reply) -> None:
    """In place of the message whose button was pressed, or anew when it can no longer be edited."""
    if isinstance(query.message, Message):
        await sender.edit(query.message.chat.id, query.message.message_id, reply)
    else:
        await sender.send(query.from_user.id, reply)


# --- typed questions and the hand-off ---------------------------------------------------------


async def citizen_question(message: Message, actor: Actor, storage: Storage, clock: Clock, sender: Sender,
                           helpdesk: HelpDesk) -> None:
    async with storage.transaction() as session:
        outcome = await service.ask(session, helpdesk, citizen_id=actor.telegram_id, locale=actor.locale,
                                    text=message.text or "", now=clock.now())
    await sender.send(message.chat.id, _reply_to(outcome, actor.locale))


def _reply_to(outcome: service.Outcome, locale: str) -> Reply:
    match outcome:
        case service.Answered(entry, can_hand_off):
            return render.answer(entry, locale, can_hand_off=can_hand_off)
        case service.Choices(entries, draft_id):
            return render.choices(entries, locale, draft_id)
        case service.NoAnswer(draft_id):
            return render.no_answer(draft_id)
        case service.HandedOff(ticket):
            return render.handed_off(ticket)


async def citizen_non_text(message: Message, sender: Sender) -> None:
    await sender.send(message.chat.id, render.not_text())


async def ask_person(query: CallbackQuery, callback_data: Press, actor: Actor, storage: Storage, clock: Clock,
                     sender: Sender, helpdesk: HelpDesk) -> None:
    """"Hỏi người hỗ trợ" under an answer: the citizen's next message goes to a person."""
    if not actor.is_citizen:
        await query.answer(_("Nút này dành cho người dân."), show_alert=True)
        return
    topic = service.topic_of(helpdesk, callback_data.arg or None)
    async with storage.transaction() as session:
        draft = await service.listen_for_question(session, helpdesk, citizen_id=actor.telegram_id,
                                                  locale=actor.locale, topic_entry_id=topic.id if topic else None,
                                                  now=clock.now())
    if draft is None:
        await query.answer(_("Hiện chưa thể chuyển câu hỏi tới người hỗ trợ."), show_alert=True)
        return
    await query.answer()
    await sender.send(query.from_user.id, render.type_your_question(topic, actor.locale))


async def send_draft(query: CallbackQuery, callback_data: Press, actor: Actor, storage: Storage, clock: Clock,
                     sender: Sender, helpdesk: HelpDesk) -> None:
    """"Hỏi người hỗ trợ" under a question the desk could not answer: hand it off."""
    if not callback_data.arg.isdigit():
        await query.answer(_(REFUSALS[service.Refusal.UNKNOWN]), show_alert=True)
        return
    async with storage.transaction() as session:
        outcome = await service.send_draft(session, helpdesk, citizen_id=actor.telegram_id,
                                           ticket_id=int(callback_data.arg), now=clock.now())
    if isinstance(outcome, service.Refusal):
        await query.answer(_(REFUSALS[outcome]), show_alert=True)
        return
    await query.answer()
    await _show(query, sender, render.handed_off(outcome))


# --- support members --------------------------------------------------------------------------


async def support_answer(message: Message, ticket_id: int, actor: Actor, storage: Storage, clock: Clock,
                         sender: Sender, helpdesk: HelpDesk) -> None:
    async with storage.transaction() as session:
        outcome = await service.answer_ticket(session, helpdesk, ticket_id=ticket_id, telegram_id=actor.telegram_id,
                                              text=message.text or "", now=clock.now())
    reply = Reply(_(REFUSALS[outcome])) if isinstance(outcome, service.Refusal) else render.answer_sent(outcome)
    await sender.send(message.chat.id, reply, reply_to_message_id=message.message_id)


async def support_close(query: CallbackQuery, callback_data: Press, actor: Actor, storage: Storage, clock: Clock,
                        helpdesk: HelpDesk) -> None:
    if not callback_data.arg.isdigit():
        await query.answer(_(REFUSALS[service.Refusal.UNKNOWN]), show_alert=True)
        return
    async with storage.transaction() as session:
        outcome = await service.close_ticket(session, helpdesk, ticket_id=int(callback_data.arg),
                                             telegram_id=actor.telegram_id, now=clock.now())
    if isinstance(outcome, service.Refusal):
        await query.answer(_(REFUSALS[outcome]), show_alert=True)
    else:
        await query.answer(render.closed(outcome))


# --- flood guard --------------------------------------------------------------------------------


class CitizenFloodGuard(BaseMiddleware):
    """Outer middleware on messages and button presses, after the actor is known: a citizen over
    the limit is told once per window to slow down; the rest of the window is ignored."""

    def __init__(self, storage: Storage, clock: Clock, sender: Sender, helpdesk: HelpDesk) -> None:
        self.storage, self.clock, self.sender, self.helpdesk = storage, clock, sender, helpdesk

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        actor: Actor | None = data.get("actor")
        if actor is None or not actor.is_citizen or not _limited(event):
            return await handler(event, data)
        now, desk = self.clock.now(), self.helpdesk
        async with self.storage.transaction() as session:
            verdict = await ratelimit.count_update(session, actor.telegram_id, now=now, limit=desk.rate_limit,
                                                   window=desk.rate_window)
        if verdict == ratelimit.Verdict.ALLOW:
            return await handler(event, data)
        text = render.slow_down(ratelimit.retry_in(now, desk.rate_window))
        if isinstance(event, CallbackQuery):
            await event.answer(text[:200], show_alert=True)
        elif verdict == ratelimit.Verdict.WARN:
            await self.sender.send(actor.telegram_id, Reply(text))
        return None


def _limited(event: TelegramObject) -> bool:
    """Private messages and button presses; citizens' group chatter is not addressed to the bot."""
    if isinstance(event, Message):
        return event.chat.type == "private"
    return isinstance(event, CallbackQuery)


# --- wiring -------------------------------------------------------------------------------------


def router() -> Router:
    router = Router(name="helpdesk")
    use, answer = {"action": Action.USE_HELPDESK}, {"action": Action.ANSWER_CITIZEN}
    router.callback_query.register(show_menu, Press.filter(F.act == render.MENU), flags=use)
    router.callback_query.register(show_category, Press.filter(F.act == render.CATEGORY), flags=use)
    router.callback_query.register(show_answer, Press.filter(F.act.in_({render.ENTRY, render.PICK})), flags=use)
    router.callback_query.register(ask_person, Press.filter(F.act == render.ASK), flags=use)
    router.callback_query.register(send_draft, Press.filter(F.act == render.SEND), flags=use)
    router.callback_query.register(support_close, Press.filter(F.act == render.CLOSE), flags=answer)

    router.message.register(support_answer, replying_to_ticket, flags=answer)
    router.message.register(citizen_start, command(START), is_citizen, without_payload, flags=use)
    router.message.register(open_menu, command(HELPDESK), flags=use)
    private_citizen = (F.chat.type == "private", is_citizen)
    router.message.register(citizen_question, *private_citizen, F.text, ~F.text.startswith("/"), flags=use)
    router.message.register(citizen_non_text, *private_citizen, ~F.text, flags=use)
    return router
