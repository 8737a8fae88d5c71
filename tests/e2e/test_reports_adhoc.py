"""Ad-hoc requests, resuming a form after a restart, crafted buttons and the on-demand digest."""

from sqlalchemy import select

from bot.reports.models import ReportPeriod, Submission
from tests.e2e.harness import Harness
from tests.e2e.test_reports import (
    DEPUTY_DUC, DIRECTOR, HUNG_LQ, HUNG_VM, LEADER, MAI, NAM, answer, local, press, texts,
)


async def test_a_request_from_the_director_reaches_the_area_and_is_collected(harness: Harness) -> None:
    start = await harness.last_seq()
    reply = await answer(harness, DIRECTOR, "/yeucau #tiemchung Số mũi tiêm trong ngày hôm nay hạn 16h")
    assert "Đã gửi yêu cầu báo cáo" in reply["text"] and "Đỗ Thị Mai" in reply["text"]
    assert "Đã nộp 0/1" in reply["text"]

    # Only the vaccination area hears of it: Mai (Quang has no Telegram account yet).
    notice = (await harness.messages_after(start, MAI))[-1]
    assert "Trần Văn An yêu cầu báo cáo" in notice["text"] and "Số mũi tiêm trong ngày hôm nay" in notice["text"]
    assert await texts(harness, HUNG_VM, start) == [] and await texts(harness, HUNG_LQ, start) == []

    question = await harness.reply_to(await harness.person(MAI).presses(notice, "📝 Nộp báo cáo"), chat_id=MAI)
    assert "Nội dung báo cáo" in question["text"]
    summary = await answer(harness, MAI, "Đã tiêm 1.234 mũi, không có phản ứng nặng")
    assert "Đã nhận báo cáo" in (await press(harness, MAI, summary, "✅ Gửi"))["text"]

    refreshed = await harness.reply_to(await harness.person(DIRECTOR).presses(reply, "🔄 Cập nhật"), chat_id=DIRECTOR)
    assert "Đã nộp 1/1" in refreshed["text"] and "Đúng hạn: Đỗ Thị Mai" in refreshed["text"]
    async with harness.app.storage.read() as session:
        period = await session.scalar(select(ReportPeriod))
        submission = await session.scalar(select(Submission))
    assert period is not None and period.due_at == local(25, 16, 0) and period.requested_by == DIRECTOR
    assert submission is not None and submission.values == {"noi_dung": "Đã tiêm 1.234 mũi, không có phản ứng nặng"}
    assert await harness.api_errors() == []


async def test_a_report_type_asked_of_one_area_asks_only_its_fields(harness: Harness) -> None:
    reply = await answer(harness, DIRECTOR, "/yeucau báo cáo tuần #xetnghiem hạn 17h mai")
    assert "Lê Quốc Hùng" in reply["text"]
    sent = await answer(harness, HUNG_LQ, "/baocao xn_mau=3.100 xn_ketqua=3000")
    assert "Đã nhận báo cáo" in sent["text"]
    unknown = await answer(harness, HUNG_LQ, "/baocao qr_diem=5")
    assert "không có mục này" in unknown["text"]


async def test_bad_requests_are_answered_politely_and_open_nothing(harness: Harness) -> None:
    assert "chưa ghi thời hạn" in (await answer(harness, DIRECTOR, "/yeucau #qr số điểm QR"))["text"]
    assert "đã qua" in (await answer(harness, DIRECTOR, "/yeucau #qr số điểm QR hạn 8h hôm nay"))["text"]
    assert "Không tìm thấy" in (await answer(harness, DIRECTOR, "/yeucau #khongco số liệu hạn 16h"))["text"]
    assert "gửi cho ai" in (await answer(harness, DIRECTOR, "/yeucau số liệu gì đó hạn 16h"))["text"]
    refused = await answer(harness, HUNG_VM, "/yeucau #qr số điểm QR hạn 16h")
    assert "không được phép" in refused["text"]
    async with harness.app.storage.read() as session:
        assert list(await session.scalars(select(ReportPeriod))) == []
    assert await harness.api_errors() == []


