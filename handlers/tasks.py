"""/giao and /viec, the task buttons, and members' free-text answers about their tasks.

Handlers parse the update, call bot.tasks.service, and render through the
outbox. Free text is taken only when it is about a task: a reply to a task
card (or to "what is blocking you?"), the answer the bot is waiting for, or
plain text from a member who has open tasks; everything else passes on to
the other features and the fallback.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import ASSIGN, TASKS
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
    new_deadline = State()  # a leader typing a task's new deadline; data: task_id, candidates
    choosing = State()  # a free-text answer waiting to know its task; data: text


@dataclass
class Desk:
    """What every task handler works with, taken from the dispatcher's data."""

    actor: Actor
    storage: Storage
    clock: Clock
    rules: TaskRules
    sender: Sender
    state: FSMContext

    @classmethod
    def of(cls, data: dict[str, Any]) -> "Desk":
        return cls(data["actor"], data["storage"], data["clock"], TaskRules.from_settings(data["settings"]),
                   data["sender"], data["state"])

    async def me(self, session: AsyncSession) -> Member:
        """The actor's roster entry, loaded in this session."""
        assert self.actor.membership is not None
        member = await session.get(Member, self.actor.membership.id)
        assert member is not None
        return member

    async def directory(self) -> Directory:
        async with self.storage.read() as session:
            return await load_directory(session, self.actor.team_id or 0, roles=ASSIGNABLE)

    async def change_status(self, task_id: int, change: StatusChange) -> Task | Refused:
        async with self.storage.transaction() as session:
            return await service.change_status(session, task_id=task_id, by=await self.me(session), change=change,
                                               rules=self.rules, now=self.clock.now())


async def _toast(query: CallbackQuery, text: str, alert: bool = False) -> None:
    await query.answer(text[:TOAST_LIMIT], show_alert=alert)


# ------------------------------------------------------------------ /giao


async def assign(message: Message, command: CommandObject, **data: Any) -> None:
    desk = Desk.of(data)
    directory = await desk.directory()
    args = (command.args or "").strip()
    draft = draft_from_line(directory, args, desk.clock.now(), desk.rules.zone) if args else Draft(guided=True)
    if isinstance(draft, (UnknownNames, MixedRecipients)):
        await desk.state.clear()
        await desk.sender.send(message.chat.id, _recipient_problem(draft))
        return
    await _advance(desk, message.chat.id, None, draft, directory)


def _recipient_problem(problem: UnknownNames | MixedRecipients) -> Reply:
    return guided.unknown_names(problem.unknown) if isinstance(problem, UnknownNames) else guided.mixed_recipients()


async def _advance(desk: Desk, chat_id: int, edit_id: int | None, draft: Draft, directory: Directory) -> None:
    """Ask the draft's next question (editing the flow's message when answered by a button),
    or hand the task out when nothing is missing."""
    if draft.next_step() == Step.READY:
        await _hand_out(desk, chat_id, edit_id, draft, directory)
        return
    await desk.state.set_state(Assigning.drafting)
    await desk.state.update_data(draft=draft.to_data())
    question = guided.question(draft, directory, desk.clock.now(), desk.rules.zone)
    await (desk.sender.edit(chat_id, edit_id, question) if edit_id else desk.sender.send(chat_id, question))


async def _hand_out(desk: Desk, chat_id: int, edit_id: int | None, draft: Draft, directory: Directory) -> None:
    async with desk.storage.transaction() as session:
        outcome = await service.create_task(session, by=await desk.me(session), new=draft.new_task(),
                                            rules=desk.rules, now=desk.clock.now(), summary_chat_id=chat_id)
    if isinstance(outcome, Refused) and outcome.reason == Refusal.PAST_DEADLINE:
        # The deadline passed while the leader was choosing: ask for it again.
        draft.deadline_done, draft.deadline_problem = False, "past"
        draft.candidates = [draft.deadline] if draft.deadline else []
        draft.deadline_text = render.deadline_text(draft.deadline_at, desk.rules.zone)
        await _advance(desk, chat_id, edit_id, draft, directory)
        return
    await desk.state.clear()
    if isinstance(outcome, Refused):
        note = Reply(render.refusal_text(outcome.reason))
    elif edit_id is not None:  # the summary itself was sent by the service
        note = Reply(render.created_note(outcome.task))
    else:
        return
    await (desk.sender.edit(chat_id, edit_id, note) if edit_id else desk.sender.send(chat_id, note))


