"""What people read about tasks: the member's card, the leader's summary, lists, history.

Every function renders in the current locale (the caller wraps it in
use_locale for the reader) and shows instants in the team's zone. User data
(titles, names, the member's words) is escaped here.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import N_, current_locale, format_moment
from bot.i18n import gettext as _
from bot.i18n import ngettext
from bot.roster.models import Member
from bot.tasks import buttons as b
from bot.tasks.outcomes import Refusal
from bot.tasks.models import STATUS_ORDER, Priority, Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind
from bot.ui import Button, Message, esc, rows

TITLE_IN_LIST = 60
HISTORY_SHOWN = 30

STATUS_LABELS = {
    TaskStatus.NEW: N_("Chờ xác nhận"),
    TaskStatus.ACKNOWLEDGED: N_("Đã nhận"),
    TaskStatus.IN_PROGRESS: N_("Đang làm"),
    TaskStatus.BLOCKED: N_("Gặp khó khăn"),
    TaskStatus.DONE: N_("Hoàn thành"),
    TaskStatus.CANCELLED: N_("Đã huỷ"),
}
STATUS_ICONS = {
    TaskStatus.NEW: "🕓",
    TaskStatus.ACKNOWLEDGED: "👌",
    TaskStatus.IN_PROGRESS: "⏳",
    TaskStatus.BLOCKED: "⚠️",
    TaskStatus.DONE: "✅",
    TaskStatus.CANCELLED: "✖️",
}
PRIORITY_LABELS = {Priority.NORMAL: N_("Thường"), Priority.URGENT: N_("Khẩn")}
REFUSALS = {
    Refusal.NOT_FOUND: N_("Không tìm thấy việc này trong tổ của bạn."),
    Refusal.NOT_YOURS: N_("Việc này không giao cho bạn, nên bạn không cập nhật được."),
    Refusal.NOT_ALLOWED: N_("Chỉ Tổ trưởng và Tổ phó được làm việc này."),
    Refusal.CLOSED: N_("Việc này đã kết thúc (hoàn thành hoặc đã huỷ). Tổ trưởng có thể mở lại nếu cần."),
    Refusal.OPEN: N_("Việc này vẫn đang mở."),
    Refusal.NO_TITLE: N_("Việc cần có nội dung."),
    Refusal.TITLE_TOO_LONG: N_("Nội dung việc quá dài (tối đa 1000 ký tự). Hãy viết gọn lại."),
    Refusal.NO_RECIPIENT: N_("Việc cần có người nhận."),
    Refusal.NOT_ASSIGNABLE: N_("Người được chọn không còn trong tổ hoặc không nhận việc được."),
    Refusal.NOBODY_IN_AREA: N_("Lĩnh vực này chưa có thành viên nào đang hoạt động và đã liên kết Telegram."),
    Refusal.PAST_DEADLINE: N_("Thời hạn này đã qua. Hãy chọn một thời hạn khác."),
    Refusal.UNCHANGED: N_("Không có gì thay đổi."),
}


# ------------------------------------------------------------------ pieces


def refusal_text(reason: Refusal) -> str:
    return _(REFUSALS[reason])


def status_text(task: Task) -> str:
    label = f"{STATUS_ICONS[task.status]} {_(STATUS_LABELS[task.status])}"
    if task.percent is not None and task.status in (TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED):
        label += f" · {task.percent}%"
    return label


def priority_text(priority: Priority) -> str:
    label = _(PRIORITY_LABELS[priority])
    return f"🔴 {label}" if priority == Priority.URGENT else label


def deadline_text(deadline_at: datetime | None, zone: ZoneInfo) -> str:
    return format_moment(deadline_at, zone) if deadline_at else _("không có hạn")


def short_moment(moment: datetime, zone: ZoneInfo) -> str:
    """"17:00 27/11", for lists and history lines."""
    return format_datetime(moment, "HH:mm dd/MM", tzinfo=zone, locale=current_locale())


def format_span(span: timedelta) -> str:
    """"2 giờ 30 phút", "1 ngày 3 giờ": at most two units, rounded down to the minute (at least 1 phút).

    The words are our catalog's, not CLDR's: Babel 2.19 changed Vietnamese hours from "giờ" to
    "tiếng", and a reminder's wording must not change with a library upgrade."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    shown = [
        words.format(amount=amount)
        for amount, words in (
            (days, ngettext("{amount} ngày", "{amount} ngày", days)),
            (hours, ngettext("{amount} giờ", "{amount} giờ", hours)),
            (minutes, ngettext("{amount} phút", "{amount} phút", minutes)),
        )
        if amount
    ][:2]
    return " ".join(shown) if shown else ngettext("{amount} phút", "{amount} phút", 1).format(amount=1)


