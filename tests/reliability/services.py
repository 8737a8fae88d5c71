"""PostgreSQL, Redis and a reverse proxy for the tests of several bot processes.

Several processes sharing one database is a PostgreSQL deployment (docs/deploy.md), so these
tests use PostgreSQL even when the rest of the suite runs on SQLite: DIEUPHOI_TEST_DATABASE_URL
if set, else the local server CI starts. They skip, saying why, only when it cannot be reached.
"""

import asyncio
import itertools
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade_async
from bot.telegram.webhook import SECRET_HEADER
from tests.conftest import PG_URL, _admin, _with_database

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = os.environ.get("DIEUPHOI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def until(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Wait for what other processes do (no clock of ours to move); TimeoutError(what) after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.1)


async def _reachable(url: str) -> str | None:
    """None if a connection works, else why not (without the password)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None
    except Exception as error:  # refused, unknown host, auth, no asyncpg...
        return f"{type(error).__name__}"
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_postgres(migrated_template: str) -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards; skips if PostgreSQL is unreachable.

    `migrated_template` is the fixture of that name: on a PostgreSQL run the database is cloned
    from it; on a SQLite run (it is a file then) the new database is migrated from scratch.
    """
    server = PG_URL or LOCAL_POSTGRES
    admin = _with_database(server, "postgres")
    if (why := await _reachable(admin)) is not None:
        pytest.skip(f"needs PostgreSQL (DIEUPHOI_TEST_DATABASE_URL or {LOCAL_POSTGRES}): not reachable ({why})")
    name = f"dieuphoi_p_{uuid.uuid4().hex[:12]}"
    await _admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{migrated_template}"' if PG_URL else ""))
    try:
        url = _with_database(server, name)
        if not PG_URL:
            await upgrade_async(url)
        yield url
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def reachable_redis() -> str:
    """DIEUPHOI_TEST_REDIS_URL (default the local server's database 15); skips if Redis is unreachable."""
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except Exception as error:
        pytest.skip(f"needs Redis at {REDIS_URL} (DIEUPHOI_TEST_REDIS_URL): not reachable ({type(error).__name__})")
    finally:
        await redis.aclose()
    return REDIS_URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RoundRobinProxy:
    """A tiny reverse proxy handing each webhook POST to the next process in turn, as nginx's
    upstream does; it remembers which process got which update, and each update's body."""

    targets: list[str]
    path: str = "/tg/hook"
    handled_by: dict[int, str] = field(default_factory=dict)
    bodies: dict[int, bytes] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self, port: int) -> None:
        turn = itertools.cycle(self.targets)

        async def forward(request: web.Request) -> web.Response:
            body, target = await request.read(), next(turn)
            headers = {k: v for k, v in request.headers.items() if k == SECRET_HEADER}
            async with aiohttp.ClientSession() as http, http.post(
                target, data=body, headers={**headers, "Content-Type": "application/json"}
            ) as response:
                if response.status == 200:
                    update_id = json.loads(body)["update_id"]
                    self.handled_by[update_id], self.bodies[update_id] = target, body
                return web.Response(status=response.status, body=await response.read())

        proxy = web.Application()
        proxy.add_routes([web.post(self.path, forward)])
        self._runner = web.AppRunner(proxy, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
