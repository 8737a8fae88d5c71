"""The settings that shape a task's life, gathered once from DIEUPHOI_* settings."""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings


@dataclass(frozen=True)
class TaskRules:
    zone: ZoneInfo
    default_locale: str
    ack_within: timedelta
    reminder_offsets: tuple[timedelta, ...]
    overdue_after: timedelta
    escalate_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "TaskRules":
        return cls(
            zone=settings.zone,
            default_locale=settings.default_locale,
            ack_within=settings.ack_within,
            reminder_offsets=settings.reminder_offsets,
            overdue_after=settings.overdue_after,
            escalate_after=settings.escalate_after,
        )
