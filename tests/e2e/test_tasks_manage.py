"""Leader and deputies managing tasks from buttons; views; permissions and crafted callback data."""

from datetime import timedelta

from sqlalchemy import select

from bot.audit import AuditEntry
from bot.tasks.models import Priority, TaskStatus
from tests.e2e.harness import Harness
from tests.e2e.test_tasks import (
    DEPUTY, DIRECTOR, HUNG_VM, LEADER, MAI, SON, THAO, TUAN, buttons, card_of_task, current, given_task, labels,
    load_task,
)
from tests.e2e.test_tasks_reminders import count, local, sweep_around_a_restart, texts

SECOND_TEAM = """
team: {code: second, name: "Tổ hai"}
areas: [{code: qr, name: "QR"}]
members:
  - {telegram_id: 4001, full_name: "Đào Văn Hai", role: leader}
  - {telegram_id: 4002, full_name: "Lý Thị Ba", role: member, areas: [qr]}
"""


async def press(harness: Harness, who: int, message: dict, button: str, crafted: bool = False) -> str:
    """Press a button; the toast the bot answered with."""
    pressed = await harness.person(who).presses(message, button, crafted=crafted)
    await harness.handled(pressed)
    return (await harness.client.wait_callback_answer(pressed.callback_query_id or ""))["text"]


async def detail(harness: Harness, who: int, task: int) -> dict:
    return await harness.reply_to(await harness.person(who).says(f"/viec {task}"))


async def test_reassign_from_the_task_view(harness: Harness) -> None:
    task = await given_task(harness, TUAN, title="Kiểm tra đường truyền")
    view = await detail(harness, LEADER, task)
    assert labels(view)[:4] == ["Giao lại", "Đổi hạn", "Đặt: Khẩn", "Huỷ việc"]
    before = await harness.last_seq()
    await press(harness, LEADER, view, "Giao lại")
    menu = (await harness.messages_after(before, LEADER))[-1]
    assert menu["text"].startswith(f"Giao lại việc #{task}")
    assert "Bùi Anh Tuấn" not in labels(menu)
    assert await press(harness, LEADER, menu, "Phan Hải Sơn") == f"Đã giao lại việc #{task} cho Phan Hải Sơn."
    assert (await current(harness, menu))["text"] == f"Đã giao lại việc #{task} cho Phan Hải Sơn."

    old_card = await card_of_task(harness, TUAN, task)
    assert "Việc này không còn giao cho bạn." in old_card["text"] and buttons(old_card) == []
    assert count(await texts(harness, TUAN), "đã được giao lại cho Phan Hải Sơn") == 1
    new_card = await card_of_task(harness, SON, task)
    assert labels(new_card) == ["Đã nhận", "Đang làm", "Gặp khó khăn", "Hoàn thành"]
    view = await detail(harness, LEADER, task)
    assert "Thực hiện: Phan Hải Sơn — chưa nhận" in view["text"]
    assert "giao lại cho Phan Hải Sơn (thay Bùi Anh Tuấn)" in view["text"]
    # The member relieved of it can no longer answer it.
    reply = await harness.reply_to(await harness.person(TUAN).replies_to(old_card, "xong"))
    assert reply["text"] == "Việc này không giao cho bạn, nên bạn không cập nhật được."
    async with harness.app.storage.read() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "task.reassign"))
    assert audit is not None and audit.actor == LEADER and audit.subject == f"task:{task}"
    assert await harness.api_errors() == []


async def test_moving_the_deadline_lays_a_fresh_schedule(harness: Harness) -> None:
    task = await given_task(harness, MAI, title="Đối soát mũi tiêm", deadline=local(27, 17))
    await harness.handled(await harness.person(MAI).presses(await card_of_task(harness, MAI, task), "Đã nhận"))
    view = await detail(harness, DEPUTY, task)  # a deputy manages too
    before = await harness.last_seq()
    await press(harness, DEPUTY, view, "Đổi hạn")
    question = (await harness.messages_after(before, DEPUTY))[-1]
    assert question["text"].startswith(f"Hạn mới cho việc #{task}")
    confirmed = await harness.reply_to(await harness.person(DEPUTY).says("17h thứ 2 tuần sau"))
    assert confirmed["text"] == f"Đã đổi hạn việc #{task}: 17:00 Thứ Hai, 30/11/2026."
    assert count(await texts(harness, MAI), "đã đổi thành: 17:00 Thứ Hai, 30/11/2026") == 1
    assert "Hạn: 17:00 Thứ Hai, 30/11/2026" in (await card_of_task(harness, MAI, task))["text"]

    harness.clock.set(local(27, 18))  # the old deadline passes: nothing of the old schedule is sent
    await sweep_around_a_restart(harness)
    sent = await texts(harness, MAI)
    assert count(sent, "đến hạn việc") == 0 and count(sent, "quá hạn") == 0
    harness.clock.set(local(30, 15) + timedelta(seconds=1))
    await sweep_around_a_restart(harness)
    assert count(await texts(harness, MAI), "Còn 2 giờ đến hạn việc") == 1
    assert await harness.api_errors() == []