async def on_guide(query: CallbackQuery, callback_data: GuidePress, **data: Any) -> None:
    desk = Desk.of(data)
    stored = await desk.state.get_data()
    if await desk.state.get_state() != Assigning.drafting.state or "draft" not in stored or query.message is None:
        await _toast(query, guided.expired(), alert=True)
        return
    draft = Draft.from_data(stored["draft"])
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if callback_data.op == b.G_ABORT:
        await desk.state.clear()
        await _toast(query, _("Đã huỷ."))
        await desk.sender.edit(chat_id, message_id, guided.aborted())
        return
    directory = await desk.directory()
    problem = _apply_guide(desk, draft, callback_data, directory)
    if problem is not None:
        await _toast(query, problem, alert=True)
        return
    await _toast(query, "")
    if callback_data.op == b.G_CONFIRM:
        await _hand_out(desk, chat_id, message_id, draft, directory)
    else:
        await _advance(desk, chat_id, message_id, draft, directory)


_GUIDE_STEPS = {
    b.G_MEMBER: Step.WHO, b.G_AREA: Step.WHO, b.G_NEXT: Step.WHO, b.G_NAME: Step.NAME,
    b.G_DEADLINE: Step.DEADLINE, b.G_CANDIDATE: Step.DEADLINE, b.G_PRIORITY: Step.PRIORITY, b.G_CONFIRM: Step.CONFIRM,
}


def _apply_guide(desk: Desk, draft: Draft, press: GuidePress, directory: Directory) -> str | None:
    """Apply a guided-flow button to the draft; a reason to refuse it, or None."""
    if _GUIDE_STEPS.get(press.op) != draft.next_step():
        return _("Nút này thuộc một bước đã qua. Hãy dùng tin nhắn mới nhất.")
    op, value, now = press.op, press.value, desk.clock.now()
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
        at = None if value == b.NO_DEADLINE else quick_deadline(value, now, desk.rules.zone)
        if at is None and value != b.NO_DEADLINE:
            return render.refusal_text(Refusal.PAST_DEADLINE)
        draft.set_deadline(at)
    elif op == b.G_CANDIDATE:
        if not draft.choose_candidate(value, now):
            return render.refusal_text(Refusal.PAST_DEADLINE)
    elif op == b.G_PRIORITY:
        draft.priority = Priority.URGENT if value else Priority.NORMAL
    return None


async def on_draft_text(message: Message, **data: Any) -> None:
    """A typed answer to the guided flow's current question."""
    desk = Desk.of(data)
    draft = Draft.from_data((await desk.state.get_data()).get("draft", {}))
    text = (message.text or "").strip()
    directory = await desk.directory()
    now, zone = desk.clock.now(), desk.rules.zone
    step = draft.next_step()
    if step == Step.WHO:
        problem = draft.take_recipients(read_recipients(directory, text))
        if problem is not None:
            await desk.sender.send(message.chat.id, _recipient_problem(problem))
    elif step == Step.NAME:
        entry = directory.match(text)
        if not (isinstance(entry, Found) and draft.settle_name(entry.member.id)):
            await desk.sender.send(message.chat.id, Reply(_("Hãy chọn một người trong danh sách bên dưới.")))
    elif step == Step.WHAT:
        draft.take_content(text, now, zone)
    elif step == Step.DEADLINE:
        draft.take_deadline_text(text, now, zone)
    elif step == Step.PRIORITY:
        if fold(text) in ("khan", "gap", "urgent"):
            draft.priority = Priority.URGENT
        elif fold(text) in ("thuong", "binh thuong", "normal"):
            draft.priority = Priority.NORMAL
    await _advance(desk, message.chat.id, None, draft, directory)


