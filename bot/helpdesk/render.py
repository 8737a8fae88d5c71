"""What citizens and support members read at the help desk.

Citizens move through a menu edited in place: categories → numbered
questions → the answer, with Quay lại and Hỏi người hỗ trợ under it. Support
members get a ticket card they answer by replying to it; the card never shows
who the citizen is, and what is relayed to the citizen never shows who
answered.

Callback data: "hd1:<act>:<arg>", ids only (entry and category ids are
slugs of at most 40 characters, so the data stays within 64 bytes).
"""

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.helpdesk.digest import HelpdeskDigest
from bot.helpdesk.knowledge import Category, Entry, Knowledge
from bot.helpdesk.models import Ticket
from bot.i18n import current_locale, format_moment, format_number
from bot.i18n import gettext as _
from bot.roster.models import Member
from bot.ui import Button, Message, esc, rows

PREFIX = "hd1"
MENU, CATEGORY, ENTRY, PICK, ASK, SEND, CLOSE = "m", "c", "e", "p", "h", "s", "x"
NUMBERS_PER_ROW = 4
QUOTED_QUESTION = 300  # characters of the citizen's question repeated under the answer


def data(act: str, arg: object = "") -> str:
    """Callback data in the shape handlers.helpdesk.Press packs and unpacks."""
    return f"{PREFIX}:{act}:{arg}"


# --- the menu -------------------------------------------------------------------------------


def menu_intro() -> str:
    return _("<b>Hỏi đáp cho người dân</b>\nChọn một chủ đề, hoặc gõ câu hỏi của bạn (có dấu hay không dấu đều được).")


def category_menu(knowledge: Knowledge, locale: str, intro: str) -> Message:
    buttons = [[Button(category.title.in_locale(locale), data=data(CATEGORY, category.id))]
               for category in knowledge.categories]
    return Message(intro, rows(*buttons))


def question_list(knowledge: Knowledge, category: Category, locale: str) -> Message:
    entries = knowledge.in_category(category.id)
    lines = [f"<b>{esc(category.title.in_locale(locale))}</b>", ""]
    lines += [f"{number}. {esc(entry.question.in_locale(locale))}" for number, entry in enumerate(entries, 1)]
    lines += ["", _("Chọn số của câu hỏi:")]
    numbers = [Button(str(number), data=data(ENTRY, entry.id)) for number, entry in enumerate(entries, 1)]
    return Message("\n".join(lines), rows(*_in_rows(numbers), [_back(data(MENU))]))


def answer(entry: Entry, locale: str, *, can_hand_off: bool) -> Message:
    links = [[Button(link.title.in_locale(locale), url=link.url)] for link in entry.links]
    actions = [_back(data(CATEGORY, entry.category))]
    if can_hand_off:
        actions.append(Button(_("🙋 Hỏi người hỗ trợ"), data=data(ASK, entry.id)))
    return Message(entry.answer.in_locale(locale), rows(*links, actions))


def _back(callback: str) -> Button:
    return Button(_("⬅️ Quay lại"), data=callback)


def _menu_button() -> Button:
    return Button(_("📋 Danh mục câu hỏi"), data=data(MENU))


def _ask_button(draft_id: int) -> Button:
    return Button(_("🙋 Hỏi người hỗ trợ"), data=data(SEND, draft_id))


def _in_rows(buttons: Sequence[Button]) -> list[list[Button]]:
    return [list(buttons[start:start + NUMBERS_PER_ROW]) for start in range(0, len(buttons), NUMBERS_PER_ROW)]


# --- what a typed question gets -----------------------------------------------------------------


def choices(entries: Sequence[Entry], locale: str, draft_id: int | None) -> Message:
    lines = [_("Có phải bạn muốn hỏi một trong những câu sau?"), ""]
    lines += [f"{number}. {esc(entry.question.in_locale(locale))}" for number, entry in enumerate(entries, 1)]
    lines += ["", _("Chọn số của câu hỏi.")]
    if draft_id is not None:
        lines[-1] += " " + _("Không có câu nào đúng? Hãy gửi câu hỏi cho người hỗ trợ.")
    numbers = [Button(str(number), data=data(PICK, entry.id)) for number, entry in enumerate(entries, 1)]
    extra = [_ask_button(draft_id)] if draft_id is not None else []
    return Message("\n".join(lines), rows(numbers, extra, [_menu_button()]))


