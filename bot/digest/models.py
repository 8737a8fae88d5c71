"""The digests sent: one row per (team, kind, scheduled instant), so each is sent once."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class DigestRun(Base):
    __tablename__ = "digest_runs"
    # Two processes reaching the same instant: the second insert fails and sends nothing.
    __table_args__ = (UniqueConstraint("team_id", "kind", "instant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "daily" or "weekly"
    instant: Mapped[datetime] = mapped_column(UTCDateTime)  # the scheduled instant
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # the start of the window it covered
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