def title_line(task: Task, limit: int | None = None) -> str:
    title = task.title if limit is None or len(task.title) <= limit else task.title[: limit - 1] + "…"
    return esc(title)


def task_label(task: Task) -> str:
    """"#12 «Vá lỗ hổng máy chủ»" inside a sentence."""
    return _("#{id} «{title}»").format(id=task.id, title=title_line(task, TITLE_IN_LIST))


def people_text(task: Task, *, with_ack: bool = False) -> str:
    current = task.current
    if not current:
        return _("chưa có ai")
    parts = []
    for assignee in current:
        part = esc(assignee.member.full_name)
        if len(current) > 1:
            part += " " + (_("(chính)") if assignee.lead else _("(phối hợp)"))
        if with_ack and assignee.member.telegram_id is None:
            part += " — " + _("chưa liên kết Telegram, không nhận được tin")
        elif with_ack:
            part += " — " + (_("đã nhận") if assignee.acknowledged_at else _("chưa nhận"))
        parts.append(part)
    return ", ".join(parts)


def _header(task: Task, icon: str) -> str:
    head = f"{icon} <b>" + _("Việc #{id}").format(id=task.id) + "</b>"
    if task.priority == Priority.URGENT:
        head += " · " + priority_text(task.priority)
    return head + f"\n<b>{title_line(task)}</b>"


def _body(task: Task, zone: ZoneInfo, *, with_ack: bool) -> list[str]:
    lines = [_("Hạn: {deadline}").format(deadline=deadline_text(task.deadline_at, zone))]
    if task.created_by is not None:
        lines.append(_("Người giao: {name}").format(name=esc(task.created_by.full_name)))
    lines.append(_("Thực hiện: {people}").format(people=people_text(task, with_ack=with_ack)))
    if task.area is not None:
        lines.append(_("Lĩnh vực: #{code} — {name}").format(code=esc(task.area.code), name=esc(task.area.name)))
    lines.append(_("Trạng thái: {status}").format(status=status_text(task)))
    return lines


# ------------------------------------------------------------ the member's card


def card(task: Task, assignee: TaskAssignee, zone: ZoneInfo) -> Message:
    """The card in a member's private chat, with their status buttons while it is theirs and open."""
    lines = [_header(task, "📋"), *_body(task, zone, with_ack=False)]
    if not assignee.active:
        lines.append(_("<i>Việc này không còn giao cho bạn.</i>"))
        return Message("\n".join(lines))
    if not task.is_open:
        return Message("\n".join(lines))
    lines.append(_("<i>Trả lời tin nhắn này để báo tiến độ, ví dụ: «xong», «được 50%», «vướng …».</i>"))
    return Message("\n".join(lines), status_buttons(task, assignee))


def status_buttons(task: Task, assignee: TaskAssignee) -> tuple[tuple[Button, ...], ...]:
    first = [Button(_("Đã nhận"), data=b.status(task.id, b.ACK))] if assignee.acknowledged_at is None else []
    return rows(
        first + [Button(_("Đang làm"), data=b.status(task.id, b.WORK))],
        [Button(_("Gặp khó khăn"), data=b.status(task.id, b.BLOCK)),
         Button(_("Hoàn thành"), data=b.status(task.id, b.DONE))],
    )


# ------------------------------------------------------------ the leader's summary


