"""Convocations (triệu tập): who is called, when and where, and what each answered."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, JSONData, TelegramId, UTCDateTime
from bot.roster.models import Member


class Answer(StrEnum):
    NONE = "none"
    ATTEND = "attend"
    ABSENT = "absent"


class Convocation(Base):
    __tablename__ = "convocations"
    __table_args__ = (Index("ix_convocations_team_start", "team_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    convener_telegram_id: Mapped[int] = mapped_column(TelegramId)
    audience: Mapped[str] = mapped_column(String(255))  # as the convener named it: "#qr", "tất cả", names
    content: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(500))  # a room, an address or a meeting link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The convener's own card, edited as answers arrive.
    card_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    # A convener who pressed "Giao việc" and whose next message is the task for the attendees.
    task_asked_by: Mapped[int | None] = mapped_column(TelegramId)
    task_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitees: Mapped[list["Invitee"]] = relationship(
        lazy="selectin", order_by="Invitee.id", cascade="all, delete-orphan", back_populates="convocation"
    )


class Invitee(Base):
    __tablename__ = "convocation_invitees"
    __table_args__ = (UniqueConstraint("convocation_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    convocation_id: Mapped[int] = mapped_column(ForeignKey("convocations.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[Answer] = mapped_column(String(16), default=Answer.NONE)
    reason: Mapped[str | None] = mapped_column(Text)  # why absent
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # waiting for the absence reason
    card_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship(lazy="selectin")
    convocation: Mapped[Convocation] = relationship(lazy="selectin", back_populates="invitees")


class ConvocationDraft(Base):
    """A convocation being put together in the guided flow (or a one-line form with a question left).

    One per convener and team; it survives a restart, and /trieutap resumes it.
    """

    __tablename__ = "convocation_drafts"
    __table_args__ = (UniqueConstraint("team_id", "convener_telegram_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    convener_telegram_id: Mapped[int] = mapped_column(TelegramId)
    step: Mapped[str] = mapped_column(String(16))  # who / content / time / place / confirm
    member_ids: Mapped[list[int] | None] = mapped_column(JSONData)
    audience: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(500))
    # Times the convener must choose between ("5h": morning or afternoon?), ISO strings.
    choices: Mapped[list[Any] | None] = mapped_column(JSONData)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: not listening for text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
