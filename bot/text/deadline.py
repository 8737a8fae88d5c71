"""Read the deadlines Vietnamese officials type: "17h thứ 6", "sáng mai", "30/11".

`parse_deadline` reads the words first, with no clock involved
(`bot.text.deadline_words`: accents, folding, fillers), then places them on
the calendar relative to `now`. Every time below is local to the team's time
zone; the result is an aware UTC datetime.

Defaults
- A date without a time of day: 17:00, the end of the working day.
- A part of day without an hour: sáng 08:00, trưa 12:00, chiều 17:00,
  tối 20:00, đêm 22:00; "cuối ngày" 17:00.
- An hour with a part of day is read inside that part: "2h chiều" 14:00,
  "8h tối" 20:00, "1h trưa" 13:00, "11h đêm" 23:00. "12h đêm" and "2h đêm"
  belong to the night that starts on the named day, so they fall on the next
  calendar day. An hour outside the part ("17h sáng") is unparseable.
- A bare hour 1–6 ("5h", "5h30") may be morning or afternoon. If both readings
  are still ahead the result is an "ambiguous" problem carrying both. If only
  the afternoon one is ahead ("5h" typed at 10:00 today) it is taken, since
  nobody sets a deadline in the past. Hours 0 and 7–23 are read as written.
- A time without a day is today.
- A weekday ("thứ 6", "thu 6", "t6", "thứ Sáu", "chủ nhật", "cn") is the next
  such day; today counts only while the time is still ahead, otherwise it is
  next week's. With "này"/"tuần này" it is this week's (weeks run Monday to
  Sunday), with "tuần sau"/"tuần tới" next week's, with "tuần sau nữa" the
  week after.
- "tuần sau"/"tuần tới" alone: Friday of next week (the end of it);
  "tuần này" alone and "cuối tuần": Friday of this week; "cuối tuần sau":
  Friday of next week; "đầu tuần": the next Monday; "đầu tuần sau": Monday of
  next week. Friday is the last working day.
- "30/11" without a year is this year's date unless that was more than six
  months ago; then it is next year's ("5/1" typed in November is January).
- "3 ngày nữa", "sau 3 ngày", "3 ngày tới", "1 tuần nữa" move the date (the
  time is still 17:00 unless given). "trong 2 giờ", "2 tiếng nữa",
  "trong 30 phút", "nửa tiếng nữa" count from now to the minute and combine
  with nothing else ("sau 12h" is not read: "h" marks a clock time).

Problems
- A deadline already past ("8h hôm nay" at 10:00, "20/11" on 25/11) is a
  "past" problem with the instant(s) read: it is never moved silently.
- Two plausible instants make an "ambiguous" problem; unreadable text an
  "unparseable" one. The caller asks the person again.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.text.deadline_words import (
    END_OF_WORKING_DAY,
    WORD_END,
    Day,
    Offset,
    Reading,
    Weekday,
    alternation,
    read_deadline_words,
    same_length,
)
from bot.text.fold import strip_marks

_PAST_DATE_WINDOW = timedelta(days=183)  # how far back "30/11" may point before it means next year


@dataclass(frozen=True)
class Deadline:
    at: datetime  # aware, UTC
    has_time: bool  # the text named a time of day (not just a date)
    matched: str  # the text from the first to the last word read, fillers at the edges left out


@dataclass(frozen=True)
class DeadlineProblem:
    kind: Literal["unparseable", "past", "ambiguous"]
    candidates: list[datetime] = field(default_factory=list)  # aware, UTC


# ---------------------------------------------------------------- resolving


def _times(reading: Reading) -> list[tuple[int, int, int]] | None:
    """The (hour, minute, days after the named day) readings of the time of day."""
    part = reading.part
    if reading.clock is None:
        return [(part.default_hour if part else END_OF_WORKING_DAY, 0, 0)]
    hour, minute = reading.clock
    if part is not None:
        for hour24 in (hour, hour + 12, hour + 24) if hour <= 12 else (hour,):
            if hour24 in part.hours:
                return [(hour24 % 24, minute, hour24 // 24)]
        return None
    if 1 <= hour <= 6:
        return [(hour, minute, 0), (hour + 12, minute, 0)]
    return [(hour, minute, 0)]


def _date(day: Day | None, today: date) -> date | None:
    if day is None:
        return today
    if isinstance(day, Offset):
        return today + timedelta(days=day.days)
    if isinstance(day, Weekday):
        if day.week is None:
            return today + timedelta(days=(day.index - today.weekday()) % 7)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=day.week, days=day.index)
    try:
        if day.year is not None:
            return date(day.year, day.month, day.day)
        this_year = date(today.year, day.month, day.day)
        if this_year < today - _PAST_DATE_WINDOW:
            return date(today.year + 1, day.month, day.day)
        return this_year
    except ValueError:  # 31/11, 29/2 in a common year
        return None


def _instants(day: date, times: list[tuple[int, int, int]], tz: ZoneInfo) -> list[datetime]:
    return [
        datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=tz).astimezone(UTC)
        for hour, minute, extra in times
    ]


def _resolve(reading: Reading, now: datetime, tz: ZoneInfo) -> Deadline | DeadlineProblem:
    if reading.delay is not None:
        return Deadline((now + reading.delay).astimezone(UTC), True, reading.matched)
    times = _times(reading)
    today = now.astimezone(tz).date()
    day = _date(reading.day, today)
    if times is None or day is None:
        return DeadlineProblem("unparseable")
    instants = _instants(day, times, tz)
    next_such_day = isinstance(reading.day, Weekday) and reading.day.week is None
    if next_such_day and day == today and max(instants) <= now:
        instants = _instants(day + timedelta(weeks=1), times, tz)
    upcoming = [at for at in instants if at > now]
    if not upcoming:
        return DeadlineProblem("past", instants)
    if len(upcoming) > 1:
        return DeadlineProblem("ambiguous", instants)
    has_time = reading.clock is not None or reading.part is not None
    return Deadline(upcoming[0], has_time, reading.matched)


def parse_deadline(text: str, now: datetime, tz: ZoneInfo) -> Deadline | DeadlineProblem:
    """Read a deadline typed in Vietnamese, relative to `now` (aware) in time zone `tz`."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    reading = read_deadline_words(text)
    if reading is None:
        return DeadlineProblem("unparseable")
    return _resolve(reading, now, tz)


