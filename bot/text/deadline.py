"""Read the deadlines Vietnamese officials type: "17h thứ 6", "sáng mai", "30/11".

`parse_deadline` reads the words first (no clock involved), then places them
on the calendar relative to `now`. Every time below is local to the team's
time zone; the result is an aware UTC datetime.

How words are read
- Text carrying any diacritic is read exactly as typed ("sang" is not
  "sáng", "tới" is not "tối"). Text without any is folded and read by
  context: "tuan toi" is next week but "8h toi" is 20:00, "mot" alone is the
  day after tomorrow but "mot ngay nua" is one day later, "thu sau" is Friday.
- Every word must be understood. Fillers are skipped ("trước", "lúc", "vào",
  "hạn", "ngày", "buổi", "đến", "khoảng", "nhé"...); any other unknown word makes
  the text unparseable: nothing is half-read or guessed.

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
  with nothing else.

Problems
- A deadline already past ("8h hôm nay" at 10:00, "20/11" on 25/11) is a
  "past" problem with the instant(s) read: it is never moved silently.
- Two plausible instants make an "ambiguous" problem; unreadable text an
  "unparseable" one. The caller asks the person again.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from bot.text.fold import has_marks, strip_marks

END_OF_WORKING_DAY = 17
_FOLLOW_UP_WINDOW = timedelta(days=183)  # how far back "30/11" may point before it means next year


@dataclass(frozen=True)
class Deadline:
    at: datetime  # aware, UTC
    has_time: bool  # the text named a time of day (not just a date)
    matched: str  # the text from the first to the last word read, fillers at the edges left out


@dataclass(frozen=True)
class DeadlineProblem:
    kind: Literal["unparseable", "past", "ambiguous"]
    candidates: list[datetime] = field(default_factory=list)  # aware, UTC


# ---------------------------------------------------------------- word tables
# Keys are written with diacritics; folded spellings are derived from them.


@dataclass(frozen=True)
class _Part:
    default_hour: int
    hours: range  # 24-hour readings it accepts; 24+ means after midnight


_PARTS = {
    "sáng": _Part(8, range(0, 12)),
    "trưa": _Part(12, range(11, 15)),
    "chiều": _Part(END_OF_WORKING_DAY, range(12, 20)),
    "tối": _Part(20, range(18, 25)),
    "đêm": _Part(22, range(21, 29)),
    "cuối ngày": _Part(END_OF_WORKING_DAY, range(0)),
}
_DAY_WORDS = {
    "hôm nay": 0, "trong ngày": 0, "mai": 1, "ngày mai": 1,
    "ngày kia": 2, "ngày mốt": 2, "mốt": 2, "hôm qua": -1, "hôm kia": -2,
}
_WEEKDAY_NAMES = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5}
_WHICH_WEEK = {"này": 0, "sau": 1, "tới": 1, "sau nữa": 2}
_NUMBERS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6,
    "bảy": 7, "tám": 8, "chín": 9, "mười": 10, "nửa": Fraction(1, 2),
}
_UNITS = {  # unit word -> (kind, size)
    "phút": ("minutes", 1), "p": ("minutes", 1),
    "giờ": ("minutes", 60), "h": ("minutes", 60), "tiếng": ("minutes", 60),
    "ngày": ("days", 1), "tuần": ("days", 7),
}
_FILLERS = (
    "trước", "lúc", "vào", "vào lúc", "hạn", "hạn chót", "hạn cuối", "thời hạn", "deadline",
    "chậm nhất", "muộn nhất", "trễ nhất", "là", "ngày", "buổi", "trong", "đến",
    "khoảng", "của", "nhé", "nha", "nhe", "nhá", "ạ",
)


def _both_spellings(table: dict) -> dict:
    """The table extended with its keys written without diacritics."""
    return {**table, **{strip_marks(key): value for key, value in table.items()}}


_PART_BY_WORD = _both_spellings(_PARTS)
_OFFSET_BY_WORD = _both_spellings(_DAY_WORDS)
_WEEKDAY_BY_NAME = _both_spellings(_WEEKDAY_NAMES)
_WEEK_BY_WORD = _both_spellings(_WHICH_WEEK)
_NUMBER_BY_WORD = _both_spellings(_NUMBERS)
_UNIT_BY_WORD = _both_spellings(_UNITS)


def _alternation(words) -> str:
    """A regex group matching any of the words, longest first, any spacing."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + ")"


