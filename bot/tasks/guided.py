"""The questions of the guided /giao flow, and the deadline question shared with "Đổi hạn".

Each function renders one step of a Draft for the leader in the current
locale; the buttons carry ids only (members, areas, choice indexes).
"""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import format_moment
from bot.i18n import gettext as _
from bot.roster.lookup import Directory, Unknown
from bot.roster.models import Member
from bot.tasks import buttons as b
from bot.tasks.draft import QUICK_DEADLINES, Draft, Step, quick_deadline
from bot.tasks.models import Priority
from bot.tasks.render import deadline_text, priority_text, short_moment
from bot.ui import Button, Message, esc, rows

def _abort() -> Button:
    return Button("✖ " + _("Huỷ"), data=b.guide(b.G_ABORT))


def question(draft: Draft, directory: Directory, now: datetime, zone: ZoneInfo) -> Message:
    """The message asking for the draft's next missing piece (or the confirmation)."""
    step = draft.next_step()
    if step == Step.WHO:
        return who(draft, directory)
    if step == Step.NAME:
        return name(draft, directory)
    if step == Step.WHAT:
        return what(draft, directory)
    if step == Step.DEADLINE:
        return deadline(draft.deadline_text, draft.deadline_problem, draft.candidates, now, zone,
                        quick=lambda i: b.guide(b.G_DEADLINE, i), candidate=lambda i: b.guide(b.G_CANDIDATE, i),
                        extra=[_abort()], lead=recipients_line(draft, directory))
    if step == Step.PRIORITY:
        return priority(draft, directory, zone)
    return confirm(draft, directory, zone)


def recipients_line(draft: Draft, directory: Directory) -> str:
    by_id = {m.id: m for m in directory.members}
    if draft.area_code:
        area = next((a for a in directory.areas if a.code == draft.area_code), None)
        label = f"#{draft.area_code}" + (f" — {area.name}" if area else "")
        return _("Giao cho: lĩnh vực {area} (người ít việc nhất)").format(area=esc(label))
    names = [by_id[i].full_name for i in draft.member_ids if i in by_id]
    return _("Giao cho: {people}").format(people=esc(", ".join(names)) if names else "…")


def who(draft: Draft, directory: Directory) -> Message:
    chosen = draft.member_ids
    people = [
        Button(("✅ " if m.id in chosen else "") + m.full_name, data=b.guide(b.G_MEMBER, m.id))
        for m in directory.members
    ]
    areas = [Button(f"#{a.code}", data=b.guide(b.G_AREA, a.id)) for a in directory.areas]
    text = "<b>" + _("Giao việc — bước 1: giao cho ai?") + "</b>\n" + _(
        "Chọn một hoặc nhiều người (người chọn đầu tiên là người chính), hoặc một lĩnh vực để giao cho người "
        "ít việc nhất. Bạn cũng có thể gõ tên, ví dụ: «hung, lan» hoặc «#antoan»."
    )
    if chosen:
        text += "\n\n" + recipients_line(draft, directory)
    next_row = [Button(_("Tiếp tục") + " ›", data=b.guide(b.G_NEXT))] if chosen else []
    return Message(text, rows(*[people[i:i + 2] for i in range(0, len(people), 2)],
                              *[areas[i:i + 4] for i in range(0, len(areas), 4)],
                              next_row + [_abort()]))


def name(draft: Draft, directory: Directory) -> Message:
    slot = draft.pending_name() or {}
    by_id = {m.id: m for m in directory.members}
    candidates = [by_id[i] for i in slot.get("candidates", []) if i in by_id]
    text = _("«{typed}» trùng tên với nhiều người. Bạn muốn giao cho ai?").format(typed=esc(slot.get("typed", "")))
    choices = [[Button(_person_label(m), data=b.guide(b.G_NAME, m.id))] for m in candidates]
    return Message(text, rows(*choices, [_abort()]))


def _person_label(member: Member) -> str:
    extra = [part for part in (member.title, member.unit.name if member.unit else None) if part]
    return member.full_name + (f" · {extra[-1]}" if extra else "")


def what(draft: Draft, directory: Directory) -> Message:
    text = recipients_line(draft, directory) + "\n\n<b>" + _("Nội dung công việc là gì?") + "</b>\n" + _(
        "Gõ nội dung; có thể kèm thời hạn, ví dụ: «Vá lỗ hổng máy chủ hạn 17h thứ 6»."
    )
    return Message(text, rows([_abort()]))


