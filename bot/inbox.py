"""The inbox: every update recorded by update_id, in the transaction that handles it.

The unit of work that handles an update starts by `record`ing it as done:
the update's effects and its inbox row commit together, before Telegram
learns it was received (polling fetches the next batch, which confirms this
one, only after handling; a webhook is answered after handling). An update
seen again (a restart before Telegram learned it was handled, a webhook
retry, another process) finds its row and is skipped; one whose handling was
interrupted left nothing and is handled again from scratch. Two processes
given the same update serialize on the row's key: the second waits for the
first to commit, then finds the row. An update whose handler failed is
parked with its error and body instead of being retried forever.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, String, Text, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONData, UTCDateTime, upsert
from bot.storage import Storage


class InboxStatus(StrEnum):
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


async def record(session: AsyncSession, update_id: int, *, now: datetime) -> bool:
    """Mark the update handled in this unit of work; False if it was handled (or parked) before.

    Its first statement, a write: it also takes the update's key, so a second
    process handling the same update waits here until the first one commits.
    """
    inserted = await session.execute(
        upsert(session, InboxUpdate.__table__)  # Core: the ORM's bulk-insert path costs more than the INSERT
        .values(update_id=update_id, status=InboxStatus.DONE, received_at=now, finished_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return inserted.rowcount == 1


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