# ------------------------------------------------------------------ /viec and the team view


async def tasks_command(message: Message, command: CommandObject, **data: Any) -> None:
    desk = Desk.of(data)
    args = (command.args or "").strip()
    ref = notify.view_ref(int(args)) if args.isdigit() else None
    async with desk.storage.read() as session:
        me = await desk.me(session)
        if args.isdigit():
            reply = await _detail(desk, session, int(args), me)
        elif not views.sees_team(me):
            reply = Reply(_("Gõ /viec để xem việc của bạn, hoặc /viec 12 để xem việc số 12.")) if args else \
                render.own_list(await service.open_tasks_of(session, me), desk.rules.zone, desk.clock.now())
        elif args:
            reply = await _typed_filter(desk, session, me, args)
        else:
            reply = await _team_view(desk, session, me, b.L_OPEN, 0, 0)
    await desk.sender.send(message.chat.id, reply, ref=ref, team_id=desk.actor.team_id)


async def _detail(desk: Desk, session: AsyncSession, task_id: int, me: Member) -> Reply:
    task = await views.visible_task(session, task_id, me)
    if isinstance(task, Refused):
        return Reply(render.refusal_text(task.reason))
    return render.detail(task, await views.history(session, task), desk.rules.zone,
                         can_manage=me.role in service.MANAGERS, assignee=views.current_assignee(task, me))


async def _team_view(desk: Desk, session: AsyncSession, me: Member, kind: str, value: int, page: int) -> Reply:
    found = await views.team_page(session, me.team_id, kind, value, page, desk.clock.now())
    return _page(desk, found) if found is not None else Reply(render.refusal_text(Refusal.NOT_FOUND))


def _page(desk: Desk, found: views.TaskPage) -> Reply:
    return render.team_list(found.tasks, kind=found.kind, value=found.value, name=found.name, page=found.page,
                            pages=found.pages, total=found.total, zone=desk.rules.zone, now=desk.clock.now())


async def _typed_filter(desk: Desk, session: AsyncSession, me: Member, args: str) -> Reply:
    """/viec quá hạn, /viec hung, /viec #qr."""
    if fold(args) in ("qua han", "overdue"):
        return await _team_view(desk, session, me, b.L_OVERDUE, 0, 0)
    entry = (await load_directory(session, me.team_id, roles=ASSIGNABLE)).match_or_unknown(args)
    if isinstance(entry, Found):
        return await _team_view(desk, session, me, b.L_MEMBER, entry.member.id, 0)
    if isinstance(entry, FoundArea):
        return await _team_view(desk, session, me, b.L_AREA, entry.area.id, 0)
    if isinstance(entry, Ambiguous):
        return render.choose_filter(b.L_MEMBER, [(m.id, m.full_name) for m in entry.candidates])
    return guided.unknown_names([entry])


async def on_list(query: CallbackQuery, callback_data: ListPress, **data: Any) -> None:
    desk = Desk.of(data)
    kind = callback_data.kind
    async with desk.storage.read() as session:
        me = await desk.me(session)
        if kind == b.L_MEMBER_MENU:
            people = await views.filter_members(session, me.team_id)
            reply = render.choose_filter(b.L_MEMBER, [(m.id, m.full_name) for m in people])
        elif kind == b.L_AREA_MENU:
            areas = await views.filter_areas(session, me.team_id)
            reply = render.choose_filter(b.L_AREA, [(a.id, f"#{a.code} — {a.name}") for a in areas])
        elif kind == b.L_STATUS_MENU:
            reply = render.choose_filter(b.L_STATUS, render.status_options())
        else:
            found = await views.team_page(session, me.team_id, kind, callback_data.value, callback_data.page,
                                          desk.clock.now())
            if found is None:  # crafted, or a member or area gone
                await _toast(query, render.refusal_text(Refusal.NOT_FOUND), alert=True)
                return
            reply = _page(desk, found)
    await _toast(query, "")
    if query.message is not None:
        await desk.sender.edit(query.message.chat.id, query.message.message_id, reply)


