"""Fault injection for Bot API calls: random rates and a scripted queue of next faults.

A fault is an HTTP error answer (e.g. 502 "Bad Gateway", 429 with retry_after), a dropped
connection ("drop") or a request left unanswered until the client gives up ("timeout").
Faults never apply to the control API.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

ERROR_TEXTS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    429: "Too Many Requests: retry after {retry_after}",
}


@dataclass
class Fault:
    """One injected failure; `method` / `chat_id` restrict which call it hits."""

    code: int | None = None
    drop: bool = False
    timeout: bool = False
    hold_seconds: float | None = None  # how long a "timeout" fault keeps the request open
    retry_after: int | None = None
    description: str | None = None
    method: str | None = None
    chat_id: int | None = None

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Fault:
        return cls(
            code=spec.get("code"),
            drop=bool(spec.get("drop")),
            timeout=bool(spec.get("timeout")),
            hold_seconds=spec.get("hold_seconds"),
            retry_after=spec.get("retry_after"),
            description=spec.get("description"),
            method=spec.get("method"),
            chat_id=spec.get("chat_id"),
        )

    @classmethod
    def of_kind(cls, kind: str) -> Fault:
        """A fault from a rate's kind: "drop", "timeout" or an HTTP code like "502"."""
        if kind in ("drop", "timeout"):
            return cls(drop=kind == "drop", timeout=kind == "timeout")
        code = int(kind)
        return cls(code=code, retry_after=1 if code == 429 else None)

    @property
    def name(self) -> str:
        return "drop" if self.drop else "timeout" if self.timeout else str(self.code)

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def answer(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for an error fault."""
        code = self.code or 502
        retry_after = self.retry_after or 1
        text = self.description or ERROR_TEXTS.get(code, "Internal Server Error")
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": text.format(retry_after=retry_after)}
        if code == 429:
            body["parameters"] = {"retry_after": retry_after}
        return code, body


@dataclass
class FaultRate:
    fail_rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: ["502"])
    methods: list[str] | None = None
    seed: int | None = None


class FaultInjector:
    def __init__(self) -> None:
        self.rate = FaultRate()
        self.queue: list[Fault] = []
        self._random = random.Random()

    def set_rate(self, rate: FaultRate) -> None:
        self.rate = rate
        self._random = random.Random(rate.seed)

    def push(self, faults: list[Fault]) -> None:
        self.queue.extend(faults)

    def clear(self) -> None:
        self.rate = FaultRate()
        self.queue.clear()

    def next_fault(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault for this call, if any: scripted ones first, then the random rate."""
        for index, fault in enumerate(self.queue):
            if fault.matches(method, chat_id):
                return self.queue.pop(index)
        rate = self.rate
        if rate.fail_rate <= 0:
            return None
        if rate.methods and method.lower() not in {m.lower() for m in rate.methods}:
            return None
        if self._random.random() >= rate.fail_rate:
            return None
        return Fault.of_kind(self._random.choice(rate.kinds))

    def describe(self) -> dict[str, Any]:
        return {
            "fail_rate": self.rate.fail_rate,
            "kinds": self.rate.kinds,
            "methods": self.rate.methods,
            "seed": self.rate.seed,
            "next": [fault.__dict__ for fault in self.queue],
        }
