"""Finding the people a leader names: "@hung_vm", "Hùng", "vu manh hung", "#antoan".

Rules
- "@username" matches the roster username, case aside.
- "#code" names an area of the team (case and diacritics aside).
- A name matches a member's short name, full name, or the end of the full
  name ("hung", "manh hung", "vu manh hung"; Vietnamese given names come
  last). Typed with diacritics it is compared with diacritics ("Hùng" is
  not "Hưng"); typed without, both sides are folded ("hung" is both).
- Several recipients are separated by commas. A name that fits two people is
  ambiguous and comes back with its candidates; a name that fits nobody comes
  back as unknown, with the closest names as suggestions.
- Only active members of the team are considered (optionally only some roles).

`lookup_members` reads a whole text as recipients; `lookup_leading` reads the
recipients at the start of a command ("hung, lan Kiểm tra máy chủ") and
returns the rest as the content.
"""

import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roster.models import Area, Member, Role
from bot.roster.service import team_members
from bot.text.fold import fold, has_marks

MAX_NAME_WORDS = 5
SUGGESTION_SCORE = 70
_EDGES = " \t\r\n,;:.-–—"


@dataclass(frozen=True)
class Found:
    typed: str
    member: Member


@dataclass(frozen=True)
class FoundArea:
    typed: str
    area: Area


@dataclass(frozen=True)
class Ambiguous:
    typed: str
    candidates: list[Member]


@dataclass(frozen=True)
class Unknown:
    typed: str
    suggestions: list[Member] = field(default_factory=list)


Entry = Found | FoundArea | Ambiguous | Unknown


@dataclass
class Lookup:
    """What each typed recipient turned out to be, in the order typed."""

    entries: list[Entry] = field(default_factory=list)

    @property
    def members(self) -> list[Member]:
        seen: dict[int, Member] = {}
        for entry in self.entries:
            if isinstance(entry, Found):
                seen.setdefault(entry.member.id, entry.member)
        return list(seen.values())

    @property
    def areas(self) -> list[Area]:
        return [entry.area for entry in self.entries if isinstance(entry, FoundArea)]

    @property
    def ambiguous(self) -> list[Ambiguous]:
        return [entry for entry in self.entries if isinstance(entry, Ambiguous)]

    @property
    def unknown(self) -> list[Unknown]:
        return [entry for entry in self.entries if isinstance(entry, Unknown)]

    @property
    def complete(self) -> bool:
        """Every name found exactly."""
        return bool(self.entries) and not self.ambiguous and not self.unknown


def _typed_form(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


class Directory:
    """A team's active members and areas, ready to match typed names."""

    def __init__(self, members: list[Member], areas: list[Area]) -> None:
        self.members = members
        self.areas = areas
        self._accented: dict[str, list[Member]] = {}
        self._folded: dict[str, list[Member]] = {}
        for member in members:
            for form in _name_forms(member):
                _add(self._accented, _typed_form(form), member)
                _add(self._folded, fold(form), member)

    def match(self, typed: str) -> Entry | None:
        """One recipient as typed; None when it is not a name at all (for lookup_leading)."""
        typed = typed.strip(_EDGES)
        if not typed:
            return None
        if typed.startswith("@"):
            return self._by_username(typed)
        if typed.startswith("#"):
            return self._by_area(typed)
        if has_marks(typed):
            found = self._accented.get(_typed_form(typed), [])
        else:
            found = self._folded.get(fold(typed), [])
        if len(found) == 1:
            return Found(typed, found[0])
        if found:
            return Ambiguous(typed, sorted(found, key=lambda m: m.roster_order))
        return None

    def match_or_unknown(self, typed: str) -> Entry:
        return self.match(typed) or Unknown(typed.strip(_EDGES), self.suggest(typed))

    def suggest(self, typed: str, limit: int = 3) -> list[Member]:
        """The closest names, for "did you mean" (typos, a missing word)."""
        forms = list(self._folded)
        scored = process.extract(fold(typed.lstrip("@#")), forms, scorer=fuzz.ratio, limit=None,
                                 score_cutoff=SUGGESTION_SCORE)
        found: list[Member] = []
        for form, _, _ in scored:
            for member in self._folded[form]:
                if member not in found:
                    found.append(member)
        return found[:limit]

    def _by_username(self, typed: str) -> Entry:
        name = typed[1:].lower()
        found = [m for m in self.members if m.username and m.username.lower() == name]
        return Found(typed, found[0]) if found else Unknown(typed)

    def _by_area(self, typed: str) -> Entry:
        code = fold(typed[1:])
        area = next((a for a in self.areas if fold(a.code) == code), None)
        return FoundArea(typed, area) if area else Unknown(typed)


def _name_forms(member: Member) -> set[str]:
    words = member.full_name.split()
    endings = {" ".join(words[i:]) for i in range(len(words))}
    return endings | {member.short_name}


def _add(index: dict[str, list[Member]], key: str, member: Member) -> None:
    bucket = index.setdefault(key, [])
    if member not in bucket:
        bucket.append(member)


async def load_directory(session: AsyncSession, team_id: int, *, roles: set[Role] | None = None) -> Directory:
    members = await team_members(session, team_id, roles=roles)
    areas = list(await session.scalars(select(Area).where(Area.team_id == team_id).order_by(Area.code)))
    return Directory(members, areas)


def read_recipients(directory: Directory, text: str) -> Lookup:
    """A text that is only recipients: "hung, @lan_nt, #antoan"."""
    parts = [part for part in text.split(",") if part.strip(_EDGES)]
    return Lookup([directory.match_or_unknown(part) for part in parts])


def read_leading(directory: Directory, text: str) -> tuple[Lookup, str]:
    """Recipients at the start of a text, then the rest: ("hung, lan", "Kiểm tra máy chủ").

    Each comma-separated piece is a recipient when it is one whole; the first
    piece that is a recipient followed by more words ends the list, and those
    words begin the content. In each piece the longest run of leading words
    that names someone wins ("vu manh hung kiem tra" → "vu manh hung"). A
    first word that names nobody is reported as unknown.
    """
    lookup = Lookup()
    rest = text.strip()
    while rest:
        piece, comma, after = rest.partition(",")
        words = piece.split()
        if not words:
            rest = after.strip()
            continue
        entry, used = _leading_name(directory, words)
        if entry is None:  # nobody: the whole piece when a comma follows, else its first word
            used = len(words) if comma else 1
            entry = directory.match_or_unknown(" ".join(words[:used]))
        lookup.entries.append(entry)
        remainder = " ".join(words[used:])
        if remainder:
            return lookup, (remainder + comma + after).strip(_EDGES)
        rest = after.strip()
    return lookup, ""


def _leading_name(directory: Directory, words: list[str]) -> tuple[Entry | None, int]:
    if words[0].startswith(("@", "#")):  # a handle is one word
        return directory.match(words[0]), 1
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        entry = directory.match(" ".join(words[:size]))
        if entry is not None:
            return entry, size
    return None, 0


async def lookup_members(session: AsyncSession, team_id: int, text: str, *, roles: set[Role] | None = None) -> Lookup:
    """Resolve a recipients text ("hung, Lan, #antoan") among a team's active members."""
    return read_recipients(await load_directory(session, team_id, roles=roles), text)


async def lookup_leading(
    session: AsyncSession, team_id: int, text: str, *, roles: set[Role] | None = None
) -> tuple[Lookup, str]:
    """Resolve the recipients a command starts with; returns them and the rest of the text."""
    return read_leading(await load_directory(session, team_id, roles=roles), text)

