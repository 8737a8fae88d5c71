"""/trungdung (/secondment): the proposer's guided flow, and the Director's decision buttons.

The flow's state is the draft in the database: a plain message answers the
draft's open question (bot.secondment.service.listening), and /trungdung
resumes it after any interruption.
"""

from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.commands import SECONDMENT
from bot.config import Settings
from bot.convening import service as convening
from bot.i18n import gettext as _
from bot.people import Actor
from bot.permissions import Action
from bot.secondment import render, service
from bot.secondment.forms import PeopleProblem
from bot.secondment.models import Outcome, SecondmentRequest, Step
from bot.secondment.notices import name_of
from bot.sender import Sender
from bot.storage import Storage
from bot.ui import Message as Reply
from handlers.filters import answering, command

FIELDS = {"people": Step.PEOPLE, "reason": Step.REASON, "work": Step.WORK, "period": Step.PERIOD}


class ProposerPress(CallbackData, prefix=render.PROPOSER):
    request_id: int
    action: str


class DirectorPress(CallbackData, prefix=render.DIRECTOR):
    request_id: int
    version: int
    choice: str


# A plain message answers the proposer's draft, or gives the reason a Director owes after
# pressing Từ chối / Cần bổ sung.
answering_draft = answering("sg:", service.listening, "request_id")
giving_reason = answering("sg:", service.awaiting_reason, "request_id")


async def drop_buttons(query: CallbackQuery, sender: Sender) -> None:
    """Leave the pressed message as it reads, without its buttons (they have done their job)."""
    message = query.message
    if isinstance(message, Message) and message.text:
        await sender.edit(message.chat.id, message.message_id, Reply(message.html_text))


def _next(request: SecondmentRequest) -> Reply:
    return render.confirm(request) if request.step == Step.CONFIRM else render.question(request)


async def propose(message: Message, actor: Actor, storage: Storage, clock: Clock, sender: Sender) -> None:
    assert actor.team_id is not None
    async with storage.transaction() as session:
        await convening.silence(session, actor.telegram_id)
        request, resumed = await service.start(session, team_id=actor.team_id, proposer=actor.telegram_id,
                                               now=clock.now())
        reply = _next(request)
        ref = f"sg:{request.id}:ask"
    if resumed:
        await sender.send(message.chat.id, render.resumed(request))
    await sender.send(message.chat.id, reply, ref=ref, team_id=actor.team_id)


async def answer(message: Message, request_id: int, actor: Actor, storage: Storage, clock: Clock,
                 settings: Settings, sender: Sender) -> None:
    async with storage.transaction() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None
        problem = await service.answer(session, request, message.text or "", now=clock.now(), zone=settings.zone)
        if problem is None:
            reply = _next(request)
        elif isinstance(problem, PeopleProblem):
            reply = render.people_problem(problem)
        else:
            reply = render.period_problem(problem)
    await sender.send(message.chat.id, reply, ref=f"sg:{request_id}:ask", team_id=request.team_id)


async def proposer_press(query: CallbackQuery, callback_data: ProposerPress, actor: Actor, storage: Storage,
                         clock: Clock, settings: Settings, sender: Sender) -> None:
    action, now = callback_data.action, clock.now()
    if action not in (*FIELDS, "send", "cancel"):
        await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
        return
    async with storage.transaction() as session:
        request = await service.editable(session, callback_data.request_id, by=actor.telegram_id,
                                         team_id=actor.team_id)
        if isinstance(request, service.Refusal):
            await query.answer(render.refusal(request.kind), show_alert=True)
            return
        team_id = request.team_id
        if action == "send":
            outcome = await service.submit(session, request, now=now, settings=settings)
            reply = render.refusal(outcome.kind) if isinstance(outcome, service.Refusal) else None
            done = None if reply else render.submitted(request)
        elif action == "cancel":
            refused = await service.discard(session, request, now=now)
            reply = render.refusal(refused.kind) if refused else None
            done = None if reply else render.discarded()
        else:
            await convening.silence(session, actor.telegram_id)
            await service.ask(session, request, FIELDS[action], now=now)
            reply, done = None, render.question(request)
    if reply:
        await query.answer(reply, show_alert=True)
        return
    await query.answer()
    assert done is not None
    if action in ("send", "cancel"):
        await drop_buttons(query, sender)
    await sender.send(actor.telegram_id, done, ref=f"sg:{callback_data.request_id}:ask", team_id=team_id)


