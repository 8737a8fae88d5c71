"""Report tables: periods, who owes them, submissions, and forms in progress.

A period keeps a snapshot of its fields, so editing the report-types file
never changes what an open or past period asked. JSON columns are replaced
whole, never mutated in place (SQLAlchemy would not notice).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, JSONData, TelegramId, UTCDateTime
from bot.roster.models import Member

ADHOC_TYPE = "adhoc"  # type_code of a request that names no report type


class ReportPeriod(Base):
    __tablename__ = "report_periods"
    # A scheduled period is opened once per (team, type, deadline), whatever process gets there first.
    __table_args__ = (UniqueConstraint("team_id", "schedule_code", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    type_code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))  # Vietnamese name of the type, or the request's words
    title_en: Mapped[str | None] = mapped_column(String(255))
    schedule_code: Mapped[str | None] = mapped_column(String(64))  # set for scheduled periods only
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONData)
    escalate_to: Mapped[list[str]] = mapped_column(JSONData)  # roles told about the missing
    requested_by: Mapped[int | None] = mapped_column(TelegramId)  # ad-hoc: who asked
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    @property
    def adhoc(self) -> bool:
        return self.schedule_code is None

    def shown_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


class Obligation(Base):
    """One person owes these fields of this period."""

    __tablename__ = "report_obligations"
    __table_args__ = (UniqueConstraint("period_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_periods.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    field_codes: Mapped[list[str]] = mapped_column(JSONData)

    member: Mapped[Member] = relationship(lazy="selectin")


class Submission(Base):
    __tablename__ = "report_submissions"
    __table_args__ = (UniqueConstraint("period_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_periods.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # field code -> int / float (numbers), str (text, choice code); optional fields left out.
    values: Mapped[dict[str, Any]] = mapped_column(JSONData)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="selectin")


class ReportDraft(Base):
    """A form in progress, kept in the database so a restart or another process resumes it."""

    __tablename__ = "report_drafts"
    __table_args__ = (UniqueConstraint("period_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_periods.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONData)
    asking: Mapped[str | None] = mapped_column(String(32))  # the field asked now; None at the summary
    back_to_summary: Mapped[bool] = mapped_column(Boolean, default=False)  # correcting one field
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
