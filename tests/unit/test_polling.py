"""Polling handles a batch chat by chat: chats side by side, each chat's updates in order."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, Update, User

from bot.telegram.polling import BatchDispatcher, by_chat, chat_key


def message_update(update_id: int, chat_id: int, text: str) -> Update:
    message = Message(message_id=update_id, date=datetime(2026, 11, 26, tzinfo=UTC),
                      chat=Chat(id=chat_id, type="private"), from_user=User(id=chat_id, is_bot=False, first_name="A"),
                      text=text)
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


def test_updates_are_grouped_by_chat_in_arrival_order() -> None:
    updates = [message_update(1, 10, "a1"), message_update(2, 20, "b1"), message_update(3, 10, "a2")]
    assert chat_key(updates[1]) == 20
    assert [[u.message.text for u in group] for group in by_chat(updates)] == [["a1", "a2"], ["b1"]]


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