async def test_priority_cancel_and_reopen(harness: Harness) -> None:
    task = await given_task(harness, THAO, title="Truy vết ca F1")
    view = await detail(harness, LEADER, task)
    assert await press(harness, LEADER, view, "Đặt: Khẩn") == f"Đã đổi mức độ việc #{task}: 🔴 Khẩn."
    assert count(await texts(harness, THAO), "đã đổi thành: 🔴 Khẩn") == 1
    assert (await load_task(harness, task)).priority == Priority.URGENT
    view = await current(harness, view)
    assert "Đặt: Thường" in labels(view)

    before = await harness.last_seq()
    await press(harness, LEADER, view, "Huỷ việc")
    question = (await harness.messages_after(before, LEADER))[-1]
    assert await press(harness, LEADER, question, "Xác nhận huỷ") == f"Đã huỷ việc #{task}."
    assert (await load_task(harness, task)).status == TaskStatus.CANCELLED
    assert count(await texts(harness, THAO), "đã được huỷ") == 1
    card = await card_of_task(harness, THAO, task)
    assert "Trạng thái: ✖️ Đã huỷ" in card["text"] and buttons(card) == []

    view = await detail(harness, LEADER, task)
    assert labels(view) == ["Mở lại"]
    assert await press(harness, LEADER, view, "Mở lại") == f"Đã mở lại việc #{task}."
    assert (await load_task(harness, task)).status == TaskStatus.NEW
    assert count(await texts(harness, THAO), "đã được mở lại") == 1
    assert labels(await card_of_task(harness, THAO, task)) == ["Đã nhận", "Đang làm", "Gặp khó khăn", "Hoàn thành"]
    async with harness.app.storage.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"task:{task}")))
    assert actions == ["task.create", "task.priority", "task.cancel", "task.reopen"]
    assert await harness.api_errors() == []


async def test_crafted_callback_data_is_refused_and_changes_nothing(harness: Harness) -> None:
    await harness.add_roster(SECOND_TEAM)
    ours = await given_task(harness, TUAN, title="Việc của tổ một")
    theirs = await given_task(harness, 4002, title="Việc của tổ hai", by=4001)
    other_leader = harness.person(4001)
    card = await card_of_task(harness, TUAN, ours)

    # A member pressing a leader's button, crafted: the permission check refuses it.
    toast = await press(harness, TUAN, card, f"tk1m:cy:{ours}:0", crafted=True)
    assert "vai trò của bạn không được phép" in toast
    # Another team's task named in a member's and a leader's buttons: not found in their team.
    assert await press(harness, TUAN, card, f"tk1s:{theirs}:done", crafted=True) == \
        "Không tìm thấy việc này trong tổ của bạn."
    menu = await harness.reply_to(await other_leader.says("/viec"))
    for data in (f"tk1m:cy:{ours}:0", f"tk1m:to:{ours}:4", f"tk1m:pr:{ours}:1", f"tk1m:re:{ours}:0",
                 f"tk1v:{ours}", f"tk1m:to:{theirs}:{1}"):
        toast = await press(harness, 4001, menu, data, crafted=True)
        assert toast in ("Không tìm thấy việc này trong tổ của bạn.",
                         "Người được chọn không còn trong tổ hoặc không nhận việc được."), (data, toast)
    assert (await load_task(harness, ours)).status == TaskStatus.NEW
    assert (await load_task(harness, ours)).priority == Priority.NORMAL
    assert [a.member.telegram_id for a in (await load_task(harness, theirs)).current] == [4002]
    # Garbage in the data is a polite "stale button".
    toast = await press(harness, TUAN, card, "tk1s:abc:done", crafted=True)
    assert "không còn hiệu lực" in toast
    assert await harness.api_errors() == []


async def test_views(harness: Harness) -> None:
    ids = [await given_task(harness, HUNG_VM, title=f"Việc số {n}", deadline=local(26, 8 + n)) for n in range(9)]
    late = await given_task(harness, MAI, title="Việc đã trễ", deadline=harness.clock.now() + timedelta(minutes=5))
    harness.clock.advance(timedelta(minutes=10))

    own = await harness.reply_to(await harness.person(MAI).says("/viec"))
    assert own["text"].startswith("Việc của bạn đang mở (1):")
    assert "❗quá hạn" in own["text"] and labels(own) == [f"#{late}"]

    team = await harness.reply_to(await harness.person(LEADER).says("/viec"))
    assert team["text"].startswith("Việc đang mở của tổ · 10 việc · trang 1/2")
    assert team["text"].split("\n")[1].startswith(f"#{late} Việc đã trễ — Đỗ Thị Mai")  # nearest deadline first
    await press(harness, LEADER, team, "Sau ›")
    team = await current(harness, team)
    assert "trang 2/2" in team["text"] and f"#{ids[-1]} " in team["text"]

    await press(harness, LEADER, team, "Quá hạn")
    team = await current(harness, team)
    assert team["text"].startswith("Việc quá hạn · 1 việc")

    await press(harness, LEADER, team, "Theo người")
    team = await current(harness, team)
    assert team["text"] == "Xem việc của ai?"
    await press(harness, LEADER, team, "Vũ Mạnh Hùng")
    team = await current(harness, team)
    assert team["text"].startswith("Việc của Vũ Mạnh Hùng · 9 việc")

    await press(harness, LEADER, team, "Theo lĩnh vực")
    await press(harness, LEADER, await current(harness, team), "#tiemchung — Quản lý tiêm chủng")
    assert (await current(harness, team))["text"].startswith("Việc lĩnh vực #tiemchung · 1 việc")

    typed = await harness.reply_to(await harness.person(LEADER).says("/viec qua han"))
    assert typed["text"].startswith("Việc quá hạn · 1 việc")
    director = await harness.reply_to(await harness.person(DIRECTOR).says("/viec"))
    assert director["text"].startswith("Việc đang mở của tổ · 10 việc")
    shown = await detail(harness, DIRECTOR, late)
    assert "Lịch sử:" in shown["text"] and buttons(shown) == []  # the Director reads, the leaders manage
    assert await harness.api_errors() == []