def no_answer(draft_id: int | None) -> Message:
    text = _("Xin lỗi, tôi chưa tìm được câu trả lời cho câu hỏi này.")
    if draft_id is None:
        text += "\n" + _("Bạn có thể hỏi lại bằng cách khác, hoặc chọn một chủ đề trong danh mục câu hỏi.")
        return Message(text, rows([_menu_button()]))
    text += "\n" + _(
        "Bấm <b>Hỏi người hỗ trợ</b> để gửi câu hỏi cho cán bộ hỗ trợ của Tổ; câu trả lời sẽ được gửi cho bạn tại đây."
    )
    return Message(text, rows([_ask_button(draft_id)], [_menu_button()]))


def type_your_question(topic: Entry | None, locale: str) -> Message:
    text = _("Hãy gõ câu hỏi của bạn trong <b>một tin nhắn</b>; tôi sẽ chuyển cho người hỗ trợ.")
    if topic is not None:
        text += "\n" + _("(Người hỗ trợ sẽ biết bạn vừa đọc: <i>{question}</i>)").format(
            question=esc(topic.question.in_locale(locale))
        )
    return Message(text)


def handed_off(ticket: Ticket) -> Message:
    return Message(_(
        "📨 Câu hỏi của bạn đã được chuyển tới người hỗ trợ (mã <b>#{number}</b>). "
        "Câu trả lời sẽ được gửi cho bạn tại đây."
    ).format(number=ticket.id))


def relayed_answer(ticket: Ticket, text: str) -> Message:
    """The support member's answer as the citizen reads it: in the bot's name, nobody's."""
    header = _("💬 <b>Trả lời câu hỏi #{number} của bạn</b>").format(number=ticket.id)
    quoted = _("Câu hỏi của bạn: {question}").format(question=esc(_shorten(ticket.question or "", QUOTED_QUESTION)))
    return Message(f"{header}\n\n{esc(text.strip())}\n\n<i>{quoted}</i>", rows([_menu_button()]))


def closed_notice(ticket: Ticket) -> Message:
    return Message(_(
        "Câu hỏi #{number} của bạn đã được đóng mà không có câu trả lời riêng. "
        "Bạn có thể xem danh mục câu hỏi thường gặp, hoặc gửi một câu hỏi mới."
    ).format(number=ticket.id), rows([_menu_button()]))


def not_text() -> Message:
    return Message(_("Xin lỗi, tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi của bạn, hoặc chọn trong danh mục câu hỏi."),
                   rows([_menu_button()]))


def slow_down(wait: timedelta) -> str:
    return _(
        "Bạn đang gửi hơi nhanh. Xin vui lòng chờ khoảng {seconds} giây rồi gửi tiếp; "
        "tin nhắn gửi trong lúc này sẽ không được trả lời."
    ).format(seconds=max(1, round(wait.total_seconds())))


# --- support members --------------------------------------------------------------------------


def ticket_card(ticket: Ticket, topic: Entry | None, zone: ZoneInfo) -> Message:
    text = _ticket_text(ticket, topic, zone) + "\n\n" + _(
        "↩️ <b>Trả lời tin nhắn này</b> để gửi câu trả lời cho người dân. "
        "Bot gửi thay bạn, không kèm tên bạn."
    )
    return Message(text, rows([Button(_("Đóng, không trả lời"), data=data(CLOSE, ticket.id))]))


def ticket_reminder(ticket: Ticket, topic: Entry | None, zone: ZoneInfo, waited: timedelta) -> Message:
    header = _("⏰ <b>Nhắc việc:</b> câu hỏi này chưa được trả lời sau {waited}.").format(waited=duration(waited))
    card = ticket_card(ticket, topic, zone)
    return Message(f"{header}\n\n{card.text}", card.buttons)