async def on_view(query: CallbackQuery, callback_data: ViewPress, **data: Any) -> None:
    desk = Desk.of(data)
    async with desk.storage.read() as session:
        me = await desk.me(session)
        task = await views.visible_task(session, callback_data.task_id, me)
        if isinstance(task, Refused):
            await _toast(query, render.refusal_text(task.reason), alert=True)
            return
        reply = await _detail(desk, session, task.id, me)
    await _toast(query, "")
    if query.message is not None:
        await desk.sender.send(query.message.chat.id, reply, ref=notify.view_ref(task.id), team_id=task.team_id)


# ------------------------------------------------------------------ members answering


_BUTTON_CHANGES = {b.ACK: "ack", b.WORK: "progress", b.BLOCK: "blocked", b.DONE: "done"}


async def on_status(query: CallbackQuery, callback_data: StatusPress, **data: Any) -> None:
    desk = Desk.of(data)
    kind = _BUTTON_CHANGES.get(callback_data.kind)
    if kind is None:
        await _toast(query, _("Lựa chọn không hợp lệ."), alert=True)
        return
    task = await desk.change_status(callback_data.task_id, StatusChange(kind))  # type: ignore[arg-type]
    if isinstance(task, Refused) and not (kind == "blocked" and task.reason == Refusal.UNCHANGED):
        await _toast(query, render.refusal_text(task.reason), alert=task.reason != Refusal.UNCHANGED)
        return
    if kind == "blocked":  # also when already blocked: a new reason is welcome
        await _toast(query, "")
        await _ask_reason(desk, callback_data.task_id)
    if isinstance(task, Task):
        receipt = render.status_receipt(task, kind)
        if kind != "blocked":
            await _toast(query, receipt)
        await _after_press(desk, query, task, receipt)


async def _ask_reason(desk: Desk, task_id: int) -> None:
    async with desk.storage.read() as session:
        task = await service.team_task(session, desk.actor.team_id or 0, task_id)
    if task is None:
        return
    await desk.state.set_state(Answering.reason)
    await desk.state.set_data({"task_id": task.id})
    await desk.sender.send(desk.actor.telegram_id, render.ask_block_reason(task), ref=notify.reason_ref(task.id),
                           team_id=task.team_id)


def change_from_text(text: str) -> StatusChange:
    """A member's words as an update: done, progress, blocked or a note (bot.text.status)."""
    reading = read_status(text)
    return StatusChange(reading.kind, reading.percent if reading.kind != "done" else None, text)


def blocked_reason(text: str) -> StatusChange:
    """The answer to "what is blocking you?": blocked, whatever the words."""
    return StatusChange("blocked", read_status(text).percent, text)


async def on_reason(message: Message, **data: Any) -> None:
    """The words a member typed after pressing "Gặp khó khăn"."""
    desk = Desk.of(data)
    task_id = (await desk.state.get_data()).get("task_id")
    await desk.state.clear()
    if isinstance(task_id, int):
        await _answer(desk, message, task_id, blocked_reason(message.text or ""))


