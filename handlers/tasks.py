"""/giao and /viec, the task buttons, and members' free-text answers about their tasks.

Handlers parse the update, call bot.tasks.service, and render through the
outbox. Free text is taken only when it is about a task: a reply to a task
card (or to "what is blocking you?"), the answer the bot is waiting for, or
plain text from a member who has open tasks; everything else passes on to
the other features and the fallback.
"""

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.commands import ASSIGN, TASKS
from bot.config import Settings
from bot.i18n import gettext as _
from bot.people import Actor
from bot.permissions import Action
from bot.roster.lookup import Ambiguous, Directory, Found, FoundArea, load_directory, read_recipients
from bot.roster.models import Member
from bot.sender import Sender
from bot.storage import Storage
from bot.tasks import buttons as b
from bot.tasks import guided, notify, render, service, views
from bot.tasks.draft import Draft, MixedRecipients, Step, UnknownNames, draft_from_line, quick_deadline
from bot.tasks.models import Priority, Task
from bot.tasks.outcomes import Refusal, Refused
from bot.tasks.rules import TaskRules
from bot.tasks.service import ASSIGNABLE, StatusChange
from bot.text.deadline import Deadline, parse_deadline
from bot.text.fold import fold
from bot.text.status import read_status
from bot.ui import Message as Reply
from handlers.filters import command

TOAST_LIMIT = 200


class StatusPress(CallbackData, prefix=b.STATUS):
    task_id: int
    kind: str


class ViewPress(CallbackData, prefix=b.VIEW):
    task_id: int


class ManagePress(CallbackData, prefix=b.MANAGE):
    op: str
    task_id: int
    arg: int


class PickPress(CallbackData, prefix=b.PICK):
    task_id: int


class GuidePress(CallbackData, prefix=b.GUIDE):
    op: str
    value: int


class ListPress(CallbackData, prefix=b.LIST):
    kind: str
    value: int
    page: int


class Assigning(StatesGroup):
    drafting = State()  # data: draft


class Answering(StatesGroup):
    reason = State()  # waiting for what blocks a task; data: task_id
    new_deadline = State()  # a leader typing a task's new deadline; data: task_id, typed, problem, candidates
    choosing = State()  # a free-text answer waiting to know its task; data: text


async def _me(session: Any, actor: Actor) -> Member:
    """The actor's roster entry, loaded in this session."""
    assert actor.membership is not None
    member = await session.get(Member, actor.membership.id)
    assert member is not None
    return member


async def _toast(query: CallbackQuery, text: str, alert: bool = False) -> None:
    await query.answer(text[:TOAST_LIMIT], show_alert=alert)


# ------------------------------------------------------------------ /giao


async def assign(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                 settings: Settings, sender: Sender, state: FSMContext) -> None:
    rules = TaskRules.from_settings(settings)
    async with storage.read() as session:
        directory = await load_directory(session, actor.team_id or 0, roles=ASSIGNABLE)
    args = (command.args or "").strip()
    if not args:
        draft = Draft(guided=True)
    else:
        result = draft_from_line(directory, args, clock.now(), rules.zone)
        if isinstance(result, UnknownNames):
            await state.clear()
            await sender.send(message.chat.id, guided.unknown_names(result.unknown))
            return
        if isinstance(result, MixedRecipients):
            await state.clear()
            await sender.send(message.chat.id, guided.mixed_recipients())
            return
        draft = result
    await _advance(message.chat.id, None, draft, directory, actor, storage, clock, rules, sender, state)


async def _advance(chat_id: int, edit_message_id: int | None, draft: Draft, directory: Directory, actor: Actor,
                   storage: Storage, clock: Clock, rules: TaskRules, sender: Sender, state: FSMContext) -> None:
    """Ask the draft's next question, or hand the task out when nothing is missing."""
    if draft.next_step() == Step.READY:
        await _hand_out(chat_id, edit_message_id, draft, directory, actor, storage, clock, rules, sender, state)
        return
    await state.set_state(Assigning.drafting)
    await state.update_data(draft=draft.to_data())
    question = guided.question(draft, directory, clock.now(), rules.zone)
    if edit_message_id is not None:
        await sender.edit(chat_id, edit_message_id, question)
    else:
        await sender.send(chat_id, question)