def ticket_escalation(ticket: Ticket, zone: ZoneInfo, waited: timedelta, support: Sequence[Member]) -> Message:
    names = ", ".join(esc(member.short_name) for member in support) or _("chưa có ai")
    text = _(
        "⚠️ Câu hỏi #{number} của người dân chưa được trả lời sau {waited}. Người hỗ trợ: {names}."
    ).format(number=ticket.id, waited=duration(waited), names=names)
    return Message(f"{text}\n\n{_ticket_text(ticket, None, zone)}")


def ticket_card_settled(ticket: Ticket, topic: Entry | None, zone: ZoneInfo, by: Member) -> Message:
    assert ticket.closed_at is not None
    values = {"at": format_moment(ticket.closed_at, zone), "name": esc(by.short_name)}
    if ticket.answered_by_member_id is not None:
        status = _("✅ Đã trả lời lúc {at} ({name}).").format(**values)
    else:
        status = _("☑️ Đã đóng, không trả lời, lúc {at} ({name}).").format(**values)
    return Message(f"{_ticket_text(ticket, topic, zone)}\n\n{status}")


def answer_sent(ticket: Ticket) -> Message:
    return Message(_("✅ Đã gửi câu trả lời cho người dân (câu hỏi #{number}).").format(number=ticket.id))


def closed(ticket: Ticket) -> str:
    return _("Đã đóng câu hỏi #{number}.").format(number=ticket.id)


def _ticket_text(ticket: Ticket, topic: Entry | None, zone: ZoneInfo) -> str:
    assert ticket.opened_at is not None
    lines = [
        _("🙋 <b>Câu hỏi của người dân #{number}</b>").format(number=ticket.id),
        format_moment(ticket.opened_at, zone),
        "",
        f"<blockquote>{esc(ticket.question or '')}</blockquote>",
    ]
    if topic is not None:
        lines.append(_("Người dân vừa đọc: <i>{question}</i>").format(question=esc(topic.question.in_locale(current_locale()))))
    return "\n".join(lines)


def duration(value: timedelta) -> str:
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return _("{count} phút").format(count=minutes)
    hours, minutes = divmod(minutes, 60)
    text = _("{count} giờ").format(count=hours)
    return text + " " + _("{count} phút").format(count=minutes) if minutes else text


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- digest ---------------------------------------------------------------------------------


def digest_section(digest: HelpdeskDigest, locale: str) -> str:
    """The help desk's part of a digest, Telegram HTML, in the current locale."""
    lines = [_("<b>Hỗ trợ người dân</b>")]
    lines.append(_("Câu hỏi đã gõ: {typed}, trả lời ngay: {answered}").format(
        typed=format_number(digest.questions_typed), answered=format_number(digest.answered_at_once)
    ))
    lines.append(_("Chuyển người hỗ trợ: {opened}, đã trả lời: {answered}, đóng không trả lời: {closed}").format(
        opened=format_number(digest.tickets_opened), answered=format_number(digest.tickets_answered),
        closed=format_number(digest.tickets_closed),
    ))
    if digest.unanswered_rate is not None:
        lines.append(_("Tỷ lệ chưa được trả lời: {rate}%").format(rate=format_number(round(digest.unanswered_rate * 100))))
    if digest.median_answer_time is not None:
        lines.append(_("Thời gian chờ trả lời (trung vị): {waited}").format(waited=duration(digest.median_answer_time)))
    if digest.open_now:
        lines.append(_("Đang chờ trả lời: {count}").format(count=format_number(digest.open_now)))
    if digest.top_questions:
        lines.append(_("Hỏi nhiều nhất:"))
        lines += [f"{number}. {esc(top.question.in_locale(locale) if top.question else top.entry_id)} "
                  f"({format_number(top.count)})" for number, top in enumerate(digest.top_questions, 1)]
    return "\n".join(lines)
