"""/trieutap (/convene): the one-line form and the guided flow, answers, roll, tasks for attendees.

The draft lives in the database (bot.convening.service): a plain message
answers its open question, and /trieutap resumes it.
"""

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.commands import CONVENE
from bot.config import Settings
from bot.convening import render, service
from bot.convening import tasks as convocation_tasks
from bot.convening.form import TimeProblem
from bot.convening.models import Answer, Convocation, ConvocationDraft, Invitee
from bot.convening.who import WhoProblem
from bot.i18n import gettext as _
from bot.people import Actor
from bot.permissions import Action
from bot.secondment import service as secondment
from bot.sender import Sender
from bot.storage import Storage
from bot.ui import Message as Reply
from handlers.filters import answering, command
from handlers.secondment import drop_buttons


class InviteePress(CallbackData, prefix=render.INVITEE):
    convocation_id: int
    choice: str


class ConvenerPress(CallbackData, prefix=render.CONVENER):
    convocation_id: int
    action: str


class DraftPress(CallbackData, prefix=render.DRAFT):
    action: str


# A plain message answers the convener's draft, gives an invitee's reason for absence, or
# gives the task for the attendees.
answering_draft = answering("cv:", service.draft_listening, "draft_id")
giving_reason = answering("cv:", service.reason_listening, "invitee_id")
giving_task = answering("cv:", service.task_listening, "convocation_id")


def _draft_replies(draft: ConvocationDraft, problem: WhoProblem | TimeProblem | None, settings: Settings) -> list[Reply]:
    """The problem (if any), then the draft's next question or its summary."""
    replies = []
    if isinstance(problem, WhoProblem):
        replies.append(render.who_problem(problem))
    elif isinstance(problem, TimeProblem):
        replies.append(render.time_problem(problem, settings.zone))
        if problem.kind == "ambiguous":
            return replies  # its buttons are the question
    replies.append(render.confirm(draft, settings.zone) if draft.step == "confirm" else render.question(draft))
    return replies


async def convene(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                  settings: Settings, sender: Sender) -> None:
    assert actor.team_id is not None
    text, now = (command.args or "").strip(), clock.now()
    replies: list[Reply] = []
    async with storage.transaction() as session:
        await secondment.silence(session, actor.telegram_id)
        if not text:
            coming = await service.coming(session, actor.team_id, now=now)
            if coming:
                replies.append(render.coming_list(coming, settings.zone))
            draft, resumed = await service.start_draft(session, team_id=actor.team_id, convener=actor.telegram_id,
                                                       now=now)
            if resumed:
                replies.append(render.resumed())
            replies += _draft_replies(draft, None, settings)
        else:
            result = await service.one_line(session, text, team_id=actor.team_id, convener=actor.telegram_id,
                                            now=now, settings=settings)
            if not isinstance(result, Convocation):  # sent at once otherwise: its card is the reply
                replies += _draft_replies(*result, settings)
    for reply in replies:
        await sender.send(message.chat.id, reply, ref="cv:draft", team_id=actor.team_id)


async def draft_answer(message: Message, draft_id: int, actor: Actor, storage: Storage, clock: Clock,
                       settings: Settings, sender: Sender) -> None:
    async with storage.transaction() as session:
        draft = await session.get(ConvocationDraft, draft_id)
        assert draft is not None
        problem = await service.fill(session, draft, message.text or "", now=clock.now(), zone=settings.zone)
        replies = _draft_replies(draft, problem, settings)
    for reply in replies:
        await sender.send(message.chat.id, reply, ref="cv:draft", team_id=draft.team_id)


async def draft_press(query: CallbackQuery, callback_data: DraftPress, actor: Actor, storage: Storage, clock: Clock,
                      settings: Settings, sender: Sender) -> None:
    action, now = callback_data.action, clock.now()
    replies: list[Reply] = []
    async with storage.transaction() as session:
        draft = await service.draft_of(session, actor.team_id or 0, actor.telegram_id)
        if draft is None:
            await query.answer(_("Không còn giấy triệu tập nào đang soạn."), show_alert=True)
            return
        if action == "cancel":
            await service.drop_draft(session, actor.team_id, actor.telegram_id)
            replies.append(render.draft_cancelled())
        elif action == "send":
            result = await service.convene_draft(session, draft, now=now, settings=settings)
            if isinstance(result, service.Refusal):
                replies.append(Reply(render.refusal(result.kind)))
            elif isinstance(result, TimeProblem):
                replies += _draft_replies(draft, result, settings)
        elif action in ("t0", "t1"):
            problem = await service.choose_time(session, draft, int(action[1]), now=now)
            replies += _draft_replies(draft, problem, settings)
        else:
            await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
            return
    await query.answer()
    await drop_buttons(query, sender)
    for reply in replies:
        await sender.send(actor.telegram_id, reply, ref="cv:draft", team_id=actor.team_id)