def deadline(
    typed: str | None, problem: str | None, candidates: list[str], now: datetime, zone: ZoneInfo, *,
    quick: Callable[[int], str], candidate: Callable[[int], str], extra: list[Button], lead: str = "",
) -> Message:
    """Ask for a deadline: quick choices, candidates of an ambiguous one, or type it."""
    lines = [lead] if lead else []
    instants = [datetime.fromisoformat(c) for c in candidates]
    if problem == "past":
        when = ", ".join(format_moment(at, zone) for at in instants)
        lines.append(_("Thời hạn «{typed}» đã qua ({when}). Hãy chọn hoặc gõ một thời hạn khác.").format(
            typed=esc(typed or ""), when=when))
    elif problem == "ambiguous":
        lines.append(_("«{typed}» có thể hiểu theo nhiều cách. Bạn muốn hạn lúc nào?").format(typed=esc(typed or "")))
    elif problem == "unparseable":
        lines.append(_("Tôi chưa hiểu thời hạn «{typed}». Hãy gõ lại, ví dụ: «17h thứ 6», «sáng mai», «30/11», "
                       "«trong 2 giờ» — hoặc chọn:").format(typed=esc(typed or "")))
    else:
        lines.append("<b>" + _("Thời hạn?") + "</b> " + _("Chọn, hoặc gõ thời hạn (ví dụ: «17h thứ 6», «30/11»)."))
    buttons: list[list[Button]] = []
    if problem == "ambiguous":
        buttons += [[Button(format_moment(at, zone), data=candidate(i))] for i, at in enumerate(instants) if at > now]
    offered = [
        Button(f"{_(label)} · {short_moment(at, zone)}", data=quick(i))
        for i, (_text, label) in enumerate(QUICK_DEADLINES)
        if (at := quick_deadline(i, now, zone)) is not None
    ]
    buttons += [offered[i:i + 2] for i in range(0, len(offered), 2)]
    buttons.append([Button(_("Không có hạn"), data=quick(b.NO_DEADLINE)), *extra])
    return Message("\n".join(lines), rows(*buttons))


def priority(draft: Draft, directory: Directory, zone: ZoneInfo) -> Message:
    text = "\n".join([
        recipients_line(draft, directory),
        _("Nội dung: {title}").format(title=esc(draft.title or "")),
        _("Hạn: {deadline}").format(deadline=deadline_text(draft.deadline_at, zone)),
        "",
        "<b>" + _("Mức độ ưu tiên?") + "</b> " + _("Việc khẩn được nhắc cả trong giờ nghỉ."),
    ])
    return Message(text, rows([Button(priority_text(Priority.NORMAL), data=b.guide(b.G_PRIORITY, 0)),
                               Button(priority_text(Priority.URGENT), data=b.guide(b.G_PRIORITY, 1))],
                              [_abort()]))


def confirm(draft: Draft, directory: Directory, zone: ZoneInfo) -> Message:
    text = "\n".join([
        "<b>" + _("Kiểm tra lại trước khi giao:") + "</b>",
        recipients_line(draft, directory),
        _("Nội dung: {title}").format(title=esc(draft.title or "")),
        _("Hạn: {deadline}").format(deadline=deadline_text(draft.deadline_at, zone)),
        _("Mức độ: {priority}").format(priority=priority_text(Priority(draft.priority or Priority.NORMAL))),
    ])
    return Message(text, rows([Button("✅ " + _("Giao việc"), data=b.guide(b.G_CONFIRM)), _abort()]))


def unknown_names(unknown: list[Unknown]) -> Message:
    lines = [_("Không tìm thấy trong danh sách tổ: {names}.").format(
        names=", ".join(f"«{esc(u.typed)}»" for u in unknown))]
    for entry in unknown:
        if entry.suggestions:
            lines.append(_("Có phải bạn muốn nói: {names}?").format(
                names=", ".join(esc(m.full_name) for m in entry.suggestions)))
    lines.append(_("Gõ tên, tên gọi, @username hoặc #lĩnh_vực; nhiều người cách nhau bằng dấu phẩy. "
                   "Ví dụ: /giao hung, lan Kiểm tra máy chủ hạn 17h thứ 6"))
    return Message("\n".join(lines))


def mixed_recipients() -> Message:
    return Message(_("Một việc giao cho người cụ thể hoặc cho một lĩnh vực, không dùng cả hai. "
                     "Ví dụ: /giao hung, lan … hoặc /giao #antoan …"))


def expired() -> str:
    return _("Phiên giao việc đã kết thúc. Gõ /giao để bắt đầu lại.")


def aborted() -> Message:
    return Message(_("Đã huỷ, chưa giao việc nào."))
