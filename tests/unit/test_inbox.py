"""The inbox and the unit of work: an update is applied once, or not at all."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import inbox
from bot.audit import AuditEntry, record
from bot.inbox import InboxStatus, InboxUpdate
from bot.storage import Storage

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def audit_count(storage: Storage) -> int:
    async with storage.read() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def status_of(storage: Storage, update_id: int) -> InboxStatus | None:
    async with storage.read() as session:
        return await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id))


async def test_an_update_is_recorded_once_with_its_effects(storage: Storage) -> None:
    async with storage.unit_of_work() as session:
        assert await inbox.record(session, 7, now=NOW)
        record(session, at=NOW, action="x", subject="y", actor=1, team_id=None)
    async with storage.unit_of_work() as session:
        assert not await inbox.record(session, 7, now=NOW)  # seen again: skipped
    assert await status_of(storage, 7) == InboxStatus.DONE
    async with storage.read() as session:
        row = await session.get(InboxUpdate, 7)
    assert row is not None and row.body is None  # bodies of handled updates are not kept


async def test_a_failed_unit_of_work_leaves_nothing_behind(storage: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.unit_of_work() as session:
            await inbox.record(session, 8, now=NOW)
            async with storage.transaction() as inner:  # what a service does inside a handler
                record(inner, at=NOW, action="x", subject="y", actor=1, team_id=None)
            raise RuntimeError("the handler failed after its service committed")
    assert await audit_count(storage) == 0
    assert await status_of(storage, 8) is None  # interrupted: handled again from scratch
    async with storage.unit_of_work() as session:
        assert await inbox.record(session, 8, now=NOW)


async def test_inside_a_unit_of_work_a_failed_savepoint_rolls_back_only_itself(storage: Storage) -> None:
    async with storage.unit_of_work() as session:
        await inbox.record(session, 9, now=NOW)
        async with storage.transaction() as inner:
            record(inner, at=NOW, action="kept", subject="y", actor=1, team_id=None)
        with pytest.raises(ValueError):
            async with storage.transaction() as inner:
                record(inner, at=NOW, action="dropped", subject="y", actor=1, team_id=None)
                await inner.flush()
                raise ValueError
        async with storage.read() as reading:  # reads see the unit's own rows
            assert [a.action for a in await reading.scalars(select(AuditEntry))] == ["kept"]
    async with storage.read() as session:
        assert [a.action for a in await session.scalars(select(AuditEntry))] == ["kept"]
    assert await status_of(storage, 9) == InboxStatus.DONE


async def recorded(storage: Storage, update_id: int, now: datetime) -> None:
    async with storage.unit_of_work() as session:
        await inbox.record(session, update_id, now=now)


async def test_parked_updates_are_not_handled_again_and_old_done_ones_are_pruned(storage: Storage) -> None:
    await inbox.park(storage, 10, now=NOW, error="boom", body={"update_id": 10})
    async with storage.unit_of_work() as session:
        assert not await inbox.record(session, 10, now=NOW)
    await recorded(storage, 11, NOW - timedelta(days=8))
    await recorded(storage, 12, NOW)
    assert await inbox.prune(storage, before=NOW - timedelta(days=7)) == 1
    assert await status_of(storage, 11) is None
    assert await status_of(storage, 10) == InboxStatus.PARKED  # kept for inspection
    assert await status_of(storage, 12) == InboxStatus.DONE