async def _hand_out(chat_id: int, edit_message_id: int | None, draft: Draft, directory: Directory, actor: Actor,
                    storage: Storage, clock: Clock, rules: TaskRules, sender: Sender, state: FSMContext) -> None:
    now = clock.now()
    async with storage.transaction() as session:
        outcome = await service.create_task(session, by=await _me(session, actor), new=draft.new_task(), rules=rules,
                                            now=now, summary_chat_id=chat_id)
    if isinstance(outcome, Refused) and outcome.reason == Refusal.PAST_DEADLINE:
        # The deadline passed while the leader was choosing: ask for it again.
        draft.deadline_done, draft.deadline_problem = False, "past"
        draft.candidates = [draft.deadline] if draft.deadline else []
        draft.deadline_text = render.deadline_text(draft.deadline_at, rules.zone)
        await _advance(chat_id, edit_message_id, draft, directory, actor, storage, clock, rules, sender, state)
        return
    await state.clear()
    if isinstance(outcome, Refused):
        text = render.refusal_text(outcome.reason)
        await (sender.edit(chat_id, edit_message_id, Reply(text)) if edit_message_id else sender.send(chat_id, Reply(text)))
        return
    if edit_message_id is not None:
        await sender.edit(chat_id, edit_message_id, Reply(render.created_note(outcome.task)))


async def on_guide(query: CallbackQuery, callback_data: GuidePress, actor: Actor, storage: Storage, clock: Clock,
                   settings: Settings, sender: Sender, state: FSMContext) -> None:
    rules = TaskRules.from_settings(settings)
    data = await state.get_data()
    if await state.get_state() != Assigning.drafting.state or "draft" not in data or query.message is None:
        await _toast(query, guided.expired(), alert=True)
        return
    draft = Draft.from_data(data["draft"])
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if callback_data.op == b.G_ABORT:
        await state.clear()
        await _toast(query, _("Đã huỷ."))
        await sender.edit(chat_id, message_id, guided.aborted())
        return
    async with storage.read() as session:
        directory = await load_directory(session, actor.team_id or 0, roles=ASSIGNABLE)
    problem = _apply_guide(draft, callback_data, directory, clock, rules)
    if problem is not None:
        await _toast(query, problem, alert=True)
        return
    await _toast(query, "")
    if callback_data.op == b.G_CONFIRM:
        await _hand_out(chat_id, message_id, draft, directory, actor, storage, clock, rules, sender, state)
        return
    await _advance(chat_id, message_id, draft, directory, actor, storage, clock, rules, sender, state)


_GUIDE_STEPS = {
    b.G_MEMBER: Step.WHO, b.G_AREA: Step.WHO, b.G_NEXT: Step.WHO, b.G_NAME: Step.NAME,
    b.G_DEADLINE: Step.DEADLINE, b.G_CANDIDATE: Step.DEADLINE, b.G_PRIORITY: Step.PRIORITY, b.G_CONFIRM: Step.CONFIRM,
}


def _apply_guide(draft: Draft, press: GuidePress, directory: Directory, clock: Clock, rules: TaskRules) -> str | None:
    """Apply a guided-flow button to the draft; a reason to refuse it, or None."""
    if _GUIDE_STEPS.get(press.op) != draft.next_step():
        return _("Nút này thuộc một bước đã qua. Hãy dùng tin nhắn mới nhất.")
    op, value = press.op, press.value
    if op == b.G_MEMBER:
        if value not in {m.id for m in directory.members}:
            return render.refusal_text(Refusal.NOT_ASSIGNABLE)
        draft.toggle_member(value)
    elif op == b.G_AREA:
        area = next((a for a in directory.areas if a.id == value), None)
        if area is None:
            return render.refusal_text(Refusal.NOT_FOUND)
        draft.choose_area(area.code)
    elif op == b.G_NEXT:
        draft.who_done = bool(draft.member_ids)
    elif op == b.G_NAME:
        if not draft.settle_name(value):
            return _("Lựa chọn không hợp lệ.")
    elif op == b.G_DEADLINE:
        if value == b.NO_DEADLINE:
            draft.set_deadline(None)
        elif (at := quick_deadline(value, clock.now(), rules.zone)) is not None:
            draft.set_deadline(at)
        else:
            return render.refusal_text(Refusal.PAST_DEADLINE)
    elif op == b.G_CANDIDATE:
        if not draft.choose_candidate(value, clock.now()):
            return render.refusal_text(Refusal.PAST_DEADLINE)
    elif op == b.G_PRIORITY:
        draft.priority = Priority.URGENT if value else Priority.NORMAL
    return None


