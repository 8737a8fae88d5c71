"""A weekly report period through the real bot: opening, reminders, the form, one-message, late, missing.

The shipped weekly report is due every Friday 16:00 and opens two days before;
its six platform areas are answered by Hùng VM (qr), Mai (tiemchung), Hùng LQ
(xetnghiem), Thảo (truyvet), Nam (cachly) and Linh (phantich).
"""

import asyncio
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.people import remember_language
from bot.reports.models import ReportPeriod, Submission
from bot.sandbox.client import Message
from tests.e2e.harness import Harness

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DIRECTOR, LEADER, DEPUTY_LAN, DEPUTY_DUC = 1000, 1001, 1002, 1003
HUNG_VM, HUNG_LQ, MAI, THAO, NAM, LINH = 1004, 1005, 1006, 1008, 1009, 1010
OWERS = [HUNG_VM, HUNG_LQ, MAI, THAO, NAM, LINH]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


async def at(harness: Harness, moment: datetime) -> None:
    """Move the clock to a moment, then do what is due: open periods, send reminders."""
    harness.clock.set(moment)
    await harness.app.run_due()
    await harness.app.delivery.drain()


async def texts(harness: Harness, chat_id: int, after: int = 0) -> list[str]:
    return [m["text"] or "" for m in await harness.messages_after(after, chat_id)]


async def answer(harness: Harness, person_id: int, text: str) -> Message:
    return await harness.reply_to(await harness.person(person_id).says(text))


async def press(harness: Harness, person_id: int, message: Message, button: str) -> Message:
    pressed = await harness.person(person_id).presses(message, button)
    await harness.handled(pressed)
    return await harness.client.message(message["chat_id"], message["message_id"])


async def press_for_next(harness: Harness, person_id: int, message: Message, button: str) -> Message:
    pressed = await harness.person(person_id).presses(message, button)
    return await harness.reply_to(pressed, chat_id=person_id)


def count(messages: list[str], needle: str) -> int:
    return sum(needle in text for text in messages)


