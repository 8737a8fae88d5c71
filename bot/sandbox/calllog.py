"""Every Bot API call the bot made, with its outcome; the token is never recorded."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class CallRecord:
    seq: int
    time: float
    method: str
    params: dict[str, Any]
    ok: bool | None = None
    error_code: int | None = None
    description: str | None = None
    fault: str | None = None
    unknown_params: list[str] = field(default_factory=list)
    violation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._seq = 0

    def start(self, time: float, method: str, params: dict[str, Any]) -> CallRecord:
        self._seq += 1
        record = CallRecord(self._seq, time, method, params)
        self.records.append(record)
        return record

    def errors(self) -> list[CallRecord]:
        """Calls Telegram answered with an error, excluding injected faults."""
        return [r for r in self.records if r.ok is False and r.fault is None]

    def violations(self) -> list[CallRecord]:
        return [r for r in self.records if r.violation]

    def clear(self) -> None:
        self.records.clear()
