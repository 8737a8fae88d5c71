"""The citizen flood limit: counted in the database, shared by processes, on the bot's clock."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot.helpdesk.ratelimit import Verdict, count_update, retry_in, window_start
from bot.storage import Storage

NOW = datetime(2026, 11, 25, 2, 0, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def verdicts(storage: Storage, telegram_id: int, times: int, now: datetime = NOW) -> list[Verdict]:
    found = []
    for _ in range(times):
        async with storage.transaction() as session:
            found.append(await count_update(session, telegram_id, now=now, limit=3, window=MINUTE))
    return found


async def test_over_the_limit_one_warning_then_silence_until_the_window_ends(storage: Storage) -> None:
    assert await verdicts(storage, 1, 6) == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert await verdicts(storage, 2, 1) == [Verdict.ALLOW]  # per person
    assert await verdicts(storage, 1, 1, NOW + timedelta(seconds=49)) == [Verdict.DROP]
    assert await verdicts(storage, 1, 1, NOW + timedelta(seconds=50)) == [Verdict.ALLOW]  # next window


def test_windows_are_aligned_and_say_how_long_to_wait() -> None:
    assert window_start(NOW, MINUTE) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert retry_in(NOW, MINUTE) == timedelta(seconds=50)
    assert window_start(NOW, timedelta(hours=1)) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def test_two_processes_share_one_count(database_url: str) -> None:
    first, second = Storage.from_url(database_url), Storage.from_url(database_url)
    try:
        found = await asyncio.gather(*(verdicts(store, 7, 3) for store in (first, second)))
    finally:
        await first.close()
        await second.close()
    flat = sorted(v for batch in found for v in batch)
    assert flat.count(Verdict.ALLOW) == 3 and flat.count(Verdict.WARN) == 1 and flat.count(Verdict.DROP) == 2
