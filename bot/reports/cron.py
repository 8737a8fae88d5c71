"""Cron expressions as operators write them, read into APScheduler triggers.

APScheduler 3 numbers weekdays from Monday = 0, standard cron from Sunday = 0
(its issue 286). Operators write standard cron ("0 16 * * 5" is Friday 16:00),
so numeric weekdays are translated to names before APScheduler sees them.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_cron(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A CronTrigger for "minute hour day month weekday" in the given zone; ValueError if malformed."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekday(weekday),
                       timezone=zone)


def _weekday(field: str) -> str:
    """Standard cron weekdays (0 or 7 = Sunday) as APScheduler's names; names pass through."""
    if field == "*" or not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        days |= _expand(part)
    ordered = sorted(days, key=lambda d: (d + 6) % 7)  # Monday first, as APScheduler lists them
    return ",".join(_DAY_NAMES[d] for d in ordered)


def _expand(part: str) -> set[int]:
    span, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        first, last = (_day_number(end) for end in span.split("-", 1))
    else:
        first = last = _day_number(span)
    if first > last or step < 1:
        raise ValueError(f"bad weekday range {part!r}")
    return {day % 7 for day in range(first, last + 1, step)}


def _day_number(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text.lower() in _DAY_NAMES:
        return _DAY_NAMES.index(text.lower())
    raise ValueError(f"bad weekday {text!r} (0-7 or sun..sat)")


def next_instant(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first instant strictly after `after` (aware)."""
    return trigger.get_next_fire_time(None, after + timedelta(seconds=1))


def instants_between(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end], oldest first."""
    found: list[datetime] = []
    moment = next_instant(trigger, start)
    while moment is not None and moment <= end:
        found.append(moment)
        moment = next_instant(trigger, moment)
    return found


class ShiftedTrigger(BaseTrigger):
    """Fires `lead` before each instant of a cron trigger: "two days before every Friday 16:00"."""

    def __init__(self, cron: CronTrigger, lead: timedelta) -> None:
        self.cron, self.lead = cron, lead

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        previous = previous_fire_time + self.lead if previous_fire_time else None
        upcoming = self.cron.get_next_fire_time(previous, now + self.lead)
        return upcoming - self.lead if upcoming else None

    def __str__(self) -> str:
        return f"{self.cron} minus {self.lead}"
