"""Members answering their tasks: buttons, replies in free text with or without diacritics, history."""

import pytest
from sqlalchemy import select

from bot.tasks.models import TaskStatus, TaskUpdate
from tests.e2e.harness import Harness
from tests.e2e.test_tasks import (
    HUNG_LQ, HUNG_VM, LEADER, MAI, TUAN, buttons, card_of_task, current, given_task, labels, load_task,
)

DONE_FORMS = ["xong", "đã xong", "da xong roi", "hoàn thành", "hoan thanh", "done"]
PROGRESS_FORMS = [("50%", 50), ("được một nửa", 50), ("duoc mot nua", 50), ("tiến độ 80", 80), ("tien do 80", 80),
                  ("xong 70% rồi", 70)]
BLOCKED_FORMS = ["vướng quyền truy cập máy chủ", "vuong quyen truy cap", "gặp khó khăn khi đăng nhập",
                 "gap kho khan khi dang nhap", "chưa làm được vì mất mạng", "chua lam duoc vi mat mang",
                 "cần hỗ trợ cấu hình", "can ho tro cau hinh"]
NOTE_FORMS = ["Em đang chờ số liệu từ CDC", "dang cho so lieu tu CDC", "xong chưa ạ?"]


async def reply_on_card(harness: Harness, member: int, task: int, text: str) -> str:
    card = await card_of_task(harness, member, task)
    reply = await harness.reply_to(await harness.person(member).replies_to(card, text))
    return reply["text"]


async def test_done_forms(harness: Harness) -> None:
    for text in DONE_FORMS:
        task = await given_task(harness, TUAN, title=f"Việc để trả lời «{text}»")
        receipt = await reply_on_card(harness, TUAN, task, text)
        assert receipt == f"Đã ghi nhận: việc #{task} hoàn thành. Cảm ơn bạn!", text
        assert (await load_task(harness, task)).status == TaskStatus.DONE, text
        card = await card_of_task(harness, TUAN, task)
        assert "Trạng thái: ✅ Hoàn thành" in card["text"] and buttons(card) == []
    leader_texts = [m["text"] for m in await harness.client.bot_messages(LEADER)]
    assert sum("Bùi Anh Tuấn đã hoàn thành việc" in text for text in leader_texts) == len(DONE_FORMS)
    assert await harness.api_errors() == []


async def test_progress_forms(harness: Harness) -> None:
    for text, percent in PROGRESS_FORMS:
        task = await given_task(harness, MAI)
        receipt = await reply_on_card(harness, MAI, task, text)
        assert receipt == f"Đã ghi nhận tiến độ việc #{task}: ⏳ Đang làm · {percent}%.", text
        stored = await load_task(harness, task)
        assert (stored.status, stored.percent) == (TaskStatus.IN_PROGRESS, percent), text
    assert await harness.api_errors() == []


async def test_blocked_forms_tell_the_leader_at_once_with_the_words(harness: Harness) -> None:
    for text in BLOCKED_FORMS:
        task = await given_task(harness, HUNG_LQ)
        before = await harness.last_seq()
        receipt = await reply_on_card(harness, HUNG_LQ, task, text)
        assert receipt == f"Đã báo Tổ trưởng: việc #{task} gặp khó khăn.", text
        assert (await load_task(harness, task)).status == TaskStatus.BLOCKED, text
        alerts = [m["text"] for m in await harness.messages_after(before, LEADER)]
        assert any(f"Lê Quốc Hùng gặp khó khăn với việc #{task}" in a and f"«{text}»" in a for a in alerts), text
    assert await harness.api_errors() == []


async def test_anything_else_is_kept_as_a_note(harness: Harness) -> None:
    task = await given_task(harness, HUNG_VM)
    for text in NOTE_FORMS:
        assert await reply_on_card(harness, HUNG_VM, task, text) == f"Đã ghi chú vào việc #{task}."
    stored = await load_task(harness, task)
    assert stored.status == TaskStatus.ACKNOWLEDGED  # answering at all acknowledges
    async with harness.app.storage.read() as session:
        notes = list(await session.scalars(select(TaskUpdate.text).where(TaskUpdate.kind == "note")))
    assert notes == NOTE_FORMS


