"""Reading who is meant: "tất cả", areas ("#qr #tiemchung"), or people ("Mai, Vũ Mạnh Hùng", "@tuan_ba").

Names and areas are matched by bot.roster.lookup (the same rules as /giao);
a name that fits several people, or nobody, is never guessed.
"""

from dataclasses import dataclass, field

from bot.roster.lookup import Ambiguous, Directory, Found, Lookup, Unknown, read_leading, read_recipients
from bot.roster.models import Area, Member
from bot.text.fold import fold

EVERYONE_WORDS = ("tat ca", "ca to", "toan to", "all", "everyone")
EVERYONE_LABEL = "tất cả"


@dataclass
class Who:
    members: list[Member]
    label: str  # how it was named, for people to read


@dataclass
class WhoProblem:
    kind: str  # "unknown" | "ambiguous" | "empty"
    text: str  # the name or area at fault
    candidates: list[Member] = field(default_factory=list)


def one_member(members: list[Member], name: str) -> Member | WhoProblem:
    """Exactly one roster member by name or @username."""
    entry = Directory(members, []).match_or_unknown(name)
    if isinstance(entry, Found):
        return entry.member
    if isinstance(entry, Ambiguous):
        return WhoProblem("ambiguous", entry.typed, entry.candidates)
    return WhoProblem("unknown", name.strip())


def is_everyone(text: str) -> bool:
    return fold(text) in EVERYONE_WORDS


def _who(lookup: Lookup, members: list[Member]) -> Who | WhoProblem:
    """The people a lookup names; an area stands for its members who may be convened."""
    for entry in lookup.entries:
        if isinstance(entry, Ambiguous):
            return WhoProblem("ambiguous", entry.typed, entry.candidates)
        if isinstance(entry, Unknown):
            return WhoProblem("unknown", entry.typed)
    picked = list(lookup.members)
    for area in lookup.areas:
        picked += [m for m in members if area in m.areas and m not in picked]
    picked = [m for m in picked if m in members]
    if not picked:
        return WhoProblem("empty", ", ".join(e.typed for e in lookup.entries))
    return Who(picked, ", ".join(e.typed for e in lookup.entries))


def read_who(text: str, members: list[Member], areas: list[Area]) -> Who | WhoProblem:
    """A whole answer to "who?": "tất cả", or areas and names separated by commas."""
    if is_everyone(text):
        return Who(list(members), EVERYONE_LABEL)
    return _who(read_recipients(Directory(members, areas), text.replace("#", ",#").strip(", ")), members)


def split_who(text: str, members: list[Member], areas: list[Area]) -> tuple[Who | WhoProblem, str]:
    """Split a one-line form into (who, the rest): "#qr #cachly Họp...", "tất cả Họp...",
    "Mai, Vũ Mạnh Hùng Họp..." (the longest run of words naming someone ends the list)."""
    words = text.split()
    for size in (2, 1):
        if len(words) > size and is_everyone(" ".join(words[:size])):
            return Who(list(members), EVERYONE_LABEL), " ".join(words[size:])
    tags = 0
    while tags < len(words) and words[tags].startswith("#"):
        tags += 1
    if tags:  # "#qr #cachly Họp..." reads as "#qr, #cachly" followed by the rest
        lookup, rest = read_leading(Directory(members, areas), ", ".join(words[:tags]))
        return _who(lookup, members), " ".join(words[tags:])
    lookup, rest = read_leading(Directory(members, areas), text)
    return _who(lookup, members), rest