async def replied_task(message: Message, storage: Storage) -> dict[str, Any] | bool:
    """Filter: a reply to one of the bot's messages about a task (card, reminder, "what blocks you?")."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False
    async with storage.read() as session:
        found = notify.task_id_of(await notify.sent_ref(session, message.chat.id, replied.message_id))
    return {"replied": found} if found else False


async def on_reply(message: Message, replied: tuple[str, int], **data: Any) -> None:
    desk = Desk.of(data)
    kind, task_id = replied
    text = message.text or ""
    # After "Gặp khó khăn", a reply to the question or to the task's card is the reason.
    awaited = await desk.state.get_state() == Answering.reason.state and \
        (await desk.state.get_data()).get("task_id") == task_id
    if kind == "reason" or awaited:
        await desk.state.clear()
    reason = kind == "reason" or awaited
    await _answer(desk, message, task_id, blocked_reason(text) if reason else change_from_text(text))


async def has_open_tasks(message: Message, actor: Actor, storage: Storage) -> dict[str, Any] | bool:
    """Filter: plain text from a member who has open tasks (citizens and others pass on)."""
    if actor.membership is None:
        return False
    async with storage.read() as session:
        member = await session.get(Member, actor.membership.id)
        tasks = await service.open_tasks_of(session, member) if member else []
    return {"open_ids": [t.id for t in tasks]} if tasks else False


async def on_plain_text(message: Message, open_ids: list[int], **data: Any) -> None:
    desk = Desk.of(data)
    text = message.text or ""
    if len(open_ids) == 1:
        await desk.state.clear()
        await _answer(desk, message, open_ids[0], change_from_text(text))
        return
    await desk.state.set_state(Answering.choosing)
    await desk.state.set_data({"text": text})
    async with desk.storage.read() as session:
        tasks = await service.open_tasks_of(session, await desk.me(session))
    await desk.sender.send(message.chat.id, render.pick_task(tasks, desk.rules.zone))


async def on_pick(query: CallbackQuery, callback_data: PickPress, **data: Any) -> None:
    desk = Desk.of(data)
    choosing = await desk.state.get_state() == Answering.choosing.state
    text = (await desk.state.get_data()).get("text") if choosing else None
    if not isinstance(text, str) or query.message is None:
        expired = _("Tin nhắn này đã hết hiệu lực. Hãy gửi lại, hoặc trả lời thẳng vào thẻ việc.")
        await _toast(query, expired, alert=True)
        return
    change = change_from_text(text)
    task = await desk.change_status(callback_data.task_id, change)
    if isinstance(task, Refused):
        await _toast(query, render.refusal_text(task.reason), alert=True)
        return
    await desk.state.clear()
    await _toast(query, "")
    await desk.sender.edit(query.message.chat.id, query.message.message_id,
                           Reply(render.status_receipt(task, change.kind)))


async def _answer(desk: Desk, message: Message, task_id: int, change: StatusChange) -> None:
    task = await desk.change_status(task_id, change)
    text = render.refusal_text(task.reason) if isinstance(task, Refused) else render.status_receipt(task, change.kind)
    await desk.sender.send(message.chat.id, Reply(text), reply_to_message_id=message.message_id)


# ------------------------------------------------------------------ leader and deputies managing


async def on_manage(query: CallbackQuery, callback_data: ManagePress, **data: Any) -> None:
    desk = Desk.of(data)
    op, task_id, arg = callback_data.op, callback_data.task_id, callback_data.arg
    if op in (b.REASSIGN_MENU, b.DEADLINE_MENU, b.CANCEL_ASK):
        await _manage_question(desk, query, op, task_id)
        return
    outcome = await _manage(desk, op, task_id, arg)
    if isinstance(outcome, Refused):
        await _toast(query, render.refusal_text(outcome.reason), alert=True)
        return
    if op in (b.DEADLINE_QUICK, b.DEADLINE_CANDIDATE):
        await desk.state.clear()
    done = _managed(op, outcome, desk.rules)
    await _toast(query, done)
    await _after_press(desk, query, outcome, done)


async def _manage(desk: Desk, op: str, task_id: int, arg: int) -> Task | Refused:
    now, zone = desk.clock.now(), desk.rules.zone
    at: datetime | None = None
    if op == b.DEADLINE_QUICK:
        at = None if arg == b.NO_DEADLINE else quick_deadline(arg, now, zone)
        if at is None and arg != b.NO_DEADLINE:
            return Refused(Refusal.PAST_DEADLINE)
    elif op == b.DEADLINE_CANDIDATE:
        at = await _candidate(desk.state, task_id, arg)
        if at is None:
            return Refused(Refusal.PAST_DEADLINE)
    async with desk.storage.transaction() as session:
        common = {"session": session, "task_id": task_id, "by": await desk.me(session), "rules": desk.rules, "now": now}
        if op == b.REASSIGN_TO:
            return await service.reassign(member_id=arg, **common)
        if op in (b.DEADLINE_QUICK, b.DEADLINE_CANDIDATE):
            return await service.change_deadline(deadline_at=at, **common)
        if op == b.PRIORITY:
            return await service.change_priority(priority=Priority.URGENT if arg else Priority.NORMAL, **common)
        if op == b.CANCEL_YES:
            return await service.cancel_task(**common)
        if op == b.REOPEN:
            return await service.reopen_task(**common)
    return Refused(Refusal.NOT_FOUND)


async def _after_press(desk: Desk, query: CallbackQuery, task: Task, done: str) -> None:
    """Bring the pressed message up to date: a one-off question becomes its answer, a task view is
    shown again as it is now. (Cards and the summary are kept current by the service.)"""
    if query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    async with desk.storage.read() as session:
        ref = await notify.sent_ref(session, chat_id, message_id)
        if ref == notify.ask_ref(task.id):
            reply = Reply(done)
        elif ref == notify.view_ref(task.id):
            reply = await _detail(desk, session, task.id, await desk.me(session))
        else:
            return
    await desk.sender.edit(chat_id, message_id, reply)


def _managed(op: str, task: Task, rules: TaskRules) -> str:
    """What the leader is told after a change."""
    if op == b.REASSIGN_TO:
        name = task.lead.member.full_name if task.lead else ""
        return _("Đã giao lại việc #{id} cho {name}.").format(id=task.id, name=name)
    if op in (b.DEADLINE_QUICK, b.DEADLINE_CANDIDATE):
        deadline = render.deadline_text(task.deadline_at, rules.zone)
        return _("Đã đổi hạn việc #{id}: {deadline}.").format(id=task.id, deadline=deadline)
    if op == b.PRIORITY:
        priority = render.priority_text(task.priority)
        return _("Đã đổi mức độ việc #{id}: {priority}.").format(id=task.id, priority=priority)
    if op == b.CANCEL_YES:
        return _("Đã huỷ việc #{id}.").format(id=task.id)
    return _("Đã mở lại việc #{id}.").format(id=task.id)


async def _manage_question(desk: Desk, query: CallbackQuery, op: str, task_id: int) -> None:
    """Reassign to whom? Cancel? New deadline? — asked in a message of its own."""
    async with desk.storage.read() as session:
        me = await desk.me(session)
        task = await service.managed_task(session, task_id, me)
        if isinstance(task, Refused) or not task.is_open:
            reason = task.reason if isinstance(task, Refused) else Refusal.CLOSED
            await _toast(query, render.refusal_text(reason), alert=True)
            return
        if op == b.REASSIGN_MENU:
            reply = render.reassign_menu(task, await views.filter_members(session, me.team_id))
        elif op == b.CANCEL_ASK:
            reply = render.cancel_question(task)
        else:
            await desk.state.set_state(Answering.new_deadline)
            await desk.state.set_data({"task_id": task.id})
            reply = _deadline_question(desk, task.id, None, None, [],
                                       lead=_("Hạn mới cho việc {task}?").format(task=render.task_label(task)))
    await _toast(query, "")
    if query.message is not None:
        await desk.sender.send(query.message.chat.id, reply, ref=notify.ask_ref(task_id), team_id=desk.actor.team_id)


def _deadline_question(desk: Desk, task_id: int, typed: str | None, problem: str | None, candidates: list[str],
                       lead: str = "") -> Reply:
    return guided.deadline(typed, problem, candidates, desk.clock.now(), desk.rules.zone,
                           quick=lambda i: b.manage(b.DEADLINE_QUICK, task_id, i),
                           candidate=lambda i: b.manage(b.DEADLINE_CANDIDATE, task_id, i), extra=[], lead=lead)


async def _candidate(state: FSMContext, task_id: int, index: int) -> datetime | None:
    """One of the instants an ambiguous new deadline could mean, as offered with buttons."""
    stored = await state.get_data()
    candidates = stored.get("candidates", []) if stored.get("task_id") == task_id else []
    return datetime.fromisoformat(candidates[index]) if 0 <= index < len(candidates) else None


async def on_new_deadline(message: Message, **data: Any) -> None:
    """A leader typed a task's new deadline after "Đổi hạn"."""
    desk = Desk.of(data)
    task_id = (await desk.state.get_data()).get("task_id")
    if not isinstance(task_id, int):
        await desk.state.clear()
        return
    text = (message.text or "").strip()
    reading = parse_deadline(text, desk.clock.now(), desk.rules.zone)
    if not isinstance(reading, Deadline):
        candidates = [c.isoformat() for c in reading.candidates]
        await desk.state.update_data(candidates=candidates)
        await desk.sender.send(message.chat.id, _deadline_question(desk, task_id, text, reading.kind, candidates),
                               ref=notify.ask_ref(task_id), team_id=desk.actor.team_id)
        return
    outcome = await _manage_deadline(desk, task_id, reading.at)
    await desk.state.clear()
    reply = render.refusal_text(outcome.reason) if isinstance(outcome, Refused) else \
        _managed(b.DEADLINE_QUICK, outcome, desk.rules)
    await desk.sender.send(message.chat.id, Reply(reply))


