"""`dieuphoi health`: can this deployment do its work right now?

Checks the database, Redis (when configured), the Bot API (getMe) and the
outbox backlog. Each check is one line; any failure makes the exit status 1,
so a container health check or a monitoring script can use it as is.
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram.exceptions import TelegramUnauthorizedError
from sqlalchemy import text

from bot.config import Settings
from bot.metrics import outbox_backlog
from bot.storage import Storage

TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL'} {self.name}: {self.detail}"


async def run_checks(settings: Settings, *, now: datetime, max_outbox_age: timedelta, bot_api: bool = True) -> list[Check]:
    checks = await _guarded("database", _database(settings, now, max_outbox_age))
    if settings.redis_url:
        checks += await _guarded("redis", _redis(settings.redis_url))
    if bot_api:
        checks += await _guarded("bot api", _bot_api(settings))
    return checks


async def _guarded(name: str, work: Coroutine[Any, Any, list[Check]]) -> list[Check]:
    try:
        return await asyncio.wait_for(work, timeout=TIMEOUT)
    except TimeoutError:
        return [Check(name, False, f"no answer within {TIMEOUT:.0f}s")]
    except Exception as error:  # the reason, never a URL or token: exception class and first line
        return [Check(name, False, f"{type(error).__name__}: {_first_line(error)}")]


async def _database(settings: Settings, now: datetime, max_age: timedelta) -> list[Check]:
    storage = Storage.from_url(settings.database_url)
    try:
        async with storage.read() as session:
            await session.execute(text("SELECT 1"))
        pending, oldest = await outbox_backlog(storage)
    finally:
        await storage.close()
    age = now - oldest if oldest else timedelta()
    outbox_ok = age <= max_age
    detail = f"{pending} pending" + (f", oldest waiting {_seconds(age)}" if oldest else "")
    if not outbox_ok:
        detail += f" (more than {_seconds(max_age)})"
    return [Check("database", True, "reachable"), Check("outbox", outbox_ok, detail)]


async def _redis(url: str) -> list[Check]:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return [Check("redis", True, "reachable")]


async def _bot_api(settings: Settings) -> list[Check]:
    from bot.telegram.app import make_bot

    if not settings.token:
        return [Check("bot api", False, "DIEUPHOI_BOT_TOKEN is not set")]
    bot = make_bot(settings)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return [Check("bot api", False, "the Bot API refused the token (401 Unauthorized)")]
    finally:
        await bot.session.close()
    return [Check("bot api", True, f"@{me.username}")]


def _seconds(delta: timedelta) -> str:
    return f"{int(delta.total_seconds())}s"


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0][:200]
