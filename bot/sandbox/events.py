"""A global, numbered stream of what happened (for tests that wait and for a web chat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.notify import Notifier


@dataclass
class Event:
    """kind: message, edit, delete, callback_answer, update, chat."""

    seq: int
    kind: str
    chat_id: int | None
    by_bot: bool
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "chat_id": self.chat_id, "by_bot": self.by_bot, **self.data}


class EventLog:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._seq = 0
        self._changed = Notifier()

    @property
    def last_seq(self) -> int:
        return self._seq

    def add(self, kind: str, chat_id: int | None, by_bot: bool, **data: Any) -> Event:
        self._seq += 1
        event = Event(self._seq, kind, chat_id, by_bot, data)
        self.events.append(event)
        self._changed.notify()
        return event

    def select(
        self,
        after: int = 0,
        chat_id: int | None = None,
        kinds: set[str] | None = None,
        by_bot: bool | None = None,
    ) -> list[Event]:
        return [
            e
            for e in self.events
            if e.seq > after
            and (chat_id is None or e.chat_id == chat_id)
            and (kinds is None or e.kind in kinds)
            and (by_bot is None or e.by_bot == by_bot)
        ]

    async def wait(
        self,
        after: int = 0,
        chat_id: int | None = None,
        kinds: set[str] | None = None,
        by_bot: bool | None = None,
        timeout: float = 10.0,
    ) -> list[Event]:
        """Events matching the filter after `after`, waiting up to `timeout` for the first."""
        return await self._changed.wait_until(lambda: self.select(after, chat_id, kinds, by_bot), timeout)

    def clear(self) -> None:
        self.events.clear()
        self._changed.notify()
