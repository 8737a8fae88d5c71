"""Secondment requests through the real bot: draft, submit, decide once, paperwork, reminders."""

import asyncio
import io
from typing import Any

import docx
from sqlalchemy import func, select

from bot.audit import AuditEntry
from bot.outbox.models import OutboxMessage
from bot.outbox.models import Status as OutboxStatus
from bot.sandbox.client import Message, Sent
from bot.secondment.models import SecondmentDecision, SecondmentRequest, SecondmentVersion, Status
from bot.secondment.service import active_secondees
from tests.e2e.harness import Harness

DIRECTOR, LEADER, DEPUTY, MEMBER, CITIZEN = 1000, 1001, 1003, 1004, 555001
TUAN = 1007  # Bùi Anh Tuấn, unit ttcntt (manager 2001)
TTCNTT_MANAGER, CDC_MANAGER = 2001, 2003

PEOPLE = "Bùi Anh Tuấn\nTrần Thị Hoa, cdc, Bác sĩ"
REASON = "Số ca F0 tăng nhanh, cần thêm nhân lực trực hệ thống truy vết"
WORK = "Trực và hỗ trợ vận hành hệ thống truy vết, khai báo y tế"
PERIOD = "từ 1/12 đến 31/12"


def buttons(message: Message) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def say(harness: Harness, who: int, text: str) -> Message:
    return await harness.reply_to(await harness.person(who).says(text))


async def press(harness: Harness, who: int, message: Message, button: str, crafted: bool = False) -> dict[str, Any]:
    pressed = await harness.person(who).presses(message, button, crafted=crafted)
    await harness.handled(pressed)
    return await harness.client.wait_callback_answer(pressed.callback_query_id or "")


async def settle(harness: Harness) -> None:
    """Wait until nothing is left in the outbox, not even a row the delivery worker is sending now.

    (`drain` returns while the background worker may still hold a claimed row; stopping the bot then
    would leave it leased for a minute, blocking that chat after the restart.)
    """
    for _ in range(200):
        async with harness.app.storage.read() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING))
        if not pending:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the outbox did not settle")


async def fill_draft(harness: Harness, *, restart_midway: bool = False) -> Message:
    """The leader goes through the guided flow; returns the summary to confirm."""
    first = await say(harness, LEADER, "/trungdung")
    assert "bước 1/4" in first["text"]
    assert "bước 2/4" in (await say(harness, LEADER, PEOPLE))["text"]
    if restart_midway:  # the draft survives a restart and /trungdung resumes it
        await settle(harness)
        await harness.restart()
        resumed = await harness.person(LEADER).says("/trungdung")
        await harness.handled(resumed)
        after = await harness.messages_after(resumed, LEADER)
        assert "tiếp tục" in after[0]["text"] and "bước 2/4" in after[1]["text"]
    assert "bước 3/4" in (await say(harness, LEADER, REASON))["text"]
    assert "bước 4/4" in (await say(harness, LEADER, WORK))["text"]
    summary = await say(harness, LEADER, PERIOD)
    assert "Bùi Anh Tuấn" in summary["text"] and "Trần Thị Hoa" in summary["text"]
    assert "01/12/2026" in summary["text"] and "31/12/2026" in summary["text"]
    assert "📨 Gửi Giám đốc" in buttons(summary)
    return summary


async def submit(harness: Harness, summary: Message) -> tuple[Message, Message]:
    """Press send; returns the Director's card and the Tờ trình document message."""
    seq = await harness.last_seq()
    answer = await press(harness, LEADER, summary, "📨 Gửi Giám đốc")
    assert answer["answered"]
    sent = await harness.messages_after(seq, DIRECTOR)
    card = next(m for m in sent if m["text"] and "Đề nghị trưng dụng số" in m["text"])
    paper = next(m for m in sent if m["document"])
    return card, paper


async def open_docx(harness: Harness, message: Message) -> docx.document.Document:
    data = await harness.client.download(message["document"]["file_id"])
    return docx.Document(io.BytesIO(data))


def texts(document: docx.document.Document) -> tuple[list[str], list[str]]:
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return paragraphs, cells


async def request_row(harness: Harness) -> SecondmentRequest:
    async with harness.app.storage.read() as session:
        request = await session.scalar(select(SecondmentRequest))
        assert request is not None
        return request