def summary(task: Task, zone: ZoneInfo, *, last: TaskUpdate | None = None,
            alternatives: Sequence[Member] = ()) -> Message:
    """What the assigner sees after /giao, kept current in place."""
    lines = [_header(task, "📌"), *_body(task, zone, with_ack=True)]
    if task.source == "area" and task.area is not None:
        lines.append(_("<i>Giao theo lĩnh vực: người có ít việc đang mở nhất.</i>"))
    if last is not None and last.kind not in (UpdateKind.CREATED,):
        # Without its time: the message's own "edited" mark says when; /viec <id> has the times.
        lines.append(_("Cập nhật gần nhất: {line}").format(line=update_line(last, zone)))
    one_tap = [Button("↪ " + m.full_name, data=b.manage(b.REASSIGN_TO, task.id, m.id)) for m in alternatives]
    return Message("\n".join(lines), rows(*[one_tap[i:i + 2] for i in range(0, len(one_tap), 2)],
                                          *manage_buttons(task)))


def manage_buttons(task: Task) -> list[list[Button]]:
    if not task.is_open:
        return [[Button(_("Mở lại"), data=b.manage(b.REOPEN, task.id))]]
    other = Priority.NORMAL if task.priority == Priority.URGENT else Priority.URGENT
    priority_label = _("Đặt: Thường") if other == Priority.NORMAL else _("Đặt: Khẩn")
    return [
        [Button(_("Giao lại"), data=b.manage(b.REASSIGN_MENU, task.id)),
         Button(_("Đổi hạn"), data=b.manage(b.DEADLINE_MENU, task.id))],
        [Button(priority_label, data=b.manage(b.PRIORITY, task.id, int(other == Priority.URGENT))),
         Button(_("Huỷ việc"), data=b.manage(b.CANCEL_ASK, task.id))],
    ]


def created_note(task: Task) -> str:
    return _("Đã giao việc #{id}.").format(id=task.id)


def group_announcement(task: Task, zone: ZoneInfo) -> Message:
    text = _("📌 Việc mới #{id}: <b>{title}</b>\n{people} · hạn {deadline}").format(
        id=task.id, title=title_line(task), people=people_text(task), deadline=deadline_text(task.deadline_at, zone)
    )
    if task.priority == Priority.URGENT:
        text += " · " + priority_text(task.priority)
    return Message(text)


# ------------------------------------------------------------ one task with its history


def detail(task: Task, updates: Sequence[TaskUpdate], zone: ZoneInfo, *,
           can_manage: bool, assignee: TaskAssignee | None) -> Message:
    lines = [_header(task, "📋"), *_body(task, zone, with_ack=True), "", "<b>" + _("Lịch sử:") + "</b>"]
    shown = list(updates)[-HISTORY_SHOWN:]
    if len(updates) > len(shown):
        lines.append(_("… {count} mục cũ hơn không hiển thị").format(count=len(updates) - len(shown)))
    lines += [history_line(update, zone) for update in shown]
    buttons: list[list[Button]] = []
    if assignee is not None and assignee.active and task.is_open:
        buttons += [list(row) for row in status_buttons(task, assignee)]
    if can_manage:
        buttons += manage_buttons(task)
    return Message("\n".join(lines), rows(*buttons))


def history_line(update: TaskUpdate, zone: ZoneInfo) -> str:
    """"09:05 25/11 · Bùi Anh Tuấn: đang làm 50% «được 50%»"."""
    return f"{short_moment(update.at, zone)} · {update_line(update, zone)}"


def update_line(update: TaskUpdate, zone: ZoneInfo) -> str:
    author = esc(update.author.full_name) if update.author else "dieuphoi"  # the bot itself
    return f"{author}: {_what(update, zone)}"


def _what(update: TaskUpdate, zone: ZoneInfo) -> str:
    data = update.data or {}
    words = f" «{esc(update.text)}»" if update.text else ""
    kind = update.kind
    if kind == UpdateKind.CREATED:
        return _("giao việc cho {people}").format(people=esc(", ".join(data.get("to", []))))
    if kind == UpdateKind.ACKNOWLEDGED:
        return _("đã nhận việc")
    if kind == UpdateKind.PROGRESS:
        percent = f" {update.percent}%" if update.percent is not None else ""
        return _("đang làm") + percent + words
    if kind == UpdateKind.BLOCKED:
        return _("gặp khó khăn") + (":" + words if words else "")
    if kind == UpdateKind.DONE:
        return _("hoàn thành") + words
    if kind == UpdateKind.NOTE:
        return _("ghi chú:") + words
    if kind == UpdateKind.REASSIGNED:
        return _("giao lại cho {new} (thay {old})").format(new=esc(data.get("to", "")), old=esc(data.get("from", "")))
    if kind == UpdateKind.DEADLINE:
        return _("đổi hạn: {old} → {new}").format(old=_iso_deadline(data.get("from"), zone),
                                                  new=_iso_deadline(data.get("to"), zone))
    if kind == UpdateKind.PRIORITY:
        return _("đổi mức độ: {priority}").format(priority=priority_text(Priority(data.get("to", "normal"))))
    if kind == UpdateKind.CANCELLED:
        return _("huỷ việc")
    if kind == UpdateKind.REOPENED:
        return _("mở lại việc")
    if kind == UpdateKind.OVERDUE:
        return _("quá hạn")
    return _("quá hạn {span}: đưa vào báo cáo gửi Giám đốc").format(
        span=format_span(timedelta(seconds=data.get("late_seconds", 0))))