async def on_draft_text(message: Message, actor: Actor, storage: Storage, clock: Clock, settings: Settings,
                        sender: Sender, state: FSMContext) -> None:
    """A typed answer to the guided flow's current question."""
    rules = TaskRules.from_settings(settings)
    draft = Draft.from_data((await state.get_data()).get("draft", {}))
    text = (message.text or "").strip()
    async with storage.read() as session:
        directory = await load_directory(session, actor.team_id or 0, roles=ASSIGNABLE)
    step = draft.next_step()
    if step == Step.WHO:
        problem = draft.take_recipients(read_recipients(directory, text))
        if isinstance(problem, UnknownNames):
            await sender.send(message.chat.id, guided.unknown_names(problem.unknown))
        elif isinstance(problem, MixedRecipients):
            await sender.send(message.chat.id, guided.mixed_recipients())
    elif step == Step.NAME:
        entry = directory.match(text)
        if not (isinstance(entry, Found) and draft.settle_name(entry.member.id)):
            await sender.send(message.chat.id, Reply(_("Hãy chọn một người trong danh sách bên dưới.")))
    elif step == Step.WHAT:
        draft.take_content(text, clock.now(), rules.zone)
    elif step == Step.DEADLINE:
        draft.take_deadline_text(text, clock.now(), rules.zone)
    elif step == Step.PRIORITY:
        folded = fold(text)
        if folded in ("khan", "gap", "urgent"):
            draft.priority = Priority.URGENT
        elif folded in ("thuong", "binh thuong", "normal"):
            draft.priority = Priority.NORMAL
    await _advance(message.chat.id, None, draft, directory, actor, storage, clock, rules, sender, state)


# ------------------------------------------------------------------ /viec and the team view


async def tasks_command(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                        settings: Settings, sender: Sender) -> None:
    rules = TaskRules.from_settings(settings)
    args = (command.args or "").strip()
    now = clock.now()
    async with storage.read() as session:
        me = await _me(session, actor)
        ref = None
        if args.isdigit():
            reply, ref = await _detail(session, int(args), me, rules), notify.view_ref(int(args))
        elif not views.sees_team(me):
            reply = Reply(_("Gõ /viec để xem việc của bạn, hoặc /viec 12 để xem việc số 12.")) if args else \
                render.own_list(await service.open_tasks_of(session, me), rules.zone, now)
        elif args:
            reply = await _typed_filter(session, me, args, rules, now)
        else:
            reply = await _team_view(session, me, b.L_OPEN, 0, 0, rules, now)
    await sender.send(message.chat.id, reply, ref=ref, team_id=actor.team_id)


async def _detail(session: Any, task_id: int, me: Member, rules: TaskRules) -> Reply:
    task = await views.visible_task(session, task_id, me)
    if isinstance(task, Refused):
        return Reply(render.refusal_text(task.reason))
    return render.detail(task, await views.history(session, task), rules.zone,
                         can_manage=me.role in service.MANAGERS, assignee=views.current_assignee(task, me))


async def _team_view(session: Any, me: Member, kind: str, value: int, page: int, rules: TaskRules, now: Any) -> Reply:
    found = await views.team_page(session, me.team_id, kind, value, page, now)
    if found is None:
        return Reply(render.refusal_text(Refusal.NOT_FOUND))
    return render.team_list(found.tasks, kind=found.kind, value=found.value, name=found.name, page=found.page,
                            pages=found.pages, total=found.total, zone=rules.zone, now=now)


