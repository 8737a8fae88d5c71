"""The roster file (YAML): one team, its areas, units and people.

A file is validated whole before anything is imported; an error names the
line and the field at fault.
"""

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.roster.models import Role

CODE = r"^[a-z0-9_]{1,64}$"


class RosterError(Exception):
    """A roster file that cannot be imported; str() is one line for the operator."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TeamSpec(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=255)
    group_chat_id: int | None = None


class AreaSpec(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=255)


class UnitSpec(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=255)
    manager_telegram_id: int | None = Field(default=None, gt=0)


class MemberSpec(_Strict):
    telegram_id: int | None = Field(default=None, gt=0)
    code: str | None = Field(default=None, pattern=CODE)
    username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9_]{4,32}$")
    full_name: str = Field(min_length=1, max_length=255)
    short_name: str | None = Field(default=None, min_length=1, max_length=64)
    title: str | None = Field(default=None, max_length=255)
    unit: str | None = None
    role: Role
    areas: list[str] = []
    language: Literal["vi", "en"] | None = None

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.full_name.split()[-1]

    @property
    def key(self) -> str:
        """What identifies this person across re-imports of the file."""
        if self.code:
            return f"code:{self.code}"
        if self.telegram_id:
            return f"tg:{self.telegram_id}"
        return "name:" + " ".join(self.full_name.casefold().split())

    @property
    def bare_username(self) -> str | None:
        return self.username.lstrip("@") if self.username else None


class RosterFile(_Strict):
    team: TeamSpec
    areas: list[AreaSpec] = []
    units: list[UnitSpec] = []
    members: list[MemberSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> "RosterFile":
        _unique("areas", [area.code for area in self.areas])
        _unique("units", [unit.code for unit in self.units])
        _unique("members", [member.telegram_id for member in self.members], what="telegram_id")
        _unique("members", [member.key for member in self.members], what="member (same code or full name)")
        area_codes = {area.code for area in self.areas}
        unit_codes = {unit.code for unit in self.units}
        for index, member in enumerate(self.members):
            if member.unit and member.unit not in unit_codes:
                raise _FieldError(("members", index, "unit"), f"unknown unit {member.unit!r}")
            for area in member.areas:
                if area not in area_codes:
                    raise _FieldError(("members", index, "areas"), f"unknown area {area!r}")
        if not any(member.role == Role.LEADER for member in self.members):
            raise _FieldError(("members",), "the team needs a member with role leader")
        return self


class _FieldError(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _unique(section: str, values: list[Any], what: str = "code") -> None:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            raise _FieldError((section, index), f"duplicate {what} {value!r}")
        seen.add(value)


def load_roster(path: Path) -> RosterFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RosterError(f"{path}: cannot read ({error.strerror})") from None
    return parse_roster(text, source=str(path))


def parse_roster(text: str, source: str = "roster") -> RosterFile:
    try:
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RosterError(f"{source}{line}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(data, dict):
        raise RosterError(f"{source}:1: the roster must be a mapping with team, areas, units, members")
    try:
        return RosterFile.model_validate(data)
    except ValidationError as error:
        detail = error.errors()[0]
        loc, message = tuple(detail["loc"]), detail["msg"]
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, _FieldError):
            loc, message = cause.loc, str(cause)
        message = message.removeprefix("Value error, ")
        raise RosterError(f"{source}:{_line_of(tree, loc)}: {_dotted(loc)}: {message}") from None


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest YAML node that the path reaches."""
    line = node.start_mark.line + 1 if node else 1
    for step in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == step), None)
            if child is None:  # a missing or unexpected key: point at the mapping itself
                child = next((key for key, _ in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "file"


def dump_roster(roster: RosterFile) -> str:
    data = roster.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def is_valid_code(text: str) -> bool:
    return re.fullmatch(CODE, text) is not None
