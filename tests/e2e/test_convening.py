"""Convening through the real bot: cards, answers, unit managers, the group, reminders, roll, tasks."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot.audit import AuditEntry
from bot.convening.models import Answer, Convocation
from bot.sandbox.client import Message
from bot.tasks.models import Task
from tests.e2e.harness import Harness
from tests.e2e.test_secondment import buttons, press, say, settle

LEADER, HUNG, MAI, TUAN, LINH = 1001, 1004, 1006, 1007, 1010
TTCNTT_MANAGER, VPSO_MANAGER, CDC_MANAGER = 2001, 2002, 2003
GROUP = -1001234567890
ONE_LINE = "/trieutap Vũ Mạnh Hùng, Đỗ Thị Mai, Bùi Anh Tuấn Họp triển khai điểm QR lúc 14h chiều mai tại Phòng họp tầng 3"


async def card_of(harness: Harness, who: int, after: int) -> Message:
    cards = [m for m in await harness.messages_after(after, who) if {"Tham gia", "Attend"} & set(buttons(m))]
    assert len(cards) == 1, cards
    return cards[0]


async def convocation(harness: Harness) -> Convocation:
    async with harness.app.storage.read() as session:
        found = await session.scalar(select(Convocation))
        assert found is not None
        return found


async def test_attend_absent_with_reason_and_silent_invitees(harness: Harness) -> None:
    seq = await harness.last_seq()
    leader_card = await say(harness, LEADER, ONE_LINE)
    assert "Đã gửi giấy triệu tập" in leader_card["text"] and "Chưa trả lời: 3" in leader_card["text"]
    assert "14:00 Thứ Năm, 26/11/2026" in leader_card["text"]

    hung_card, mai_card, tuan_card = [await card_of(harness, who, seq) for who in (HUNG, MAI, TUAN)]
    assert "Họp triển khai điểm QR" in hung_card["text"] and "Phòng họp tầng 3" in hung_card["text"]
    assert "Hoàng Mạnh Cường" in hung_card["text"]
    ttcntt = await harness.messages_after(seq, TTCNTT_MANAGER)
    assert len(ttcntt) == 1 and "Vũ Mạnh Hùng" in ttcntt[0]["text"] and "Bùi Anh Tuấn" in ttcntt[0]["text"]
    assert "Đỗ Thị Mai" not in ttcntt[0]["text"] and "ưu tiên" in ttcntt[0]["text"]
    cdc = await harness.messages_after(seq, CDC_MANAGER)
    assert len(cdc) == 1 and "Đỗ Thị Mai" in cdc[0]["text"] and "14:00 Thứ Năm, 26/11/2026" in cdc[0]["text"]
    assert await harness.messages_after(seq, VPSO_MANAGER) == []
    group = await harness.messages_after(seq, GROUP)
    assert len(group) == 1 and "Họp triển khai điểm QR" in group[0]["text"]

    assert (await press(harness, HUNG, hung_card, "Tham gia"))["text"] == "Đã ghi nhận: Tham gia."
    assert "✅ Tham gia" in buttons(await harness.client.message(HUNG, hung_card["message_id"]))
    await press(harness, MAI, mai_card, "Vắng")
    assert "lý do vắng" in (await harness.person(MAI).last_message())["text"]
    assert "đã ghi nhận lý do" in (await say(harness, MAI, "Đang trực điểm tiêm lưu động"))["text"].lower()
    updated = await harness.client.message(LEADER, leader_card["message_id"])
    assert "Tham gia: 1 · Vắng: 1 · Chưa trả lời: 1" in updated["text"]

    # Not answered after DIEUPHOI_ACK_WITHIN (2h): only Tuấn is reminded, once.
    seq = await harness.last_seq()
    await harness.advance(hours=2, minutes=1)
    nudge = await harness.messages_after(seq, TUAN)
    assert len(nudge) == 1 and "chưa trả lời" in nudge[0]["text"] and "Tham gia" in buttons(nudge[0])
    assert await harness.messages_after(seq, HUNG) == [] and await harness.messages_after(seq, MAI) == []
    await harness.advance(hours=20)  # Thursday 07:01
    assert len(await harness.messages_after(seq, TUAN)) == 1

    # 30 minutes before the start: everyone attending, once.
    seq = await harness.last_seq()
    await harness.advance(hours=6, minutes=20)  # 13:21
    assert await harness.messages_after(seq, HUNG) == []
    await harness.advance(minutes=10)  # 13:31
    await harness.advance(minutes=20)
    soon = await harness.messages_after(seq, HUNG)
    assert len(soon) == 1 and "Sắp bắt đầu" in soon[0]["text"]
    assert await harness.messages_after(seq, MAI) == [] and await harness.messages_after(seq, TUAN) == []

    roll = await harness.reply_to(await harness.person(LEADER).presses(leader_card, "📋 Điểm danh"))
    assert "<b>Tham gia (1):</b>\n• Vũ Mạnh Hùng" in roll["html"]
    assert "<b>Vắng (1):</b>\n• Đỗ Thị Mai: Đang trực điểm tiêm lưu động" in roll["html"]
    assert "<b>Chưa trả lời (1):</b>\n• Bùi Anh Tuấn" in roll["html"]

    meeting = await convocation(harness)
    assert {i.member.full_name: (i.answer, i.reason) for i in meeting.invitees} == {
        "Vũ Mạnh Hùng": (Answer.ATTEND, None), "Đỗ Thị Mai": (Answer.ABSENT, "Đang trực điểm tiêm lưu động"),
        "Bùi Anh Tuấn": (Answer.NONE, None)}
    async with harness.app.storage.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject == f"convocation:{meeting.id}").order_by(AuditEntry.id)))
    assert actions == ["convocation.create", "convocation.answer", "convocation.answer",
                       "convocation.absence_reason", "convocation.remind.once", "convocation.remind.before"]
    assert await harness.api_errors() == []


async def test_the_convener_hands_out_a_task_to_the_attendees(harness: Harness) -> None:
    seq = await harness.last_seq()
    leader_card = await say(harness, LEADER, ONE_LINE)
    await press(harness, HUNG, await card_of(harness, HUNG, seq), "Tham gia")
    await press(harness, TUAN, await card_of(harness, TUAN, seq), "Tham gia")
    prompt = await harness.reply_to(await harness.person(LEADER).presses(leader_card, "📝 Giao việc cho người tham gia"))
    assert "Nhập công việc" in prompt["text"]
    seq = await harness.last_seq()
    await harness.handled(await harness.person(LEADER).says("#antoan Rà soát tường lửa điểm QR hạn 17h thứ 6"))
    async with harness.app.storage.read() as session:
        task = await session.scalar(select(Task))
        assert task is not None
        assignees = [a.member.full_name for a in task.current]
    assert task.source == "convocation" and task.title == "Rà soát tường lửa điểm QR"
    assert assignees == ["Bùi Anh Tuấn"]  # the attendee of area #antoan
    assert any("Rà soát tường lửa" in (m["text"] or "") for m in await harness.messages_after(seq, TUAN))
    assert await harness.messages_after(seq, HUNG) == []
    assert await harness.api_errors() == []


async def test_guided_flow_survives_a_restart_and_asks_morning_or_afternoon(harness: Harness) -> None:
    assert "bước 1/4" in (await say(harness, LEADER, "/trieutap"))["text"]
    assert "bước 2/4" in (await say(harness, LEADER, "#qr"))["text"]
    await settle(harness)
    await harness.restart()
    assert "bước 3/4" in (await say(harness, LEADER, "Giao ban mã QR"))["text"]
    assert "đã qua" in (await say(harness, LEADER, "8h hôm nay"))["text"]
    choice = await say(harness, LEADER, "3h thứ 6")
    assert "sáng hay buổi chiều" in choice["text"] and len(buttons(choice)) == 2
    afternoon = next(b for b in buttons(choice) if b.startswith("15:00"))
    pressed = await harness.person(LEADER).presses(choice, afternoon)
    assert "bước 4/4" in (await harness.reply_to(pressed))["text"]
    summary = await say(harness, LEADER, "https://meet.example.org/giao-ban")
    assert "15:00 Thứ Sáu, 27/11/2026" in summary["text"] and "https://meet.example.org/giao-ban" in summary["text"]
    seq = await harness.last_seq()
    await press(harness, LEADER, summary, "📣 Gửi triệu tập")
    for who in (HUNG, LINH):  # the members of #qr
        assert "Giao ban mã QR" in (await card_of(harness, who, seq))["text"]
    assert await harness.messages_after(seq, MAI) == []
    english = await card_of(harness, LINH, seq)
    assert "Attend" in buttons(english)  # Linh reads English
    assert await harness.api_errors() == []


async def test_quiet_hours_defer_a_nudge_only_while_it_still_comes_before_the_start(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 11, 25, 14, 30, tzinfo=UTC))  # Wednesday 21:30
    seq = await harness.last_seq()
    await say(harness, LEADER, "/trieutap Vũ Mạnh Hùng, Đỗ Thị Mai Họp sớm lúc 6h45 sáng mai tại Phòng trực")
    await press(harness, MAI, await card_of(harness, MAI, seq), "Tham gia")
    seq = await harness.last_seq()
    await harness.advance(hours=2, minutes=1)  # 23:31: the nudge is due, but quiet hours hold it
    assert await harness.messages_after(seq, HUNG) == []
    await harness.advance(hours=6, minutes=45)  # 06:16: the start reminder is due and goes despite quiet hours
    assert len(await harness.messages_after(seq, MAI)) == 1
    assert await harness.messages_after(seq, HUNG) == []
    await harness.advance(minutes=15)  # 06:31: quiet hours are over, the nudge goes (before the start)
    assert len(await harness.messages_after(seq, HUNG)) == 1
    assert len(await harness.messages_after(seq, MAI)) == 1
