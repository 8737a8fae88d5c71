"""Where "now" comes from. Production uses the system clock; tests and the
sandbox use a clock they can move, so nothing ever sleeps to reach a deadline."""

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
    """A clock that only moves when told to (tests, the sandbox's clock control)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta()
        self._frozen = start.astimezone(UTC) if start else None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen + self._offset
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the clock never moves backwards")
        self._offset += delta
        return self.now()

    def set(self, instant: datetime) -> datetime:
        return self.advance(instant.astimezone(UTC) - self.now())
