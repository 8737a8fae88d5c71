"""The sender lock (bot.telegram.sender_lock): one process sends at a time on PostgreSQL.

These run on PostgreSQL whenever it is reachable (they skip, saying why, when it is not):
advisory locks and LISTEN/NOTIFY are PostgreSQL's. On SQLite there is no lock at all.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.outbox.models import OutboxMessage, Status
from bot.outbox.service import enqueue
from bot.storage import Storage
from bot.telegram.delivery import Delivery
from bot.telegram.sender_lock import SenderLock, current_sender
from bot.ui import Message
from tests.reliability.services import scratch_postgres


@pytest.fixture
async def pg(migrated_template: str) -> AsyncIterator[Storage]:
    async with scratch_postgres(migrated_template) as url:
        storage = Storage.from_url(url)
        try:
            yield storage
        finally:
            await storage.close()


@pytest.fixture
async def locks(pg: Storage) -> AsyncIterator[Callable[..., SenderLock]]:
    made: list[SenderLock] = []

    def make(**options: float) -> SenderLock:
        lock = SenderLock.for_storage(pg, **{"retry": 0.0, **options})
        assert lock is not None
        made.append(lock)
        return lock

    yield make
    for lock in made:
        await lock.release()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """PostgreSQL ends a session asynchronously: poll for the outcome, never for a deadline."""
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


async def test_no_lock_on_sqlite(tmp_path) -> None:
    storage = Storage.from_url(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert SenderLock.for_storage(storage) is None
        assert Delivery(None, storage, SystemClock()).sender_lock is None  # type: ignore[arg-type]
    finally:
        await storage.close()


async def test_one_sender_at_a_time_and_a_clean_stop_hands_over(pg: Storage, locks) -> None:
    first, second = locks(), locks()
    assert await first.hold() and first.leading
    assert not await second.hold() and not second.leading
    assert await first.keep() and await first.hold()  # held, not taken twice
    async with pg.read() as session:
        assert (await current_sender(session) or "").startswith("dieuphoi sender ")
    await first.release()
    assert not first.leading
    assert await second.hold()  # at its next try, with nothing to wait for
    assert not await first.hold()


async def test_a_dead_sender_loses_the_lock_with_its_connection(locks) -> None:
    sender, standby = locks(), locks()
    assert await sender.hold()
    assert sender._connection is not None
    sender._connection.terminate()  # what a SIGKILL does to the socket
    assert not await sender.keep() and not sender.leading
    await eventually(standby.hold, "the standby takes over once the session is gone")


async def test_a_stuck_sender_is_ended_by_a_process_standing_by(locks, caplog) -> None:
    stuck = locks()
    assert await stuck.hold()
    patient = locks()  # silent for 60 s is stuck; this one has just spoken
    assert not await patient.hold() and stuck.leading
    impatient = locks(stale=0.0)  # so that "silent long enough" is now
    await eventually(impatient.hold, "the stuck sender's session is ended and its lock taken")
    assert "has been silent" in caplog.text
    stuck._touched = float("-inf")  # its next look at the connection finds it gone
    assert not await stuck.keep() and not stuck.leading


async def test_a_process_standing_by_wakes_the_sender(locks) -> None:
    sender, standby = locks(), locks()
    woken = asyncio.Event()
    sender.on_notified = woken.set
    assert await sender.hold() and not await standby.hold()
    await standby.nudge()
    await asyncio.wait_for(woken.wait(), timeout=10)


async def test_delivery_sends_nothing_while_another_process_is_the_sender(pg: Storage, locks) -> None:
    other = locks()
    assert await other.hold()
    assert Delivery(None, pg, SystemClock()).sender_lock is not None  # type: ignore[arg-type]  (on PostgreSQL)
    mine = locks()
    delivery = Delivery(None, pg, SystemClock(), sender_lock=mine)  # type: ignore[arg-type]  (never called)
    async with pg.transaction() as session:
        await enqueue(session, 42, Message("Xin chào"), now=SystemClock().now())
    assert await delivery.deliver_due() == 0
    worker = asyncio.create_task(delivery.run())
    await eventually(lambda: asyncio.sleep(0, mine._standing_by), "the worker tries for the lock and stands by")
    delivery.finish()
    await asyncio.wait_for(worker, timeout=10)
    async with pg.read() as session:
        row = await session.scalar(select(OutboxMessage))
    assert row is not None and row.status == Status.PENDING and row.attempts == 0