async def test_from_draft_to_approval_with_paperwork_and_unit_managers_told(harness: Harness) -> None:
    summary = await fill_draft(harness, restart_midway=True)
    card, paper = await submit(harness, summary)
    assert "Người đề nghị: Hoàng Mạnh Cường" in card["text"]
    assert buttons(card) == ["✅ Duyệt", "❌ Từ chối", "📝 Cần bổ sung"]

    # The Tờ trình, in the Decree 30 layout.
    proposal = await open_docx(harness, paper)
    paragraphs, cells = texts(proposal)
    heading_left, heading_right = cells[0], cells[1]
    assert heading_left.splitlines() == [
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "TỔ CNTT PHỤC VỤ PHÒNG CHỐNG DỊCH COVID-19", "Số: 1/TTr-TCNTT"]
    assert heading_right.splitlines() == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Hòa Bình, ngày 25 tháng 11 năm 2026"]
    assert paragraphs[0] == "TỜ TRÌNH"
    assert paragraphs[1].startswith("Về việc đề nghị trưng dụng cán bộ")
    assert "Kính gửi: Giám đốc Sở Thông tin và Truyền thông" in paragraphs
    assert any(REASON in p for p in paragraphs) and any(WORK in p for p in paragraphs)
    assert any("từ ngày 01/12/2026 đến ngày 31/12/2026" in p for p in paragraphs)
    assert ["1", "Bùi Anh Tuấn", "Trung tâm CNTT-TT", "Kỹ sư"] == cells[6:10]
    assert ["2", "Trần Thị Hoa", "cdc", "Bác sĩ"] == cells[10:14]
    receivers, signature = cells[-2], cells[-1]
    assert receivers.splitlines() == ["Nơi nhận:", "- Như trên;", "- Lưu: VT, TCNTT."]
    assert signature.split("\n")[0] == "TỔ TRƯỞNG" and signature.rstrip().endswith("Hoàng Mạnh Cường")

    seq = await harness.last_seq()
    answer = await press(harness, DIRECTOR, card, "✅ Duyệt")
    assert "Đã duyệt" in answer["text"]
    closed = await harness.client.message(card["chat_id"], card["message_id"])
    assert "Đã duyệt</b> bởi Trần Văn An" in closed["html"] and buttons(closed) == []

    told = await harness.messages_after(seq, LEADER)
    approval = next(m for m in told if m["text"] and "đã duyệt" in m["text"])
    assert "từ 01/12/2026 đến 31/12/2026" in approval["text"]
    decision = await open_docx(harness, next(m for m in told if m["document"]))
    paragraphs, cells = texts(decision)
    assert paragraphs[0] == "DỰ THẢO" and "QUYẾT ĐỊNH" in paragraphs and "QUYẾT ĐỊNH:" in paragraphs
    assert cells[0].splitlines() == ["UBND TỈNH HÒA BÌNH", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Số:      /QĐ-STTTT"]
    assert cells[1].splitlines()[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert any("Xét Tờ trình số 1/TTr-TCNTT ngày 25/11/2026" in p for p in paragraphs)
    assert any(p.startswith("Điều 1.") and "từ ngày 01/12/2026 đến ngày 31/12/2026" in p for p in paragraphs)
    assert "Bùi Anh Tuấn" in cells and "Trần Thị Hoa" in cells
    assert cells[-2].splitlines()[0] == "Nơi nhận:"
    assert cells[-1].split("\n")[0] == "GIÁM ĐỐC" and cells[-1].rstrip().endswith("Trần Văn An")

    secondee = await harness.messages_after(seq, TUAN)
    assert len(secondee) == 1 and "trưng dụng bạn" in secondee[0]["text"] and "31/12/2026" in secondee[0]["text"]
    ttcntt = await harness.messages_after(seq, TTCNTT_MANAGER)
    assert len(ttcntt) == 1 and "Bùi Anh Tuấn" in ttcntt[0]["text"] and "Trần Thị Hoa" not in ttcntt[0]["text"]
    cdc = await harness.messages_after(seq, CDC_MANAGER)
    assert len(cdc) == 1 and "Trần Thị Hoa" in cdc[0]["text"]

    request = await request_row(harness)
    assert request.status == Status.APPROVED and request.decided_by == DIRECTOR
    async with harness.app.storage.read() as session:
        actions = list(await session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == f"secondment:{request.id}").order_by(AuditEntry.id)))
        from datetime import datetime, UTC
        seconded = await active_secondees(session, request.team_id, datetime(2026, 12, 10, 3, tzinfo=UTC),
                                          zone=harness.settings.zone)
        before = await active_secondees(session, request.team_id, harness.clock.now(), zone=harness.settings.zone)
    assert actions[0] == "secondment.draft" and "secondment.submit" in actions and actions[-1] == "secondment.approved"
    assert [m.full_name for m in seconded] == ["Bùi Anh Tuấn"] and before == []
    assert await harness.api_errors() == []


async def submitted_card(harness: Harness) -> Message:
    card, _ = await submit(harness, await fill_draft(harness))
    return card


async def decisions(harness: Harness) -> list[tuple[int, str, str | None]]:
    async with harness.app.storage.read() as session:
        rows = await session.scalars(select(SecondmentDecision).order_by(SecondmentDecision.version))
        return [(d.version, str(d.outcome), d.note) for d in rows]


