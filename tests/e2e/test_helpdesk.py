"""The citizen help desk through the real bot and the sandbox: menus, typed questions, hand-off, floods."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.clock import ManualClock
from bot.helpdesk.knowledge import SHIPPED_FILE, load_knowledge
from bot.helpdesk.models import Ticket, TicketStatus
from bot.roster.models import Member
from bot.telegram_html import parse_html
from tests.e2e.harness import DEMO_ROSTER, Harness, start_of_test_day

KNOWLEDGE = load_knowledge(SHIPPED_FILE)
LABELLED = yaml.safe_load((Path(__file__).parents[1] / "data" / "faq_questions.yaml").read_text(encoding="utf-8"))
CITIZEN = 555001
HUNG, SON = 1004, 1011  # the demo team's support members (area hotro)
LEADER, DEPUTIES = 1001, (1002, 1003)

# Typed the way people type: the labelled questions the matcher must answer at once (no diacritics,
# shorthand, slang), the same with diacritics, and with typos.
TYPED = [(item["q"], item["id"]) for item in LABELLED["questions"] if item.get("confident")][:30] + [
    ("Làm sao khai báo y tế?", "declare_howto"),
    ("Cách quét mã QR", "scan_howto"),
    ("Đăng ký điểm QR cho quán ăn", "place_register_howto"),
    ("Tra cứu kết quả xét nghiệm ở đâu", "test_result_where"),
    ("QUET MA QR THE NAO", "scan_howto"),
    ("lam sao khai bao y tee", "declare_howto"),
    ("dang ki diem qr cho quan an", "place_register_howto"),
    ("tai app pc covd o dau", "pccovid_install"),
    ("chung nhan tiem vacxin tren app", "vaccine_certificate_lookup"),
]
UNANSWERABLE = "toi bi mat giay to tuy than thi lam lai o dau"


@pytest.fixture
async def roomy(database_url: str) -> AsyncIterator[Harness]:
    """The demo team with a flood limit no conversation in these tests reaches."""
    h = Harness(database_url, ManualClock(start_of_test_day()))
    await h.open(DEMO_ROSTER.read_text(encoding="utf-8"), citizen_rate_limit=500)
    try:
        yield h
    finally:
        await h.close()


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_texts(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons(message)]


def visible(html: str) -> str:
    return parse_html(html)[0]


async def press(harness: Harness, person: int, message: dict[str, Any], button: str) -> dict[str, Any]:
    """Press a button and return the message as it is afterwards (menus are edited in place)."""
    pressed = await harness.person(person).presses(message, button)
    await harness.handled(pressed)
    await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    return await harness.client.message(message["chat_id"], message["message_id"])


async def ticket_rows(harness: Harness) -> list[Ticket]:
    async with harness.app.storage.read() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


# --- menu -------------------------------------------------------------------------------------


async def test_citizen_start_shows_the_categories_and_the_menu_leads_to_answers(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    menu = await harness.reply_to(await harness.person(CITIZEN).says("/start"))
    assert "trợ lý của Tổ CNTT phục vụ phòng chống dịch" in menu["text"]
    assert button_texts(menu) == [
        "Quét mã QR", "Khai báo y tế", "Đăng ký điểm QR cho cơ sở", "Chứng nhận tiêm chủng",
        "Kết quả xét nghiệm", "Cách ly và truy vết", "Liên hệ hỗ trợ",
    ]

    questions = await press(harness, CITIZEN, menu, "Quét mã QR")
    assert questions["text"].startswith("Quét mã QR\n\n1. Quét mã QR khi vào một địa điểm như thế nào?")
    assert len(KNOWLEDGE.in_category("scan")) == 6 and button_texts(questions)[:6] == ["1", "2", "3", "4", "5", "6"]

    answer = await press(harness, CITIZEN, questions, "1")
    assert answer["text"] == visible(KNOWLEDGE.entry("scan_howto").answer.vi)
    assert button_texts(answer) == ["Trang PC-Covid", "⬅️ Quay lại", "🙋 Hỏi người hỗ trợ"]
    assert buttons(answer)[0]["url"] == "https://pccovid.gov.vn"

    back = await press(harness, CITIZEN, answer, "⬅️ Quay lại")
    assert back["text"] == questions["text"]
    categories = await press(harness, CITIZEN, back, "⬅️ Quay lại")
    assert button_texts(categories)[0] == "Quét mã QR"
    assert await harness.api_errors() == []


async def test_hoidap_and_faq_open_the_menu_for_anyone(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    for text in ("/hoidap", "/faq"):
        menu = await harness.reply_to(await harness.person(CITIZEN).says(text))
        assert menu["text"].startswith("Hỏi đáp cho người dân") and len(buttons(menu)) == 7
    member_menu = await harness.reply_to(await harness.person(1005).says("/hoidap"))
    contact = await press(harness, 1005, member_menu, "Liên hệ hỗ trợ")
    answer = await press(harness, 1005, contact, "1")
    assert "🙋 Hỏi người hỗ trợ" not in button_texts(answer)  # members ask their colleagues directly
    assert await harness.api_errors() == []


async def test_an_english_speaking_citizen_gets_english_titles_and_answers(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Anna", language_code="en")
    menu = await harness.reply_to(await harness.person(CITIZEN).says("/faq"))
    assert button_texts(menu)[0] == "Scanning QR codes"
    reply = await harness.reply_to(await harness.person(CITIZEN).says("how do I scan a qr code"))
    assert reply["text"] == visible(KNOWLEDGE.entry("scan_howto").answer.en or "")
    assert "🙋 Ask a person" in button_texts(reply) or "🙋 Hỏi người hỗ trợ" in button_texts(reply)


# --- typed questions ---------------------------------------------------------------------------


async def test_typed_questions_are_answered_with_the_right_entry_in_one_message(roomy: Harness) -> None:
    assert len(TYPED) >= 30
    await roomy.client.register_user(CITIZEN, "Lan")
    citizen = roomy.person(CITIZEN)
    wrong = []
    for question, entry_id in TYPED:
        reply = await roomy.reply_to(await citizen.says(question))
        if reply["text"] != visible(KNOWLEDGE.entry(entry_id).answer.vi):
            wrong.append((question, entry_id, reply["text"][:80]))
        assert "🙋 Hỏi người hỗ trợ" in button_texts(reply)
    assert wrong == []
    assert await roomy.api_errors() == []


@pytest.mark.parametrize("item", LABELLED["near_misses"][:3], ids=lambda item: item["q"])
async def test_vague_questions_offer_three_choices_as_buttons(harness: Harness, item: dict[str, str]) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    reply = await harness.reply_to(await harness.person(CITIZEN).says(item["q"]))
    assert reply["text"].startswith("Có phải bạn muốn hỏi một trong những câu sau?")
    assert button_texts(reply) == ["1", "2", "3", "🙋 Hỏi người hỗ trợ", "📋 Danh mục câu hỏi"]
    offered = [line.split(". ", 1)[1] for line in reply["text"].splitlines() if line[:2] in ("1.", "2.", "3.")]
    expected = KNOWLEDGE.entry(item["id"]).question.vi
    assert expected in offered
    chosen = await press(harness, CITIZEN, reply, str(offered.index(expected) + 1))
    assert chosen["text"] == visible(KNOWLEDGE.entry(item["id"]).answer.vi)
    assert await harness.api_errors() == []


async def test_members_text_is_not_taken_for_a_citizen_question(harness: Harness) -> None:
    reply = await harness.reply_to(await harness.person(1005).says("cach quet ma qr"))
    assert reply["text"] != visible(KNOWLEDGE.entry("scan_howto").answer.vi)
    assert await ticket_rows(harness) == []


# --- hand-off ----------------------------------------------------------------------------------


async def hand_off(harness: Harness, question: str = UNANSWERABLE) -> tuple[dict[str, Any], Ticket]:
    await harness.client.register_user(CITIZEN, "Lan", "Nguyễn", username="lan_citizen")
    offer = await harness.reply_to(await harness.person(CITIZEN).says(question))
    assert offer["text"].startswith("Xin lỗi, tôi chưa tìm được câu trả lời")
    sent = await press(harness, CITIZEN, offer, "🙋 Hỏi người hỗ trợ")
    [ticket] = await ticket_rows(harness)
    assert sent["text"].startswith(f"📨 Câu hỏi của bạn đã được chuyển tới người hỗ trợ (mã #{ticket.id})")
    assert buttons(sent) == []
    return sent, ticket


async def test_a_question_nobody_could_answer_reaches_support_and_the_answer_comes_back(harness: Harness) -> None:
    sent, ticket = await hand_off(harness)
    cards = {member: await harness.person(member).last_message() for member in (HUNG, SON)}
    for card in cards.values():
        assert f"Câu hỏi của người dân #{ticket.id}" in card["text"] and UNANSWERABLE in card["text"]
        assert "Lan" not in card["text"] and str(CITIZEN) not in card["text"]  # who asked is not shown
    for other in (1005, LEADER):  # not on support
        assert not [m for m in await harness.client.bot_messages(other) if f"#{ticket.id}" in m["text"]]

    reply = await harness.person(SON).replies_to(cards[SON], "Bạn đến UBND xã nơi cư trú để làm lại giấy tờ.")
    confirmation = await harness.reply_to(reply)
    assert confirmation["text"] == f"✅ Đã gửi câu trả lời cho người dân (câu hỏi #{ticket.id})."
    relayed = await harness.person(CITIZEN).last_message()
    assert relayed["text"].startswith(f"💬 Trả lời câu hỏi #{ticket.id} của bạn\n\nBạn đến UBND xã nơi cư trú")
    for revealing in ("Sơn", "Phan Hải", "son_ph", str(SON)):
        assert revealing not in relayed["text"]

    hung_card = await harness.client.message(cards[HUNG]["chat_id"], cards[HUNG]["message_id"])
    assert "✅ Đã trả lời lúc" in hung_card["text"] and buttons(hung_card) == []
    late = await harness.reply_to(await harness.person(HUNG).replies_to(cards[HUNG], "Anh đến xã nhé"))
    assert late["text"] == "Câu hỏi này đã được trả lời; câu trả lời của bạn không được gửi đi."
    assert len([m for m in await harness.client.bot_messages(CITIZEN) if m["text"].startswith("💬")]) == 1

    [answered] = await ticket_rows(harness)
    async with harness.app.storage.read() as session:
        son = await session.scalar(select(Member).where(Member.telegram_id == SON))
    assert answered.status == TicketStatus.ANSWERED and answered.answered_by_member_id == son.id
    assert await harness.api_errors() == []


async def test_asking_a_person_from_under_an_answer_takes_the_next_message(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    answer = await harness.reply_to(await harness.person(CITIZEN).says("lam sao khai bao y te"))
    pressed = await harness.person(CITIZEN).presses(answer, "🙋 Hỏi người hỗ trợ")
    prompt = await harness.reply_to(pressed, CITIZEN)
    assert prompt["text"].startswith("Hãy gõ câu hỏi của bạn trong một tin nhắn")
    typed = "Tôi khai báo rồi mà không thấy mã QR"
    confirmation = await harness.reply_to(await harness.person(CITIZEN).says(typed))
    [ticket] = await ticket_rows(harness)
    assert confirmation["text"].startswith(f"📨 Câu hỏi của bạn đã được chuyển tới người hỗ trợ (mã #{ticket.id})")
    card = await harness.person(HUNG).last_message()
    assert typed in card["text"] and "Khai báo y tế ở đâu, như thế nào?" in card["text"]
    assert await harness.api_errors() == []


async def test_only_support_members_of_the_team_can_close_a_ticket(harness: Harness) -> None:
    _, ticket = await hand_off(harness)
    card = await harness.person(HUNG).last_message()
    crafted = await harness.person(1005).presses(card, f"hd1:x:{ticket.id}", crafted=True)
    await harness.handled(crafted)
    refusal = await harness.client.wait_callback_answer(crafted.callback_query_id or "")
    assert "Chỉ người hỗ trợ người dân" in refusal["text"]
    citizen_try = await harness.person(CITIZEN).presses(card, f"hd1:x:{ticket.id}", crafted=True)
    await harness.handled(citizen_try)
    assert (await ticket_rows(harness))[0].status == TicketStatus.OPEN

    closed = await press(harness, HUNG, card, "Đóng, không trả lời")
    assert "☑️ Đã đóng, không trả lời" in closed["text"]
    notice = await harness.person(CITIZEN).last_message()
    assert notice["text"].startswith(f"Câu hỏi #{ticket.id} của bạn đã được đóng")
    assert (await ticket_rows(harness))[0].status == TicketStatus.CLOSED
    assert await harness.api_errors() == []


async def test_an_unanswered_ticket_is_reminded_then_escalated_and_a_reply_to_the_reminder_answers(
    harness: Harness,
) -> None:
    _, ticket = await hand_off(harness)
    await harness.advance(minutes=59)
    assert "Nhắc việc" not in (await harness.person(SON).last_message())["text"]
    await harness.advance(minutes=2)
    reminder = await harness.person(SON).last_message()
    assert reminder["text"].startswith("⏰ Nhắc việc: câu hỏi này chưa được trả lời sau 1 giờ")
    assert UNANSWERABLE in reminder["text"]

    await harness.advance(hours=3)
    leader_note = await harness.person(LEADER).last_message()
    assert leader_note["text"].startswith(f"⚠️ Câu hỏi #{ticket.id} của người dân chưa được trả lời sau 4 giờ")
    assert "Người hỗ trợ: Hùng, Sơn" in leader_note["text"]
    for deputy in DEPUTIES:
        assert f"#{ticket.id}" in (await harness.person(deputy).last_message())["text"]

    reply = await harness.person(SON).replies_to(reminder, "Xin lỗi đã để bạn chờ. Bạn gọi 1900 9095 nhé.")
    await harness.reply_to(reply)
    relayed = await harness.person(CITIZEN).last_message()
    assert "Bạn gọi 1900 9095 nhé." in relayed["text"]
    assert (await ticket_rows(harness))[0].status == TicketStatus.ANSWERED
    assert await harness.api_errors() == []


# --- safety -------------------------------------------------------------------------------------


async def test_a_flood_is_rate_limited_with_one_polite_message(database_url: str) -> None:
    h = Harness(database_url, ManualClock(start_of_test_day(), running=False))
    await h.open(DEMO_ROSTER.read_text(encoding="utf-8"), citizen_rate_limit=5,
                 citizen_rate_window=timedelta(minutes=1))
    try:
        await h.client.register_user(CITIZEN, "Spam")
        citizen = h.person(CITIZEN)
        for _ in range(5):
            reply = await h.reply_to(await citizen.says("cach quet ma qr"))
            assert reply["text"] == visible(KNOWLEDGE.entry("scan_howto").answer.vi)
        warned = await h.reply_to(await citizen.says("cach quet ma qr"))
        assert warned["text"].startswith("Bạn đang gửi hơi nhanh. Xin vui lòng chờ khoảng 60 giây")
        before = len(await h.client.bot_messages(CITIZEN))
        for _ in range(5):
            await h.handled(await citizen.says("cach quet ma qr"))
        await h.app.delivery.drain()
        assert len(await h.client.bot_messages(CITIZEN)) == before  # the rest of the flood: silence

        await h.advance(minutes=1)
        again = await h.reply_to(await citizen.says("lam sao khai bao y te"))
        assert again["text"] == visible(KNOWLEDGE.entry("declare_howto").answer.vi)
        assert await h.api_errors() == []
    finally:
        await h.close()


@pytest.mark.parametrize("command", ["/nhom", "/trungdung", "/trieutap", "/tonghop", "/xoa_du_lieu"])
async def test_internal_commands_get_the_citizen_help_answer(harness: Harness, command: str) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    reply = await harness.reply_to(await harness.person(CITIZEN).says(command))
    assert button_texts(reply)[:2] == ["Quét mã QR", "Khai báo y tế"]
    assert "Traceback" not in reply["text"] and "lỗi" not in reply["text"]
    assert await harness.api_errors() == []


async def test_the_directors_digest_counts_the_help_desk(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN + 1, "Hoa")
    await harness.reply_to(await harness.person(CITIZEN + 1).says("cach quet ma qr"))
    _, ticket = await hand_off(harness)
    digest = await harness.reply_to(await harness.person(1000).says("/tonghop"))
    texts = [m["text"] for m in await harness.messages_after(0, 1000)]
    section = next(text for text in texts if "Hỗ trợ người dân" in text)
    assert "Chuyển người hỗ trợ: 1, đã trả lời: 0" in section
    assert "Tỷ lệ chưa được trả lời: 100%" in section
    assert digest is not None and await harness.api_errors() == []