async def _typed_filter(session: Any, me: Member, args: str, rules: TaskRules, now: Any) -> Reply:
    """/viec quá hạn, /viec hung, /viec #qr."""
    if fold(args) in ("qua han", "overdue"):
        return await _team_view(session, me, b.L_OVERDUE, 0, 0, rules, now)
    directory = await load_directory(session, me.team_id, roles=ASSIGNABLE)
    entry = directory.match_or_unknown(args)
    if isinstance(entry, Found):
        return await _team_view(session, me, b.L_MEMBER, entry.member.id, 0, rules, now)
    if isinstance(entry, FoundArea):
        return await _team_view(session, me, b.L_AREA, entry.area.id, 0, rules, now)
    if isinstance(entry, Ambiguous):
        return render.choose_filter(b.L_MEMBER, [(m.id, m.full_name) for m in entry.candidates])
    return guided.unknown_names([entry])


async def on_list(query: CallbackQuery, callback_data: ListPress, actor: Actor, storage: Storage, clock: Clock,
                  settings: Settings, sender: Sender) -> None:
    rules = TaskRules.from_settings(settings)
    kind, value, page = callback_data.kind, callback_data.value, callback_data.page
    async with storage.read() as session:
        me = await _me(session, actor)
        if kind == b.L_MEMBER_MENU:
            reply = render.choose_filter(b.L_MEMBER, [(m.id, m.full_name) for m in await views.filter_members(session, me.team_id)])
        elif kind == b.L_AREA_MENU:
            reply = render.choose_filter(b.L_AREA, [(a.id, f"#{a.code} — {a.name}") for a in await views.filter_areas(session, me.team_id)])
        elif kind == b.L_STATUS_MENU:
            reply = render.choose_filter(b.L_STATUS, render.status_options())
        else:
            found = await views.team_page(session, me.team_id, kind, value, page, clock.now())
            if found is None:
                await _toast(query, render.refusal_text(Refusal.NOT_FOUND), alert=True)
                return
            reply = render.team_list(found.tasks, kind=found.kind, value=found.value, name=found.name,
                                     page=found.page, pages=found.pages, total=found.total, zone=rules.zone,
                                     now=clock.now())
    await _toast(query, "")
    if query.message is not None:
        await sender.edit(query.message.chat.id, query.message.message_id, reply)


async def on_view(query: CallbackQuery, callback_data: ViewPress, actor: Actor, storage: Storage, settings: Settings,
                  sender: Sender) -> None:
    rules = TaskRules.from_settings(settings)
    async with storage.read() as session:
        task = await views.visible_task(session, callback_data.task_id, await _me(session, actor))
        if isinstance(task, Refused):
            await _toast(query, render.refusal_text(task.reason), alert=True)
            return
        reply = await _detail(session, task.id, await _me(session, actor), rules)
    await _toast(query, "")
    if query.message is not None:
        await sender.send(query.message.chat.id, reply, ref=notify.view_ref(task.id), team_id=task.team_id)


# ------------------------------------------------------------------ members answering


_BUTTON_CHANGES = {b.ACK: "ack", b.WORK: "progress", b.BLOCK: "blocked", b.DONE: "done"}


async def on_status(query: CallbackQuery, callback_data: StatusPress, actor: Actor, storage: Storage, clock: Clock,
                    settings: Settings, sender: Sender, state: FSMContext) -> None:
    kind = _BUTTON_CHANGES.get(callback_data.kind)
    if kind is None:
        await _toast(query, _("Lựa chọn không hợp lệ."), alert=True)
        return
    rules = TaskRules.from_settings(settings)
    async with storage.transaction() as session:
        task = await service.change_status(session, task_id=callback_data.task_id, by=await _me(session, actor),
                                           change=StatusChange(kind), rules=rules, now=clock.now())  # type: ignore[arg-type]
    if isinstance(task, Refused):
        await _toast(query, render.refusal_text(task.reason), alert=task.reason != Refusal.UNCHANGED)
        return
    receipt = render.status_receipt(task, kind)
    await _toast(query, receipt)
    await _after_press(query, task, receipt, actor, storage, rules, sender)
    if kind == "blocked":
        await state.set_state(Answering.reason)
        await state.update_data(task_id=task.id)
        await sender.send(actor.telegram_id, render.ask_block_reason(task), ref=notify.reason_ref(task.id),
                          team_id=task.team_id)


async def on_reason(message: Message, actor: Actor, storage: Storage, clock: Clock, settings: Settings,
                    sender: Sender, state: FSMContext) -> None:
    """The words a member typed after pressing "Gặp khó khăn"."""
    task_id = (await state.get_data()).get("task_id")
    await state.clear()
    if isinstance(task_id, int):
        await _answer(message, task_id, StatusChange("blocked", read_status(message.text or "").percent, message.text),
                      actor, storage, clock, settings, sender)


