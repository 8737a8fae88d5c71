"""What people read about a convocation.

Callback data: `cv1:<convocation>:<a|x>` an invitee's answer (attend, absent);
`cl1:<convocation>:<roll|task>` the convener's card; `cd1:<action>` the draft
(send, cancel, t0/t1 to choose between two times).
"""

from zoneinfo import ZoneInfo

from bot.convening.form import TimeProblem
from bot.convening.models import Answer, Convocation, ConvocationDraft, Invitee
from bot.convening.who import WhoProblem
from bot.i18n import N_, format_moment
from bot.i18n import gettext as _
from bot.ui import Button, Message, esc, rows

INVITEE = "cv1"
CONVENER = "cl1"
DRAFT = "cd1"
ANSWER_OF = {"a": Answer.ATTEND, "x": Answer.ABSENT}
CODE_OF = {answer: code for code, answer in ANSWER_OF.items()}

QUESTIONS = {
    "who": N_(
        "<b>Triệu tập</b> · bước 1/4\nTriệu tập ai? Gõ <code>tất cả</code>, lĩnh vực (ví dụ <code>#qr #tiemchung</code>) "
        "hoặc tên, cách nhau bằng dấu phẩy (ví dụ <code>Mai, Vũ Mạnh Hùng</code>)."
    ),
    "content": N_("<b>Triệu tập</b> · bước 2/4\nNội dung triệu tập là gì?"),
    "time": N_("<b>Triệu tập</b> · bước 3/4\nVào lúc nào? Ví dụ: <code>14h chiều mai</code>, <code>8h30 thứ 6</code>."),
    "place": N_("<b>Triệu tập</b> · bước 4/4\nỞ đâu? Ghi địa điểm hoặc đường dẫn họp trực tuyến."),
}

TASK_QUESTION = N_("Nhập công việc giao cho những người tham gia (có thể kèm hạn, ví dụ: <code>Rà soát điểm QR hạn 17h thứ 6</code>):")

WHO_PROBLEMS = {
    "unknown": N_("Không tìm thấy «{text}» trong danh sách tổ."),
    "ambiguous": N_("«{text}» có thể là: {candidates}. Vui lòng ghi rõ họ và tên."),
    "empty": N_("Không có ai để triệu tập theo «{text}»."),
}

TIME_PROBLEMS = {
    "unparseable": N_("Tôi chưa đọc được thời gian. Vui lòng ghi ví dụ: 14h chiều mai, 8h30 thứ 6."),
    "past": N_("Thời gian này đã qua ({when}). Vui lòng nhập thời gian sắp tới."),
    "no_hour": N_("Vui lòng ghi cả giờ, ví dụ: 14h chiều mai."),
    "ambiguous": N_("Giờ này là buổi sáng hay buổi chiều? Chọn một:"),
}

ANSWER_LABELS = {
    Answer.ATTEND: N_("Tham gia"),
    Answer.ABSENT: N_("Vắng"),
    Answer.NONE: N_("Chưa trả lời"),
}

REFUSALS = {
    "not_found": N_("Không tìm thấy buổi triệu tập này."),
    "not_invited": N_("Bạn không có trong danh sách triệu tập này."),
    "started": N_("Buổi triệu tập đã bắt đầu, không thay đổi được trả lời nữa."),
    "not_convener": N_("Chỉ Tổ trưởng, Tổ phó của tổ này mới xem được điểm danh."),
    "incomplete": N_("Thông tin triệu tập chưa đủ."),
    "no_attendees": N_("Chưa có ai xác nhận tham gia để giao việc."),
}


def refusal(kind: str) -> str:
    return _(REFUSALS[kind])


def details(convocation: Convocation, zone: ZoneInfo) -> str:
    return _("<b>Nội dung:</b> {content}\n<b>Thời gian:</b> {when}\n<b>Địa điểm:</b> {place}").format(
        content=esc(convocation.content), when=format_moment(convocation.starts_at, zone),
        place=esc(convocation.place))


