"""Staying under Telegram's sending limits, so that a 429 is rare.

About one message a second per private chat, twenty a minute per group,
thirty a second overall. Token buckets on the monotonic clock: pacing is a
property of this process's connection, not of the domain's time. The budgets
are this process's alone, so with several processes only one sends at a time
(bot.telegram.sender_lock), and its pacer is the global one.
"""

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    private_rate: float = 1.0
    private_burst: float = 2.0
    group_rate: float = 20 / 60
    group_burst: float = 1.0
    global_rate: float = 30.0
    global_burst: float = 3.0  # a little slack, so a late wake-up of the loop is not lost for good


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def ready_in(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now


@dataclass
class Pacer:
    limits: Limits = field(default_factory=Limits)
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _blocked_until: dict[int, float] = field(default_factory=dict)
    _global: _Bucket | None = None

    def chat_ready_in(self, chat_id: int) -> float:
        now = time.monotonic()
        blocked = max(0.0, self._blocked_until.get(chat_id, 0.0) - now)
        return max(blocked, self._chat(chat_id, now).ready_in(now))

    def global_ready_in(self) -> float:
        now = time.monotonic()
        return self._overall(now).ready_in(now)

    def take(self, chat_id: int) -> None:
        now = time.monotonic()
        self._chat(chat_id, now).take(now)
        self._overall(now).take(now)

    def block(self, chat_id: int, seconds: float) -> None:
        """Telegram said retry_after: nothing goes to this chat before then."""
        self._blocked_until[chat_id] = time.monotonic() + seconds

    def _chat(self, chat_id: int, now: float) -> _Bucket:
        if chat_id not in self._chats:
            group = chat_id < 0
            rate = self.limits.group_rate if group else self.limits.private_rate
            burst = self.limits.group_burst if group else self.limits.private_burst
            self._chats[chat_id] = _Bucket(rate, burst, burst, now)
        return self._chats[chat_id]

    def _overall(self, now: float) -> _Bucket:
        if self._global is None:
            self._global = _Bucket(self.limits.global_rate, self.limits.global_burst, self.limits.global_burst, now)
        return self._global
