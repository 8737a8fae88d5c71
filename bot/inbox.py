"""The inbox: every update recorded by update_id before it is processed.

`admit` records the update (with its body, for inspection) in a short
transaction of its own, before Telegram is told it was received. The handling
then runs in one unit of work that starts by `claim`ing the row and ends by
marking it done, so the update's effects and its "done" commit together: an
update seen again (a restart before Telegram learned it was handled, a
webhook retry, another process) is skipped once done, and redone from scratch
if it was interrupted. An update whose handler failed is parked with its error
and body instead of being retried forever. Bodies of finished updates are
dropped: they may hold citizens' messages.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, String, Text, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONData, UTCDateTime
from bot.storage import Storage


class InboxStatus(StrEnum):
    PROCESSING = "processing"
    DONE = "done"
    PARKED = "parked"


class InboxUpdate(Base):
    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[InboxStatus] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSONData)


async def admit(storage: Storage, update_id: int, *, now: datetime, body: dict[str, Any] | None = None) -> bool:
    """Record the update; False when it was already handled (or parked)."""
    async with storage.transaction() as session:
        insert = pg_insert if storage.dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(InboxUpdate)
            .values(update_id=update_id, status=InboxStatus.PROCESSING, received_at=now, body=body)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id))
    return status == InboxStatus.PROCESSING


async def claim(session: AsyncSession, update_id: int) -> bool:
    """Lock the update's row for this unit of work; False if it was finished meanwhile.

    A conditional write: a second process handling the same update waits for
    the first to commit, then finds nothing left to claim.
    """
    claimed = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id, InboxUpdate.status == InboxStatus.PROCESSING)
        .values(status=InboxStatus.PROCESSING)
    )
    return claimed.rowcount == 1


async def mark_done(session: AsyncSession, update_id: int, *, now: datetime) -> None:
    await session.execute(
        update(InboxUpdate).where(InboxUpdate.update_id == update_id)
        .values(status=InboxStatus.DONE, finished_at=now, body=None)
    )


async def finish(storage: Storage, update_id: int, *, now: datetime) -> None:
    async with storage.transaction() as session:
        await mark_done(session, update_id, now=now)


async def park(storage: Storage, update_id: int, *, now: datetime, error: str, body: dict[str, Any]) -> None:
    async with storage.transaction() as session:
        row = await session.get(InboxUpdate, update_id)
        if row is None:
            row = InboxUpdate(update_id=update_id, received_at=now)
            session.add(row)
        row.status, row.finished_at, row.error, row.body = InboxStatus.PARKED, now, error[:4000], body


async def prune(storage: Storage, *, before: datetime) -> int:
    """Forget finished updates received before `before` (Telegram resends nothing older than 24 h)."""
    async with storage.transaction() as session:
        result = await session.execute(
            delete(InboxUpdate).where(InboxUpdate.status == InboxStatus.DONE, InboxUpdate.received_at < before)
        )
    return result.rowcount or 0