def _iso_deadline(value: str | None, zone: ZoneInfo) -> str:
    return deadline_text(datetime.fromisoformat(value) if value else None, zone)


# ------------------------------------------------------------ lists


def list_line(task: Task, zone: ZoneInfo, now: datetime, *, with_people: bool) -> str:
    line = f"<b>#{task.id}</b> "
    if task.priority == Priority.URGENT:
        line += "🔴 "
    line += title_line(task, TITLE_IN_LIST)
    if with_people:
        line += " — " + ", ".join(esc(a.member.full_name) for a in task.current)
    if task.deadline_at is not None:
        line += " · " + _("hạn {moment}").format(moment=short_moment(task.deadline_at, zone))
    line += " · " + status_text(task)
    if task.is_overdue(now):
        line += " · ❗" + _("quá hạn {span}").format(span=format_span(now - task.deadline_at))  # type: ignore[operator]
    return line


def _task_buttons(tasks: Sequence[Task]) -> list[list[Button]]:
    opened = [Button(f"#{task.id}", data=b.view(task.id)) for task in tasks]
    return [opened[i:i + 5] for i in range(0, len(opened), 5)]


def own_list(tasks: Sequence[Task], zone: ZoneInfo, now: datetime) -> Message:
    if not tasks:
        return Message(_("Bạn không có việc nào đang mở. 🎉"))
    head = "<b>" + _("Việc của bạn đang mở ({count}):").format(count=len(tasks)) + "</b>"
    lines = [head, *(list_line(t, zone, now, with_people=False) for t in tasks)]
    lines.append(_("<i>Bấm số việc để xem chi tiết; trả lời thẻ việc để báo tiến độ.</i>"))
    return Message("\n".join(lines), rows(*_task_buttons(tasks)))


FILTER_TITLES = {
    b.L_OPEN: N_("Việc đang mở của tổ"),
    b.L_OVERDUE: N_("Việc quá hạn"),
    b.L_STATUS: N_("Việc theo trạng thái: {name}"),
    b.L_MEMBER: N_("Việc của {name}"),
    b.L_AREA: N_("Việc lĩnh vực {name}"),
}


def team_list(tasks: Sequence[Task], *, kind: str, value: int, name: str, page: int, pages: int, total: int,
              zone: ZoneInfo, now: datetime) -> Message:
    if kind == b.L_STATUS:
        name = _(STATUS_LABELS[STATUS_ORDER[value]])
    title = _(FILTER_TITLES[kind]).format(name=esc(name))
    head = f"<b>{title}</b> · " + _("{total} việc · trang {page}/{pages}").format(
        total=total, page=page + 1, pages=max(pages, 1))
    lines = [head]
    lines += [list_line(t, zone, now, with_people=True) for t in tasks] or [_("Không có việc nào.")]
    pager = []
    if page > 0:
        pager.append(Button("‹ " + _("Trước"), data=b.listing(kind, value, page - 1)))
    if page + 1 < pages:
        pager.append(Button(_("Sau") + " ›", data=b.listing(kind, value, page + 1)))
    return Message("\n".join(lines), rows(*_task_buttons(tasks), pager, *filter_buttons()))