def _key(matched: str) -> str:
    return " ".join(matched.split())


# ----------------------------------------------------------- form builders
# Each builder turns a regex match into the pieces it contributes, or None
# when the words are there but make no sense ("25h", "31/13").

_Pieces = dict[str, object]


@dataclass(frozen=True)
class _Offset:
    days: int


@dataclass(frozen=True)
class _Weekday:
    index: int  # Monday = 0
    week: int | None  # None: the next such day; 0: this week; 1: next week...


@dataclass(frozen=True)
class _CalendarDate:
    day: int
    month: int
    year: int | None


def _count(match: re.Match) -> _Pieces | None:
    amount = _NUMBER_BY_WORD.get(_key(match["n"])) or int(match["n"])
    kind, size = _UNIT_BY_WORD[match["unit"]]
    total = amount * size
    if total != int(total):
        return None
    if kind == "days":
        return {"day": _Offset(int(total))}
    return {"delay": timedelta(minutes=int(total))}


def _clock(match: re.Match) -> _Pieces | None:
    groups = match.groupdict()
    hour = int(groups["h"])
    minute = 30 if groups.get("half") else int(groups.get("m") or groups.get("mm") or 0)
    if hour > 23 or minute > 59:
        return None
    return {"clock": (hour, minute)}


def _calendar_date(match: re.Match) -> _Pieces | None:
    day, month = int(match["d"]), int(match["mo"])
    year = match["y"] and int(match["y"])
    if year is not None and year < 100:
        year += 2000
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return {"day": _CalendarDate(day, month, year)}


def _weekday(match: re.Match) -> _Pieces:
    if match["sunday"]:
        index = 6
    elif match["name"]:
        index = _WEEKDAY_BY_NAME[match["name"]]
    else:
        index = int(match["num"] or match["t"]) - 2  # "thứ 2" is Monday
    return {"day": _Weekday(index, None)}


def _week_edge(match: re.Match) -> _Pieces:
    ends = strip_marks(match["edge"]) == "cuoi"
    default_week = 0 if ends else None
    week = _WEEK_BY_WORD[_key(match["which"])] if match["which"] else default_week
    return {"day": _Weekday(4 if ends else 0, week)}


def _week(match: re.Match) -> _Pieces:
    return {"week": _WEEK_BY_WORD[_key(match["which"])]}


def _day_word(match: re.Match) -> _Pieces:
    return {"day": _Offset(_OFFSET_BY_WORD[_key(match[0])])}


def _part(match: re.Match) -> _Pieces:
    return {"part": _PART_BY_WORD[_key(match[0])]}


def _this(match: re.Match) -> _Pieces:
    return {"this": True}


def _filler(match: re.Match) -> _Pieces:
    return {}


# -------------------------------------------------------------------- forms

