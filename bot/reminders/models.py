"""The reminders table: one row per reminder owed, whatever it is about.

(kind, subject, step) is unique, so scheduling the same reminder twice
records it once; the sweep claims a row and marks it done in the same
transaction as the messages it produces, so it is sent exactly once.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class ReminderStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "step"),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "task.deadline"
    subject_id: Mapped[int]  # the task, report period, secondment... it is about
    step: Mapped[str] = mapped_column(String(32))  # e.g. "before:2h", "ack", "escalate"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Urgent matters and convocations due before their start ignore quiet hours.
    respects_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[ReminderStatus] = mapped_column(String(16), default=ReminderStatus.PENDING)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
