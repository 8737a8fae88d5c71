"""Task tables: the task, who carries it out, and everything that happened to it.

Status is the task's (the team works on it together); acknowledgement is each
assignee's own. Every row carries team_id and every query filters on it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, JSONData, TelegramId, UTCDateTime
from bot.roster.models import Area, Member


class TaskStatus(StrEnum):
    NEW = "new"  # handed out, the lead has not acknowledged it yet
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUSES = (TaskStatus.NEW, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)
STATUS_ORDER = [*OPEN_STATUSES, *CLOSED_STATUSES]  # as listed to people; its index is used in buttons


class Priority(StrEnum):
    NORMAL = "normal"  # thường
    URGENT = "urgent"  # khẩn: reminders ignore quiet hours


class UpdateKind(StrEnum):
    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    PROGRESS = "progress"
    BLOCKED = "blocked"
    DONE = "done"
    NOTE = "note"
    REASSIGNED = "reassigned"
    DEADLINE = "deadline"
    PRIORITY = "priority"
    CANCELLED = "cancelled"
    REOPENED = "reopened"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # The team view and the digest: open tasks of a team by deadline.
        Index("ix_tasks_team_status_deadline", "team_id", "status", "deadline_at"),
        Index("ix_tasks_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    priority: Mapped[Priority] = mapped_column(String(16), default=Priority.NORMAL)
    status: Mapped[TaskStatus] = mapped_column(String(16), default=TaskStatus.NEW)
    percent: Mapped[int | None] = mapped_column(Integer)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever the reminder schedule is laid anew (deadline moved, task
    # reopened), so each schedule's reminders have their own unique steps.
    schedule_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Routed by area: the area it was routed to ("#antoan"), else None.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(32), default="direct")  # direct, area, convocation, report...
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Still overdue after DIEUPHOI_ESCALATE_AFTER: flagged for the Director's digest.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assigner's summary of the task, edited in place as it moves.
    summary_chat_id: Mapped[int | None] = mapped_column(TelegramId)
    summary_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    assignees: Mapped[list["TaskAssignee"]] = relationship(
        lazy="selectin", order_by="TaskAssignee.id", back_populates="task"
    )
    area: Mapped[Area | None] = relationship(lazy="selectin")
    created_by: Mapped[Member | None] = relationship(lazy="selectin")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def current(self) -> list["TaskAssignee"]:
        """Who carries it out now: the lead first, then support, in the order named."""
        return sorted((a for a in self.assignees if a.active), key=lambda a: (not a.lead, a.id))

    @property
    def lead(self) -> "TaskAssignee | None":
        return next((a for a in self.current if a.lead), None)

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.deadline_at is not None and self.deadline_at <= now


class TaskAssignee(Base):
    """One person on a task. Reassigning ends a row (active=False) and starts another."""

    __tablename__ = "task_assignees"
    __table_args__ = (
        # A member's open work (routing load, /viec, free-text replies).
        Index("ix_task_assignees_member_active", "member_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    lead: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task card in the member's private chat, edited in place.
    card_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    task: Mapped[Task] = relationship(back_populates="assignees", lazy="selectin")
    member: Mapped[Member] = relationship(lazy="selectin")


class TaskUpdate(Base):
    """The task's history: each change, with its time and author, as shown by /viec <id>."""

    __tablename__ = "task_updates"
    __table_args__ = (Index("ix_task_updates_task_at", "task_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))  # None: the bot
    kind: Mapped[UpdateKind] = mapped_column(String(16))
    status: Mapped[TaskStatus] = mapped_column(String(16))  # the task's status after the update
    percent: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)  # the member's own words, as typed
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONData)  # e.g. {"from": ..., "to": ...}

    author: Mapped[Member | None] = relationship(lazy="selectin")
