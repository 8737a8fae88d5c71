"""Reading the convocation's one-line form and its time.

    /trieutap <#area | người, người | tất cả> <nội dung> lúc <thời gian> tại <địa điểm hoặc đường dẫn>

After who (bot.convening.who.split_who), the rest is split at the first
"lúc" (content before it) and the first "tại" after it (the place after).
The time is read like a deadline; a time in the past, a bare day without an
hour, or an hour that could be morning or afternoon is asked again, never
guessed.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.text.deadline import Deadline, parse_deadline

_AT_TIME = re.compile(r"(?:^|\s)(?:lúc|luc)\s", re.IGNORECASE)
_AT_PLACE = re.compile(r"\s(?:tại|tai)\s", re.IGNORECASE)


@dataclass
class Parts:
    content: str
    time_text: str | None
    place: str | None


@dataclass
class TimeProblem:
    kind: str  # "unparseable" | "past" | "ambiguous" | "no_hour"
    candidates: list[datetime] = field(default_factory=list)


def split_parts(text: str) -> Parts:
    at_time = _AT_TIME.search(text)
    if at_time is None:
        content, _, place = _split_place(text)
        return Parts(content, None, place)
    content, rest = text[:at_time.start()].strip(), text[at_time.end():]
    time_text, _, place = _split_place(rest)
    return Parts(content, time_text or None, place)


def _split_place(text: str) -> tuple[str, str, str | None]:
    at_place = _AT_PLACE.search(" " + text)
    if at_place is None:
        return text.strip(), "", None
    start, end = at_place.start() - 1, at_place.end() - 1
    return text[:max(start, 0)].strip(), "tại", text[end:].strip() or None


def read_time(text: str, now: datetime, zone: ZoneInfo) -> datetime | TimeProblem:
    read = parse_deadline(text.strip(), now, zone)
    if isinstance(read, Deadline):
        return read.at if read.has_time else TimeProblem("no_hour")
    return TimeProblem(read.kind, list(read.candidates))
