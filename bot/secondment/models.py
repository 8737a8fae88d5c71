"""Secondment requests (trưng dụng): a proposal to the Director, its versions and decisions.

A request is a draft while the proposer fills it in; each submission freezes a
version; the Director decides each version once (the unique (request, version)
on decisions backs the conditional UPDATE in the service). Needs-more sends it
back to the proposer, who edits and submits the next version.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, JSONData, TelegramId, UTCDateTime


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """What the Director may decide about a submitted version."""

    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"


class Step(StrEnum):
    """The question the guided flow is waiting for an answer to."""

    PEOPLE = "people"
    REASON = "reason"
    WORK = "work"
    PERIOD = "period"
    CONFIRM = "confirm"


class SecondmentRequest(Base):
    __tablename__ = "secondment_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_secondment_requests_proposer", "proposer_telegram_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    number: Mapped[int | None] = mapped_column(Integer)  # the Tờ trình's number, given at first submission
    proposer_telegram_id: Mapped[int] = mapped_column(TelegramId)
    status: Mapped[Status] = mapped_column(String(16), default=Status.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=0)  # 0 until first submitted
    step: Mapped[Step | None] = mapped_column(String(16))  # what the proposer is being asked; None: nothing
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when that question was asked
    reason: Mapped[str | None] = mapped_column(Text)
    work: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(TelegramId)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # A Director who pressed Từ chối / Cần bổ sung and is being asked why.
    awaiting_outcome: Mapped[Outcome | None] = mapped_column(String(16))
    awaiting_by: Mapped[int | None] = mapped_column(TelegramId)
    awaiting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    people: Mapped[list["SecondmentPerson"]] = relationship(
        lazy="selectin", order_by="SecondmentPerson.position", cascade="all, delete-orphan"
    )


class SecondmentPerson(Base):
    """Someone proposed for secondment: a roster member, or typed (name, unit, position)."""

    __tablename__ = "secondment_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("secondment_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the list
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(255))
    unit_name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))  # chức vụ


class SecondmentVersion(Base):
    """What was submitted, frozen: the history the Director and the audit can read back."""

    __tablename__ = "secondment_versions"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("secondment_requests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSONData)
    submitted_by: Mapped[int] = mapped_column(TelegramId)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SecondmentDecision(Base):
    """The Director's decision on one version; at most one per version."""

    __tablename__ = "secondment_decisions"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("secondment_requests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(TelegramId)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
