"""Telegram's flood control: ~1 msg/s per private chat, 20/min per group, 30/s overall.

Token buckets on a monotonic clock. A refused send answers 429 with retry_after, and the
chat remembers until when it must stay quiet; sending earlier counts as a violation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    updated_at: float = 0.0

    def refill(self, now: float) -> None:
        if self.tokens < 0:
            self.tokens, self.updated_at = self.capacity, now
            return
        self.tokens = min(self.capacity, self.tokens + (now - self.updated_at) * self.per_second)
        self.updated_at = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second

    def take(self) -> None:
        self.tokens -= 1


@dataclass(frozen=True)
class LimitRates:
    """(capacity, tokens per second) for each bucket."""

    private: tuple[float, float] = (3, 1.0)
    group: tuple[float, float] = (20, 20 / 60)
    overall: tuple[float, float] = (30, 30.0)


@dataclass
class Refusal:
    retry_after: int
    violation: bool  # the bot sent before a previous retry_after expired


@dataclass
class FloodControl:
    clock: Callable[[], float]
    enabled: bool = True
    rates: LimitRates = field(default_factory=LimitRates)
    _buckets: dict[int, TokenBucket] = field(default_factory=dict)
    _overall: TokenBucket | None = None
    quiet_until: dict[int, float] = field(default_factory=dict)
    violations: int = 0

    def check(self, chat_id: int, is_private: bool) -> Refusal | None:
        """Take a token for one message to `chat_id`, or say how long to wait."""
        if not self.enabled:
            return None
        now = self.clock()
        early = now < self.quiet_until.get(chat_id, float("-inf"))
        if early:
            self.violations += 1
        chat_bucket = self._bucket(chat_id, is_private)
        overall = self._overall_bucket()
        wait = max(chat_bucket.wait_time(now), overall.wait_time(now))
        if early:
            wait = max(wait, self.quiet_until[chat_id] - now)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            self.quiet_until[chat_id] = max(self.quiet_until.get(chat_id, 0.0), now + retry_after)
            return Refusal(retry_after, early)
        chat_bucket.take()
        overall.take()
        return None

    def reset(self) -> None:
        self._buckets.clear()
        self._overall = None
        self.quiet_until.clear()
        self.violations = 0

    def _bucket(self, chat_id: int, is_private: bool) -> TokenBucket:
        if chat_id not in self._buckets:
            capacity, per_second = self.rates.private if is_private else self.rates.group
            self._buckets[chat_id] = TokenBucket(capacity, per_second)
        return self._buckets[chat_id]

    def _overall_bucket(self) -> TokenBucket:
        if self._overall is None:
            self._overall = TokenBucket(*self.rates.overall)
        return self._overall