async def director_press(query: CallbackQuery, callback_data: DirectorPress, actor: Actor, storage: Storage,
                         clock: Clock, settings: Settings, sender: Sender) -> None:
    choice, now = callback_data.choice, clock.now()
    outcome = render.OUTCOME_OF.get(choice)
    if outcome is None and choice != render.CANCEL_QUESTION:
        await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
        return
    toast: str | None = None
    follow_up: Reply | None = None
    async with storage.transaction() as session:
        if choice == render.CANCEL_QUESTION:
            result: Any = await service.cancel_reason(session, callback_data.request_id, callback_data.version,
                                                      by=actor.telegram_id, now=now)
            follow_up = render.question_cancelled() if isinstance(result, SecondmentRequest) else None
        elif outcome == Outcome.APPROVED:
            result = await service.decide(session, callback_data.request_id, callback_data.version, outcome,
                                          by=actor.telegram_id, now=now, settings=settings)
            if isinstance(result, service.Decided):
                toast = render.decision_recorded(result.request, outcome).text
        else:
            assert outcome is not None
            result = await service.ask_reason(session, callback_data.request_id, callback_data.version, outcome,
                                              by=actor.telegram_id, now=now)
            if isinstance(result, SecondmentRequest):
                follow_up = render.reason_question(result, outcome)
        if isinstance(result, service.Refusal):
            toast = render.refusal(result.kind)
        elif isinstance(result, service.AlreadyDecided):
            request = await session.get(SecondmentRequest, callback_data.request_id)
            assert request is not None
            director = await name_of(session, request.team_id, result.decided_by)
            toast = render.already_decided(result.outcome, director, result.decided_at, settings.zone)
    await query.answer(toast[:200] if toast else None, show_alert=bool(toast) and not follow_up)
    if follow_up is not None:
        if choice == render.CANCEL_QUESTION:
            await drop_buttons(query, sender)
        await sender.send(actor.telegram_id, follow_up, ref=f"sg:{callback_data.request_id}:why")


async def reason(message: Message, request_id: int, actor: Actor, storage: Storage, clock: Clock,
                 settings: Settings, sender: Sender) -> None:
    if not (message.text or "").strip():
        await sender.send(message.chat.id, render.empty_answer())
        return
    async with storage.transaction() as session:
        request = await session.get(SecondmentRequest, request_id)
        assert request is not None and request.awaiting_outcome is not None
        outcome, version = Outcome(request.awaiting_outcome), request.version
        result = await service.decide(session, request_id, version, outcome, by=actor.telegram_id,
                                      now=clock.now(), settings=settings, note=message.text)
        if isinstance(result, service.Decided):
            reply = render.decision_recorded(request, outcome)
        elif isinstance(result, service.AlreadyDecided):
            director = await name_of(session, request.team_id, result.decided_by)
            reply = Reply(render.already_decided(result.outcome, director, result.decided_at, settings.zone))
        else:
            reply = Reply(render.refusal(result.kind))
    await sender.send(message.chat.id, reply)


async def stale(query: CallbackQuery) -> None:
    await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)


def router() -> Router:
    router = Router(name="secondment")
    router.message.register(propose, command(SECONDMENT), flags={"action": SECONDMENT.action})
    router.message.register(reason, giving_reason, flags={"action": Action.DECIDE_SECONDMENT})
    router.message.register(answer, answering_draft, flags={"action": Action.PROPOSE_SECONDMENT})
    router.callback_query.register(proposer_press, ProposerPress.filter(),
                                   flags={"action": Action.PROPOSE_SECONDMENT})
    router.callback_query.register(director_press, DirectorPress.filter(),
                                   flags={"action": Action.DECIDE_SECONDMENT})
    router.callback_query.register(stale, F.data.startswith(f"{render.PROPOSER}:"))
    router.callback_query.register(stale, F.data.startswith(f"{render.DIRECTOR}:"))
    return router
