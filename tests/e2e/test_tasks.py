"""Tasks through the real bot: one-line and guided /giao, routing, ambiguous names, deadlines."""

import re
from datetime import datetime

from sqlalchemy import select

from bot.roster.models import Member
from bot.sandbox.client import Message, Sent
from bot.tasks.models import Priority, Task, TaskStatus
from bot.tasks.rules import TaskRules
from bot.tasks.service import Created, NewTask, create_task
from tests.e2e.harness import Harness

LEADER, DEPUTY, DIRECTOR = 1001, 1002, 1000
HUNG_VM, HUNG_LQ, MAI, TUAN, THAO, LINH, SON = 1004, 1005, 1006, 1007, 1008, 1010, 1011
GROUP = -1001234567890


def task_id(message: Message) -> int:
    found = re.search(r"Việc #(\d+)|Task #(\d+)", message["text"])
    assert found, message["text"]
    return int(found[1] or found[2])


def buttons(message: Message) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def labels(message: Message) -> list[str]:
    return [button["text"] for button in buttons(message)]


async def assign(harness: Harness, text: str, by: int = LEADER) -> Message:
    """The leader types a /giao line; the bot's answer (the task's summary, or a question)."""
    return await harness.reply_to(await harness.person(by).says(text))


async def card_for(harness: Harness, member: int, after: Sent | int = 0) -> Message:
    """The latest task card in a member's private chat."""
    seq = after.seq if isinstance(after, Sent) else after
    cards = [m for m in await harness.messages_after(seq, member) if m["text"].startswith("📋")]
    assert cards, f"no task card for {member}"
    return await harness.client.message(member, cards[-1]["message_id"])


async def current(harness: Harness, message: Message) -> Message:
    """A message as it reads now (after edits in place)."""
    await harness.app.delivery.drain()
    return await harness.client.message(message["chat_id"], message["message_id"])


async def load_task(harness: Harness, task_id_: int) -> Task:
    async with harness.app.storage.read() as session:
        task = await session.scalar(select(Task).where(Task.id == task_id_))
        assert task is not None
        return task


async def test_one_line_assignment_sends_a_card_and_a_summary(harness: Harness) -> None:
    before = await harness.last_seq()
    summary = await assign(harness, "/giao @tuan_ba Vá lỗ hổng máy chủ PC-Covid hạn 17h thứ 6")
    assert summary["text"].startswith("📌 Việc #")
    assert "Vá lỗ hổng máy chủ PC-Covid" in summary["text"]
    assert "Hạn: 17:00 Thứ Sáu, 27/11/2026" in summary["text"]
    assert "Bùi Anh Tuấn — chưa nhận" in summary["text"]
    card = await card_for(harness, TUAN, before)
    assert "Người giao: Hoàng Mạnh Cường" in card["text"]
    assert labels(card) == ["Đã nhận", "Đang làm", "Gặp khó khăn", "Hoàn thành"]
    group = [m for m in await harness.messages_after(before, GROUP)]
    assert len(group) == 1 and "Việc mới #" in group[0]["text"] and "Bùi Anh Tuấn" in group[0]["text"]

    pressed = await harness.person(TUAN).presses(card, "Đã nhận")
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert "đã nhận việc" in answer["text"]
    card = await current(harness, card)
    assert labels(card) == ["Đang làm", "Gặp khó khăn", "Hoàn thành"]
    assert "Trạng thái: 👌 Đã nhận" in card["text"]
    summary = await current(harness, summary)
    assert "Bùi Anh Tuấn — đã nhận" in summary["text"]
    assert (await load_task(harness, task_id(summary))).status == TaskStatus.ACKNOWLEDGED
    assert await harness.api_errors() == []


async def test_ambiguous_name_gets_a_choice_of_buttons(harness: Harness) -> None:
    before = await harness.last_seq()
    question = await assign(harness, "/giao Hùng Cập nhật danh sách điểm QR hạn mai")
    assert "«Hùng» trùng tên với nhiều người" in question["text"]
    assert [label.split(" · ")[0] for label in labels(question)][:2] == ["Vũ Mạnh Hùng", "Lê Quốc Hùng"]
    async with harness.app.storage.read() as session:
        assert await session.scalar(select(Task.id)) is None  # nothing handed out while asking
    pressed = await harness.person(LEADER).presses(question, buttons(question)[1]["callback_data"])
    summary = await harness.reply_to(pressed, LEADER)
    assert "Thực hiện: Lê Quốc Hùng" in summary["text"]
    assert "Hạn: 17:00 Thứ Năm, 26/11/2026" in summary["text"]
    assert (await card_for(harness, HUNG_LQ, before))["text"].count("Cập nhật danh sách điểm QR") == 1
    assert [m for m in await harness.messages_after(before, HUNG_VM) if m["text"].startswith("📋")] == []
    assert "Đã giao việc #" in (await current(harness, question))["text"]


