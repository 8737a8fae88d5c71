"""Where "now" comes from. Production uses the system clock; tests and the
sandbox use a clock they can move, so nothing ever sleeps to reach a deadline."""

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that starts at a chosen instant and can be moved forward.

    By default it also runs with real time, so retry back-offs still elapse
    in a test; `running=False` freezes it between moves.
    """

    def __init__(self, start: datetime | None = None, *, running: bool = True) -> None:
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._origin = time.monotonic()
        self._running = running
        self._offset = timedelta()

    def now(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._origin) if self._running else timedelta()
        return self._start + elapsed + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the clock never moves backwards")
        self._offset += delta
        return self.now()

    def set(self, instant: datetime) -> datetime:
        return self.advance(instant.astimezone(UTC) - self.now())