async def invitee_press(query: CallbackQuery, callback_data: InviteePress, actor: Actor, storage: Storage,
                        clock: Clock, settings: Settings, sender: Sender) -> None:
    given = render.ANSWER_OF.get(callback_data.choice)
    if given is None:
        await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
        return
    async with storage.transaction() as session:
        result = await service.answer(session, callback_data.convocation_id, given, by=actor.telegram_id,
                                      now=clock.now(), settings=settings)
    if isinstance(result, service.Refusal):
        await query.answer(render.refusal(result.kind), show_alert=True)
        return
    await query.answer(render.answer_toast(given))
    if given == Answer.ABSENT:
        await sender.send(actor.telegram_id, render.ask_absence_reason(),
                          ref=f"cv:{callback_data.convocation_id}:why", team_id=result.team_id)


async def absence_reason(message: Message, invitee_id: int, actor: Actor, storage: Storage, clock: Clock,
                         settings: Settings, sender: Sender) -> None:
    async with storage.transaction() as session:
        invitee = await session.get(Invitee, invitee_id)
        assert invitee is not None
        await service.give_reason(session, invitee, message.text or "", now=clock.now(), settings=settings)
    await sender.send(message.chat.id, render.reason_saved())


async def convener_press(query: CallbackQuery, callback_data: ConvenerPress, actor: Actor, storage: Storage,
                         clock: Clock, settings: Settings, sender: Sender) -> None:
    if callback_data.action not in ("roll", "task"):
        await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)
        return
    async with storage.transaction() as session:
        convocation = await service.for_convener(session, callback_data.convocation_id, team_id=actor.team_id)
        if isinstance(convocation, service.Refusal):
            await query.answer(render.refusal(convocation.kind), show_alert=True)
            return
        if callback_data.action == "roll":
            reply = render.roll(convocation, settings.zone)
        elif not service.attendees(convocation):
            await query.answer(render.refusal("no_attendees"), show_alert=True)
            return
        else:
            await service.ask_task(session, convocation, by=actor.telegram_id, now=clock.now())
            reply = Reply(_(render.TASK_QUESTION))
    await query.answer()
    await sender.send(actor.telegram_id, reply, ref=f"cv:{callback_data.convocation_id}:roll",
                      team_id=actor.team_id)


async def task_for_attendees(message: Message, convocation_id: int, actor: Actor, storage: Storage, clock: Clock,
                             settings: Settings, sender: Sender) -> None:
    assert actor.membership is not None
    async with storage.transaction() as session:
        convocation = await session.get(Convocation, convocation_id)
        assert convocation is not None
        reply = await convocation_tasks.create_for_attendees(
            session, convocation, message.text or "", by=actor.membership, now=clock.now(), settings=settings)
    if reply is not None:
        await sender.send(message.chat.id, reply)


async def stale(query: CallbackQuery) -> None:
    await query.answer(_("Lựa chọn không hợp lệ."), show_alert=True)


def router() -> Router:
    router = Router(name="convening")
    router.message.register(convene, command(CONVENE), flags={"action": CONVENE.action})
    router.message.register(absence_reason, giving_reason, flags={"action": Action.ANSWER_CONVOCATION})
    router.message.register(task_for_attendees, giving_task, flags={"action": Action.ASSIGN_TASK})
    router.message.register(draft_answer, answering_draft, flags={"action": Action.CONVENE})
    router.callback_query.register(invitee_press, InviteePress.filter(), flags={"action": Action.ANSWER_CONVOCATION})
    router.callback_query.register(convener_press, ConvenerPress.filter(), flags={"action": Action.CONVENE})
    router.callback_query.register(draft_press, DraftPress.filter(), flags={"action": Action.CONVENE})
    for prefix in (render.INVITEE, render.CONVENER, render.DRAFT):
        router.callback_query.register(stale, F.data.startswith(f"{prefix}:"))
    return router
