"""The demo story: the sandbox's team at work before a visitor arrives.

`play_story` acts as the demo roster's people would, through the sandbox's control API (the
bot cannot tell it from a visitor): everyone opens the bot; a deputy sends the Director a
secondment request; the leader hands out tasks that end up in every state and convenes a
meeting for tomorrow; a report period is half collected. Each scene names the commands it needs and is skipped, with a log line, while
the bot does not know one of them yet.

After each action the story waits until the bot has handled the update and delivered what the
story reads next, so it plays out the same at every run (a scene played meanwhile involves
other people and other records). It takes a few seconds, paced by Telegram's one message a
second per chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import COMMANDS
from bot.inbox import InboxStatus, InboxUpdate
from bot.outbox.models import OutboxMessage
from bot.outbox.models import Status as OutboxStatus
from bot.sandbox.client import Message, SandboxClient, SandboxControlError, Sent
from bot.telegram.app import App

log = logging.getLogger("dieuphoi.sandbox.story")

DIRECTOR, LEADER, DEPUTY_LAN, DEPUTY_DUC = 1000, 1001, 1002, 1003
HUNG_VM, HUNG_LQ, MAI, TUAN, THAO, NAM, LINH, SON = 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011
UNIT_MANAGERS = (2001, 2002, 2003)
TEAM = (DIRECTOR, LEADER, DEPUTY_LAN, DEPUTY_DUC, HUNG_VM, HUNG_LQ, MAI, TUAN, THAO, NAM, LINH, SON, *UNIT_MANAGERS)
HANDLED = (InboxStatus.DONE, InboxStatus.PARKED)


class Stage:
    """The people of the story acting through the sandbox, each action waited for.

    After an action the stage waits until the bot has handled it, then until what the bot owes
    to the chats named in `read` is delivered (those the story reads next). Other messages,
    like the group's, which Telegram lets through at 20 a minute, arrive in their own time.
    """

    def __init__(self, client: SandboxClient, app: App, timeout: float = 10.0) -> None:
        self.client, self.app, self.timeout = client, app, timeout

    async def says(self, who: int, text: str, *, chat_id: int | None = None, reply_to: Message | None = None,
                   read: tuple[int, ...] = ()) -> Sent:
        sent = await self.client.say(who, text, chat_id=chat_id,
                                     reply_to=None if reply_to is None else int(reply_to["message_id"]))
        await self.handled(sent, read)
        return sent

    async def presses(self, who: int, message: Message, button: str, *, read: tuple[int, ...] = ()) -> Sent:
        """Press the first button of the message whose text contains `button` (case-insensitive)."""
        data = button_data(message, button)
        sent = await self.client.press(who, int(message["chat_id"]), int(message["message_id"]), data=data)
        await self.handled(sent, read)
        return sent

    async def last_from_bot(self, chat_id: int, *, after: Sent | None = None,
                            having: Callable[[Message], bool] = lambda m: True) -> Message:
        """The bot's latest message in a chat (after an action) that satisfies `having`."""
        seq = after.seq if after is not None else 0
        found = [m for m in await self.client.bot_messages(chat_id) if m["seq"] > seq and having(m)]
        if not found:
            raise LookupError(f"the bot wrote nothing suitable in chat {chat_id}")
        return found[-1]

    def today(self) -> date:
        return self.app.clock.now().astimezone(self.app.settings.zone).date()

    async def handled(self, sent: Sent, read: tuple[int, ...]) -> None:
        if sent.update_id is not None:
            await self.until(lambda session: self.update_finished(session, sent.update_id), "update handled")
        if read:
            await self.until(lambda session: self.nothing_owed(session, read), f"messages to {read} delivered")

    @staticmethod
    async def update_finished(session: AsyncSession, update_id: int | None) -> bool:
        status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id))
        return status in HANDLED

    @staticmethod
    async def nothing_owed(session: AsyncSession, chat_ids: tuple[int, ...]) -> bool:
        pending = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.chat_id.in_(chat_ids), OutboxMessage.status == OutboxStatus.PENDING))
        return not pending

    async def until(self, ready: Callable[[AsyncSession], Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            async with self.app.storage.read() as session:
                if await ready(session):
                    return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"{what}: not within {self.timeout}s")


def button_data(message: Message, wanted: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if wanted.casefold() in str(button.get("text", "")).casefold() and "callback_data" in button:
                return str(button["callback_data"])
    raise LookupError(f"no button like {wanted!r} on message {message.get('message_id')}")


def has_buttons(message: Message) -> bool:
    return bool((message.get("reply_markup") or {}).get("inline_keyboard"))


# --- the scenes ----------------------------------------------------------------------------------


async def everyone_opens_the_bot(stage: Stage) -> None:
    """Each person of the team presses Start: their chat shows their role and commands, and their menu is set."""
    for who in TEAM:
        await stage.says(who, "/start")


def is_task_card(message: Message) -> bool:
    return has_buttons(message) and bool(message.get("text"))


async def assign(stage: Stage, text: str, member: int) -> Message:
    """The leader hands out a task; returns the card the member received."""
    sent = await stage.says(LEADER, text, read=(member,))
    return await stage.last_from_bot(member, after=sent, having=is_task_card)


async def tasks_in_every_state(stage: Stage) -> None:
    """Five tasks: one done, one acknowledged, one in progress, one blocked, one not yet acknowledged
    (due at 10:00, so "+1 giờ" twice shows the reminders and the leader's escalation)."""
    card = await assign(stage, "/giao @hung_vm Cập nhật danh sách điểm QR của chợ đầu mối hạn 11h hôm nay", HUNG_VM)
    await stage.presses(HUNG_VM, card, "Đã nhận")
    await stage.says(HUNG_VM, "xong roi, da gui danh sach 214 diem", reply_to=card)

    card = await assign(stage, "/giao @tuan_ba Vá lỗ hổng máy chủ PC-Covid của tỉnh hạn 17h hôm nay", TUAN)
    await stage.presses(TUAN, card, "Đã nhận")

    card = await assign(stage, "/giao @thao_np Đối soát danh sách F1 với dữ liệu khai báo y tế hạn 16h hôm nay", THAO)
    await stage.says(THAO, "duoc 60% roi", reply_to=card)

    card = await assign(stage, "/giao @nam_dh Kiểm tra ứng dụng giám sát cách ly trên điện thoại Android cũ "
                               "hạn 17h mai", NAM)
    await stage.says(NAM, "vuong: chua co tai khoan quan tri, nho anh Tuan cap giup", reply_to=card)

    await assign(stage, "/giao @son_ph Kiểm tra đường truyền tới điểm tiêm lưu động hạn 10h hôm nay", SON)


def is_invitation(message: Message) -> bool:
    return has_buttons(message) and "Tham gia" in str(message.get("reply_markup"))


async def a_convocation_tomorrow(stage: Stage) -> None:
    """The leader convenes four people for tomorrow afternoon: one will come, one sends apologies with a
    reason, two have not answered yet; their unit managers and the group are told."""
    invited = (HUNG_VM, MAI, TUAN, THAO)
    sent = await stage.says(LEADER, "/trieutap Vũ Mạnh Hùng, Đỗ Thị Mai, Bùi Anh Tuấn, Ngô Phương Thảo "
                                     "Họp triển khai điểm tiêm lưu động lúc 14h chiều mai tại Phòng họp tầng 3",
                            read=invited)
    hung_card = await stage.last_from_bot(HUNG_VM, after=sent, having=is_invitation)
    mai_card = await stage.last_from_bot(MAI, after=sent, having=is_invitation)
    await stage.presses(HUNG_VM, hung_card, "Tham gia")
    await stage.presses(MAI, mai_card, "Vắng", read=(MAI,))  # she answers the bot's question
    await stage.says(MAI, "Chiều mai em trực điểm tiêm lưu động ở xã Yên Mông")


async def a_report_period_half_collected(stage: Stage) -> None:
    """The leader asks for this week's platform report by 17:00; three of the six owers have sent theirs."""
    await stage.says(LEADER, "/yeucau báo cáo tuần hạn 17h hôm nay", read=(HUNG_VM, MAI, HUNG_LQ))
    await stage.says(HUNG_VM, "/baocao qr_diem=1.250 qr_luot=48.300 kbyt_luot=21.700")
    await stage.says(MAI, "/baocao tc_mui=12.345 tc_tyle=87,5")
    await stage.says(HUNG_LQ, "/baocao xn_mau=2.000 xn_ketqua=1.950")


async def a_secondment_waiting_for_the_director(stage: Stage) -> None:
    """Deputy Lan asks the Director to second two people for two weeks from next Monday; no decision yet."""
    start = stage.today() + timedelta(days=7 - stage.today().weekday())
    end = start + timedelta(days=13)
    for answer in ("/trungdung", "Bùi Anh Tuấn\nTrần Thị Hoa, cdc, Bác sĩ",
                   "Số ca F0 tăng nhanh, cần thêm người trực hệ thống truy vết",
                   "Trực và hỗ trợ vận hành hệ thống truy vết, khai báo y tế"):
        await stage.says(DEPUTY_LAN, answer)
    sent = await stage.says(DEPUTY_LAN, f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}", read=(DEPUTY_LAN,))
    summary = await stage.last_from_bot(DEPUTY_LAN, after=sent, having=has_buttons)
    await stage.presses(DEPUTY_LAN, summary, "Gửi Giám đốc")


@dataclass(frozen=True)
class Scene:
    name: str
    needs: tuple[str, ...]  # command names (Vietnamese) the bot must know
    play: Callable[[Stage], Awaitable[None]]
    meanwhile: bool = False  # played alongside the scenes after it (other people act at the same time)


SCENES: tuple[Scene, ...] = (
    Scene("everyone opens the bot", ("start",), everyone_opens_the_bot),
    # Lan's six messages come at Telegram's pace of one a second: she writes while the others work.
    Scene("a secondment waiting for the Director", ("trungdung",), a_secondment_waiting_for_the_director,
          meanwhile=True),
    Scene("tasks in every state", ("giao",), tasks_in_every_state),
    Scene("a convocation tomorrow", ("trieutap",), a_convocation_tomorrow),
    Scene("a report period half collected", ("yeucau", "baocao"), a_report_period_half_collected),
)


def known_commands() -> set[str]:
    return {spec.name for spec in COMMANDS}


async def is_fresh(app: App) -> bool:
    """True when the bot has never handled an update in this database (the story has not been played)."""
    async with app.storage.read() as session:
        return not await session.scalar(select(func.count()).select_from(InboxUpdate))


async def play_story(base_url: str, app: App, scenes: tuple[Scene, ...] = SCENES) -> list[str]:
    """Play every scene whose commands exist; returns the names of the scenes played, in order."""
    if not await is_fresh(app):
        log.info("demo story skipped: this database has history already")
        return []
    known = known_commands()
    started = time.monotonic()
    async with SandboxClient(base_url) as client:
        stage = Stage(client, app)
        playing: list[tuple[Scene, asyncio.Task[bool]]] = []
        for scene in scenes:
            missing = [name for name in scene.needs if name not in known]
            if missing:
                log.info("demo story: scene %r skipped, the bot has no /%s yet", scene.name, ", /".join(missing))
                continue
            playing.append((scene, asyncio.create_task(play_scene(scene, stage))))
            if not scene.meanwhile:
                await playing[-1][1]
        await asyncio.gather(*(task for _, task in playing))
    played = [scene.name for scene, task in playing if task.result()]
    log.info("demo story: %d scenes played in %.1fs", len(played), time.monotonic() - started)
    return played


async def play_scene(scene: Scene, stage: Stage) -> bool:
    began = time.monotonic()
    try:
        await scene.play(stage)
    except (LookupError, TimeoutError, SandboxControlError) as error:
        log.warning("demo story: scene %r stopped: %s", scene.name, error)
        return False
    log.info("demo story: scene %r played in %.1fs", scene.name, time.monotonic() - began)
    return True