async def _manage_deadline(desk: Desk, task_id: int, at: datetime) -> Task | Refused:
    async with desk.storage.transaction() as session:
        return await service.change_deadline(session, task_id=task_id, by=await desk.me(session), deadline_at=at,
                                             rules=desk.rules, now=desk.clock.now())


# ------------------------------------------------------------------ the router


def router() -> Router:
    router = Router(name="tasks")
    not_command = F.text & ~F.text.startswith("/")
    private = F.chat.type == "private"
    manage = {"action": Action.MANAGE_TASK}
    update = {"action": Action.UPDATE_OWN_TASK}
    assign_ = {"action": Action.ASSIGN_TASK}

    router.message.register(assign, command(ASSIGN), flags={"action": ASSIGN.action})
    router.message.register(tasks_command, command(TASKS), flags={"action": TASKS.action})

    router.callback_query.register(on_status, StatusPress.filter(), flags=update)
    router.callback_query.register(on_view, ViewPress.filter(), flags={"action": Action.VIEW_OWN_TASKS})
    router.callback_query.register(on_manage, ManagePress.filter(), flags=manage)
    router.callback_query.register(on_pick, PickPress.filter(), flags=update)
    router.callback_query.register(on_guide, GuidePress.filter(), flags=assign_)
    router.callback_query.register(on_list, ListPress.filter(), flags={"action": Action.VIEW_TEAM_TASKS})

    # Text: only what the bot is waiting for, replies to task messages, or a member with open tasks.
    router.message.register(on_draft_text, StateFilter(Assigning.drafting), not_command, flags=assign_)
    router.message.register(on_new_deadline, StateFilter(Answering.new_deadline), not_command, flags=manage)
    router.message.register(on_reply, private, not_command, replied_task, flags=update)
    router.message.register(on_reason, StateFilter(Answering.reason), private, not_command, flags=update)
    router.message.register(on_plain_text, StateFilter(None, Answering.choosing), private, not_command,
                            has_open_tasks, flags=update)
    return router
