"""The words of a deadline: what "17h thứ 6", "sáng mai" or "thu 6 tuan toi" say.

`read_deadline_words` turns a text into a `Reading` (a day, a clock time, a
part of day or a delay) without looking at any clock; `bot.text.deadline`
then places that reading on the calendar.

- Text carrying any diacritic is read exactly as typed ("sang" is not
  "sáng", "tới" is not "tối"). Text without any is folded and read by
  context: "tuan toi" is next week but "8h toi" is 20:00, "mot" alone is the
  day after tomorrow but "mot ngay nua" is one day later, "thu sau" is Friday.
- Every word must be understood. Fillers are skipped ("trước", "lúc", "vào",
  "hạn", "ngày", "buổi", "đến", "khoảng", "nhé"...); any other word makes the
  text unreadable: nothing is half-read or guessed.
- Each family of forms is one regex, written once with diacritics; the
  folded variant is derived from it by stripping the marks.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from fractions import Fraction

from bot.text.fold import has_marks, strip_marks

END_OF_WORKING_DAY = 17


# ------------------------------------------------------- what a reading holds


@dataclass(frozen=True)
class Part:
    """A part of the day: "sáng", "chiều"... and "cuối ngày"."""

    default_hour: int
    hours: range  # 24-hour readings it accepts; 24+ means after midnight


@dataclass(frozen=True)
class Offset:
    days: int


@dataclass(frozen=True)
class Weekday:
    index: int  # Monday = 0
    week: int | None  # None: the next such day; 0: this week; 1: next week...


@dataclass(frozen=True)
class CalendarDate:
    day: int
    month: int
    year: int | None


Day = Offset | Weekday | CalendarDate


@dataclass(frozen=True)
class Reading:
    """What the words say, before they are placed on a calendar."""

    matched: str
    day: Day | None = None
    clock: tuple[int, int] | None = None
    part: Part | None = None
    delay: timedelta | None = None


# ---------------------------------------------------------------- word tables
# Keys are written with diacritics; folded spellings are derived from them.

_PARTS = {
    "sáng": Part(8, range(0, 12)),
    "trưa": Part(12, range(11, 15)),
    "chiều": Part(END_OF_WORKING_DAY, range(12, 20)),
    "tối": Part(20, range(18, 25)),
    "đêm": Part(22, range(21, 29)),
    "cuối ngày": Part(END_OF_WORKING_DAY, range(0)),  # takes no hour
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


def alternation(words: Iterable[str]) -> str:
    """A regex group matching any of the words, longest first, any spacing."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + ")"


def _key(matched: str) -> str:
    """Matched words with single spaces, to look them up in a table."""
    return " ".join(matched.split())


# ----------------------------------------------------------- form builders
# Each builder turns a regex match into the pieces it contributes, or None
# when the words are there but make no sense ("25h", "31/13").

_Pieces = dict[str, object]


def _count(match: re.Match) -> _Pieces | None:
    amount = _NUMBER_BY_WORD.get(_key(match["n"])) or int(match["n"])
    kind, size = _UNIT_BY_WORD[match["unit"]]
    total = amount * size
    if total != int(total):
        return None
    if kind == "days":
        return {"day": Offset(int(total))}
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
    year = int(match["y"]) if match["y"] else None
    if year is not None and year < 100:
        year += 2000
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return {"day": CalendarDate(day, month, year)}


def _weekday(match: re.Match) -> _Pieces:
    if match["sunday"]:
        index = 6
    elif match["name"]:
        index = _WEEKDAY_BY_NAME[match["name"]]
    else:
        index = int(match["num"] or match["t"]) - 2  # "thứ 2" is Monday
    return {"day": Weekday(index, None)}


def _week_edge(match: re.Match) -> _Pieces:
    ends = strip_marks(match["edge"]) == "cuoi"
    default_week = 0 if ends else None
    week = _WEEK_BY_WORD[_key(match["which"])] if match["which"] else default_week
    return {"day": Weekday(4 if ends else 0, week)}


def _week(match: re.Match) -> _Pieces:
    return {"week": _WEEK_BY_WORD[_key(match["which"])]}


def _day_word(match: re.Match) -> _Pieces:
    return {"day": Offset(_OFFSET_BY_WORD[_key(match[0])])}


def _part(match: re.Match) -> _Pieces:
    return {"part": _PART_BY_WORD[_key(match[0])]}


def _this(match: re.Match) -> _Pieces:
    return {"this": True}


def _filler(match: re.Match) -> _Pieces:
    return {}


# -------------------------------------------------------------------- forms

