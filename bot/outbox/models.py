"""The outbox table: every message, edit and file the bot owes someone."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONData, TelegramId, UTCDateTime


class Kind(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DOCUMENT = "document"
    PHOTO = "photo"
    DELETE = "delete"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanently: blocked, chat gone, or refused by Telegram
    SUPERSEDED = "superseded"  # an edit overtaken by a later edit of the same message


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat_status", "chat_id", "status", "id"),
        Index("ix_outbox_chat_message", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    chat_id: Mapped[int] = mapped_column(TelegramId)
    kind: Mapped[Kind] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    reply_to_message_id: Mapped[int | None] = mapped_column(TelegramId)
    # For edits and deletes: the message to change, by its outbox row or its Telegram id.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    target_message_id: Mapped[int | None] = mapped_column(TelegramId)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What the message is about ("task:12"), so a reply to it can be routed.
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # Recording a reminder or decision notice exactly once: (what, due instant).
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[Status] = mapped_column(String(16), default=Status.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(TelegramId)
    error: Mapped[str | None] = mapped_column(String(255))
