"""What people read about reports: the owed list, the form, summaries, reminders, status cards.

Button data: "rp1:<op>:<period>:<a>:<b>" (ids and indexes only, well under 64 bytes).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.i18n import N_, current_locale, format_moment, format_number
from bot.i18n import gettext as _
from bot.reports.answers import AnswerProblem
from bot.reports.models import ReportDraft, ReportPeriod
from bot.reports.service import Owed, PeriodStatus, Submitted, missing_required
from bot.reports.types import FieldSpec
from bot.roster.models import Member
from bot.ui import Button, Message, esc, rows

if TYPE_CHECKING:
    from bot.reports.requests import RequestProblem

PREFIX = "rp1"


def data(op: str, period_id: int, a: int = 0, b: int = 0) -> str:
    return f"{PREFIX}:{op}:{period_id}:{a}:{b}"


def title(period: ReportPeriod) -> str:
    return esc(period.shown_title(current_locale()))


def label(field: FieldSpec) -> str:
    return esc(field.shown_label(current_locale()))


def shown_value(field: FieldSpec, value: Any) -> str:
    """A stored value as a person reads it (escaped)."""
    if value is None:
        return "—"
    if field.kind == "integer":
        return format_number(value)
    if field.kind == "percent":
        return format_number(value) + "%"
    if field.kind == "choice":
        return esc(field.choice_label(str(value), current_locale()))
    return esc(value)


def due_line(period: ReportPeriod, zone: ZoneInfo) -> str:
    return _("Hạn: {moment}").format(moment=format_moment(period.due_at, zone))


# ------------------------------------------------------------------ the owed list


def owed_list(owed: Sequence[Owed], now: datetime, zone: ZoneInfo) -> Message:
    if not owed:
        return Message(_("Bạn không có báo cáo nào cần nộp lúc này. 👍"))
    lines = [_("<b>Báo cáo của bạn</b>")]
    buttons = []
    for item in owed:
        state = _owed_state(item, now)
        lines.append(f"• {title(item.period)} — {due_line(item.period, zone)} — {state}")
        text = _("✏️ Sửa: {title}") if item.submission else _("📝 Nộp: {title}")
        buttons.append([Button(text.format(title=item.period.shown_title(current_locale()))[:60],
                               data=data("start", item.period.id))])
    lines.append("")
    lines.append(_("Bấm một báo cáo để điền từng mục. Người quen dùng có thể gửi một tin: "
                   "<code>/baocao mã=số mã=số</code>."))
    return Message("\n".join(lines), rows(*buttons))


def _owed_state(item: Owed, now: datetime) -> str:
    if item.submission is not None:
        return _("đã nộp, còn sửa được đến hạn")
    if item.draft is not None:
        return _("đang điền dở")
    if now > item.period.due_at:
        return _("⚠️ đã quá hạn, nộp muộn vẫn được ghi nhận")
    return _("chưa nộp")


def field_codes_hint(owed: Owed) -> str:
    codes = " ".join(f"<code>{field.code}=…</code>" for field in owed.fields)
    return _("Mã các mục của bạn: {codes}").format(codes=codes)


# ------------------------------------------------------------------ the form

_PROBLEMS = {
    "not_a_number": N_("«{answer}» không phải là một số."),
    "negative": N_("Số liệu không thể là số âm."),
    "not_integer": N_("Mục này cần một số nguyên (không có phần lẻ)."),
    "too_large": N_("Số này lớn bất thường, có lẽ gõ nhầm."),
    "above_max": N_("Số này lớn bất thường (quá {limit}), có lẽ gõ nhầm."),
    "not_a_choice": N_("«{answer}» không phải là một lựa chọn của mục này."),
    "empty": N_("Mục này không được để trống."),
    "too_long": N_("Nội dung dài quá {limit} ký tự, vui lòng rút gọn."),
}


def problem_text(problem: AnswerProblem, answer: str) -> str:
    limit = format_number(problem.limit) if problem.limit is not None else ""
    return _(_PROBLEMS[problem.reason]).format(answer=esc(answer[:60]), limit=limit)


def _hint(field: FieldSpec) -> str:
    if field.kind == "integer":
        return _("Gõ một số, ví dụ 1.234 hoặc 1,5 nghìn.")
    if field.kind == "percent":
        return _("Gõ một tỷ lệ phần trăm từ 0 đến 100, ví dụ 87,5.")
    if field.kind == "choice":
        return _("Chọn một nút bên dưới, hoặc gõ số thứ tự.")
    return _("Gõ nội dung trả lời.")


def question(owed: Owed, field: FieldSpec, problem: str | None = None) -> Message:
    fields = owed.fields
    index = [f.code for f in fields].index(field.code)
    lines = []
    if problem:
        lines.append("⚠️ " + problem + " " + _("Vui lòng trả lời lại."))
    lines.append(_("<b>{title}</b> ({index}/{total})").format(title=title(owed.period), index=index + 1,
                                                             total=len(fields)))
    lines.append(f"<b>{label(field)}</b>" + ("" if field.required else " " + _("(không bắt buộc)")))
    if field.kind == "choice":
        lines += [f"{number}. {esc(field.choice_label(choice.code, current_locale()))}"
                  for number, choice in enumerate(field.choices, start=1)]
    lines.append(_hint(field))
    buttons: list[list[Button]] = []
    if field.kind == "choice":
        buttons += [[Button(field.choice_label(choice.code, current_locale())[:40],
                            data=data("pick", owed.period.id, index, number))]
                    for number, choice in enumerate(field.choices)]
    extra = [Button(_("Bỏ qua"), data=data("skip", owed.period.id, index))] if not field.required else []
    buttons.append(extra + [Button(_("Hủy"), data=data("cancel", owed.period.id))])
    return Message("\n".join(lines), rows(*buttons))


def summary(owed: Owed, draft: ReportDraft, zone: ZoneInfo) -> Message:
    lines = [_("<b>{title}</b>").format(title=title(owed.period)), due_line(owed.period, zone), ""]
    for field in owed.fields:
        lines.append(f"• {label(field)}: <b>{shown_value(field, draft.values.get(field.code))}</b>")
    lacking = missing_required(owed.fields, draft.values)
    lines.append("")
    if lacking:
        lines.append(_("Còn thiếu mục bắt buộc: {fields}").format(fields=", ".join(label(f) for f in lacking)))
    else:
        lines.append(_("Kiểm tra lại rồi bấm <b>Gửi</b>, hoặc <b>Sửa</b> để đổi một mục."))
    send = [] if lacking else [Button(_("✅ Gửi"), data=data("send", owed.period.id))]
    return Message("\n".join(lines), rows(send + [Button(_("✏️ Sửa"), data=data("edit", owed.period.id))],
                                          [Button(_("Hủy"), data=data("cancel", owed.period.id))]))


def edit_menu(owed: Owed) -> Message:
    buttons = [[Button(field.shown_label(current_locale())[:60], data=data("field", owed.period.id, index))]
               for index, field in enumerate(owed.fields)]
    buttons.append([Button(_("↩️ Quay lại"), data=data("back", owed.period.id))])
    return Message(_("Chọn mục cần sửa:"), rows(*buttons))


def submitted(owed: Owed, outcome: Submitted, zone: ZoneInfo) -> Message:
    submission = outcome.submission
    moment = format_moment(submission.corrected_at or submission.submitted_at, zone)
    if outcome.corrected:
        head = _("✅ Đã cập nhật báo cáo <b>{title}</b> lúc {moment}.")
    elif submission.late:
        head = _("✅ Đã nhận báo cáo <b>{title}</b> lúc {moment}. ⚠️ Báo cáo được ghi nhận là nộp muộn.")
    else:
        head = _("✅ Đã nhận báo cáo <b>{title}</b> lúc {moment}. Cảm ơn bạn!")
    lines = [head.format(title=title(owed.period), moment=moment), ""]
    lines += [f"• {label(field)}: {shown_value(field, submission.values.get(field.code))}" for field in owed.fields]
    if not submission.late and owed.period.due_at > (submission.corrected_at or submission.submitted_at):
        lines += ["", _("Bạn có thể sửa đến {moment} bằng lệnh /baocao.").format(
            moment=format_moment(owed.period.due_at, zone))]
    return Message("\n".join(lines))


def one_message_problems(problems: Sequence[tuple[FieldSpec, AnswerProblem, str]], unknown: Sequence[str],
                         owed: Owed | None) -> Message:
    lines = [_("Chưa ghi nhận báo cáo, vì:")]
    for field, problem, typed in problems:
        lines.append(f"• <code>{field.code}</code> ({label(field)}): {problem_text(problem, typed)}")
    for code in unknown:
        lines.append("• " + _("<code>{code}</code>: không có mục này trong báo cáo bạn cần nộp.").format(code=esc(code)))
    if owed is not None:
        lines += ["", field_codes_hint(owed)]
    lines += ["", _("Vui lòng gửi lại cả tin nhắn, hoặc gõ /baocao để điền từng mục.")]
    return Message("\n".join(lines))


# ------------------------------------------------------------------ telling people


def opened_notice(period: ReportPeriod, owed_fields: Sequence[FieldSpec], zone: ZoneInfo,
                  requested_by: Member | None = None) -> Message:
    if requested_by is not None:
        head = _("📨 <b>{name}</b> yêu cầu báo cáo: <b>{title}</b>").format(name=esc(requested_by.full_name),
                                                                         title=title(period))
    else:
        head = _("📋 Đã mở kỳ báo cáo: <b>{title}</b>").format(title=title(period))
    lines = [head, due_line(period, zone), _("Bạn cần báo cáo:")]
    lines += [f"• {label(field)}" for field in owed_fields]
    return Message("\n".join(lines), rows([Button(_("📝 Nộp báo cáo"), data=data("start", period.id))]))


def reminder(period: ReportPeriod, left: timedelta, zone: ZoneInfo) -> Message:
    text = _("⏰ Nhắc: báo cáo <b>{title}</b> còn {left} nữa là đến hạn ({moment}), bạn chưa nộp.").format(
        title=title(period), left=_duration(left), moment=format_moment(period.due_at, zone))
    return Message(text, rows([Button(_("📝 Nộp báo cáo"), data=data("start", period.id))]))


def due_notice(period: ReportPeriod) -> Message:
    text = _("⏰ Đã đến hạn báo cáo <b>{title}</b> mà bạn chưa nộp. Vui lòng nộp ngay; "
             "báo cáo nộp sau hạn vẫn được ghi nhận nhưng đánh dấu là muộn.").format(title=title(period))
    return Message(text, rows([Button(_("📝 Nộp báo cáo"), data=data("start", period.id))]))


def nudge(period: ReportPeriod, by: Member, zone: ZoneInfo) -> Message:
    text = _("🔔 <b>{name}</b> nhắc bạn nộp báo cáo <b>{title}</b> ({due}).").format(
        name=esc(by.full_name), title=title(period), due=due_line(period, zone))
    return Message(text, rows([Button(_("📝 Nộp báo cáo"), data=data("start", period.id))]))


def _duration(left: timedelta) -> str:
    hours = round(left.total_seconds() / 3600)
    if hours >= 24 and hours % 24 == 0:
        return _("{n} ngày").format(n=hours // 24)
    if hours >= 1:
        return _("{n} giờ").format(n=hours)
    return _("{n} phút").format(n=max(1, round(left.total_seconds() / 60)))


def status_card(status: PeriodStatus, now: datetime, zone: ZoneInfo, *, escalation: bool = False) -> Message:
    period = status.period
    lines = []
    if escalation:
        lines.append(_("⚠️ <b>Quá hạn báo cáo</b>: còn {n} người chưa nộp.").format(n=len(status.missing)))
    lines += [f"<b>{title(period)}</b>", due_line(period, zone),
              _("Đã nộp {sent}/{total}").format(sent=len(status.on_time) + len(status.late), total=status.total)]
    if status.on_time:
        lines.append(_("✅ Đúng hạn: {names}").format(names=", ".join(esc(s.member.full_name) for s in status.on_time)))
    if status.late:
        lines.append(_("🕓 Nộp muộn: {names}").format(names=", ".join(
            f"{esc(s.member.full_name)} ({format_moment(s.submitted_at, zone)})" for s in status.late)))
    if status.missing:
        label_missing = _("❌ Quá hạn, chưa nộp: {names}") if now > period.due_at else _("⏳ Chưa nộp: {names}")
        lines.append(label_missing.format(names=", ".join(esc(m.full_name) for m in status.missing)))
    buttons = []
    if status.missing:
        buttons.append([Button(_("🔔 Nhắc tất cả người chưa nộp ({n})").format(n=len(status.missing)),
                               data=data("nudge", period.id))])
    buttons.append([Button(_("🔄 Cập nhật"), data=data("status", period.id))])
    return Message("\n".join(lines), rows(*buttons))


def periods_menu(periods: Sequence[ReportPeriod], zone: ZoneInfo) -> Message | None:
    if not periods:
        return None
    buttons = [[Button(f"📊 {p.shown_title(current_locale())[:40]} · {p.due_at.astimezone(zone):%d/%m}",
                       data=data("status", p.id))] for p in periods]
    return Message(_("<b>Theo dõi các kỳ báo cáo</b>: bấm để xem ai đã nộp, ai còn thiếu."), rows(*buttons))


def request_problem(problem: "RequestProblem", zone: ZoneInfo) -> Message:
    usage = _("Cách viết: <code>/yeucau báo cáo tuần hạn 17h thứ 6</code>, hoặc "
              "<code>/yeucau #tiemchung số mũi tiêm hôm nay hạn 16h</code>, hoặc "
              "<code>/yeucau @username nội dung hạn sáng mai</code>.")
    if problem.kind == "no_deadline":
        text = _("Bạn chưa ghi thời hạn. Hãy thêm «hạn …» vào cuối yêu cầu.")
    elif problem.kind == "deadline" and problem.deadline is not None:
        moments = ", ".join(format_moment(at, zone) for at in problem.deadline.candidates)
        text = {
            "past": _("Thời hạn này đã qua ({moments}). Vui lòng ghi một thời hạn sắp tới."),
            "ambiguous": _("Thời hạn chưa rõ: có thể là {moments}. Vui lòng ghi rõ sáng hay chiều."),
        }.get(problem.deadline.kind, _("Tôi chưa đọc được thời hạn. Ví dụ: «hạn 17h thứ 6», «hạn sáng mai», «hạn 30/11»."))
        text = text.format(moments=moments)
    elif problem.kind == "unknown_target":
        text = _("Không tìm thấy lĩnh vực hoặc người: {names}.").format(names=", ".join(esc(t) for t in problem.typed))
    elif problem.kind == "no_target":
        text = _("Yêu cầu này không phải là một loại báo cáo có sẵn, nên cần ghi rõ gửi cho ai: "
                 "một lĩnh vực (#mã) hoặc một người (@username hoặc tên ở đầu).")
    elif problem.kind == "nobody":
        text = _("Không có ai phụ trách để nhận yêu cầu này{areas}.").format(
            areas=(" (" + ", ".join("#" + esc(a) for a in problem.typed) + ")") if problem.typed else "")
    else:
        text = _("Bạn cần báo cáo gì? Hãy ghi loại báo cáo hoặc nội dung cần báo cáo.")
    return Message(text + "\n\n" + usage)
