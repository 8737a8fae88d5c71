"""/baocao (/report): submit reports step by step or in one message; /yeucau (/request): ask for one."""

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import CommandObject, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import REPORT, REQUEST
from bot.config import Settings
from bot.i18n import gettext as _
from bot.outbox.service import enqueue, enqueue_edit, find_by_message
from bot.people import Actor
from bot.permissions import Action
from bot.reports import form, render
from bot.reports.requests import Requested, RequestProblem, announce, request_report
from bot.reports.service import active_draft, looks_like_one_message, period_status, recent_periods
from bot.reports.types import ReportTypesFile
from bot.storage import Storage
from bot.ui import Message as Reply
from handlers.filters import command


class ReportAction(CallbackData, prefix=render.PREFIX):
    op: str
    period: int
    a: int = 0
    b: int = 0


FORM_OPS = ("start", "pick", "skip", "edit", "field", "back", "send", "cancel")


class AnsweringForm(Filter):
    """A typed message that answers the report form this member is filling in (kept in the database)."""

    async def __call__(self, message: Message, actor: Actor, storage: Storage, clock: Clock) -> bool:
        if actor.membership is None or not message.text or message.text.startswith("/"):
            return False
        async with storage.read() as session:
            if message.reply_to_message is not None:
                replied = await find_by_message(session, message.chat.id, message.reply_to_message.message_id)
                if replied is None or not (replied.ref or "").startswith("report:"):
                    return False  # a reply to something else (a task card...) is not a form answer
            draft = await active_draft(session, actor.membership, clock.now())
        return draft is not None


async def report(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                 settings: Settings) -> None:
    assert actor.membership is not None
    args = (command.args or "").strip()
    now = clock.now()
    async with storage.transaction() as session:
        if args and looks_like_one_message(args):
            reply = await form.one_message(session, actor.membership, args, now, settings.zone)
        elif args:
            reply = Reply(_("Muốn gửi nhanh, hãy viết <code>/baocao mã=số mã=số</code>; "
                            "hoặc gõ /baocao để điền từng mục."))
        else:
            reply = await form.show_owed(session, actor.membership, now, settings.zone)
        await enqueue(session, message.chat.id, reply, now=now, team_id=actor.team_id, ref="report:form")
        if not args and actor.may(Action.VIEW_DIGEST):
            periods = await recent_periods(session, actor.membership.team_id, now)
            if (menu := render.periods_menu(periods, settings.zone)) is not None:
                await enqueue(session, message.chat.id, menu, now=now, team_id=actor.team_id)


async def answer_form(message: Message, actor: Actor, storage: Storage, clock: Clock,
                      settings: Settings) -> None:
    assert actor.membership is not None and message.text
    now = clock.now()
    async with storage.transaction() as session:
        draft_now = await active_draft(session, actor.membership, now)
        if draft_now is None:  # finished by another process meanwhile
            return
        reply = await form.typed(session, actor.membership, draft_now, message.text, now, settings.zone)
        if reply is not None:
            await enqueue(session, message.chat.id, reply, now=now, team_id=actor.team_id,
                          ref=f"report:{draft_now.period_id}")


async def press_form(query: CallbackQuery, callback_data: ReportAction, actor: Actor, storage: Storage, clock: Clock,
                     settings: Settings) -> None:
    assert actor.membership is not None
    now = clock.now()
    async with storage.transaction() as session:
        outcome = await form.press(session, actor.membership, callback_data.op, callback_data.period,
                                   callback_data.a, callback_data.b, now, settings.zone)
        await _show(session, query, outcome, actor, now, f"report:{callback_data.period}")
    await query.answer(outcome.toast or None, show_alert=outcome.alert)


async def _show(session: AsyncSession, query: CallbackQuery, outcome: form.Reply, actor: Actor, now: datetime,
                ref: str) -> None:
    chat = query.message.chat.id if query.message else actor.telegram_id
    if outcome.edit is not None and query.message is not None:
        await enqueue_edit(session, chat, outcome.edit, now=now, target_message_id=query.message.message_id,
                           team_id=actor.team_id, ref=ref)
    if outcome.message is not None:
        await enqueue(session, chat, outcome.message, now=now, team_id=actor.team_id, ref=ref)


async def show_status(query: CallbackQuery, callback_data: ReportAction, actor: Actor, storage: Storage,
                      clock: Clock, settings: Settings) -> None:
    now = clock.now()
    async with storage.transaction() as session:
        card = await form.status(session, actor.team_id or 0, callback_data.period, now, settings.zone)
        if card is not None and query.message is not None:
            await enqueue(session, query.message.chat.id, card, now=now, team_id=actor.team_id,
                          ref=f"report:{callback_data.period}")
    await query.answer(None if card else _("Không tìm thấy kỳ báo cáo này."), show_alert=card is None)


async def nudge(query: CallbackQuery, callback_data: ReportAction, actor: Actor, storage: Storage, clock: Clock,
                settings: Settings) -> None:
    assert actor.membership is not None
    async with storage.transaction() as session:
        told = await form.nudge_missing(session, actor.membership, callback_data.period, clock.now(), settings.zone,
                                        settings.default_locale)
    if told is None:
        await query.answer(_("Không tìm thấy kỳ báo cáo này."), show_alert=True)
    elif told:
        await query.answer(_("Đã nhắc {n} người.").format(n=told))
    else:
        await query.answer(_("Không có ai cần nhắc (hoặc vừa được nhắc cách đây ít phút)."), show_alert=True)


async def request(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                  settings: Settings, report_types: ReportTypesFile) -> None:
    assert actor.membership is not None
    now = clock.now()
    async with storage.transaction() as session:
        outcome = await request_report(session, actor.membership, (command.args or "").strip(), types=report_types,
                                       now=now, zone=settings.zone)
        if isinstance(outcome, RequestProblem):
            reply = render.request_problem(outcome, settings.zone)
        else:
            await announce(session, outcome, actor.membership, now=now, zone=settings.zone,
                           default_locale=settings.default_locale)
            reply = render.status_card(await period_status(session, outcome.period), now, settings.zone)
            reply = Reply(_("📨 Đã gửi yêu cầu báo cáo.") + "\n\n" + reply.text, reply.buttons)
        await enqueue(session, message.chat.id, reply, now=now, team_id=actor.team_id,
                      ref=f"report:{outcome.period.id}" if isinstance(outcome, Requested) else None)


def router() -> Router:
    router = Router(name="reports")
    router.message.register(report, command(REPORT), flags={"action": REPORT.action})
    router.message.register(request, command(REQUEST), flags={"action": REQUEST.action})
    router.callback_query.register(press_form, ReportAction.filter(F.op.in_(FORM_OPS)),
                                   flags={"action": Action.SUBMIT_REPORT})
    router.callback_query.register(show_status, ReportAction.filter(F.op == "status"),
                                   flags={"action": Action.VIEW_DIGEST})
    router.callback_query.register(nudge, ReportAction.filter(F.op == "nudge"), flags={"action": Action.VIEW_DIGEST})
    router.message.register(answer_form, F.chat.type == "private", AnsweringForm(),
                            flags={"action": Action.SUBMIT_REPORT})
    return router
