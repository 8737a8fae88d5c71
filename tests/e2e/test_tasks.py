"""Tasks through the real bot: one-line and guided /giao, routing, ambiguous names, deadlines."""

import re

from sqlalchemy import select

from bot.sandbox.client import Message, Sent
from bot.tasks.models import Task, TaskStatus
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
