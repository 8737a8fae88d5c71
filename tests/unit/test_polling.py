"""Polling handles a batch chat by chat: chats side by side, each chat's updates in order."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, Update, User

from bot.telegram.polling import BatchDispatcher, by_chat


def message_update(update_id: int, chat_id: int, text: str, user_id: int | None = None) -> Update:
    chat = Chat(id=chat_id, type="private" if chat_id > 0 else "group")
    message = Message(message_id=update_id, date=datetime(2026, 11, 26, tzinfo=UTC), chat=chat,
                      from_user=User(id=user_id or chat_id, is_bot=False, first_name="A"), text=text)
    return Update(update_id=update_id, message=message)


class Recording(BatchDispatcher):
    def __init__(self, chats_at_once: int) -> None:
        super().__init__(chats_at_once=chats_at_once)
        self.handled: list[str] = []
        self.b_seen = asyncio.Event()

    async def _process_update(self, bot: Any, update: Update, call_answer: bool = True, **kwargs: Any) -> bool:
        text = update.message.text if update.message else ""
        if text == "a1":  # chat A's first update can only finish once chat B's has started
            await asyncio.wait_for(self.b_seen.wait(), timeout=5)
        if text == "b1":
            self.b_seen.set()
        self.handled.append(text or "")
        return True


def texts(groups: list[list[Update]]) -> list[list[str]]:
    return [[u.message.text or "" for u in group if u.message] for group in groups]


def test_updates_are_grouped_by_chat_in_arrival_order() -> None:
    updates = [message_update(1, 10, "a1"), message_update(2, 20, "b1"), message_update(3, 10, "a2")]
    assert texts(by_chat(updates)) == [["a1", "a2"], ["b1"]]


def test_a_person_in_two_chats_and_chats_linked_by_people_fall_in_one_group() -> None:
    updates = [message_update(1, -100, "group, by 10", user_id=10), message_update(2, 20, "b1"),
               message_update(3, 30, "c1"), message_update(4, 10, "private 10"),
               message_update(5, -100, "group, by 30", user_id=30)]
    assert texts(by_chat(updates)) == [["group, by 10", "c1", "private 10", "group, by 30"], ["b1"]]


async def test_chats_are_handled_side_by_side_and_each_chat_in_order() -> None:
    dispatcher = Recording(chats_at_once=4)
    batch = [message_update(1, 10, "a1"), message_update(2, 10, "a2"), message_update(3, 20, "b1")]
    await dispatcher.handle_batch(None, batch)  # type: ignore[arg-type]
    assert dispatcher.handled == ["b1", "a1", "a2"]


async def test_one_chat_at_a_time_keeps_the_batch_order() -> None:
    dispatcher = Recording(chats_at_once=1)
    batch = [message_update(1, 20, "b1"), message_update(2, 10, "a1"), message_update(3, 10, "a2")]
    await dispatcher.handle_batch(None, batch)  # type: ignore[arg-type]
    assert dispatcher.handled == ["b1", "a1", "a2"]
