"""Per-citizen flood limit: at most `limit` updates per fixed window of `window`.

Kept in the database (one small row per citizen per window) rather than in
Redis or in memory, because:
- every process shares it without extra infrastructure: DIEUPHOI_REDIS_URL is
  optional, and an in-process window lets a flood through N times over with
  N processes;
- it counts on the bot's clock, so tests move time instead of sleeping;
- the update is already written to the inbox, so one more small write per
  citizen message does not change the cost of handling it.
Counting is one atomic `INSERT … ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count` (the window's first update creates its row), so two processes
never lose a count. A fixed window lets a burst of up to twice the limit
through across a window boundary; that is acceptable for a flood guard.
Members are not limited.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import upsert
from bot.helpdesk.models import RateWindow

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


class Verdict(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # the first update over the limit: tell the person, once per window
    DROP = "drop"  # further updates in the same window: ignore quietly


def window_start(now: datetime, window: timedelta) -> datetime:
    return now - (now - _EPOCH) % window


async def count_update(
    session: AsyncSession, telegram_id: int, *, now: datetime, limit: int, window: timedelta
) -> Verdict:
    """Count one update from this person and say whether to handle it."""
    count = await _increment(session, telegram_id, window_start(now, window))
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.WARN if count == limit + 1 else Verdict.DROP


def retry_in(now: datetime, window: timedelta) -> timedelta:
    """How long until the current window ends."""
    return window_start(now, window) + window - now


async def forget_windows(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(RateWindow).where(RateWindow.window_start < before))
    return result.rowcount or 0


async def _increment(session: AsyncSession, telegram_id: int, start: datetime) -> int:
    result = await session.execute(
        upsert(session, RateWindow)
        .values(telegram_id=telegram_id, window_start=start, count=1)
        .on_conflict_do_update(index_elements=["telegram_id", "window_start"], set_={"count": RateWindow.count + 1})
        .returning(RateWindow.count)
    )
    return result.scalar_one()