def answer_buttons(convocation: Convocation, current: Answer = Answer.NONE) -> tuple[tuple[Button, ...], ...]:
    def button(answer: Answer, label: str) -> Button:
        mark = "✅ " if answer == current else ""
        return Button(mark + label, data=f"{INVITEE}:{convocation.id}:{CODE_OF[answer]}")

    return rows([button(Answer.ATTEND, _("Tham gia")), button(Answer.ABSENT, _("Vắng"))])


def card(convocation: Convocation, convener_name: str, zone: ZoneInfo, current: Answer = Answer.NONE,
         reason: str | None = None) -> Message:
    text = _("📣 <b>Giấy triệu tập</b> từ {convener}\n{details}").format(
        convener=esc(convener_name), details=details(convocation, zone))
    if current != Answer.NONE:
        text += "\n\n" + _("Bạn đã trả lời: <b>{answer}</b>").format(answer=_(ANSWER_LABELS[current]))
        if reason:
            text += " — " + esc(reason if len(reason) <= 300 else reason[:299] + "…")
    return Message(text, answer_buttons(convocation, current))


def ask_absence_reason() -> Message:
    return Message(_("Đã ghi nhận bạn vắng mặt. Vui lòng cho biết lý do vắng:"))


def answer_toast(answer: Answer) -> str:
    return _("Đã ghi nhận: {answer}.").format(answer=_(ANSWER_LABELS[answer]))


def reason_saved() -> Message:
    return Message(_("Cảm ơn, đã ghi nhận lý do vắng."))


def to_unit_manager(convocation: Convocation, team_name: str, names: list[str], zone: ZoneInfo) -> Message:
    return Message(_(
        "📣 Thông báo: {team} triệu tập cán bộ của đơn vị anh/chị:\n{names}\n{details}\n"
        "Đề nghị đơn vị tạo điều kiện, ưu tiên bố trí thời gian để cán bộ tham gia."
    ).format(team=esc(team_name), names="\n".join(f"• {esc(n)}" for n in names),
             details=details(convocation, zone)))


def to_group(convocation: Convocation, convener_name: str, names: list[str], zone: ZoneInfo) -> Message:
    return Message(_("📣 {convener} triệu tập: {names}\n{details}").format(
        convener=esc(convener_name), names=esc(", ".join(names)), details=details(convocation, zone)))


def convener_card(convocation: Convocation, zone: ZoneInfo) -> Message:
    counts = {answer: 0 for answer in Answer}
    for invitee in convocation.invitees:
        counts[Answer(invitee.answer)] += 1
    unreachable = [i.member.full_name for i in convocation.invitees if not i.member.telegram_id]
    text = _("📣 <b>Đã gửi giấy triệu tập</b> ({who})\n{details}\n\nTham gia: {attend} · Vắng: {absent} · Chưa trả lời: {none}").format(
        who=esc(convocation.audience), details=details(convocation, zone), attend=counts[Answer.ATTEND],
        absent=counts[Answer.ABSENT], none=counts[Answer.NONE])
    if unreachable:
        text += "\n" + _("Chưa liên kết Telegram, không gửi được: {names}").format(names=esc(", ".join(unreachable)))
    buttons = rows([
        Button(_("📋 Điểm danh"), data=f"{CONVENER}:{convocation.id}:roll"),
        Button(_("📝 Giao việc cho người tham gia"), data=f"{CONVENER}:{convocation.id}:task"),
    ])
    return Message(text, buttons)


def roll(convocation: Convocation, zone: ZoneInfo) -> Message:
    def names(answer: Answer) -> list[Invitee]:
        return [i for i in convocation.invitees if i.answer == answer]

    attending, absent, silent = names(Answer.ATTEND), names(Answer.ABSENT), names(Answer.NONE)
    lines = [_("📋 <b>Điểm danh</b>: {content} — {when}").format(
        content=esc(convocation.content), when=format_moment(convocation.starts_at, zone))]
    lines.append(_("<b>Tham gia ({count}):</b>").format(count=len(attending)))
    lines += [f"• {esc(i.member.full_name)}" for i in attending] or ["—"]
    lines.append(_("<b>Vắng ({count}):</b>").format(count=len(absent)))
    no_reason = _("(chưa nêu lý do)")
    lines += [f"• {esc(i.member.full_name)}: {esc(i.reason) if i.reason else no_reason}" for i in absent] or ["—"]
    lines.append(_("<b>Chưa trả lời ({count}):</b>").format(count=len(silent)))
    lines += [f"• {esc(i.member.full_name)}" for i in silent] or ["—"]
    return Message("\n".join(lines))


