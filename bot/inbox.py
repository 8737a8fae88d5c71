"""The inbox: every update recorded by update_id before it is processed.

An update seen again (a restart before Telegram learned it was handled, or a
webhook retry) is skipped once it is done. An update whose handler failed is
parked with its error and body for inspection instead of being retried forever.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.exc import IntegrityError
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


async def admit(storage: Storage, update_id: int, *, now: datetime) -> bool:
    """Record the update; False when it was already handled (or parked)."""
    async with storage.transaction() as session:
        existing = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id))
        if existing in (InboxStatus.DONE, InboxStatus.PARKED):
            return False
        if existing is None:
            try:
                async with session.begin_nested():
                    session.add(InboxUpdate(update_id=update_id, status=InboxStatus.PROCESSING, received_at=now))
            except IntegrityError:  # another process took it a moment ago
                return False
    return True


async def finish(storage: Storage, update_id: int, *, now: datetime) -> None:
    async with storage.transaction() as session:
        row = await session.get(InboxUpdate, update_id)
        if row is not None:
            row.status, row.finished_at = InboxStatus.DONE, now


async def park(storage: Storage, update_id: int, *, now: datetime, error: str, body: dict[str, Any]) -> None:
    async with storage.transaction() as session:
        row = await session.get(InboxUpdate, update_id)
        if row is None:
            row = InboxUpdate(update_id=update_id, received_at=now)
            session.add(row)
        row.status, row.finished_at, row.error, row.body = InboxStatus.PARKED, now, error[:4000], body