# ------------------------------------------------------------ finding one

_KEYWORDS = ("thời hạn", "hạn chót", "hạn cuối", "hạn", "deadline", "trước", "chậm nhất", "muộn nhất", "trễ nhất")
_KEYWORD = re.compile(rf"(?<!\w){alternation(strip_marks(k) for k in _KEYWORDS)}{WORD_END}")
_COMPOUNDS_WITH_HAN = {"gia", "gioi", "quyen", "ky"}  # gia hạn = extend, giới hạn = limit...
_EDGES = " \t\r\n,;:.-–—"


def _is_keyword(typed: str, folded_before: str) -> bool:
    """Whether a keyword spot really is one: spelled as the keyword, not part of "gia hạn"."""
    spelled_right = typed == strip_marks(typed) or " ".join(typed.split()) in _KEYWORDS
    words_before = folded_before.split()
    compound = strip_marks(typed) == "han" and words_before and words_before[-1] in _COMPOUNDS_WITH_HAN
    return spelled_right and not compound


def find_deadline(text: str) -> tuple[str, str | None]:
    """Split "Vá lỗ hổng máy chủ hạn 17h thứ 6" into ("Vá lỗ hổng máy chủ", "17h thứ 6").

    The last keyword ("hạn", "deadline", "trước", ...) followed by a readable
    deadline wins, so "han che" (hạn chế) inside the task is left alone. A
    capitalised "Mai" right after "trước" is taken as a name, not tomorrow.
    Without such a keyword the whole text is the task. Both parts come back
    NFC-normalised and trimmed.
    """
    text = unicodedata.normalize("NFC", text)
    typed = same_length(str.lower, text)
    folded = same_length(strip_marks, typed)
    for spot in reversed(list(_KEYWORD.finditer(folded))):
        start, end = spot.span()
        if not _is_keyword(typed[start:end], folded[:start]):
            continue
        rest = text[end:]
        if spot[0] == "truoc" and re.match(r"\s*Mai\b", rest):
            continue
        if read_deadline_words(rest) is not None:
            return text[:start].rstrip(_EDGES), rest.strip(_EDGES)
    return text.strip(), None
