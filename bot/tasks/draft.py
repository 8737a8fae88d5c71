"""A task being handed out, before it exists: from one line, or built step by step.

"/giao hung, lan Vá lỗ hổng máy chủ hạn 17h thứ 6" fills a whole draft at
once; "/giao" alone starts an empty one that the guided flow fills (who,
what, deadline, priority, confirm). Whatever a line leaves unsettled (an
ambiguous name, a deadline that is past, ambiguous or unreadable) is asked
for, never guessed. A draft is plain data so it can live in the FSM storage
(memory or Redis) between a person's messages.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.roster.lookup import Ambiguous, Directory, Found, FoundArea, Lookup, Unknown, read_leading
from bot.tasks.models import Priority
from bot.tasks.service import NewTask
from bot.text.deadline import Deadline, find_deadline, parse_deadline


class Step(StrEnum):
    WHO = "who"
    NAME = "name"  # a name that fits several people
    WHAT = "what"
    DEADLINE = "deadline"
    PRIORITY = "priority"
    CONFIRM = "confirm"  # guided: the leader checks and presses "Giao việc"
    READY = "ready"  # one line: nothing left to ask, hand it out


# Quick deadline choices: (what the parser reads, the button's label).
QUICK_DEADLINES = [
    ("17h hôm nay", N_("17h hôm nay")),
    ("sáng mai", N_("Sáng mai")),
    ("thứ sáu", N_("Thứ Sáu")),
    ("tuần sau", N_("Tuần sau")),
]


@dataclass(frozen=True)
class UnknownNames:
    unknown: list[Unknown]


@dataclass(frozen=True)
class MixedRecipients:
    """Names together with #area, or several areas: one task goes to people or to an area."""


@dataclass
class Draft:
    guided: bool = False
    # Recipients in the order named: {"member": id}, or {"typed": "Hùng", "candidates": [ids]} until settled.
    slots: list[dict[str, Any]] = field(default_factory=list)
    area_code: str | None = None
    who_done: bool = False
    title: str | None = None
    deadline: str | None = None  # ISO instant (UTC); None with deadline_done means "no deadline"
    deadline_done: bool = False
    deadline_text: str | None = None  # what was typed, when it must be asked again
    deadline_problem: str | None = None  # "past", "ambiguous", "unparseable"
    candidates: list[str] = field(default_factory=list)  # ISO instants of an ambiguous deadline
    priority: str | None = None

    # ----------------------------------------------------------- state

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Draft":
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    def next_step(self) -> Step:
        if not self.who_done:
            return Step.WHO
        if self.pending_name() is not None:
            return Step.NAME
        if not self.title:
            return Step.WHAT
        if not self.deadline_done:
            return Step.DEADLINE
        if self.priority is None:
            return Step.PRIORITY
        return Step.CONFIRM if self.guided else Step.READY

    @property
    def member_ids(self) -> list[int]:
        return list(dict.fromkeys(slot["member"] for slot in self.slots if "member" in slot))

    @property
    def deadline_at(self) -> datetime | None:
        return datetime.fromisoformat(self.deadline) if self.deadline else None

    def pending_name(self) -> dict[str, Any] | None:
        return next((slot for slot in self.slots if "candidates" in slot), None)

    def new_task(self) -> NewTask:
        return NewTask(title=self.title or "", member_ids=self.member_ids,
                       area_code=None if self.member_ids else self.area_code, deadline_at=self.deadline_at,
                       priority=Priority(self.priority or Priority.NORMAL))

    # ----------------------------------------------------------- recipients

    def take_recipients(self, lookup: Lookup) -> UnknownNames | MixedRecipients | None:
        """Recipients typed by the leader; unknown names or a mix of people and areas are refused."""
        if lookup.unknown:
            return UnknownNames(lookup.unknown)
        areas = lookup.areas
        if areas and (len(areas) > 1 or any(not isinstance(e, FoundArea) for e in lookup.entries)):
            return MixedRecipients()
        self.slots, self.area_code = [], areas[0].code if areas else None
        for entry in lookup.entries:
            if isinstance(entry, Found):
                self.slots.append({"member": entry.member.id})
            elif isinstance(entry, Ambiguous):
                self.slots.append({"typed": entry.typed, "candidates": [m.id for m in entry.candidates]})
        self.who_done = bool(self.slots or self.area_code)
        return None

    def toggle_member(self, member_id: int) -> None:
        """Guided: a member's button adds them (lead first, in the order pressed) or takes them off."""
        if member_id in self.member_ids:
            self.slots = [slot for slot in self.slots if slot.get("member") != member_id]
        else:
            self.slots.append({"member": member_id})
        self.area_code = None

    def choose_area(self, code: str) -> None:
        self.slots, self.area_code, self.who_done = [], code, True

    def settle_name(self, member_id: int) -> bool:
        """The leader chose one of an ambiguous name's candidates; False if it is not one of them."""
        slot = self.pending_name()
        if slot is None or member_id not in slot["candidates"]:
            return False
        slot.clear()
        slot["member"] = member_id
        return True

    # ----------------------------------------------------------- content and deadline

    def take_content(self, text: str, now: datetime, zone: ZoneInfo) -> None:
        """The task's text, possibly with its deadline and urgency: "Khẩn: vá lỗ hổng hạn 17h"."""
        content, deadline_text = find_deadline(text)
        priority, content = read_priority(content)
        if priority is not None:
            self.priority = priority
        self.title = content or None
        if deadline_text is not None:
            self.take_deadline_text(deadline_text, now, zone)
        elif (unread := dangling_deadline(content)) is not None:
            # A keyword find_deadline passed over ("nhật ký hạn 17h" reads like "kỳ hạn"): read it here.
            self.title = _before_keyword(content, unread)
            self.take_deadline_text(unread, now, zone)

    def take_deadline_text(self, text: str, now: datetime, zone: ZoneInfo) -> None:
        reading = parse_deadline(text, now, zone)
        if isinstance(reading, Deadline):
            self.set_deadline(reading.at)
        else:
            self._ask_again(text, reading.kind, reading.candidates)

    def set_deadline(self, at: datetime | None) -> None:
        self.deadline, self.deadline_done = at.isoformat() if at else None, True
        self.deadline_text, self.deadline_problem, self.candidates = None, None, []

    def _ask_again(self, text: str, problem: str, candidates: list[datetime]) -> None:
        self.deadline, self.deadline_done = None, False
        self.deadline_text, self.deadline_problem = text, problem
        self.candidates = [c.isoformat() for c in candidates]

    def choose_candidate(self, index: int, now: datetime) -> bool:
        if not 0 <= index < len(self.candidates):
            return False
        at = datetime.fromisoformat(self.candidates[index])
        if at <= now:
            return False
        self.set_deadline(at)
        return True