def filter_buttons() -> list[list[Button]]:
    return [
        [Button(_("Đang mở"), data=b.listing(b.L_OPEN)), Button(_("Quá hạn"), data=b.listing(b.L_OVERDUE)),
         Button(_("Gặp khó khăn"), data=b.listing(b.L_STATUS, STATUS_ORDER.index(TaskStatus.BLOCKED)))],
        [Button(_("Theo người"), data=b.listing(b.L_MEMBER_MENU)),
         Button(_("Theo lĩnh vực"), data=b.listing(b.L_AREA_MENU)),
         Button(_("Theo trạng thái"), data=b.listing(b.L_STATUS_MENU))],
    ]



def choose_filter(kind: str, options: Sequence[tuple[int, str]]) -> Message:
    """A menu of members, areas or statuses to filter the team view by."""
    prompts = {b.L_MEMBER: _("Xem việc của ai?"), b.L_AREA: _("Xem việc lĩnh vực nào?"),
               b.L_STATUS: _("Xem việc ở trạng thái nào?")}
    choices = [Button(label[:60], data=b.listing(kind, value)) for value, label in options]
    return Message(prompts[kind], rows(*[choices[i:i + 2] for i in range(0, len(choices), 2)],
                                       [Button("‹ " + _("Đang mở"), data=b.listing(b.L_OPEN))]))


def status_options() -> list[tuple[int, str]]:
    return [(index, f"{STATUS_ICONS[s]} {_(STATUS_LABELS[s])}") for index, s in enumerate(STATUS_ORDER)]


def pick_task(tasks: Sequence[Task], zone: ZoneInfo) -> Message:
    """A member wrote without replying to a card and has several open tasks: which one?"""
    choices = [
        [Button(f"#{t.id} · {t.title[:40]}" + (f" · {short_moment(t.deadline_at, zone)}" if t.deadline_at else ""),
                data=b.pick(t.id))]
        for t in tasks[:10]
    ]
    return Message(_("Bạn có nhiều việc đang mở. Tin nhắn này là về việc nào?"), rows(*choices))


# ------------------------------------------------------------ replies and notices


def reassign_menu(task: Task, people: Sequence[Member]) -> Message:
    current = {a.member_id for a in task.current if a.lead}
    choices = [Button(m.full_name, data=b.manage(b.REASSIGN_TO, task.id, m.id)) for m in people if m.id not in current]
    return Message(_("Giao lại việc {task} cho ai?").format(task=task_label(task)),
                   rows(*[choices[i:i + 2] for i in range(0, len(choices), 2)]))


def cancel_question(task: Task) -> Message:
    return Message(_("Huỷ việc {task}? Người thực hiện sẽ được báo.").format(task=task_label(task)), rows(
        [Button(_("Xác nhận huỷ"), data=b.manage(b.CANCEL_YES, task.id)),
         Button(_("Không huỷ"), data=b.view(task.id))],
    ))


def status_receipt(task: Task, kind: str) -> str:
    """The short answer to a member's update (a toast or a reply)."""
    receipts = {
        "ack": _("Đã ghi nhận: bạn đã nhận việc #{id}."),
        "progress": _("Đã ghi nhận tiến độ việc #{id}: {status}."),
        "blocked": _("Đã báo Tổ trưởng: việc #{id} gặp khó khăn."),
        "done": _("Đã ghi nhận: việc #{id} hoàn thành. Cảm ơn bạn!"),
        "note": _("Đã ghi chú vào việc #{id}."),
    }
    return receipts[kind].format(id=task.id, status=status_text(task))


def ask_block_reason(task: Task) -> Message:
    return Message(_("Bạn gặp khó khăn gì với việc {task}? Hãy gõ vài dòng (hoặc trả lời tin nhắn này) "
                     "để Tổ trưởng hỗ trợ.").format(task=task_label(task)))


def blocked_alert(task: Task, member: Member, words: str | None, zone: ZoneInfo) -> Message:
    text = "⚠️ " + _("{name} gặp khó khăn với việc {task}").format(name=esc(member.full_name), task=task_label(task))
    if task.deadline_at is not None:
        text += " " + _("(hạn {deadline})").format(deadline=deadline_text(task.deadline_at, zone))
    if words:
        text += ":\n«" + esc(words) + "»"
    return Message(text, rows([Button(_("Xem việc"), data=b.view(task.id)),
                               Button(_("Giao lại"), data=b.manage(b.REASSIGN_MENU, task.id)),
                               Button(_("Đổi hạn"), data=b.manage(b.DEADLINE_MENU, task.id))]))