async def test_names_without_diacritics_several_recipients_lead_first(harness: Harness) -> None:
    before = await harness.last_seq()
    summary = await assign(harness, "/giao vu manh hung, mai, @son_ph Rà soát tài khoản tiêm chủng han 17h30 thu 6")
    assert "Thực hiện: Vũ Mạnh Hùng (chính) — chưa nhận, Đỗ Thị Mai (phối hợp) — chưa nhận, " \
           "Phan Hải Sơn (phối hợp) — chưa nhận" in summary["text"]
    assert "Hạn: 17:30 Thứ Sáu, 27/11/2026" in summary["text"]
    for member in (HUNG_VM, MAI, SON):
        assert "Rà soát tài khoản tiêm chủng" in (await card_for(harness, member, before))["text"]


async def test_unknown_names_are_named_and_nothing_is_assigned(harness: Harness) -> None:
    reply = await assign(harness, "/giao hugn, Nguyễn Văn Tèo, lan Kiểm tra máy chủ")
    assert "Không tìm thấy trong danh sách tổ: «hugn», «Nguyễn Văn Tèo»." in reply["text"]
    assert "Có phải bạn muốn nói: Vũ Mạnh Hùng, Lê Quốc Hùng?" in reply["text"]
    async with harness.app.storage.read() as session:
        assert await session.scalar(select(Task.id)) is None


async def test_area_routing_by_load_and_one_tap_reassignment(harness: Harness) -> None:
    # #hotro: Vũ Mạnh Hùng (roster order 4) and Phan Hải Sơn (order 11), both members.
    first = await assign(harness, "/giao #hotro Trực tổng đài hỗ trợ người dân sáng nay hạn 12h")
    assert "Thực hiện: Vũ Mạnh Hùng" in first["text"]  # a tie on load and deadlines: roster order
    assert "Lĩnh vực: #hotro — Hỗ trợ người dân" in first["text"]
    second = await assign(harness, "/giao #hotro Trả lời câu hỏi về mã QR hạn thứ 6")
    assert "Thực hiện: Phan Hải Sơn" in second["text"]  # fewer open tasks
    third = await assign(harness, "/giao #hotro Tổng hợp câu hỏi thường gặp hạn tuần sau")
    # One open task each; Sơn's nearest deadline (Friday) is further than Hùng's (today 12:00).
    assert "Thực hiện: Phan Hải Sơn" in third["text"]
    assert "↪ Vũ Mạnh Hùng" in labels(third)

    before = await harness.last_seq()
    pressed = await harness.person(LEADER).presses(third, "↪ Vũ Mạnh Hùng")
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert answer["text"] == f"Đã giao lại việc #{task_id(third)} cho Vũ Mạnh Hùng."
    assert "Thực hiện: Vũ Mạnh Hùng — chưa nhận" in (await current(harness, third))["text"]
    told = [m["text"] for m in await harness.messages_after(before, SON)]
    assert any("đã được giao lại cho Vũ Mạnh Hùng" in text for text in told)
    assert "Tổng hợp câu hỏi thường gặp" in (await card_for(harness, HUNG_VM, before))["text"]
    assert await harness.api_errors() == []


async def test_deadline_problems_are_asked_not_guessed(harness: Harness) -> None:
    # 09:00 Wednesday: "5h mai" is 05:00 or 17:00 tomorrow.
    question = await assign(harness, "/giao tuan Sao lưu cơ sở dữ liệu hạn 5h mai")
    assert "«5h mai» có thể hiểu theo nhiều cách" in question["text"]
    assert labels(question)[:2] == ["05:00 Thứ Năm, 26/11/2026", "17:00 Thứ Năm, 26/11/2026"]
    summary = await harness.reply_to(await harness.person(LEADER).presses(question, "17:00 Thứ Năm, 26/11/2026"), LEADER)
    assert "Hạn: 17:00 Thứ Năm, 26/11/2026" in summary["text"]

    past = await assign(harness, "/giao tuan Kiểm tra nhật ký hạn 8h hôm nay")
    assert "Thời hạn «8h hôm nay» đã qua (08:00 Thứ Tư, 25/11/2026)" in past["text"]
    typed = await assign(harness, "16h30")
    assert "Hạn: 16:30 Thứ Tư, 25/11/2026" in typed["text"]

    unreadable = await assign(harness, "/giao tuan Cập nhật bản vá hạn abc")
    assert "Tôi chưa hiểu thời hạn «abc»" in unreadable["text"]
    summary = await harness.reply_to(await harness.person(LEADER).presses(unreadable, "Không có hạn"), LEADER)
    assert "Cập nhật bản vá" in summary["text"] and "Hạn: không có hạn" in summary["text"]
    assert await harness.api_errors() == []


