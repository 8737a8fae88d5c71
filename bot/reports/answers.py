"""Reading one answer to one report field: numbers the Vietnamese way, choices, text.

Numbers go through bot.text.quantity.parse_quantity ("1.234", "1,234",
"1234", "1,5 nghìn"); a negative, absurd (above the field's max) or
non-numeric answer comes back as an AnswerProblem with the reason, so the
form can ask again.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rapidfuzz import fuzz, process

from bot.reports.types import FieldSpec
from bot.text.fold import fold
from bot.text.quantity import QuantityError, parse_quantity

TEXT_LIMIT = 1000
CHOICE_SCORE = 80
SKIP_WORDS = {"bo qua", "skip", "-", "khong co", "khong", "none"}

ProblemReason = Literal[
    "not_a_number", "negative", "not_integer", "too_large", "above_max", "not_a_choice", "empty", "too_long"
]
Value = int | float | str


@dataclass(frozen=True)
class AnswerProblem:
    reason: ProblemReason
    limit: Decimal | None = None


@dataclass(frozen=True)
class Skipped:
    """An optional field left empty on purpose."""


def read_answer(field: FieldSpec, text: str) -> Value | Skipped | AnswerProblem:
    text = text.strip()
    if not field.required and fold(text) in SKIP_WORDS:
        return Skipped()
    if not text:
        return AnswerProblem("empty")
    if field.numeric:
        return _number(field, text)
    if field.kind == "choice":
        return _choice(field, text)
    if len(text) > TEXT_LIMIT:
        return AnswerProblem("too_long", Decimal(TEXT_LIMIT))
    return text


def _number(field: FieldSpec, text: str) -> Value | AnswerProblem:
    try:
        value = parse_quantity(text, integer=field.kind == "integer")
    except QuantityError as error:
        return AnswerProblem(error.reason)
    if field.limit is not None and value > field.limit:
        return AnswerProblem("above_max", field.limit)
    return stored_number(value)


def stored_number(value: Decimal) -> int | float:
    """Whole numbers as int, fractions (percents) as float rounded to 2 places."""
    return int(value) if value == value.to_integral_value() else round(float(value), 2)


def _choice(field: FieldSpec, text: str) -> str | AnswerProblem:
    if text.isdigit() and 1 <= int(text) <= len(field.choices):
        return field.choices[int(text) - 1].code
    names: dict[str, str] = {}
    for choice in field.choices:
        for name in (choice.code, choice.label, choice.label_en):
            if name:
                names[fold(name)] = choice.code
    typed = fold(text)
    if typed in names:
        return names[typed]
    best = process.extractOne(typed, list(names), scorer=fuzz.WRatio, score_cutoff=CHOICE_SCORE)
    return names[best[0]] if best else AnswerProblem("not_a_choice")
