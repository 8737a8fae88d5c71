"""The conversation of submitting a report, as replies to what a person typed or pressed.

Each function runs inside the caller's transaction, changes the draft or the
submission, and returns what to show (a new message, an edit of the pressed
message, a toast). Nothing here knows Telegram.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.i18n import gettext as _
from bot.reports import render
from bot.reports.models import ReportDraft
from bot.reports.notify import tell
from bot.reports.service import (
    Owed, Refusal, Submitted, answer, ask_again, asked_field, choose, continue_in_form, discard, owed_by, owed_one,
    get_period, period_status, read_one_message, split_assignments, start_form, submit,
)
from bot.roster.models import Member
from bot.ui import Message


@dataclass
class Reply:
    message: Message | None = None  # sent as a new message
    edit: Message | None = None  # replaces the message whose button was pressed
    toast: str | None = None  # the answer to a button press
    alert: bool = False


def _next_step(owed: Owed, draft: ReportDraft, zone: ZoneInfo, problem: str | None = None) -> Message:
    field = asked_field(draft, owed.fields)
    if field is None:
        return render.summary(owed, draft, zone)
    return render.question(owed, field, problem)


async def show_owed(session: AsyncSession, member: Member, now: datetime, zone: ZoneInfo) -> Message:
    """`/baocao`: the form itself when exactly one report is waiting, else the list."""
    owed = await owed_by(session, member, now)
    waiting = [item for item in owed if item.submission is None]
    if len(owed) == 1 and len(waiting) == 1:
        draft = await start_form(session, waiting[0], now)
        return _next_step(waiting[0], draft, zone)
    return render.owed_list(owed, now, zone)


async def open_form(session: AsyncSession, member: Member, period_id: int, now: datetime, zone: ZoneInfo) -> Reply:
    owed = await owed_one(session, member, period_id)
    if owed is None:
        return Reply(toast=_("Bạn không cần nộp báo cáo này."), alert=True)
    if owed.submission is not None and not owed.correctable(now):
        return Reply(toast=_("Báo cáo này đã nộp và đã quá hạn sửa."), alert=True)
    draft = await start_form(session, owed, now)
    return Reply(message=_next_step(owed, draft, zone), toast="")


async def typed(session: AsyncSession, member: Member, draft: ReportDraft, text: str, now: datetime,
                zone: ZoneInfo) -> Message | None:
    """A typed answer to the field being asked; the same question again, with the reason, when it cannot be used."""
    owed = await owed_one(session, member, draft.period_id)
    if owed is None or owed.draft is None:
        return None
    problem = answer(owed.draft, owed.fields, text, now)
    reason = render.problem_text(problem, text) if problem else None
    return _next_step(owed, owed.draft, zone, reason)


async def press(session: AsyncSession, member: Member, op: str, period_id: int, a: int, b: int, now: datetime,
                zone: ZoneInfo) -> Reply:
    """A button of the form: pick, skip, edit, field, back, send, cancel."""
    if op == "start":
        return await open_form(session, member, period_id, now, zone)
    owed = await owed_one(session, member, period_id)
    if owed is None:
        return Reply(toast=_("Bạn không cần nộp báo cáo này."), alert=True)
    draft = owed.draft
    if draft is None:
        return Reply(toast=_("Biểu mẫu này đã xong hoặc đã hủy. Gõ /baocao để mở lại."), alert=True)
    fields = owed.fields
    if op in ("pick", "skip"):
        field = fields[a] if 0 <= a < len(fields) else None
        choice = None
        if op == "pick" and field is not None:
            choice = field.choices[b].code if 0 <= b < len(field.choices) else "?"
        if field is None or not choose(draft, fields, field.code, choice, now):
            return Reply(toast=_("Câu hỏi này đã qua. Hãy trả lời câu hỏi mới nhất."), alert=True)
        return Reply(message=_next_step(owed, draft, zone), toast="")
    if op == "edit":
        return Reply(edit=render.edit_menu(owed), toast="")
    if op == "field":
        if not (0 <= a < len(fields)) or not ask_again(draft, fields, fields[a].code, now):
            return Reply(toast=_("Mục này không có trong báo cáo."), alert=True)
        return Reply(message=_next_step(owed, draft, zone), toast="")
    if op == "back":
        draft.asking, draft.back_to_summary, draft.updated_at = None, False, now
        return Reply(edit=render.summary(owed, draft, zone), toast="")
    if op == "cancel":
        await discard(session, draft)
        return Reply(edit=Message(_("Đã hủy bản nháp. Gõ /baocao khi bạn muốn nộp.")), toast="")
    if op == "send":
        return await _send(session, member, owed, draft.values, now, zone)
    return Reply(toast=_("Nút này không còn hiệu lực."), alert=True)


async def _send(session: AsyncSession, member: Member, owed: Owed, values: dict, now: datetime,
                zone: ZoneInfo) -> Reply:
    outcome = await submit(session, owed, values, now=now, actor=member.telegram_id)
    if outcome == Refusal.INCOMPLETE:
        return Reply(toast=_("Còn thiếu mục bắt buộc."), alert=True)
    if outcome == Refusal.CLOSED:
        return Reply(toast=_("Đã quá hạn nên không sửa được báo cáo đã nộp nữa. Vui lòng liên hệ Tổ trưởng."),
                     alert=True)
    assert isinstance(outcome, Submitted)
    return Reply(edit=render.submitted(owed, outcome, zone), toast=_("Đã gửi."))


async def one_message(session: AsyncSession, member: Member, text: str, now: datetime, zone: ZoneInfo) -> Message:
    """`/baocao qr_diem=120 qr_luot=4500`: all valid and complete is sent at once; nothing changes on an error."""
    owed = await owed_by(session, member, now)
    reading = read_one_message(owed, text, now)
    if reading.owed is None:
        if not owed:
            return Message(_("Bạn không có báo cáo nào cần nộp lúc này. 👍"))
        return render.one_message_problems([], reading.unknown, owed[0])
    if reading.problems or reading.unknown:
        typed_values = dict(split_assignments(text))
        problems = [(field, problem, typed_values.get(field.code, "")) for field, problem in reading.problems]
        return render.one_message_problems(problems, reading.unknown, reading.owed)
    outcome = await submit(session, reading.owed, reading.values, now=now, actor=member.telegram_id)
    if outcome == Refusal.INCOMPLETE:
        draft = await continue_in_form(session, reading.owed, reading.values, now)
        note = _("Đã ghi nhận các mục bạn gửi; còn thiếu vài mục bắt buộc.")
        return _with_note(note, _next_step(reading.owed, draft, zone))
    if outcome == Refusal.CLOSED:
        return Message(_("Đã quá hạn nên không sửa được báo cáo đã nộp nữa. Vui lòng liên hệ Tổ trưởng."))
    assert isinstance(outcome, Submitted)
    return render.submitted(reading.owed, outcome, zone)


def _with_note(note: str, message: Message) -> Message:
    return Message(note + "\n\n" + message.text, message.buttons)


# ------------------------------------------------------------------ following a period


async def status(session: AsyncSession, team_id: int, period_id: int, now: datetime, zone: ZoneInfo) -> Message | None:
    period = await get_period(session, team_id, period_id)
    if period is None:
        return None
    return render.status_card(await period_status(session, period), now, zone)


async def nudge_missing(session: AsyncSession, by: Member, period_id: int, now: datetime, zone: ZoneInfo,
                        default_locale: str) -> int | None:
    """Remind everyone still missing, at most once per ten minutes each; None for another team's period."""
    period = await get_period(session, by.team_id, period_id)
    if period is None:
        return None
    bucket = int(now.timestamp() // 600)
    told = 0
    for member in (await period_status(session, period)).missing:
        told += await tell(session, member, lambda: render.nudge(period, by, zone), now=now,
                           default_locale=default_locale, ref=f"report:{period.id}",
                           dedupe_key=f"report:{period.id}:nudge:{member.id}:{bucket}")
    record(session, at=now, action="report.nudge", subject=f"report_period:{period.id}", actor=by.telegram_id,
           team_id=by.team_id, after={"told": told})
    return told