async def test_guided_assignment(harness: Harness) -> None:
    leader = harness.person(LEADER)
    before = await harness.last_seq()
    step = await assign(harness, "/giao")
    assert "bước 1: giao cho ai?" in step["text"]
    await harness.handled(await leader.presses(step, "Đỗ Thị Mai"))
    step = await current(harness, step)
    assert "✅ Đỗ Thị Mai" in labels(step)
    await harness.handled(await leader.presses(step, "Ngô Phương Thảo"))
    step = await current(harness, step)
    await harness.handled(await leader.presses(step, "Tiếp tục ›"))
    step = await current(harness, step)
    assert "Giao cho: Đỗ Thị Mai, Ngô Phương Thảo" in step["text"] and "Nội dung công việc là gì?" in step["text"]
    step = await assign(harness, "Đối soát dữ liệu tiêm chủng với truy vết")
    assert "Thời hạn?" in step["text"]
    friday = next(label for label in labels(step) if label.startswith("Thứ Sáu"))
    await harness.handled(await leader.presses(step, friday))
    step = await current(harness, step)
    assert "Mức độ ưu tiên?" in step["text"]
    await harness.handled(await leader.presses(step, "🔴 Khẩn"))
    step = await current(harness, step)
    assert "Kiểm tra lại trước khi giao:" in step["text"] and "Mức độ: 🔴 Khẩn" in step["text"]
    pressed = await leader.presses(step, "✅ Giao việc")
    summary = await harness.reply_to(pressed, LEADER)
    assert "🔴 Khẩn" in summary["text"] and "Đỗ Thị Mai (chính)" in summary["text"]
    assert "Đã giao việc #" in (await current(harness, step))["text"]
    card = await card_for(harness, THAO, before)
    assert "Hạn: 17:00 Thứ Sáu, 27/11/2026" in card["text"] and "🔴 Khẩn" in card["text"]
    assert await harness.api_errors() == []


async def test_guided_assignment_to_an_area_and_typed_names(harness: Harness) -> None:
    leader = harness.person(LEADER)
    step = await assign(harness, "/giao")
    step = await assign(harness, "hung")  # typed: ambiguous, asked with buttons
    assert "«hung» trùng tên" in step["text"]
    await harness.handled(await leader.presses(step, buttons(step)[0]["callback_data"]))
    step = await current(harness, step)
    assert "Giao cho: Vũ Mạnh Hùng" in step["text"]
    step = await assign(harness, "Khẩn: khắc phục lỗi quét mã QR hạn 17h")  # content, urgency and deadline at once
    assert "Kiểm tra lại trước khi giao:" in step["text"] and "Mức độ: 🔴 Khẩn" in step["text"]
    assert "Hạn: 17:00 Thứ Tư, 25/11/2026" in step["text"]
    await harness.handled(await leader.presses(step, "✖ Huỷ"))
    assert "Đã huỷ, chưa giao việc nào." in (await current(harness, step))["text"]

    step = await assign(harness, "/giao")
    await harness.handled(await leader.presses(step, "#cachly"))
    step = await current(harness, step)
    assert "lĩnh vực #cachly" in step["text"]


async def test_members_may_not_assign(harness: Harness) -> None:
    reply = await assign(harness, "/giao lan Việc gì đó", by=HUNG_VM)
    assert "vai trò của bạn không được phép" in reply["text"]


async def test_an_english_member_reads_the_deadline_in_english(harness: Harness) -> None:
    before = await harness.last_seq()
    await assign(harness, "/giao linh Phân tích số liệu khai báo y tế hạn 17h thứ 6")
    assert "17:00 Friday, 27/11/2026" in (await card_for(harness, LINH, before))["text"]


async def given_task(harness: Harness, *members: int, title: str = "Kiểm tra hệ thống", deadline: datetime | None = None,
                     priority: Priority = Priority.NORMAL, by: int = LEADER) -> int:
    """A task handed out by the leader (through the service, as /giao does), its cards delivered."""
    async with harness.app.storage.transaction() as session:
        leader = await session.scalar(select(Member).where(Member.telegram_id == by))
        people = [await session.scalar(select(Member.id).where(Member.telegram_id == m)) for m in members]
        assert leader is not None
        created = await create_task(
            session, by=leader, rules=TaskRules.from_settings(harness.settings), now=harness.clock.now(),
            new=NewTask(title=title, member_ids=[p for p in people if p], deadline_at=deadline, priority=priority),
        )
        assert isinstance(created, Created), created
        new_id = created.task.id
    await harness.app.delivery.drain()
    return new_id


async def card_of_task(harness: Harness, member: int, task: int) -> Message:
    cards = [m for m in await harness.client.bot_messages(member)
             if re.match(rf"📋 Việc #{task}[\n ]", m["text"])]
    assert cards, f"no card of task {task} for {member}"
    return await harness.client.message(member, cards[0]["message_id"])


async def test_the_leader_is_shown_who_cannot_receive_the_card(harness: Harness) -> None:
    summary = await assign(harness, "/giao quang Nhập số liệu tiêm chủng hạn mai")
    assert "Lý Văn Quang — chưa liên kết Telegram, không nhận được tin" in summary["text"]
    assert await harness.api_errors() == []