_END = r"(?!\w)"
_N = rf"(?P<n>\d{{1,3}}|{_alternation(_NUMBERS)})"
_FORMS: list[tuple[str, Callable[[re.Match], _Pieces | None]]] = [
    (rf"(?:trong(?:\s+vòng)?|sau)\s+{_N}\s*(?P<unit>phút|p|giờ|h|tiếng|ngày|tuần)(?:\s+nữa)?{_END}", _count),
    (rf"{_N}\s*(?P<unit>phút|p|giờ|h|tiếng|ngày|tuần)\s+nữa{_END}", _count),
    (rf"{_N}\s*(?P<unit>ngày|tuần)\s+(?:tới|sau){_END}", _count),
    (rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}}){_END}", _clock),
    (
        r"(?P<h>\d{1,2})\s*(?:giờ|h|g)"
        r"(?:\s*(?P<m>\d{1,2})\s*(?:phút|p)|\s*(?P<mm>\d{2})(?![\d/\-])|\s*(?P<half>rưỡi))?" + _END,
        _clock,
    ),
    (rf"(?P<d>\d{{1,2}})[/\-](?P<mo>\d{{1,2}})(?:[/\-](?P<y>\d{{4}}|\d{{2}}))?{_END}", _calendar_date),
    (
        rf"(?:thứ\s*(?P<num>[2-7])|t(?P<t>[2-7])|thứ\s+(?P<name>{_alternation(_WEEKDAY_NAMES)})"
        rf"|(?P<sunday>chủ\s*nhật|cn)){_END}",
        _weekday,
    ),
    (rf"(?P<edge>cuối|đầu)\s+tuần(?:\s+(?P<which>{_alternation(_WHICH_WEEK)}))?{_END}", _week_edge),
    (rf"tuần\s+(?P<which>{_alternation(_WHICH_WEEK)}){_END}", _week),
    (rf"{_alternation(_DAY_WORDS)}{_END}", _day_word),
    (rf"{_alternation(_PARTS)}{_END}", _part),
    (rf"(?:nay|này){_END}", _this),
    (rf"{_alternation(_FILLERS)}{_END}", _filler),
    (r"[,.;:!?()\-–—]+", _filler),
]
_TYPED_FORMS = [(re.compile(source), build) for source, build in _FORMS]
_FOLDED_FORMS = [(re.compile(strip_marks(source)), build) for source, build in _FORMS]
_SPACE = re.compile(r"\s*")


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class _Reading:
    """What the words say, before they are placed on a calendar."""

    matched: str
    day: _Offset | _Weekday | _CalendarDate | None = None
    clock: tuple[int, int] | None = None
    part: _Part | None = None
    delay: timedelta | None = None


def _same_length(transform: Callable[[str], str], text: str) -> str:
    """Apply a per-letter transform, keeping positions aligned with `text`."""
    whole = transform(text)
    if len(whole) == len(text):
        return whole
    return "".join(out if len(out := transform(ch)) == 1 else ch for ch in text)


def _matchable(text: str) -> tuple[str, list]:
    """The lower-cased text to match on and the forms to match it with."""
    lowered = _same_length(str.lower, text)
    if has_marks(text):
        return lowered, _TYPED_FORMS
    return _same_length(strip_marks, lowered), _FOLDED_FORMS


def _read(text: str) -> _Reading | None:
    """Read every word of `text` as part of a deadline, or None."""
    text = unicodedata.normalize("NFC", text)
    subject, forms = _matchable(text)
    pieces: _Pieces = {}
    first, last = None, None
    position = _SPACE.match(subject).end()
    while position < len(subject):
        for pattern, build in forms:
            match = pattern.match(subject, position)
            if match:
                break
        else:
            return None
        found = build(match)
        if found is None or pieces.keys() & found.keys():
            return None
        pieces.update(found)
        if found:
            first = match.start() if first is None else first
            last = match.end()
        position = _SPACE.match(subject, match.end()).end()
    if first is None:
        return None
    return _combine(pieces, text[first:last])


class _Clash(Exception):
    """Two words that cannot both hold: "mai tuần sau", "2 tiếng nữa thứ 6"."""


def _combine(pieces: _Pieces, matched: str) -> _Reading | None:
    """Apply "tuần sau" and "này" to the day they qualify; refuse mixtures."""
    day = pieces.get("day")
    try:
        if "week" in pieces:
            day = _in_week(day, pieces["week"], alone=_Weekday(4, pieces["week"]))
        if "this" in pieces:
            day = _in_week(day, 0, alone=_Offset(0))
    except _Clash:
        return None
    reading = _Reading(matched, day, pieces.get("clock"), pieces.get("part"), pieces.get("delay"))
    if reading.delay is not None and (reading.day or reading.clock or reading.part):
        return None
    return reading