def unanswered_reminder(convocation: Convocation, convener_name: str, zone: ZoneInfo) -> Message:
    base = card(convocation, convener_name, zone)
    return Message(_("⏰ Nhắc: bạn chưa trả lời giấy triệu tập.") + "\n\n" + base.text, base.buttons)


def start_reminder(convocation: Convocation, zone: ZoneInfo) -> Message:
    return Message(_("⏰ Sắp bắt đầu:") + "\n" + details(convocation, zone))


def who_problem(problem: WhoProblem) -> Message:
    return Message(_(WHO_PROBLEMS[problem.kind]).format(
        text=esc(problem.text), candidates=esc("; ".join(m.full_name for m in problem.candidates))))


def time_problem(problem: TimeProblem, zone: ZoneInfo) -> Message:
    when = ", ".join(format_moment(at, zone) for at in problem.candidates)
    text = _(TIME_PROBLEMS[problem.kind]).format(when=when)
    if problem.kind != "ambiguous":
        return Message(text)
    return Message(text, rows([
        Button(format_moment(at, zone), data=f"{DRAFT}:t{index}") for index, at in enumerate(problem.candidates[:2])
    ]))


def question(draft: ConvocationDraft) -> Message:
    return Message(_(QUESTIONS[draft.step]), rows([Button(_("Hủy"), data=f"{DRAFT}:cancel")]))


def confirm(draft: ConvocationDraft, zone: ZoneInfo) -> Message:
    assert draft.starts_at is not None
    text = _("<b>Kiểm tra trước khi gửi giấy triệu tập:</b>\n<b>Triệu tập:</b> {who}\n<b>Nội dung:</b> {content}\n"
             "<b>Thời gian:</b> {when}\n<b>Địa điểm:</b> {place}").format(
        who=esc(draft.audience or ""), content=esc(draft.content or ""), when=format_moment(draft.starts_at, zone),
        place=esc(draft.place or ""))
    return Message(text, rows([Button(_("📣 Gửi triệu tập"), data=f"{DRAFT}:send"),
                               Button(_("Hủy"), data=f"{DRAFT}:cancel")]))


def draft_cancelled() -> Message:
    return Message(_("Đã hủy triệu tập đang soạn."))


def resumed() -> Message:
    return Message(_("Bạn đang soạn dở một giấy triệu tập; tiếp tục từ chỗ đang dở."))


def empty_answer() -> Message:
    return Message(_("Vui lòng trả lời bằng một tin nhắn có nội dung."))


def coming_list(convocations: list[Convocation], zone: ZoneInfo) -> Message:
    """The convener's upcoming convocations, each with its roll button."""
    lines = [_("<b>Triệu tập sắp tới:</b>")]
    buttons = []
    for convocation in convocations:
        lines.append(f"• {format_moment(convocation.starts_at, zone)} — {esc(convocation.content[:80])}")
        buttons.append([Button(_("📋 Điểm danh: {content}").format(content=convocation.content[:30]),
                               data=f"{CONVENER}:{convocation.id}:roll")])
    return Message("\n".join(lines), rows(*buttons))




TASK_REFUSALS = {
    "no_title": N_("Vui lòng ghi nội dung công việc."),
    "title_too_long": N_("Nội dung công việc quá dài."),
    "past_deadline": N_("Thời hạn này đã qua. Vui lòng nhập thời hạn sắp tới."),
    "other": N_("Không giao được công việc này."),
}


def task_refused(reason: str) -> str:
    return _(TASK_REFUSALS.get(reason, TASK_REFUSALS["other"]))