WORD_END = r"(?!\w)"
_N = rf"(?P<n>\d{{1,3}}|{alternation(_NUMBERS)})"
_FORMS: list[tuple[str, Callable[[re.Match], _Pieces | None]]] = [
    (rf"trong(?:\s+vòng)?\s+{_N}\s*(?P<unit>phút|p|giờ|h|tiếng|ngày|tuần)(?:\s+nữa)?{WORD_END}", _count),
    # not "sau 12h": "h" mostly marks a clock time, and "after 12:00" is no deadline
    (rf"sau\s+{_N}\s*(?P<unit>phút|giờ|tiếng|ngày|tuần)(?:\s+nữa)?{WORD_END}", _count),
    (rf"{_N}\s*(?P<unit>phút|p|giờ|h|tiếng|ngày|tuần)\s+nữa{WORD_END}", _count),
    (rf"{_N}\s*(?P<unit>ngày|tuần)\s+(?:tới|sau){WORD_END}", _count),
    (rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}}){WORD_END}", _clock),
    (
        r"(?P<h>\d{1,2})\s*(?:giờ|h|g)"
        r"(?:\s*(?P<m>\d{1,2})\s*(?:phút|p)|\s*(?P<mm>\d{2})(?![\d/\-])|\s*(?P<half>rưỡi))?" + WORD_END,
        _clock,
    ),
    (rf"(?P<d>\d{{1,2}})[/\-](?P<mo>\d{{1,2}})(?:[/\-](?P<y>\d{{4}}|\d{{2}}))?{WORD_END}", _calendar_date),
    (
        rf"(?:thứ\s*(?P<num>[2-7])|t(?P<t>[2-7])|thứ\s+(?P<name>{alternation(_WEEKDAY_NAMES)})"
        rf"|(?P<sunday>chủ\s*nhật|cn)){WORD_END}",
        _weekday,
    ),
    (rf"(?P<edge>cuối|đầu)\s+tuần(?:\s+(?P<which>{alternation(_WHICH_WEEK)}))?{WORD_END}", _week_edge),
    (rf"tuần\s+(?P<which>{alternation(_WHICH_WEEK)}){WORD_END}", _week),
    (rf"{alternation(_DAY_WORDS)}{WORD_END}", _day_word),
    (rf"{alternation(_PARTS)}{WORD_END}", _part),
    (rf"(?:nay|này){WORD_END}", _this),
    (rf"{alternation(_FILLERS)}{WORD_END}", _filler),
    (r"[,.;:!?()\-–—]+", _filler),
]
_TYPED_FORMS = [(re.compile(source), build) for source, build in _FORMS]
_FOLDED_FORMS = [(re.compile(strip_marks(source)), build) for source, build in _FORMS]
_SPACE = re.compile(r"\s*")


# ------------------------------------------------------------------ reading


def same_length(transform: Callable[[str], str], text: str) -> str:
    """Apply a per-letter transform, keeping positions aligned with `text`."""
    whole = transform(text)
    if len(whole) == len(text):
        return whole
    return "".join(out if len(out := transform(ch)) == 1 else ch for ch in text)


def _matchable(text: str) -> tuple[str, list]:
    """The lower-cased text to match on and the forms to match it with."""
    lowered = same_length(str.lower, text)
    if has_marks(text):
        return lowered, _TYPED_FORMS
    return same_length(strip_marks, lowered), _FOLDED_FORMS


def _form_at(forms: list, subject: str, position: int) -> tuple[re.Match, Callable] | None:
    """The first form matching at `position`, with its builder."""
    for pattern, build in forms:
        if match := pattern.match(subject, position):
            return match, build
    return None


def read_deadline_words(text: str) -> Reading | None:
    """Read every word of `text` as part of a deadline, or None."""
    text = unicodedata.normalize("NFC", text)
    subject, forms = _matchable(text)
    pieces: _Pieces = {}
    first, last = None, None
    position = _SPACE.match(subject).end()
    while position < len(subject):
        form = _form_at(forms, subject, position)
        if form is None:
            return None
        match, build = form
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
    """Two day words that cannot both hold: "mai tuần sau", "30/11 này"."""


def _combine(pieces: _Pieces, matched: str) -> Reading | None:
    """Apply "tuần sau" and "này" to the day they qualify; refuse mixtures."""
    day = pieces.get("day")
    try:
        if "week" in pieces:
            day = _in_week(day, pieces["week"], alone=Weekday(4, pieces["week"]))
        if "this" in pieces:
            day = _in_week(day, 0, alone=Offset(0))
    except _Clash:
        return None
    reading = Reading(matched, day, pieces.get("clock"), pieces.get("part"), pieces.get("delay"))
    if reading.delay is not None and (reading.day or reading.clock or reading.part):
        return None
    return reading


def _in_week(day: Day | None, week: int, *, alone: Day) -> Day:
    """The named weekday placed in `week`, or `alone` when no day was named."""
    if day is None:
        return alone
    if isinstance(day, Weekday) and day.week is None:
        return replace(day, week=week)
    raise _Clash