def done_alert(task: Task, member: Member) -> Message:
    text = "✅ " + _("{name} đã hoàn thành việc {task}.").format(name=esc(member.full_name), task=task_label(task))
    return Message(text, rows([Button(_("Xem việc"), data=b.view(task.id))]))


def reassigned_away(task: Task, new: Member) -> Message:
    return Message(_("Việc {task} đã được giao lại cho {name}. Bạn không cần làm việc này nữa.").format(
        task=task_label(task), name=esc(new.full_name)))


def deadline_changed(task: Task, zone: ZoneInfo) -> Message:
    return Message("🗓 " + _("Hạn việc {task} đã đổi thành: {deadline}.").format(
        task=task_label(task), deadline=deadline_text(task.deadline_at, zone)))


def priority_changed(task: Task) -> Message:
    return Message(_("Mức độ việc {task} đã đổi thành: {priority}.").format(
        task=task_label(task), priority=priority_text(task.priority)))


def cancelled_notice(task: Task) -> Message:
    return Message("✖️ " + _("Việc {task} đã được huỷ. Bạn không cần làm việc này nữa.").format(task=task_label(task)))


def reopened_notice(task: Task, zone: ZoneInfo) -> Message:
    return Message("🔁 " + _("Việc {task} đã được mở lại. Hạn: {deadline}.").format(
        task=task_label(task), deadline=deadline_text(task.deadline_at, zone)))


# ------------------------------------------------------------ reminders


def ack_reminder(task: Task) -> Message:
    text = "⏰ " + _("Bạn chưa xác nhận việc {task}. Bấm «Đã nhận» trên thẻ việc, hoặc trả lời tin nhắn này.").format(
        task=task_label(task))
    return Message(text, rows([Button(_("Đã nhận"), data=b.status(task.id, b.ACK))]))


def ack_overdue_alert(task: Task, member: Member, waited: timedelta) -> Message:
    return Message("⏰ " + _("{name} chưa xác nhận việc {task} sau {span}.").format(
        name=esc(member.full_name), task=task_label(task), span=format_span(waited)),
        rows([Button(_("Xem việc"), data=b.view(task.id)),
              Button(_("Giao lại"), data=b.manage(b.REASSIGN_MENU, task.id))]))


def before_deadline(task: Task, remaining: timedelta, zone: ZoneInfo) -> Message:
    return Message("⏰ " + _("Còn {span} đến hạn việc {task} (hạn {deadline}).").format(
        span=format_span(remaining), task=task_label(task), deadline=deadline_text(task.deadline_at, zone)))


def at_deadline(task: Task, zone: ZoneInfo) -> Message:
    text = "⏰ " + _("Đã đến hạn việc {task} ({deadline}). Nếu đã xong, bấm «Hoàn thành» hoặc trả lời «xong».").format(
        task=task_label(task), deadline=deadline_text(task.deadline_at, zone))
    return Message(text, rows([Button(_("Hoàn thành"), data=b.status(task.id, b.DONE))]))


def overdue_to_member(task: Task, late: timedelta) -> Message:
    return Message("❗ " + _("Việc {task} đã quá hạn {span}. Hãy cập nhật tình hình cho Tổ trưởng.").format(
        task=task_label(task), span=format_span(late)))


def overdue_to_leader(task: Task, late: timedelta) -> Message:
    return Message("❗ " + _("Việc {task} của {people} đã quá hạn {span}.").format(
        task=task_label(task), people=people_text(task), span=format_span(late)),
        rows([Button(_("Xem việc"), data=b.view(task.id)),
              Button(_("Đổi hạn"), data=b.manage(b.DEADLINE_MENU, task.id)),
              Button(_("Giao lại"), data=b.manage(b.REASSIGN_MENU, task.id))]))


def escalated_to_leader(task: Task, late: timedelta) -> Message:
    return Message("🚩 " + _("Việc {task} của {people} vẫn quá hạn sau {span}: đã đưa vào báo cáo gửi Giám đốc.").format(
        task=task_label(task), people=people_text(task), span=format_span(late)),
        rows([Button(_("Xem việc"), data=b.view(task.id))]))