def _in_week(day, week: int, *, alone):
    """The named weekday placed in `week`, or `alone` when no day was named."""
    if day is None:
        return alone
    if isinstance(day, _Weekday) and day.week is None:
        return replace(day, week=week)
    raise _Clash


# ---------------------------------------------------------------- resolving


def _times(reading: _Reading) -> list[tuple[int, int, int]] | None:
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


def _date(day: _Offset | _Weekday | _CalendarDate | None, today: date) -> date | None:
    if day is None:
        return today
    if isinstance(day, _Offset):
        return today + timedelta(days=day.days)
    if isinstance(day, _Weekday):
        if day.week is None:
            return today + timedelta(days=(day.index - today.weekday()) % 7)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=day.week, days=day.index)
    try:
        if day.year is not None:
            return date(day.year, day.month, day.day)
        this_year = date(today.year, day.month, day.day)
        if this_year < today - _FOLLOW_UP_WINDOW:
            return date(today.year + 1, day.month, day.day)
        return this_year
    except ValueError:  # 31/11, 29/2 in a common year
        return None


def _instants(day: date, times: list[tuple[int, int, int]], tz: ZoneInfo) -> list[datetime]:
    return [
        datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=tz).astimezone(UTC)
        for hour, minute, extra in times
    ]


def _resolve(reading: _Reading, now: datetime, tz: ZoneInfo) -> Deadline | DeadlineProblem:
    if reading.delay is not None:
        return Deadline((now + reading.delay).astimezone(UTC), True, reading.matched)
    times = _times(reading)
    today = now.astimezone(tz).date()
    day = _date(reading.day, today)
    if times is None or day is None:
        return DeadlineProblem("unparseable")
    instants = _instants(day, times, tz)
    next_such_day = isinstance(reading.day, _Weekday) and reading.day.week is None
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
    reading = _read(text)
    if reading is None:
        return DeadlineProblem("unparseable")
    return _resolve(reading, now, tz)


# ------------------------------------------------------------ finding one

_KEYWORDS = ("thời hạn", "hạn chót", "hạn cuối", "hạn", "deadline", "trước", "chậm nhất", "muộn nhất", "trễ nhất")
_KEYWORD = re.compile(rf"(?<!\w){_alternation(strip_marks(k) for k in _KEYWORDS)}{_END}")
_COMPOUNDS_WITH_HAN = {"gia", "gioi", "quyen", "ky"}  # gia hạn = extend, giới hạn = limit...
_EDGES = " \t\r\n,;:.-–—"


def _is_keyword(typed: str, folded_before: str) -> bool:
    """Whether a keyword spot really is one: spelled as the keyword, not part of "gia hạn"."""
    spelled_right = typed == strip_marks(typed) or _key(typed) in _KEYWORDS
    words_before = folded_before.split()
    compound = strip_marks(typed) == "han" and words_before and words_before[-1] in _COMPOUNDS_WITH_HAN
    return spelled_right and not compound


def find_deadline(text: str) -> tuple[str, str | None]:
    """Split "Vá lỗ hổng máy chủ hạn 17h thứ 6" into ("Vá lỗ hổng máy chủ", "17h thứ 6").

    The last keyword ("hạn", "deadline", "trước", ...) followed by a readable
    deadline wins, so "han che" (hạn chế) inside the task is left alone. A
    capitalised "Mai" right after "trước" is taken as a name, not tomorrow.
    """
    text = unicodedata.normalize("NFC", text)
    typed = _same_length(str.lower, text)
    folded = _same_length(strip_marks, typed)
    for spot in reversed(list(_KEYWORD.finditer(folded))):
        start, end = spot.span()
        if not _is_keyword(typed[start:end], folded[:start]):
            continue
        rest = text[end:]
        if spot[0] == "truoc" and re.match(r"\s*Mai\b", rest):
            continue
        if _read(rest) is not None:
            return text[:start].rstrip(_EDGES), rest.strip(_EDGES)
    return text.strip(), None