async def test_needs_more_then_resubmit_then_reject_keeps_the_history(harness: Harness) -> None:
    first_card = await submitted_card(harness)
    await press(harness, DIRECTOR, first_card, "📝 Cần bổ sung")
    assert "Cần bổ sung những gì" in (await harness.person(DIRECTOR).last_message())["text"]
    seq = await harness.last_seq()
    recorded = await say(harness, DIRECTOR, "Ghi rõ lịch trực từng người")
    assert "Đã ghi nhận: Cần bổ sung" in recorded["text"]
    closed = await harness.client.message(first_card["chat_id"], first_card["message_id"])
    assert "Cần bổ sung</b> bởi Trần Văn An" in closed["html"] and "Ghi rõ lịch trực" in closed["text"]

    returned = (await harness.messages_after(seq, LEADER))[-1]
    assert "bổ sung" in returned["text"] and "Ghi rõ lịch trực từng người" in returned["text"]
    assert "📨 Gửi lại Giám đốc" in buttons(returned) and "✏️ Công việc" in buttons(returned)
    await press(harness, LEADER, returned, "✏️ Công việc")
    question = await harness.person(LEADER).last_message()
    assert "bước 3/4" in question["text"]
    summary = await say(harness, LEADER, "Trực hệ thống truy vết theo ca: sáng Tuấn, chiều Hoa")
    assert "sáng Tuấn, chiều Hoa" in summary["text"]

    seq = await harness.last_seq()
    await press(harness, LEADER, summary, "📨 Gửi lại Giám đốc")
    second_card = next(m for m in await harness.messages_after(seq, DIRECTOR)
                       if m["text"] and "(lần 2)" in m["text"])
    assert "sáng Tuấn, chiều Hoa" in second_card["text"]

    # The first card is stale: pressing it (its data is still known) decides nothing.
    request = await request_row(harness)
    stale = await press(harness, DIRECTOR, first_card, f"sd1:{request.id}:1:a", crafted=True)
    assert "đã được quyết định (Cần bổ sung) bởi Trần Văn An" in stale["text"]

    await press(harness, DIRECTOR, second_card, "❌ Từ chối")
    assert "lý do từ chối" in (await harness.person(DIRECTOR).last_message())["text"]
    seq = await harness.last_seq()
    await say(harness, DIRECTOR, "Chưa đủ biên chế để trưng dụng")
    rejection = (await harness.messages_after(seq, LEADER))[-1]
    assert "từ chối" in rejection["text"] and "Chưa đủ biên chế để trưng dụng" in rejection["text"]

    request = await request_row(harness)
    assert request.status == Status.REJECTED and request.version == 2
    assert await decisions(harness) == [(1, "needs_info", "Ghi rõ lịch trực từng người"),
                                        (2, "rejected", "Chưa đủ biên chế để trưng dụng")]
    async with harness.app.storage.read() as session:
        versions = list(await session.scalars(select(SecondmentVersion).order_by(SecondmentVersion.version)))
    assert [v.content["work"] for v in versions] == [WORK, "Trực hệ thống truy vết theo ca: sáng Tuấn, chiều Hoa"]
    assert await harness.api_errors() == []


async def test_cancel_under_the_why_question_pressed_after_the_answer_reopens_nothing(harness: Harness) -> None:
    card = await submitted_card(harness)
    await press(harness, DIRECTOR, card, "❌ Từ chối")
    question = await harness.person(DIRECTOR).last_message()
    assert "lý do từ chối" in question["text"] and buttons(question) == ["Hủy"]
    await say(harness, DIRECTOR, "Chưa đủ biên chế để trưng dụng")
    seq = await harness.last_seq()
    late = await press(harness, DIRECTOR, question, "Hủy")
    assert "đã được quyết định (Từ chối) bởi Trần Văn An" in late["text"]
    assert await harness.messages_after(seq, DIRECTOR) == []  # no "still waiting for you"
    assert (await request_row(harness)).status == Status.REJECTED
    assert await harness.api_errors() == []


SECOND_TEAM = """
team: {code: second, name: "Tổ thứ hai"}
members:
  - {telegram_id: 4000, full_name: "Lê Văn Giám", role: director}
  - {telegram_id: 4001, full_name: "Mai Văn Trưởng", role: leader}
"""