async def test_buttons_and_the_blocked_reason(harness: Harness) -> None:
    task = await given_task(harness, TUAN, title="Cài đặt tường lửa")
    tuan = harness.person(TUAN)
    card = await card_of_task(harness, TUAN, task)
    await harness.handled(await tuan.presses(card, "Đang làm"))
    card = await current(harness, card)
    assert "Trạng thái: ⏳ Đang làm" in card["text"] and labels(card) == ["Đang làm", "Gặp khó khăn", "Hoàn thành"]

    before = await harness.last_seq()
    pressed = await tuan.presses(card, "Gặp khó khăn")
    prompt = await harness.reply_to(pressed, TUAN)
    assert "Bạn gặp khó khăn gì với việc" in prompt["text"]
    assert "Trạng thái: ⚠️ Gặp khó khăn" in (await current(harness, card))["text"]
    receipt = await harness.reply_to(await tuan.says("Chưa có tài khoản quản trị thiết bị"))
    assert receipt["text"] == f"Đã báo Tổ trưởng: việc #{task} gặp khó khăn."
    alerts = [m["text"] for m in await harness.messages_after(before, LEADER) if m["text"].startswith("⚠️")]
    assert len(alerts) == 1 and "«Chưa có tài khoản quản trị thiết bị»" in alerts[0]

    # A reply to the prompt is read as the reason too, whatever its words.
    before = await harness.last_seq()
    await harness.reply_to(await tuan.replies_to(prompt, "Mạng chập chờn"))
    alerts = [m["text"] for m in await harness.messages_after(before, LEADER)]
    assert any("«Mạng chập chờn»" in a for a in alerts)

    # Pressed again while blocked: asked again; a reply to the card itself is then the reason.
    before = await harness.last_seq()
    again = await harness.reply_to(await tuan.presses(card, "Gặp khó khăn"), TUAN)
    assert "Bạn gặp khó khăn gì với việc" in again["text"]
    await harness.reply_to(await tuan.replies_to(card, "Chờ nhà mạng"))
    alerts = [m["text"] for m in await harness.messages_after(before, LEADER)]
    assert any("«Chờ nhà mạng»" in a for a in alerts)

    await harness.handled(await tuan.presses(card, "Hoàn thành"))
    card = await current(harness, card)
    assert "Trạng thái: ✅ Hoàn thành" in card["text"] and buttons(card) == []
    assert await harness.api_errors() == []


async def test_plain_text_goes_to_the_only_open_task_or_asks_which(harness: Harness) -> None:
    first = await given_task(harness, MAI, title="Thống kê mũi tiêm")
    mai = harness.person(MAI)
    receipt = await harness.reply_to(await mai.says("xong roi"))
    assert receipt["text"] == f"Đã ghi nhận: việc #{first} hoàn thành. Cảm ơn bạn!"

    second = await given_task(harness, MAI, title="Rà soát điểm tiêm")
    third = await given_task(harness, MAI, title="Cập nhật sổ tiêm")
    question = await harness.reply_to(await mai.says("được 30%"))
    assert question["text"] == "Bạn có nhiều việc đang mở. Tin nhắn này là về việc nào?"
    assert [b["callback_data"] for b in buttons(question)] == [f"tk1p:{second}", f"tk1p:{third}"]
    await harness.handled(await mai.presses(question, f"tk1p:{third}"))
    assert (await current(harness, question))["text"] == f"Đã ghi nhận tiến độ việc #{third}: ⏳ Đang làm · 30%."
    assert (await load_task(harness, third)).percent == 30
    assert (await load_task(harness, second)).percent is None


async def test_history_shows_every_update_with_time_and_author(harness: Harness) -> None:
    task = await given_task(harness, TUAN, title="Vá lỗ hổng")
    card = await card_of_task(harness, TUAN, task)
    await harness.handled(await harness.person(TUAN).presses(card, "Đã nhận"))
    await harness.reply_to(await harness.person(TUAN).replies_to(card, "được 50%"))
    detail = await harness.reply_to(await harness.person(TUAN).says(f"/viec {task}"))
    lines = detail["text"].split("\n")
    history = lines[lines.index("Lịch sử:") + 1:]
    assert history[0].endswith("Hoàng Mạnh Cường: giao việc cho Bùi Anh Tuấn")
    assert history[1].endswith("Bùi Anh Tuấn: đã nhận việc")
    assert history[2].endswith("Bùi Anh Tuấn: đang làm 50% «được 50%»")
    assert history[0].startswith("09:")  # local time of the team, "HH:mm dd/MM"


async def test_a_member_cannot_answer_someone_elses_task(harness: Harness) -> None:
    task = await given_task(harness, TUAN)
    mai = harness.person(MAI)
    menu = await harness.reply_to(await mai.says("/viec"))
    pressed = await mai.presses(menu, f"tk1s:{task}:done", crafted=True)
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert answer["text"] == "Việc này không giao cho bạn, nên bạn không cập nhật được."
    assert (await load_task(harness, task)).status == TaskStatus.NEW
    shown = await harness.reply_to(await mai.says(f"/viec {task}"))
    assert shown["text"] == "Việc này không giao cho bạn, nên bạn không cập nhật được."


async def test_text_that_is_not_about_a_task_passes_on(harness: Harness) -> None:
    # A member without open tasks, and a citizen: the other features and the fallback answer them.
    reply = await harness.reply_to(await harness.person(MAI).says("xong roi"))
    assert "Đã ghi nhận" not in reply["text"]
    await harness.client.register_user(555001, "Lan")
    await given_task(harness, MAI)
    citizen = await harness.reply_to(await harness.person(555001).says("xong roi"))
    assert "Đã ghi nhận" not in citizen["text"]


@pytest.mark.parametrize("text", ["xong", "50%"])
async def test_a_closed_task_says_so(harness: Harness, text: str) -> None:
    task = await given_task(harness, TUAN)
    await harness.reply_to(await harness.person(TUAN).replies_to(await card_of_task(harness, TUAN, task), "xong"))
    reply = await harness.reply_to(await harness.person(TUAN).replies_to(await card_of_task(harness, TUAN, task), text))
    assert reply["text"].startswith("Việc này đã kết thúc")