async def replied_task(message: Message, storage: Storage) -> dict[str, Any] | bool:
    """Filter: a reply to one of the bot's messages about a task (card, reminder, "what blocks you?")."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False
    async with storage.read() as session:
        ref = await notify.sent_ref(session, message.chat.id, replied.message_id)
    found = notify.task_id_of(ref)
    return {"replied": found} if found else False


async def on_reply(message: Message, replied: tuple[str, int], actor: Actor, storage: Storage, clock: Clock,
                   settings: Settings, sender: Sender, state: FSMContext) -> None:
    kind, task_id = replied
    text = message.text or ""
    if kind == "reason":
        await state.clear()
        change = StatusChange("blocked", read_status(text).percent, text)
    else:
        change = change_from_text(text)
    await _answer(message, task_id, change, actor, storage, clock, settings, sender)


def change_from_text(text: str) -> StatusChange:
    reading = read_status(text)
    return StatusChange(reading.kind, reading.percent if reading.kind != "done" else None, text)


async def has_open_tasks(message: Message, actor: Actor, storage: Storage) -> dict[str, Any] | bool:
    """Filter: plain text from a member who has open tasks (citizens and others pass on)."""
    if actor.membership is None:
        return False
    async with storage.read() as session:
        tasks = await service.open_tasks_of(session, await _me(session, actor))
    return {"open_ids": [t.id for t in tasks]} if tasks else False


async def on_plain_text(message: Message, open_ids: list[int], actor: Actor, storage: Storage, clock: Clock,
                        settings: Settings, sender: Sender, state: FSMContext) -> None:
    text = message.text or ""
    if len(open_ids) == 1:
        await state.clear()
        await _answer(message, open_ids[0], change_from_text(text), actor, storage, clock, settings, sender)
        return
    rules = TaskRules.from_settings(settings)
    await state.set_state(Answering.choosing)
    await state.update_data(text=text)
    async with storage.read() as session:
        tasks = await service.open_tasks_of(session, await _me(session, actor))
    await sender.send(message.chat.id, render.pick_task(tasks, rules.zone))


async def on_pick(query: CallbackQuery, callback_data: PickPress, actor: Actor, storage: Storage, clock: Clock,
                  settings: Settings, sender: Sender, state: FSMContext) -> None:
    text = (await state.get_data()).get("text") if await state.get_state() == Answering.choosing.state else None
    if not isinstance(text, str) or query.message is None:
        await _toast(query, _("Tin nhắn này đã hết hiệu lực. Hãy gửi lại, hoặc trả lời thẳng vào thẻ việc."), alert=True)
        return
    rules = TaskRules.from_settings(settings)
    change = change_from_text(text)
    async with storage.transaction() as session:
        task = await service.change_status(session, task_id=callback_data.task_id, by=await _me(session, actor),
                                           change=change, rules=rules, now=clock.now())
    if isinstance(task, Refused):
        await _toast(query, render.refusal_text(task.reason), alert=True)
        return
    await state.clear()
    await _toast(query, "")
    await sender.edit(query.message.chat.id, query.message.message_id, Reply(render.status_receipt(task, change.kind)))


async def _answer(message: Message, task_id: int, change: StatusChange, actor: Actor, storage: Storage, clock: Clock,
                  settings: Settings, sender: Sender) -> None:
    rules = TaskRules.from_settings(settings)
    async with storage.transaction() as session:
        task = await service.change_status(session, task_id=task_id, by=await _me(session, actor), change=change,
                                           rules=rules, now=clock.now())
    text = render.refusal_text(task.reason) if isinstance(task, Refused) else render.status_receipt(task, change.kind)
    await sender.send(message.chat.id, Reply(text), reply_to_message_id=message.message_id)


# ------------------------------------------------------------------ leader and deputies managing


async def on_manage(query: CallbackQuery, callback_data: ManagePress, actor: Actor, storage: Storage, clock: Clock,
                    settings: Settings, sender: Sender, state: FSMContext) -> None:
    rules = TaskRules.from_settings(settings)
    op, task_id, arg = callback_data.op, callback_data.task_id, callback_data.arg
    now = clock.now()
    if op in (b.REASSIGN_MENU, b.DEADLINE_MENU, b.CANCEL_ASK):
        await _manage_menu(query, op, task_id, actor, storage, clock, rules, sender, state)
        return
    async with storage.transaction() as session:
        me = await _me(session, actor)
        if op == b.REASSIGN_TO:
            outcome = await service.reassign(session, task_id=task_id, by=me, member_id=arg, rules=rules, now=now)
        elif op == b.DEADLINE_QUICK:
            at = None if arg == b.NO_DEADLINE else quick_deadline(arg, now, rules.zone)
            outcome = Refused(Refusal.PAST_DEADLINE) if at is None and arg != b.NO_DEADLINE else \
                await service.change_deadline(session, task_id=task_id, by=me, deadline_at=at, rules=rules, now=now)
        elif op == b.DEADLINE_CANDIDATE:
            at = await _candidate(state, task_id, arg)
            outcome = Refused(Refusal.PAST_DEADLINE) if at is None else \
                await service.change_deadline(session, task_id=task_id, by=me, deadline_at=at, rules=rules, now=now)
        elif op == b.PRIORITY:
            priority = Priority.URGENT if arg else Priority.NORMAL
            outcome = await service.change_priority(session, task_id=task_id, by=me, priority=priority, rules=rules,
                                                    now=now)
        elif op == b.CANCEL_YES:
            outcome = await service.cancel_task(session, task_id=task_id, by=me, rules=rules, now=now)
        elif op == b.REOPEN:
            outcome = await service.reopen_task(session, task_id=task_id, by=me, rules=rules, now=now)
        else:
            outcome = Refused(Refusal.NOT_FOUND)
    if isinstance(outcome, Refused):
        await _toast(query, render.refusal_text(outcome.reason), alert=True)
        return
    if op in (b.DEADLINE_QUICK, b.DEADLINE_CANDIDATE):
        await state.clear()
    done = _manage_done(op, outcome, rules)
    await _toast(query, done)
    await _after_press(query, outcome, done, actor, storage, rules, sender)


async def _after_press(query: CallbackQuery, task: Task, done: str, actor: Actor, storage: Storage, rules: TaskRules,
                       sender: Sender) -> None:
    """Bring the pressed message up to date: a one-off question becomes its answer, a task view is
    shown again as it is now. (Cards and the summary are kept current by the service.)"""
    if query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    async with storage.read() as session:
        ref = await notify.sent_ref(session, chat_id, message_id)
        if ref == notify.ask_ref(task.id):
            reply = Reply(done)
        elif ref == notify.view_ref(task.id):
            reply = await _detail(session, task.id, await _me(session, actor), rules)
        else:
            return
    await sender.edit(chat_id, message_id, reply)


def _manage_done(op: str, task: Any, rules: TaskRules) -> str:
    if op == b.REASSIGN_TO:
        return _("Đã giao lại việc #{id} cho {name}.").format(id=task.id, name=task.lead.member.full_name if task.lead else "")
    if op in (b.DEADLINE_QUICK, b.DEADLINE_CANDIDATE):
        return _("Đã đổi hạn việc #{id}: {deadline}.").format(id=task.id, deadline=render.deadline_text(task.deadline_at, rules.zone))
    if op == b.PRIORITY:
        return _("Đã đổi mức độ việc #{id}: {priority}.").format(id=task.id, priority=render.priority_text(task.priority))
    if op == b.CANCEL_YES:
        return _("Đã huỷ việc #{id}.").format(id=task.id)
    return _("Đã mở lại việc #{id}.").format(id=task.id)


async def _manage_menu(query: CallbackQuery, op: str, task_id: int, actor: Actor, storage: Storage, clock: Clock,
                       rules: TaskRules, sender: Sender, state: FSMContext) -> None:
    async with storage.read() as session:
        me = await _me(session, actor)
        task = await service.managed_task(session, task_id, me)
        if isinstance(task, Refused) or not task.is_open:
            await _toast(query, render.refusal_text(task.reason if isinstance(task, Refused) else Refusal.CLOSED), alert=True)
            return
        if op == b.REASSIGN_MENU:
            reply = render.reassign_menu(task, await views.filter_members(session, me.team_id))
        elif op == b.CANCEL_ASK:
            reply = render.cancel_question(task)
        else:
            await state.set_state(Answering.new_deadline)
            await state.set_data({"task_id": task.id})
            reply = _deadline_question(task.id, None, None, [], clock, rules, lead=_("Hạn mới cho việc {task}?").format(
                task=render.task_label(task)))
    await _toast(query, "")
    if query.message is not None:
        await sender.send(query.message.chat.id, reply, ref=notify.ask_ref(task_id), team_id=actor.team_id)


def _deadline_question(task_id: int, typed: str | None, problem: str | None, candidates: list[str], clock: Clock,
                       rules: TaskRules, lead: str = "") -> Reply:
    return guided.deadline(typed, problem, candidates, clock.now(), rules.zone,
                           quick=lambda i: b.manage(b.DEADLINE_QUICK, task_id, i),
                           candidate=lambda i: b.manage(b.DEADLINE_CANDIDATE, task_id, i), extra=[], lead=lead)


async def _candidate(state: FSMContext, task_id: int, index: int) -> datetime | None:
    data = await state.get_data()
    candidates = data.get("candidates", []) if data.get("task_id") == task_id else []
    return datetime.fromisoformat(candidates[index]) if 0 <= index < len(candidates) else None


async def on_new_deadline(message: Message, actor: Actor, storage: Storage, clock: Clock, settings: Settings,
                          sender: Sender, state: FSMContext) -> None:
    """A leader typed a task's new deadline after "Đổi hạn"."""
    rules = TaskRules.from_settings(settings)
    task_id = (await state.get_data()).get("task_id")
    text = (message.text or "").strip()
    reading = parse_deadline(text, clock.now(), rules.zone)
    if not isinstance(task_id, int):
        await state.clear()
        return
    if not isinstance(reading, Deadline):
        candidates = [c.isoformat() for c in reading.candidates]
        await state.update_data(candidates=candidates)
        await sender.send(message.chat.id, _deadline_question(task_id, text, reading.kind, candidates, clock, rules),
                          ref=notify.ask_ref(task_id), team_id=actor.team_id)
        return
    async with storage.transaction() as session:
        task = await service.change_deadline(session, task_id=task_id, by=await _me(session, actor),
                                             deadline_at=reading.at, rules=rules, now=clock.now())
    await state.clear()
    reply = render.refusal_text(task.reason) if isinstance(task, Refused) else _manage_done(b.DEADLINE_QUICK, task, rules)
    await sender.send(message.chat.id, Reply(reply))


