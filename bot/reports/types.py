"""The report-types file (YAML, DIEUPHOI_REPORTS): what each report asks, of whom, and when.

Report types are data: a type has a code, a name, its fields (each owned by
an area of the roster), a deadline schedule (standard cron in the team's time
zone), who must submit, reminder offsets and escalation. A file is validated
whole; every problem names its line.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bot.durations import parse_duration
from bot.reports.cron import parse_cron
from bot.roster.file import _dotted as dotted_path  # the roster file's error wording, shared
from bot.roster.file import _line_of as line_of

CODE = r"^[a-z0-9_]{1,64}$"
FIELD_CODE = r"^[a-z][a-z0-9_]{0,31}$"
_ANY_ZONE = ZoneInfo("UTC")  # a schedule's shape does not depend on the zone
DEFAULT_FILE = Path(__file__).resolve().parent / "default_reports.yaml"

FieldKind = Literal["integer", "percent", "text", "choice"]


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class ReportTypesError(Exception):
    """A report-types file that cannot be used; str() names the file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Choice(_Strict):
    code: str = Field(pattern=CODE)
    label: str = Field(min_length=1, max_length=64)
    label_en: str | None = Field(default=None, max_length=64)


class FieldSpec(_Strict):
    code: str = Field(pattern=FIELD_CODE)
    label: str = Field(min_length=1, max_length=120)
    label_en: str | None = Field(default=None, max_length=120)
    kind: FieldKind
    required: bool = True
    area: str | None = Field(default=None, pattern=CODE)
    # The largest believable value: above it the answer is asked again as absurd.
    max: Decimal | None = Field(default=None, gt=0)
    choices: list[Choice] = []
    # Shown in the digest's chart.
    main: bool = False

    @model_validator(mode="after")
    def _kind_rules(self) -> "FieldSpec":
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError("a choice field needs at least two choices")
        if self.kind != "choice" and self.choices:
            raise ValueError("only a choice field has choices")
        if self.max is not None and self.kind not in ("integer", "percent"):
            raise ValueError("only integer and percent fields have a max")
        if self.kind == "percent" and self.max is not None and self.max > 100:
            raise ValueError("a percent is at most 100")
        if self.main and self.kind not in ("integer", "percent"):
            raise ValueError("only integer and percent fields can be main figures")
        return self

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "percent")

    @property
    def limit(self) -> Decimal | None:
        return Decimal(100) if self.kind == "percent" and self.max is None else self.max

    def shown_label(self, locale: str) -> str:
        return self.label_en if locale == "en" and self.label_en else self.label

    def choice_label(self, code: str, locale: str) -> str:
        for choice in self.choices:
            if choice.code == code:
                return choice.label_en if locale == "en" and choice.label_en else choice.label
        return code


class Submitters(_Strict):
    # One person per area answers that area's fields; named members answer the fields of their areas.
    areas: list[str] = []
    members: list[str | int] = []  # roster member code, or telegram id


class Escalation(_Strict):
    after: Duration = timedelta(hours=2)
    to: list[Literal["director", "leader", "deputy"]] = ["leader"]


class ReportType(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=160)
    name_en: str | None = Field(default=None, max_length=160)
    schedule: str | None = None  # the deadline, standard cron in the team's time zone
    opens_before: Duration = timedelta(days=1)
    submitters: Submitters = Submitters()
    reminders: list[Duration] = []  # before the deadline
    escalation: Escalation | None = Escalation()
    fields: list[FieldSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "ReportType":
        codes = [field.code for field in self.fields]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                raise _FieldError(("fields", index, "code"), f"duplicate field code {code!r}")
        if self.schedule is not None:
            try:
                parse_cron(self.schedule, _ANY_ZONE)
            except ValueError as error:
                raise _FieldError(("schedule",), f"not a valid cron expression: {error}") from None
        if self.opens_before <= timedelta():
            raise _FieldError(("opens_before",), "must be a positive duration")
        field_areas = {field.area for field in self.fields if field.area}
        for index, area in enumerate(self.submitters.areas):
            if area not in field_areas:
                raise _FieldError(("submitters", "areas", index), f"no field of this report belongs to area {area!r}")
        return self

    def shown_name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name

    @property
    def submitting_areas(self) -> list[str]:
        """The areas that answer this report: as listed, else every area owning a field."""
        if self.submitters.areas or self.submitters.members:
            return list(self.submitters.areas)
        return list(dict.fromkeys(field.area for field in self.fields if field.area))


class AdhocDefaults(_Strict):
    """Reminders and escalation for ad-hoc requests that name no report type."""

    reminders: list[Duration] = [timedelta(hours=2)]
    escalation: Escalation | None = Escalation(after=timedelta(hours=1))


class ReportTypesFile(_Strict):
    adhoc: AdhocDefaults = AdhocDefaults()
    types: list[ReportType] = []

    @model_validator(mode="after")
    def _unique_codes(self) -> "ReportTypesFile":
        codes = [report.code for report in self.types]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                raise _FieldError(("types", index, "code"), f"duplicate report type code {code!r}")
        return self

    def get(self, code: str) -> ReportType | None:
        return next((report for report in self.types if report.code == code), None)


class _FieldError(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc



def load_report_types(path: Path) -> ReportTypesFile:
    """The file's report types; ReportTypesError naming the first problem's line."""
    problems, parsed = _read(path)
    if parsed is None:
        raise ReportTypesError(problems[0])
    return parsed


def check_report_types_file(path: Path) -> list[str]:
    """Every problem in a report-types file, each as "file:line: where: what"; [] when it is good."""
    return _read(path)[0]


def _read(path: Path) -> tuple[list[str], ReportTypesFile | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return [f"{path}: cannot read ({error.strerror})"], None
    return parse_report_types(text, source=str(path))


def parse_report_types(text: str, source: str = "reports") -> tuple[list[str], ReportTypesFile | None]:
    try:
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        return [f"{source}{line}: not valid YAML ({getattr(error, 'problem', error)})"], None
    if not isinstance(data, dict):
        return [f"{source}:1: the file must be a mapping with 'types' (and optionally 'adhoc')"], None
    try:
        return [], ReportTypesFile.model_validate(data)
    except ValidationError as error:
        return [_describe(detail, tree, source) for detail in error.errors()], None


def _describe(detail: Any, tree: yaml.Node | None, source: str) -> str:
    loc, message = tuple(detail["loc"]), detail["msg"]
    cause = detail.get("ctx", {}).get("error")
    if isinstance(cause, _FieldError):
        loc, message = loc + cause.loc, str(cause)
    loc = tuple(step for step in loc if not (isinstance(step, str) and step.startswith(("function-", "tagged-"))))
    message = message.removeprefix("Value error, ")
    return f"{source}:{line_of(tree, loc)}: {dotted_path(loc)}: {message}"
