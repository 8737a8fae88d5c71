"""The audit log: who changed what, when, from which value to which.

record() adds the entry to the caller's session, so it commits (or rolls back)
together with the change it describes.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONData, TelegramId, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    actor: Mapped[int | None] = mapped_column(TelegramId)  # None: the system itself
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    subject: str,
    actor: int | None,
    team_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        team_id=team_id, actor=actor, action=action, subject=subject, before=before, after=after, at=at
    )
    session.add(entry)
    return entry