# ------------------------------------------------------------------ the router


def router() -> Router:
    router = Router(name="tasks")
    not_command = F.text & ~F.text.startswith("/")
    private = F.chat.type == "private"
    manage = {"action": Action.MANAGE_TASK}
    update = {"action": Action.UPDATE_OWN_TASK}

    router.message.register(assign, command(ASSIGN), flags={"action": ASSIGN.action})
    router.message.register(tasks_command, command(TASKS), flags={"action": TASKS.action})

    router.callback_query.register(on_status, StatusPress.filter(), flags=update)
    router.callback_query.register(on_view, ViewPress.filter(), flags={"action": Action.VIEW_OWN_TASKS})
    router.callback_query.register(on_manage, ManagePress.filter(), flags=manage)
    router.callback_query.register(on_pick, PickPress.filter(), flags=update)
    router.callback_query.register(on_guide, GuidePress.filter(), flags={"action": Action.ASSIGN_TASK})
    router.callback_query.register(on_list, ListPress.filter(), flags={"action": Action.VIEW_TEAM_TASKS})

    router.message.register(on_draft_text, StateFilter(Assigning.drafting), not_command,
                            flags={"action": Action.ASSIGN_TASK})
    router.message.register(on_new_deadline, StateFilter(Answering.new_deadline), not_command, flags=manage)
    router.message.register(on_reply, private, not_command, replied_task, flags=update)
    router.message.register(on_reason, StateFilter(Answering.reason), private, not_command, flags=update)
    router.message.register(on_plain_text, StateFilter(None, Answering.choosing), private, not_command,
                            has_open_tasks, flags=update)
    return router
