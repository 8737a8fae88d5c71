"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

Set DIEUPHOI_TEST_DATABASE_URL (postgresql+asyncpg://...) to run the whole
suite on PostgreSQL; each test then gets its own database cloned from a
migrated template, so tests never see each other's rows.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade
from bot.storage import Storage

PG_URL = os.environ.get("DIEUPHOI_TEST_DATABASE_URL")
TEMPLATE = f"dieuphoi_tpl_{os.getpid()}"


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(url: str, *statements: str) -> None:
    engine = create_async_engine(_with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run; every test copies the result."""
    if PG_URL:
        asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{TEMPLATE}"', f'CREATE DATABASE "{TEMPLATE}"'))
        upgrade(_with_database(PG_URL, TEMPLATE))
        yield TEMPLATE
        asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield str(path)


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    if PG_URL:
        name = f"dieuphoi_t_{uuid.uuid4().hex[:12]}"
        await _admin(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
        yield _with_database(PG_URL, name)
        await _admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    store = Storage.from_url(database_url)
    yield store
    await store.close()