async def test_a_member_a_citizen_and_another_teams_director_cannot_decide(harness: Harness) -> None:
    await harness.add_roster(SECOND_TEAM)
    card = await submitted_card(harness)
    request = await request_row(harness)
    crafted = f"sd1:{request.id}:1:a"
    await harness.client.register_user(CITIZEN, "Lan")
    for person in (MEMBER, CITIZEN, DEPUTY, 4000):
        home = await say(harness, person, "/start")
        answer = await press(harness, person, home, crafted, crafted=True)
        assert answer["show_alert"] and "Đã duyệt" not in answer["text"], answer
    async with harness.app.storage.read() as session:
        denied = list(await session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "denied")))
    assert sorted(denied) == sorted([MEMBER, DEPUTY, CITIZEN])  # refused by role; the other Director by the service
    request = await request_row(harness)
    assert request.status == Status.SUBMITTED and request.decided_by is None
    assert await decisions(harness) == []
    assert buttons(await harness.client.message(card["chat_id"], card["message_id"])) != []
    assert await harness.api_errors() == []


async def test_two_presses_before_the_bot_handles_either_decide_once(harness: Harness) -> None:
    card = await submitted_card(harness)
    await settle(harness)
    await harness.stop_bot()
    director = harness.person(DIRECTOR)
    first = await director.presses(card, "✅ Duyệt")
    second = await director.presses(card, "✅ Duyệt")  # the Director's other device, same card
    seq = await harness.last_seq()
    await harness.start_bot()
    await harness.handled(first)
    await harness.handled(second)
    answers = [await harness.client.wait_callback_answer(p.callback_query_id or "") for p in (first, second)]
    assert "Đã ghi nhận: Đã duyệt" in answers[0]["text"]
    assert "đã được quyết định (Đã duyệt) bởi Trần Văn An" in answers[1]["text"]
    assert await decisions(harness) == [(1, "approved", None)]
    approvals = [m for m in await harness.messages_after(seq, LEADER) if m["text"] and "đã duyệt" in m["text"]]
    assert len(approvals) == 1
    assert await harness.api_errors() == []


async def test_the_director_is_reminded_once_after_four_hours(harness: Harness) -> None:
    await submitted_card(harness)
    seq = await harness.last_seq()
    await harness.advance(hours=3, minutes=59)
    assert await harness.messages_after(seq, DIRECTOR) == []
    await harness.advance(minutes=2)
    reminders = await harness.messages_after(seq, DIRECTOR)
    assert len(reminders) == 1 and "⏰ Nhắc" in reminders[0]["text"] and "✅ Duyệt" in buttons(reminders[0])
    await harness.advance(hours=8)
    assert len(await harness.messages_after(seq, DIRECTOR)) == 1
    # Deciding from the reminder closes it too.
    await press(harness, DIRECTOR, reminders[0], "✅ Duyệt")
    assert buttons(await harness.client.message(reminders[0]["chat_id"], reminders[0]["message_id"])) == []


async def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(harness: Harness) -> None:
    from datetime import UTC, datetime

    harness.clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))  # 20:00 in Hà Nội
    await submitted_card(harness)
    seq = await harness.last_seq()
    await harness.advance(hours=4, minutes=5)  # 00:05: quiet
    assert await harness.messages_after(seq, DIRECTOR) == []
    await harness.advance(hours=6, minutes=20)  # 06:25: still quiet
    assert await harness.messages_after(seq, DIRECTOR) == []
    await harness.advance(minutes=10)  # 06:35
    assert len(await harness.messages_after(seq, DIRECTOR)) == 1


async def test_waiting_requests_and_coming_convocations_are_in_the_directors_digest(harness: Harness) -> None:
    await submitted_card(harness)
    await say(harness, LEADER, "/trieutap Vũ Mạnh Hùng, Đỗ Thị Mai Họp triển khai lúc 14h chiều mai tại Phòng họp")
    asked = await harness.person(DIRECTOR).says("/tonghop")
    await harness.handled(asked)
    text = "\n".join(m["text"] or m["caption"] or "" for m in await harness.messages_after(asked, DIRECTOR))
    assert "Đề nghị trưng dụng chờ quyết định (1)" in text and "Bùi Anh Tuấn, Trần Thị Hoa" in text
    assert "Triệu tập sắp tới (1)" in text and "tham gia 0, vắng 0, chưa trả lời 2" in text
    assert await harness.api_errors() == []


async def test_a_plain_message_answers_the_draft_only_right_after_its_question(harness: Harness) -> None:
    await say(harness, LEADER, "/trungdung")
    question = await say(harness, LEADER, PEOPLE)
    assert "bước 2/4" in question["text"]
    await say(harness, LEADER, "/trogiup")  # something else came in between
    stray = await say(harness, LEADER, REASON)
    assert "bước 3/4" not in stray["text"]  # left to the rest of the bot, not taken as the reason
    assert (await request_row(harness)).reason is None
    answered = await harness.reply_to(await harness.person(LEADER).replies_to(question, REASON))
    assert "bước 3/4" in answered["text"] and (await request_row(harness)).reason == REASON
