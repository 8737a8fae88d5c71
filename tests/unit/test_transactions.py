"""Transactions mean the same on SQLite as on PostgreSQL: a savepoint belongs to its transaction.

Python's sqlite3 module (under aiosqlite) used to open a transaction only at the
first INSERT, UPDATE or DELETE, so a savepoint opened after a mere read ran
outside any transaction and its RELEASE committed it for good. bot.db now emits
BEGIN itself: IMMEDIATE (the write lock, waited for) for work that writes,
a deferred BEGIN for Storage.read(), which never takes the write lock.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import db
from bot.audit import AuditEntry, record
from bot.clock import ManualClock
from bot.outbox.models import OutboxMessage
from bot.reminders import service as reminders
from bot.reminders.models import Reminder
from bot.roster.models import Team
from bot.sender import Sender
from bot.storage import Storage
from bot.ui import Message
from tests.unit.statements import statements

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

Nested = Callable[[Storage, AsyncSession], AbstractAsyncContextManager[AsyncSession]]


@asynccontextmanager
async def _begin_nested(_storage: Storage, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    async with session.begin_nested():
        yield session


def _storage_transaction(storage: Storage, _session: AsyncSession) -> AbstractAsyncContextManager[AsyncSession]:
    return storage.transaction()


async def count(storage: Storage, model: type) -> int:
    async with storage.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("nested", [_begin_nested, _storage_transaction], ids=["begin_nested", "transaction"])
async def test_a_savepoint_opened_after_a_read_rolls_back_with_its_unit(storage: Storage, nested: Nested) -> None:
    with pytest.raises(RuntimeError):
        async with storage.unit_of_work() as session:
            assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0  # a read comes first
            async with nested(storage, session) as inner:
                record(inner, at=NOW, action="x", subject="y", actor=1, team_id=None)
                await inner.flush()
            raise RuntimeError("the handler failed after its service's savepoint was released")
    assert await count(storage, AuditEntry) == 0


async def test_a_reminder_scheduled_by_a_failed_unit_is_not_owed(storage: Storage) -> None:
    async with storage.transaction() as session:
        team = Team(code="t", name="T", created_at=NOW)
        session.add(team)
    with pytest.raises(RuntimeError):
        async with storage.unit_of_work() as session:
            await reminders.schedule(session, team_id=team.id, kind="task.deadline", subject_id=1, step="ack",
                                     due_at=NOW)  # looks for the reminder, then inserts it in a savepoint
            raise RuntimeError
    assert await count(storage, Reminder) == 0


async def test_a_failed_write_transaction_outside_a_unit_leaves_nothing(storage: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction(storage.sessions) as session:
            await session.scalar(select(func.count()).select_from(AuditEntry))
            async with session.begin_nested():
                record(session, at=NOW, action="x", subject="y", actor=1, team_id=None)
            raise RuntimeError
    assert await count(storage, AuditEntry) == 0


# SQLite only: who holds the write lock.

@pytest.fixture
def sqlite_path(storage: Storage) -> str:
    if storage.dialect != "sqlite":
        pytest.skip("SQLite's locking")
    assert storage.engine.url.database
    return storage.engine.url.database


def can_write_now(path: str) -> bool:
    """Whether another connection could start writing at once (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()  # rolls back
    return True


async def _first_read(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1 FROM audit_log"))


async def test_write_transactions_take_the_write_lock_at_their_first_statement(
    storage: Storage, sqlite_path: str
) -> None:
    async with storage.transaction() as session:
        await _first_read(session)
        assert not can_write_now(sqlite_path)
    async with storage.unit_of_work() as session:
        await _first_read(session)
        assert not can_write_now(sqlite_path)
    async with db.transaction(storage.sessions) as session:
        await _first_read(session)
        assert not can_write_now(sqlite_path)
    assert can_write_now(sqlite_path)


async def test_reads_never_take_the_write_lock(storage: Storage, sqlite_path: str) -> None:
    async with storage.read() as session:
        await _first_read(session)
        assert can_write_now(sqlite_path)
    async with storage.transaction() as writing:
        record(writing, at=NOW, action="x", subject="y", actor=1, team_id=None)
        await writing.flush()
        async with storage.read() as reading:  # another connection: reads beside the writer, sees the last commit
            assert await reading.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_transactions_that_read_then_write_wait_for_each_other(storage: Storage, sqlite_path: str) -> None:
    """A deferred BEGIN would fail one of them at once with "database is locked"."""
    first_read, second_started = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with storage.transaction() as session:
            await _first_read(session)
            first_read.set()
            await second_started.wait()
            record(session, at=NOW, action="first", subject="y", actor=1, team_id=None)

    async def second() -> None:
        await first_read.wait()
        second_started.set()
        async with storage.transaction() as session:
            await _first_read(session)
            record(session, at=NOW, action="second", subject="y", actor=1, team_id=None)

    await asyncio.gather(first(), second())
    assert await count(storage, AuditEntry) == 2


async def test_ddl_is_transactional(storage: Storage, sqlite_path: str) -> None:
    with pytest.raises(RuntimeError):
        async with storage.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
            raise RuntimeError
    async with storage.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")) == 0


async def test_the_sender_joins_an_updates_transaction_without_a_savepoint(storage: Storage) -> None:
    sender = Sender(storage, ManualClock(NOW))
    with statements(storage) as seen:
        async with storage.unit_of_work():
            await sender.send(42, Message("xin chào"))
    assert not [s for s in seen.sql if "SAVEPOINT" in s.upper()]
    assert await count(storage, OutboxMessage) == 1

    with pytest.raises(RuntimeError):  # the update failed after its reply was queued: no reply
        async with storage.unit_of_work():
            await sender.send(42, Message("không gửi"))
            raise RuntimeError("the handler failed")
    assert await count(storage, OutboxMessage) == 1