async def test_a_weekly_period_from_opening_to_escalation(harness: Harness) -> None:
    # Linh reads English in the demo roster; this scene reads every message in Vietnamese.
    async with harness.app.storage.transaction() as session:
        await remember_language(session, LINH, "vi")
    start = await harness.last_seq()
    await at(harness, local(25, 15, 59))
    async with harness.app.storage.read() as session:
        assert list(await session.scalars(select(ReportPeriod))) == []

    # Wednesday 16:00: the period opens and each of the six is told once, with their own fields.
    await at(harness, local(25, 16, 0))
    await at(harness, local(25, 16, 1))  # a second pass (or process) opens nothing more
    async with harness.app.storage.read() as session:
        periods = list(await session.scalars(select(ReportPeriod)))
    assert len(periods) == 1 and periods[0].due_at == local(27, 16, 0)
    for person in OWERS:
        assert count(await texts(harness, person, start), "Đã mở kỳ báo cáo") == 1, person
    hung_opened = (await texts(harness, HUNG_VM, start))[0]
    assert "Số điểm QR đã đăng ký" in hung_opened and "Số mũi tiêm" not in hung_opened
    assert await texts(harness, 1007, start) == []  # Tuấn owns no platform area

    # Hùng VM uses the form; a word where a number belongs is asked again with the reason.
    first = await answer(harness, HUNG_VM, "/baocao")
    assert "Số điểm QR đã đăng ký" in first["text"] and "(1/3)" in first["text"]
    second = await answer(harness, HUNG_VM, "120")
    assert "Số lượt quét mã QR" in second["text"]
    again = await answer(harness, HUNG_VM, "khoảng năm nghìn")
    assert "không phải là một số" in again["text"] and "Số lượt quét mã QR" in again["text"]
    negative = await answer(harness, HUNG_VM, "-5")
    assert "số âm" in negative["text"]
    third = await answer(harness, HUNG_VM, "4.500")
    assert "Số lượt khai báo y tế" in third["text"]
    summary = await answer(harness, HUNG_VM, "1,5 nghìn")
    assert "4.500" in summary["text"] and "1.500" in summary["text"] and "120" in summary["text"]
    sent = await press(harness, HUNG_VM, summary, "✅ Gửi")
    assert "Đã nhận báo cáo" in sent["text"]

    # Mai too, with a percent; she corrects one field from the summary before sending.
    await answer(harness, MAI, "/baocao")
    await answer(harness, MAI, "12.345")
    summary = await answer(harness, MAI, "87,5")
    assert "87,5%" in summary["text"]
    menu = await press(harness, MAI, summary, "✏️ Sửa")
    question = await press_for_next(harness, MAI, menu, "Số mũi tiêm đã cập nhật lên nền tảng")
    assert "Số mũi tiêm" in question["text"]
    summary = await answer(harness, MAI, "12.400")
    assert "12.400" in summary["text"]
    assert "Đã nhận báo cáo" in (await press(harness, MAI, summary, "✅ Gửi"))["text"]

    # Hùng LQ and Thảo know the one-message form.
    reply = await answer(harness, HUNG_LQ, "/baocao xn_mau=2.000 xn_ketqua=1,950")
    assert "Đã nhận báo cáo" in reply["text"] and "1.950" in reply["text"]
    bad = await answer(harness, THAO, "/baocao tv_f1=-3")
    assert "Chưa ghi nhận" in bad["text"] and "số âm" in bad["text"]
    assert "Đã nhận báo cáo" in (await answer(harness, THAO, "/report tv_f1=35"))["text"]

    # Reminders before the deadline reach only the two still missing, once per offset.
    await at(harness, local(26, 16, 0))
    await at(harness, local(26, 16, 5))
    await at(harness, local(27, 14, 0))
    await at(harness, local(27, 16, 0))
    for person in (NAM, LINH):
        seen = await texts(harness, person, start)
        assert count(seen, "còn 1 ngày nữa là đến hạn") == 1, seen
        assert count(seen, "còn 2 giờ nữa là đến hạn") == 1, seen
        assert count(seen, "Đã đến hạn báo cáo") == 1, seen
    for person in (HUNG_VM, MAI, HUNG_LQ, THAO):
        assert count(await texts(harness, person, start), "Nhắc:") == 0

    # Nam sends at 17:00 through the form, choosing with a button: accepted, marked late.
    await at(harness, local(27, 17, 0))
    await answer(harness, NAM, "/baocao")
    choice = await answer(harness, NAM, "1.234")
    assert "Tình trạng ứng dụng giám sát cách ly" in choice["text"]
    summary = await press_for_next(harness, NAM, choice, "Ổn định")
    late = await press(harness, NAM, summary, "✅ Gửi")
    assert "nộp muộn" in late["text"]

    # 18:00: the leader and deputies see who is missing and nudge with one button.
    await at(harness, local(27, 18, 0))
    card = next(m for m in await harness.messages_after(start, LEADER) if "Quá hạn báo cáo" in (m["text"] or ""))
    assert "Trịnh Khánh Linh" in card["text"] and "Đặng Hoài Nam" in card["text"]
    assert count(await texts(harness, DEPUTY_LAN, start), "Quá hạn báo cáo") == 1
    before_nudge = await harness.last_seq()
    pressed = await harness.person(LEADER).presses(card, "🔔 Nhắc tất cả người chưa nộp (1)")
    await harness.handled(pressed)
    assert (await harness.client.wait_callback_answer(pressed.callback_query_id or ""))["text"] == "Đã nhắc 1 người."
    assert count(await texts(harness, LINH, before_nudge), "nhắc bạn nộp báo cáo") == 1

    # Saturday 07:30: the daily digest reaches the Director and the leader, once, and lists exactly that.
    before_digest = await harness.last_seq()
    await at(harness, local(28, 7, 30))
    await at(harness, local(28, 7, 31))
    digest = await harness.messages_after(before_digest, DIRECTOR)
    assert [bool(m["text"]) for m in digest] == [True, False, False]  # the text, the chart, the spreadsheet
    text = digest[0]["text"]
    assert "Tổng hợp ngày 28/11/2026" in text
    assert "Đã nộp 5/6 · đúng hạn 4 · muộn 1 · chưa nộp 1" in text
    assert "Nộp muộn: Đặng Hoài Nam" in text and "Chưa nộp: Trịnh Khánh Linh" in text
    assert "Số lượt quét mã QR trong tuần: 4.500" in text and "Số mũi tiêm đã cập nhật lên nền tảng: 12.400" in text
    png = await harness.client.download(digest[1]["photo"][-1]["file_id"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    book = load_workbook(io.BytesIO(await harness.client.download(digest[2]["document"]["file_id"])))
    assert {"Báo cáo", "Số liệu", "Chi tiết số liệu"} <= set(book.sheetnames)
    rows = list(book["Chi tiết số liệu"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Báo cáo", "Hạn nộp", "Chỉ tiêu", "Mã", "Giá trị")
    stored = {(row[3], row[4], row[5]) for row in rows[1:]}
    assert ("qr_luot", 4500, "Vũ Mạnh Hùng") in stored and ("tc_tyle", 87.5, "Đỗ Thị Mai") in stored
    assert ("cl_ungdung", "Ổn định", "Đặng Hoài Nam") in stored
    status_rows = list(book["Báo cáo"].iter_rows(values_only=True))[1:]
    assert sorted(row[3] for row in status_rows) == ["Chưa nộp"] + ["Nộp muộn"] + ["Đúng hạn"] * 4
    assert len(await harness.messages_after(before_digest, LEADER)) == 3
    assert await harness.messages_after(before_digest, DEPUTY_LAN) == []
    await harness.restart()
    await at(harness, local(28, 8, 0))
    assert len(await harness.messages_after(before_digest, DIRECTOR)) == 3

    async with harness.app.storage.read() as session:
        submissions = {s.member.telegram_id: s for s in await session.scalars(select(Submission))}
    assert set(submissions) == {HUNG_VM, MAI, HUNG_LQ, THAO, NAM}
    assert submissions[HUNG_VM].values == {"qr_diem": 120, "qr_luot": 4500, "kbyt_luot": 1500}
    assert submissions[MAI].values == {"tc_mui": 12400, "tc_tyle": 87.5}
    assert [s.late for s in submissions.values()].count(True) == 1 and submissions[NAM].late
    assert await harness.api_errors() == []


async def test_a_digest_missed_while_stopped_is_sent_once_after_the_start(harness: Harness) -> None:
    await harness.stop_bot()
    harness.clock.set(local(26, 7, 45))  # Thursday's 07:30 daily digest fell due while the bot was stopped
    before = await harness.last_seq()
    await harness.start_bot()
    # Polling does not wait for the catch-up: the digest is gathered and drawn beside it.
    assert "/giao" in (await answer(harness, LEADER, "/trogiup"))["text"]
    for _ in range(600):  # the catch-up runs as the timer's first job; nothing here waits for a deadline
        await harness.app.delivery.drain()
        if any(m.get("document") for m in await harness.messages_after(before, DIRECTOR)):
            break
        await asyncio.sleep(0.05)
    digest = await harness.messages_after(before, DIRECTOR)
    # No report figures yet, so no chart: the text and the spreadsheet.
    assert [bool(m["text"]) for m in digest] == [True, False] and digest[1]["document"]
    assert "Tổng hợp ngày 26/11/2026" in digest[0]["text"]

    await harness.restart()
    await at(harness, local(26, 8, 0))
    assert len(await harness.messages_after(before, DIRECTOR)) == 2