async def test_a_form_survives_a_restart_and_crafted_buttons_change_nothing(harness: Harness) -> None:
    harness.clock.set(local(25, 16, 0))
    await harness.app.run_due()
    first = await answer(harness, HUNG_VM, "/baocao")
    assert "(1/3)" in first["text"]
    await answer(harness, HUNG_VM, "150")
    await harness.restart()
    after_restart = await answer(harness, HUNG_VM, "5.000")
    assert "Số lượt khai báo y tế" in after_restart["text"]  # the third question: the draft was kept

    async with harness.app.storage.read() as session:
        period = await session.scalar(select(ReportPeriod))
    assert period is not None
    pressed = await harness.person(MAI).presses(after_restart, f"rp1:send:{period.id}:0:0", crafted=True)
    await harness.handled(pressed)
    toast = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert "Bạn không cần nộp" in toast["text"] or "đã xong" in toast["text"]
    nudged = await harness.person(HUNG_VM).presses(after_restart, f"rp1:nudge:{period.id}:0:0", crafted=True)
    await harness.handled(nudged)
    assert "không được phép" in (await harness.client.wait_callback_answer(nudged.callback_query_id or ""))["text"]
    async with harness.app.storage.read() as session:
        assert list(await session.scalars(select(Submission))) == []
    assert await harness.api_errors() == []


async def test_the_digest_on_demand_for_a_deputy_not_a_member(harness: Harness) -> None:
    sent = await harness.person(DEPUTY_DUC).says("/tonghop")
    await harness.handled(sent)
    messages = await harness.messages_after(sent, DEPUTY_DUC)
    assert "Tổng hợp" in messages[0]["text"] and messages[-1]["document"]["file_name"].endswith(".xlsx")
    assert "không được phép" in (await answer(harness, HUNG_VM, "/digest"))["text"]
    assert await harness.api_errors() == []


async def test_the_leader_follows_a_period_from_baocao_and_nudges_the_missing(harness: Harness) -> None:
    harness.clock.set(local(25, 16, 0))
    await harness.app.run_due()
    assert "Đã nhận báo cáo" in (await answer(harness, HUNG_VM, "/baocao qr_diem=1 qr_luot=2 kbyt_luot=3"))["text"]
    sent = await harness.person(LEADER).says("/baocao")
    await harness.handled(sent)
    menu = next(m for m in await harness.messages_after(sent, LEADER) if "Theo dõi các kỳ báo cáo" in m["text"])
    button = menu["reply_markup"]["inline_keyboard"][0][0]["text"]
    card = await harness.reply_to(await harness.person(LEADER).presses(menu, button), chat_id=LEADER)
    assert "Đã nộp 1/6" in card["text"] and "Đúng hạn: Vũ Mạnh Hùng" in card["text"]
    assert "⏳ Chưa nộp: Lê Quốc Hùng, Đỗ Thị Mai" in card["text"]
    before = await harness.last_seq()
    pressed = await harness.person(LEADER).presses(card, "🔔 Nhắc tất cả người chưa nộp (5)")
    await harness.handled(pressed)
    assert (await harness.client.wait_callback_answer(pressed.callback_query_id or ""))["text"] == "Đã nhắc 5 người."
    assert "Hoàng Mạnh Cường nhắc bạn nộp báo cáo" in (await texts(harness, MAI, before))[0]
    assert await texts(harness, HUNG_VM, before) == []


async def test_report_reminders_wait_for_quiet_hours_to_end(harness: Harness) -> None:
    harness.clock.set(local(25, 21, 0))
    await answer(harness, DIRECTOR, "/yeucau #cachly số người cách ly mới hạn 23h30")
    start = await harness.last_seq()
    harness.clock.set(local(25, 23, 30))
    await harness.app.run_due()
    await harness.app.delivery.drain()
    assert [t for t in await texts(harness, NAM, start) if "Đã đến hạn" in t] == []  # 23:30 is in quiet hours
    harness.clock.set(local(26, 6, 30))
    await harness.app.run_due()
    await harness.app.delivery.drain()
    morning = await texts(harness, NAM, start)
    assert len([t for t in morning if "Đã đến hạn" in t]) == 1
    assert [t for t in morning if "nữa là đến hạn" in t] == []  # no "due in 2 hours" after the deadline
