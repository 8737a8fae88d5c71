"""Reading who is meant: "#qr", "tất cả", or names ("Mai, Vũ Mạnh Hùng", "@tuan_ba").

Names are matched on the folded full name, short name or username of the
team's active members; a name that fits several people is never guessed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.roster.models import Area, Member
from bot.text.fold import fold

EVERYONE_WORDS = ("tat ca", "ca to", "toan to", "all", "everyone")
_AREA = re.compile(r"#([\w-]+)")
MAX_NAME_WORDS = 5


@dataclass
class Who:
    members: list[Member]
    label: str  # how it was named, for people to read


@dataclass
class WhoProblem:
    kind: str  # "unknown" | "ambiguous" | "unknown_area" | "empty"
    text: str  # the name or area at fault
    candidates: list[Member] = field(default_factory=list)


def find_members(members: list[Member], name: str) -> list[Member]:
    """Active members a name can mean: exact @username, full name, or short name (folded)."""
    wanted = fold(name).lstrip("@")
    if not wanted:
        return []
    if name.strip().startswith("@"):
        return [m for m in members if m.username and m.username.lower() == wanted]
    by_full = [m for m in members if fold(m.full_name) == wanted]
    if by_full:
        return by_full
    return [m for m in members if fold(m.short_name) == wanted or (m.username and m.username.lower() == wanted)]


def one_member(members: list[Member], name: str) -> Member | WhoProblem:
    found = find_members(members, name)
    if len(found) == 1:
        return found[0]
    return WhoProblem("ambiguous" if found else "unknown", name.strip(), found)


def read_areas(text: str, members: list[Member], areas: list[Area]) -> Who | WhoProblem:
    """ "#qr #tiemchung": the members of those areas."""
    codes = _AREA.findall(text)
    by_code = {fold(a.code): a for a in areas}
    chosen: list[Area] = []
    for code in codes:
        area = by_code.get(fold(code))
        if area is None:
            return WhoProblem("unknown_area", "#" + code)
        chosen.append(area)
    ids = {a.id for a in chosen}
    picked = [m for m in members if any(a.id in ids for a in m.areas)]
    if not picked:
        return WhoProblem("empty", " ".join("#" + a.code for a in chosen))
    return Who(picked, " ".join("#" + a.code for a in chosen))


def is_everyone(text: str) -> bool:
    return fold(text) in EVERYONE_WORDS


def read_names(text: str, members: list[Member]) -> Who | WhoProblem:
    """ "Mai, Vũ Mạnh Hùng, @tuan_ba": exactly these people."""
    picked: list[Member] = []
    for name in (part.strip() for part in re.split(r"[,;\n]", text)):
        if not name:
            continue
        found = one_member(members, name)
        if isinstance(found, WhoProblem):
            return found
        if found not in picked:
            picked.append(found)
    if not picked:
        return WhoProblem("empty", text.strip())
    return Who(picked, ", ".join(m.short_name for m in picked))


def read_who(text: str, members: list[Member], areas: list[Area]) -> Who | WhoProblem:
    """The whole answer to "who?": areas, everyone, or names."""
    text = text.strip()
    if text.startswith("#"):
        return read_areas(text, members, areas)
    if is_everyone(text):
        return Who(list(members), "tất cả")
    return read_names(text, members)


def split_who(text: str, members: list[Member], areas: list[Area]) -> tuple[Who | WhoProblem, str]:
    """Split a one-line form into (who, the rest): "#qr #cachly Họp...", "tất cả Họp...",
    "Mai, Vũ Mạnh Hùng Họp..." (the last name is the longest run of words naming someone)."""
    text = text.strip()
    if text.startswith("#"):
        words = text.split()
        tags = _leading(words, lambda w: w.startswith("#"))
        return read_areas(" ".join(tags), members, areas), " ".join(words[len(tags):])
    words = text.split()
    for size in (2, 1):
        if len(words) > size and is_everyone(" ".join(words[:size])):
            return Who(list(members), "tất cả"), " ".join(words[size:])
    *named, last = text.split(",")
    last_words = last.split()
    for size in range(min(MAX_NAME_WORDS, len(last_words) - 1), 0, -1):
        candidate = " ".join(last_words[:size])
        if find_members(members, candidate):
            who = read_names(",".join([*named, candidate]), members)
            return who, " ".join(last_words[size:])
    first = (named[0] if named else last).strip()
    return WhoProblem("unknown", first.split()[0] if not named and first else first), text


def _leading(words: list[str], keep: Callable[[str], bool]) -> list[str]:
    out = []
    for word in words:
        if not keep(word):
            break
        out.append(word)
    return out
