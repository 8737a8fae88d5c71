"""A scripted working day through the real bot, shared by the fault and crash tests.

Each step sends what several people do at once without waiting, so faults and
kills land in the middle of real work. Steps that need the bot's answer (a
button to press) wait for it. Features that land later add their steps here.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from bot.inbox import InboxUpdate
from bot.sandbox.client import Message, SandboxClient, Sent
from bot.storage import Storage
from tests.reliability.support import schedule_pings, settle, team_id

MEMBERS = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]
CITIZENS = [555001, 555002, 555003]
TEAM_GROUP = -1001234567890


class Stage(Protocol):
    """Where the story is played: an in-process harness or a bot process."""

    client: SandboxClient
    storage: Storage

    def now(self) -> datetime: ...

    async def advance(self, delta: timedelta) -> None: ...


async def handled(storage: Storage, sents: list[Sent], timeout: float = 60) -> None:
    ids = {sent.update_id for sent in sents if sent.update_id is not None}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with storage.read() as session:
            done = set(await session.scalars(
                select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids))
            ))
        if done == ids:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"updates {sorted(ids - done)} not handled within {timeout}s")


async def answer_with(client: SandboxClient, sent: Sent, button: str, timeout: float = 60) -> Message:
    """The bot's message in the chat, after `sent`, carrying a button with this text."""
    def has_button(event: dict) -> bool:
        rows = ((event.get("message") or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        return any(b.get("text") == button for row in rows for b in row)

    events = await client.wait(after=sent.seq, chat_id=sent.chat_id, kinds=["message"], by_bot=True,
                               timeout=timeout, match=has_button)
    if not events:
        raise TimeoutError(f"no message with a {button!r} button in chat {sent.chat_id}")
    return events[0]["message"]


async def message_with(client: SandboxClient, chat_id: int, after: int, start: str, timeout: float = 60) -> Message:
    """The bot's first message in a chat after seq `after` whose text starts with `start`."""
    events = await client.wait(after=after, chat_id=chat_id, kinds=["message"], by_bot=True, timeout=timeout,
                               match=lambda e: ((e.get("message") or {}).get("text") or "").startswith(start))
    if not events:
        raise TimeoutError(f"no message starting {start!r} in chat {chat_id}")
    return events[0]["message"]


async def everyone_says(client: SandboxClient, people: list[int], text: str) -> list[Sent]:
    return [await client.person(person).says(text) for person in people]


STEPS: list[str] = ["morning", "help", "language", "tasks", "citizens", "reminders", "afternoon"]
TASK = "Vá lỗ hổng máy chủ PC-Covid"


async def play(stage: Stage, step: str, *, wait: bool = True) -> list[Sent]:
    """One step of the day; returns the updates it caused.

    With `wait`, returns once they are handled and everything owed is delivered, so the
    order of messages in each chat is the same on every run.
    """
    client = stage.client
    sents: list[Sent] = []
    if step == "morning":
        for citizen in CITIZENS:
            await client.register_user(citizen, f"Dân {citizen}", language_code="vi")
        sents = await everyone_says(client, MEMBERS + CITIZENS, "/start")
    elif step == "help":
        sents = await everyone_says(client, MEMBERS, "/trogiup")
        sents += await everyone_says(client, [1000, 1004], "/nhom")
    elif step == "language":
        for person, button in ((1004, "English"), (1010, "Tiếng Việt")):
            asked = await client.person(person).says("/ngonngu")
            question = await answer_with(client, asked, button)
            sents += [asked, await client.person(person).presses(question, button)]
    elif step == "tasks":
        assigned = await client.person(1001).says(f"/giao @tuan_ba {TASK} hạn 17h thứ 6")
        card = await message_with(client, 1007, assigned.seq, "📋")
        sents += [assigned, await client.person(1007).replies_to(card, "xong roi")]
        sents += await everyone_says(client, [1007, 1001], "/viec")
    elif step == "citizens":
        sents = await everyone_says(client, CITIZENS, "lam sao quet ma QR")
        sents += await everyone_says(client, CITIZENS, "/khongco")
        sents += await everyone_says(client, [1005, 1006], "xin chào")
    elif step == "reminders":
        team = await team_id(stage.storage)
        now = stage.now()
        chats: dict[int, str] = {index: f"chat:{person}" for index, person in enumerate(MEMBERS[1:], start=1)}
        chats.update({100 + index: "team" for index in range(3)})
        await schedule_pings(stage.storage, team_id=team, due_at=now + timedelta(minutes=30), chats=chats)
        await stage.advance(timedelta(minutes=31))
    elif step == "afternoon":
        sents = await everyone_says(client, [1004], "/help")
        sents += await everyone_says(client, [1001, 1002, 1003], "/khonghieu")
        sents += await everyone_says(client, MEMBERS[:6], "/start")
        sents += await everyone_says(client, [1000], "/tonghop")  # the Director's digest: text, chart, sheet
    else:
        raise ValueError(step)
    if wait:
        await handled(stage.storage, sents)
        await settle(stage.storage, client)
    return sents