def quick_deadline(index: int, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant of a quick choice now, or None when it is past (17h hôm nay at 18:00) or unknown."""
    if not 0 <= index < len(QUICK_DEADLINES):
        return None
    reading = parse_deadline(QUICK_DEADLINES[index][0], now, zone)
    return reading.at if isinstance(reading, Deadline) else None


# ------------------------------------------------------------------ reading one line

_URGENT = re.compile(
    r"^\s*(?:\[?(?:khẩn|gấp|urgent)\]?(?!\s*(?:trương|rút|cấp)\b)(?:\s*[:!\-–]\s*|\s+)|(?:khan|gap)\s*[:!]\s*)",
    re.IGNORECASE,
)  # "khẩn trương", "gấp rút", "khẩn cấp" are ordinary words of the task's text
_DANGLING = re.compile(r"(?<!\w)(?:hạn|deadline|han(?=\s+\S*\d))\s*:?\s+(\S.*)$", re.IGNORECASE)
# "gia hạn" (extend), "hết hạn" (expired), "hạn chế" (limit)...: words, not the keyword.
_WORDS_BEFORE_HAN = {"gia", "giới", "gioi", "quyền", "quyen", "kỳ", "ky", "hữu", "huu", "vô", "vo", "hết", "het",
                     "quá", "qua", "đáo", "dao", "có", "co", "thời", "thoi"}
_WORDS_AFTER_HAN = {"chế", "che", "mức", "muc", "ngạch", "ngach", "hán", "định", "dinh", "độ", "do", "sử", "su"}
_DEADLINE_WORDS = 6  # a deadline is a few words; more after "hạn" is the task's own text


def read_priority(content: str) -> tuple[Priority | None, str]:
    """A leading "khẩn:", "gấp", "[khẩn]" or "urgent" marks the task urgent and is taken off."""
    text = unicodedata.normalize("NFC", content)
    found = _URGENT.match(text)
    if found is None or not text[found.end():].strip():
        return None, content
    return Priority.URGENT, text[found.end():].strip()


def dangling_deadline(content: str) -> str | None:
    """The words after a deadline keyword that could not be read ("... hạn abc"), if any.

    find_deadline only splits a deadline it can read; this catches the
    keyword followed by something else, so it is asked for, not dropped into
    the task's text. "gia hạn", "giới hạn" are words, not keywords; unaccented
    "han" counts only before something with a digit ("han 17g").
    """
    found = _DANGLING.search(content)
    if found is None:
        return None
    before, after = content[: found.start()].split(), found[1].split()
    if before and before[-1].lower() in _WORDS_BEFORE_HAN:
        return None
    if after[0].lower() in _WORDS_AFTER_HAN or len(after) > _DEADLINE_WORDS:
        return None
    return found[1].strip()


def _before_keyword(content: str, deadline_text: str) -> str | None:
    head = content[: len(content) - len(deadline_text)].rstrip()
    head = re.sub(r"(?i)(?:hạn|deadline|han)\s*:?$", "", head)
    return head.rstrip(" ,;:-–—") or None


def draft_from_line(
    directory: Directory, line: str, now: datetime, zone: ZoneInfo
) -> Draft | UnknownNames | MixedRecipients:
    """/giao's arguments: recipients, content, optional deadline and urgency."""
    lookup, rest = read_leading(directory, line)
    draft = Draft(guided=False)
    problem = draft.take_recipients(lookup)
    if problem is not None:
        return problem
    if rest:
        draft.take_content(rest, now, zone)
    if draft.title and draft.deadline_problem is None and not draft.deadline_done:
        draft.set_deadline(None)  # no deadline given: the task has none
    draft.priority = draft.priority or Priority.NORMAL
    return draft
