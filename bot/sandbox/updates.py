"""The bot's pending updates and Telegram's getUpdates rules (long polling, offsets, conflicts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.errors import conflict
from bot.sandbox.notify import Notifier

# Sent unless the bot asks otherwise (Bot API: allowed_updates default).
NOT_SENT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
T = TypeVar("T")
TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"


def update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """Updates wait here until confirmed by a later offset (or delivered to a webhook)."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.pending: list[dict[str, Any]] = []
        self.allowed_updates: list[str] = []
        self._next_id = first_update_id
        self._changed = Notifier()
        self._active_poll: object | None = None

    def push(self, body: dict[str, Any]) -> int | None:
        """Queue an update (body without update_id); None if the bot's allowed_updates exclude it."""
        kind = next(iter(body))
        if not self.is_allowed(kind):
            return None
        update_id = self._next_id
        self._next_id += 1
        self.pending.append({"update_id": update_id, **body})
        self._changed.notify()
        return update_id

    def is_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_SENT_BY_DEFAULT

    def confirm(self, offset: int) -> None:
        """Forget updates before `offset`; a negative offset keeps only the last -offset updates."""
        if offset < 0:
            self.pending = self.pending[offset:]
        elif offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def drop_all(self) -> None:
        self.pending.clear()

    def forget(self) -> None:
        """Back to new (ids keep growing, so a running poller's offset stays meaningful)."""
        self.pending.clear()
        self.allowed_updates = []
        self._changed.notify()

    async def poll(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then wait up to `timeout` for something to return."""
        self.confirm(offset)
        ticket = object()
        self._active_poll = ticket
        self._changed.notify()  # an older poll wakes up, sees it lost, answers 409
        try:
            def ready() -> list[dict[str, Any]] | bool:
                if self._active_poll is not ticket:
                    return True
                return self.pending[:limit]

            batch = await self._changed.wait_until(ready, timeout)
            if self._active_poll is not ticket:
                raise conflict(TERMINATED)
            return list(batch) if isinstance(batch, list) else []
        finally:
            if self._active_poll is ticket:
                self._active_poll = None

    async def wait_until(self, ready: Callable[[], T], timeout: float) -> T:
        """Wait until `ready()` is truthy, re-checking whenever the queue changes or `wake()` is called."""
        return await self._changed.wait_until(ready, timeout)

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    def wake(self) -> None:
        self._changed.notify()
