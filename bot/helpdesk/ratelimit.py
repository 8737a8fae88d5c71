"""Per-citizen flood limit: at most `limit` updates per fixed window of `window`.

Kept in the database (one small row per citizen per window) rather than in
Redis or in memory, because:
- every process shares it without extra infrastructure: DIEUPHOI_REDIS_URL is
  optional, and an in-process window lets a flood through N times over with
  N processes;
- it counts on the bot's clock, so tests move time instead of sleeping;
- the update is already written to the inbox, so one more small write per
  citizen message does not change the cost of handling it.
Counting is an atomic `UPDATE … SET count = count + 1 … RETURNING count`, so
two processes never lose a count. A fixed window lets a burst of up to twice
the limit through across a window boundary; that is acceptable for a flood
guard. Members are not limited.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
    start = window_start(now, window)
    count = await _increment(session, telegram_id, start)
    if count is None:
        try:
            async with session.begin_nested():
                session.add(RateWindow(telegram_id=telegram_id, window_start=start, count=1))
            count = 1
        except IntegrityError:  # another process counted this person's first update at the same moment
            count = await _increment(session, telegram_id, start) or 1
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.WARN if count == limit + 1 else Verdict.DROP


def retry_in(now: datetime, window: timedelta) -> timedelta:
    """How long until the current window ends."""
    return window_start(now, window) + window - now


async def forget_windows(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(RateWindow).where(RateWindow.window_start < before))
    return result.rowcount or 0


async def _increment(session: AsyncSession, telegram_id: int, start: datetime) -> int | None:
    result = await session.execute(
        update(RateWindow)
        .where(RateWindow.telegram_id == telegram_id, RateWindow.window_start == start)
        .values(count=RateWindow.count + 1)
        .returning(RateWindow.count)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()
