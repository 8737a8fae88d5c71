"""Wake every coroutine waiting for "something changed", without polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """Each `notify()` releases all current waiters; later waiters wait for the next one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, ready: Callable[[], T], timeout: float) -> T:
        """Return `ready()` as soon as it is truthy, or its last (falsy) value after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        while True:
            event = self._event  # taken before checking, so a change in between is not missed
            result = ready()
            remaining = deadline - loop.time()
            if result or remaining <= 0:
                return result
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                pass
