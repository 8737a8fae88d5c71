"""Reading what the proposer types: the people proposed and the period.

People, one per line (or separated by ";"):
- a roster member by name or @username: "Bùi Anh Tuấn", "@tuan_ba";
- anyone else as "Họ và tên, Đơn vị, Chức vụ". A typed unit that names one of
  the team's units (by code or name) is linked to it, so its manager is told.

Period: "từ 1/12 đến 31/12", "1/12 - 15/12/2026", "từ thứ 2 tuần sau đến hết
31/12": two Vietnamese dates read like deadlines; it may start today, never
earlier, and may not end before it starts.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.convening.who import WhoProblem, one_member
from bot.roster.models import Member, Unit
from bot.text.deadline import Deadline, parse_deadline
from bot.text.fold import fold

MAX_PEOPLE = 30
MAX_PERIOD = timedelta(days=366)


@dataclass
class Proposed:
    full_name: str
    unit_name: str | None
    title: str | None
    member_id: int | None = None
    unit_id: int | None = None


@dataclass
class PeopleProblem:
    kind: str  # "unknown" | "ambiguous" | "incomplete" | "empty" | "too_many"
    text: str = ""
    candidates: list[str] = field(default_factory=list)


@dataclass
class Period:
    starts_on: date
    ends_on: date


@dataclass
class PeriodProblem:
    kind: str  # "unparseable" | "one_date" | "past" | "reversed" | "too_long"


def read_people(text: str, members: list[Member], units: list[Unit]) -> list[Proposed] | PeopleProblem:
    lines = [line.strip(" -•\t") for line in re.split(r"[\n;]", text)]
    lines = [line for line in lines if line]
    if not lines:
        return PeopleProblem("empty")
    if len(lines) > MAX_PEOPLE:
        return PeopleProblem("too_many", str(MAX_PEOPLE))
    people: list[Proposed] = []
    for line in lines:
        person = _read_person(line, members, units)
        if isinstance(person, PeopleProblem):
            return person
        people.append(person)
    return people


def _read_person(line: str, members: list[Member], units: list[Unit]) -> Proposed | PeopleProblem:
    parts = [part.strip() for part in line.split(",")]
    if len(parts) == 1:
        found = one_member(members, line)
        if isinstance(found, WhoProblem):
            return PeopleProblem(found.kind, line, [m.full_name for m in found.candidates])
        return from_member(found)
    if len(parts) == 2 or not all(parts):
        return PeopleProblem("incomplete", line)
    name, unit_name, title = parts[0], ", ".join(parts[1:-1]), parts[-1]
    unit = _unit_named(unit_name, units)
    member = next((m for m in members if fold(m.full_name) == fold(name)), None)
    return Proposed(name, unit_name, title, member.id if member else None, unit.id if unit else None)


def from_member(member: Member) -> Proposed:
    unit = member.unit
    return Proposed(member.full_name, unit.name if unit else None, member.title, member.id, unit.id if unit else None)


def _unit_named(name: str, units: list[Unit]) -> Unit | None:
    wanted = fold(name)
    return next((u for u in units if wanted in (fold(u.code), fold(u.name))), None)


_FROM = re.compile(r"^\s*(?:từ|tu)\s+", re.IGNORECASE)
_TO = re.compile(r"\s+(?:đến|den)\s+(?:(?:hết|het)\s+)?|\s*[–—]\s*|\s+-\s+|(?<=\d)-(?=\d{1,2}/)", re.IGNORECASE)


def read_period(text: str, now: datetime, zone: ZoneInfo) -> Period | PeriodProblem:
    parts = _TO.split(_FROM.sub("", text.strip()), maxsplit=1)
    if len(parts) != 2:
        return PeriodProblem("one_date" if _read_day(text, now, zone) is not None else "unparseable")
    starts_on, ends_on = (_read_day(part, now, zone) for part in parts)
    if starts_on is None or ends_on is None:
        return PeriodProblem("unparseable")
    today = now.astimezone(zone).date()
    if starts_on < today:
        return PeriodProblem("past")
    if ends_on < starts_on:
        return PeriodProblem("reversed")
    if ends_on - starts_on > MAX_PERIOD:
        return PeriodProblem("too_long")
    return Period(starts_on, ends_on)


def _read_day(text: str, now: datetime, zone: ZoneInfo) -> date | None:
    """The calendar day a date expression names; a past day is returned as is (the caller judges)."""
    read = parse_deadline(text.strip(" .,"), now, zone)
    if isinstance(read, Deadline):
        return read.at.astimezone(zone).date()
    if read.kind == "past" and len(read.candidates) == 1:
        return read.candidates[0].astimezone(zone).date()
    return None
