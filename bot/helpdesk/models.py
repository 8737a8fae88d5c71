"""The help desk's tables: tickets handed to a person, what citizens looked up, flood counters.

Only what the hand-off needs is kept: a ticket holds the citizen's numeric
Telegram id (to relay the answer), their language and their question, never
their name. Lookups hold no citizen at all, only which entry was shown when.
Everything here is deleted after DIEUPHOI_CITIZEN_RETENTION_DAYS
(bot.helpdesk.retention).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TelegramId, UTCDateTime

QUESTION_LIMIT = 1000  # characters of a citizen's question kept for the hand-off


class TicketStatus(StrEnum):
    DRAFT = "draft"  # not sent yet: the citizen may still press "Hỏi người hỗ trợ"
    OPEN = "open"  # with the support members, waiting for an answer
    ANSWERED = "answered"  # a support member answered; the answer was relayed
    CLOSED = "closed"  # closed by a support member without an answer (spam, duplicate)


class Ticket(Base):
    """A citizen's question for a person.

    A draft with a question is what the matcher could not answer well; a
    draft without one waits for the citizen to type it (after pressing
    "Hỏi người hỗ trợ" under an answer). A citizen has at most one draft.
    """

    __tablename__ = "helpdesk_tickets"
    __table_args__ = (
        Index("ix_helpdesk_tickets_team_status", "team_id", "status"),
        Index("ix_helpdesk_tickets_citizen_status", "citizen_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(TelegramId)  # their private chat with the bot
    locale: Mapped[str] = mapped_column(String(8))
    question: Mapped[str | None] = mapped_column(Text)
    # The knowledge-base entry the citizen had just read, when they asked from under it.
    topic_entry_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[TicketStatus] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept internally (digest, audit); never shown to the citizen.
    answered_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class LookupKind(StrEnum):
    CONFIDENT = "confident"  # a typed question answered at once
    NEAR = "near"  # a typed question offered choices
    NONE = "none"  # a typed question nothing matched
    CHOICE = "choice"  # an entry picked among the choices
    MENU = "menu"  # an entry opened from the category menu


class Lookup(Base):
    """One question typed or one answer shown, for the digest; nothing about who asked."""

    __tablename__ = "helpdesk_lookups"
    __table_args__ = (Index("ix_helpdesk_lookups_team_at", "team_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[LookupKind] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(40))  # the entry shown, if one was
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateWindow(Base):
    """How many updates a citizen sent in one fixed window (bot.helpdesk.ratelimit)."""

    __tablename__ = "helpdesk_rate_windows"

    telegram_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class JobRun(Base):
    """When a periodic job may next run, claimed by a conditional update across processes."""

    __tablename__ = "helpdesk_job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
