"""What people read about a secondment request: questions, summary, cards, notices.

Callback data (≤ 64 bytes, ids only, versioned prefixes):
- `sg1:<request>:<action>` the proposer's buttons (send, people, reason, work, period, cancel);
- `sd1:<request>:<version>:<choice>` the Director's (a approve, r reject, n needs more, c cancel a question).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import N_, format_moment
from bot.i18n import gettext as _
from bot.secondment.forms import MAX_PEOPLE, PeopleProblem, PeriodProblem
from bot.secondment.models import Outcome, SecondmentRequest, Status, Step
from bot.ui import Button, Message, esc, rows

PROPOSER = "sg1"
DIRECTOR = "sd1"
CHOICE_OF = {Outcome.APPROVED: "a", Outcome.REJECTED: "r", Outcome.NEEDS_INFO: "n"}
OUTCOME_OF = {code: outcome for outcome, code in CHOICE_OF.items()}
CANCEL_QUESTION = "c"
CARD_PEOPLE = 12  # people listed on a card; all of them are in the .docx
CARD_TEXT = 700  # characters of the reason or the work shown on a card

QUESTIONS = {
    Step.PEOPLE: N_(
        "<b>Đề nghị trưng dụng</b> · bước 1/4\n"
        "Những ai được đề nghị trưng dụng? Mỗi người một dòng:\n"
        "• thành viên trong danh sách tổ: gõ tên, ví dụ <code>Bùi Anh Tuấn</code>;\n"
        "• người ngoài danh sách: <code>Họ và tên, Đơn vị, Chức vụ</code>."
    ),
    Step.REASON: N_("<b>Đề nghị trưng dụng</b> · bước 2/4\nLý do đề nghị trưng dụng là gì?"),
    Step.WORK: N_("<b>Đề nghị trưng dụng</b> · bước 3/4\nNhững người này sẽ làm công việc gì?"),
    Step.PERIOD: N_(
        "<b>Đề nghị trưng dụng</b> · bước 4/4\n"
        "Trưng dụng trong thời gian nào? Ví dụ: <code>từ 1/12 đến 31/12</code>."
    ),
}

PEOPLE_PROBLEMS = {
    "unknown": N_("Không tìm thấy «{text}» trong danh sách tổ. Với người ngoài danh sách, hãy ghi: Họ và tên, Đơn vị, Chức vụ."),
    "ambiguous": N_("«{text}» có thể là: {candidates}. Vui lòng ghi rõ họ và tên."),
    "incomplete": N_("Dòng «{text}» chưa đủ. Người ngoài danh sách tổ cần ghi: Họ và tên, Đơn vị, Chức vụ."),
    "empty": N_("Vui lòng nhập ít nhất một người."),
    "too_many": N_("Mỗi đề nghị có tối đa {text} người. Vui lòng tách thành nhiều đề nghị."),
}

PERIOD_PROBLEMS = {
    "unparseable": N_("Tôi chưa đọc được thời gian này. Vui lòng ghi ví dụ: từ 1/12 đến 31/12."),
    "one_date": N_("Vui lòng ghi cả ngày bắt đầu và ngày kết thúc, ví dụ: từ 1/12 đến 31/12."),
    "past": N_("Ngày bắt đầu đã qua. Thời gian trưng dụng bắt đầu từ hôm nay trở đi."),
    "reversed": N_("Ngày kết thúc đang trước ngày bắt đầu. Vui lòng kiểm tra lại."),
    "too_long": N_("Thời gian trưng dụng tối đa một năm. Vui lòng kiểm tra lại."),
}

OUTCOME_LABELS = {
    Outcome.APPROVED: N_("Đã duyệt"),
    Outcome.REJECTED: N_("Từ chối"),
    Outcome.NEEDS_INFO: N_("Cần bổ sung"),
}


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def period_text(request: SecondmentRequest) -> str:
    return _("từ {start} đến {end}").format(start=day(request.starts_on), end=day(request.ends_on))


def title(request: SecondmentRequest) -> str:
    if request.number is None:
        return _("Đề nghị trưng dụng (nháp)")
    if request.version > 1:
        return _("Đề nghị trưng dụng số {number} (lần {version})").format(
            number=request.number, version=request.version)
    return _("Đề nghị trưng dụng số {number}").format(number=request.number)


def clip(text: str | None, limit: int) -> str:
    """At most `limit` characters of user text (cards must stay within Telegram's 4096; the .docx has it all)."""
    text = text or "—"
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def people_lines(request: SecondmentRequest) -> str:
    lines = []
    for person in request.people[:CARD_PEOPLE]:
        details = ", ".join(esc(clip(part, 80)) for part in (person.unit_name, person.title) if part)
        lines.append(f"• {esc(clip(person.full_name, 80))}" + (f" ({details})" if details else ""))
    if len(request.people) > CARD_PEOPLE:
        lines.append(f"• … (+{len(request.people) - CARD_PEOPLE})")
    return "\n".join(lines) or "—"


def summary(request: SecondmentRequest) -> str:
    return _(
        "<b>Người được đề nghị:</b>\n{people}\n<b>Lý do:</b> {reason}\n<b>Công việc:</b> {work}\n"
        "<b>Thời gian:</b> {period}"
    ).format(
        people=people_lines(request), reason=esc(clip(request.reason, CARD_TEXT)),
        work=esc(clip(request.work, CARD_TEXT)), period=period_text(request),
    )


def question(request: SecondmentRequest) -> Message:
    assert request.step is not None and request.step != Step.CONFIRM
    buttons = rows([Button(_("Hủy nháp"), data=f"{PROPOSER}:{request.id}:cancel")]) \
        if request.status == Status.DRAFT else ()
    return Message(_(QUESTIONS[request.step]), buttons)


def resumed(request: SecondmentRequest) -> Message:
    return Message(_("Bạn đang có một đề nghị trưng dụng chưa gửi; tiếp tục từ chỗ đang dở."))


def confirm(request: SecondmentRequest) -> Message:
    head = _("<b>{title}</b>\nVui lòng kiểm tra trước khi gửi Giám đốc:").format(title=esc(title(request)))
    send = _("📨 Gửi lại Giám đốc") if request.status == Status.NEEDS_INFO else _("📨 Gửi Giám đốc")

    def edit(label: str, action: str) -> Button:
        return Button(label, data=f"{PROPOSER}:{request.id}:{action}")

    buttons = rows(
        [edit(send, "send")],
        [edit(_("✏️ Người"), "people"), edit(_("✏️ Lý do"), "reason")],
        [edit(_("✏️ Công việc"), "work"), edit(_("✏️ Thời gian"), "period")],
        [edit(_("Hủy nháp"), "cancel")] if request.status == Status.DRAFT else [],
    )
    return Message(f"{head}\n\n{summary(request)}", buttons)


def people_problem(problem: PeopleProblem) -> Message:
    text = _(PEOPLE_PROBLEMS[problem.kind]).format(
        text=esc(problem.text or MAX_PEOPLE), candidates=esc("; ".join(problem.candidates)))
    return Message(text)


def period_problem(problem: PeriodProblem) -> Message:
    return Message(_(PERIOD_PROBLEMS[problem.kind]))


def empty_answer() -> Message:
    return Message(_("Vui lòng trả lời bằng một tin nhắn có nội dung."))


def submitted(request: SecondmentRequest) -> Message:
    return Message(_("Đã gửi {title} tới Giám đốc. Bạn sẽ được báo khi có quyết định.").format(
        title=esc(title(request))))


def discarded() -> Message:
    return Message(_("Đã hủy bản nháp đề nghị trưng dụng."))


def director_card(request: SecondmentRequest, proposer_name: str) -> Message:
    head = _("📨 <b>{title}</b>\nNgười đề nghị: {proposer}").format(
        title=esc(title(request)), proposer=esc(proposer_name))

    def choice(label: str, outcome: Outcome) -> Button:
        return Button(label, data=f"{DIRECTOR}:{request.id}:{request.version}:{CHOICE_OF[outcome]}")

    buttons = rows(
        [choice(_("✅ Duyệt"), Outcome.APPROVED), choice(_("❌ Từ chối"), Outcome.REJECTED)],
        [choice(_("📝 Cần bổ sung"), Outcome.NEEDS_INFO)],
    )
    return Message(f"{head}\n\n{summary(request)}", buttons)


def paper_caption(request: SecondmentRequest) -> str:
    return _("Tờ trình kèm {title}").format(title=esc(title(request)))


def decided_card(request: SecondmentRequest, proposer_name: str, outcome: Outcome, director_name: str,
                 at: datetime, note: str | None, zone: ZoneInfo) -> Message:
    head = _("📨 <b>{title}</b>\nNgười đề nghị: {proposer}").format(
        title=esc(title(request)), proposer=esc(proposer_name))
    verdict = _("<b>{outcome}</b> bởi {director} lúc {at}").format(
        outcome=_(OUTCOME_LABELS[outcome]), director=esc(director_name), at=format_moment(at, zone))
    if note:
        verdict += "\n" + _("Lý do: {note}").format(note=esc(clip(note, CARD_TEXT)))
    return Message(f"{head}\n\n{summary(request)}\n\n{verdict}")


def already_decided(outcome: Outcome, director_name: str, at: datetime, zone: ZoneInfo) -> str:
    """A toast (≤ 200 characters) for a later tap."""
    return _("Đề nghị này đã được quyết định ({outcome}) bởi {director} lúc {at}.").format(
        outcome=_(OUTCOME_LABELS[outcome]), director=director_name, at=format_moment(at, zone))[:200]


def reason_question(request: SecondmentRequest, outcome: Outcome) -> Message:
    if outcome == Outcome.REJECTED:
        text = _("Vui lòng nhập lý do từ chối {title}:")
    else:
        text = _("Cần bổ sung những gì cho {title}? Vui lòng nhập nội dung:")
    cancel = Button(_("Hủy"), data=f"{DIRECTOR}:{request.id}:{request.version}:{CANCEL_QUESTION}")
    return Message(text.format(title=esc(title(request))), rows([cancel]))


def question_cancelled() -> Message:
    return Message(_("Đã hủy. Đề nghị vẫn chờ anh/chị quyết định."))


def decision_recorded(request: SecondmentRequest, outcome: Outcome) -> Message:
    return Message(_("Đã ghi nhận: {outcome} — {title}.").format(
        outcome=_(OUTCOME_LABELS[outcome]), title=esc(title(request))))


def approved_to_proposer(request: SecondmentRequest, director_name: str) -> Message:
    return Message(_(
        "✅ Giám đốc {director} đã <b>duyệt</b> {title}.\nThời gian trưng dụng: {period}.\n{people}\n"
        "Dự thảo Quyết định trưng dụng được gửi kèm."
    ).format(director=esc(director_name), title=esc(title(request)), period=period_text(request),
             people=people_lines(request)))


def decision_caption(request: SecondmentRequest) -> str:
    return _("Dự thảo Quyết định trưng dụng theo {title}").format(title=esc(title(request)))


def rejected_to_proposer(request: SecondmentRequest, director_name: str, note: str) -> Message:
    return Message(_("❌ Giám đốc {director} đã <b>từ chối</b> {title}.\nLý do: {note}").format(
        director=esc(director_name), title=esc(title(request)), note=esc(note)))


def needs_info_to_proposer(request: SecondmentRequest, director_name: str, note: str) -> Message:
    head = _("📝 Giám đốc {director} đề nghị <b>bổ sung</b> {title}:\n{note}\n\nSửa nội dung rồi gửi lại:").format(
        director=esc(director_name), title=esc(title(request)), note=esc(note))
    card = confirm(request)
    return Message(f"{head}\n\n{summary(request)}", card.buttons)


def to_secondee(request: SecondmentRequest, team_name: str) -> Message:
    return Message(_(
        "📌 Giám đốc Sở đã quyết định trưng dụng bạn tham gia {team}, {period}.\nCông việc: {work}"
    ).format(team=esc(team_name), period=period_text(request), work=esc(request.work or "")))


def to_unit_manager(request: SecondmentRequest, team_name: str, names: list[str]) -> Message:
    return Message(_(
        "📌 Thông báo: Giám đốc Sở đã quyết định trưng dụng cán bộ của đơn vị anh/chị tham gia {team}, {period}:\n"
        "{names}\nCông việc: {work}\nĐề nghị đơn vị tạo điều kiện, ưu tiên bố trí thời gian cho cán bộ."
    ).format(team=esc(team_name), period=period_text(request), names="\n".join(f"• {esc(n)}" for n in names),
             work=esc(request.work or "")))


def reminder(request: SecondmentRequest, proposer_name: str, zone: ZoneInfo) -> Message:
    card = director_card(request, proposer_name)
    assert request.submitted_at is not None
    head = _("⏰ Nhắc: {title} đang chờ anh/chị quyết định từ {at}.").format(
        title=esc(title(request)), at=format_moment(request.submitted_at, zone))
    return Message(f"{head}\n\n{card.text}", card.buttons)


REFUSALS = {
    "not_found": N_("Không tìm thấy đề nghị trưng dụng này."),
    "not_yours": N_("Đề nghị này không phải của bạn."),
    "not_director": N_("Chỉ Giám đốc Sở của tổ này mới được quyết định đề nghị trưng dụng."),
    "not_editable": N_("Đề nghị này đã gửi hoặc đã được quyết định, không sửa được nữa."),
    "incomplete": N_("Đề nghị chưa đủ thông tin để gửi."),
    "no_director": N_("Tổ chưa có Giám đốc Sở nào liên kết Telegram để nhận đề nghị. Vui lòng liên hệ quản trị."),
}


def refusal(kind: str) -> str:
    return _(REFUSALS[kind])
