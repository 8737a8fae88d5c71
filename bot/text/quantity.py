"""Read numbers the way Vietnamese officials type them: "1.234", "1,5", "2tr", "45%".

Rules
- Dot and comma both appear as thousands separators and as decimal marks.
  A separator followed by groups of exactly three digits, after a first group
  of 1–3 digits not starting with 0, groups thousands: "1.234" = 1234,
  "1,234" = 1234, "1.234.567" = 1234567. Otherwise a single separator is the
  decimal mark: "1,5" = 1.5, "1.5" = 1.5, "0,250" = 0.25, "1234,5" = 1234.5.
- When both appear, the last one is the decimal mark: "1.234,5" = 1234.5,
  "1,234.5" = 1234.5.
- Spaces may group thousands: "1 234 567" (groups of three only).
- A multiplier may follow, with or without a space or diacritics:
  k / nghìn / ngàn = 1 000, trăm = 100, tr / triệu = 1 000 000,
  tỷ / tỉ = 1 000 000 000. "1,5 nghìn" = 1500, "1.5k" = 1500, "2tr" = 2 000 000.
- A trailing "%" is dropped, for percent fields: "45%" = 45.
- Errors, in the order they are checked: not_a_number (anything else,
  including empty text), negative (a leading minus or "âm"), too_large (above
  10^12), not_integer (a fraction where a whole number is needed; checked
  after the multiplier, so "1,5k" is a whole 1500).
"""

import re
from decimal import Decimal
from typing import Literal

from bot.text.fold import fold

LIMIT = Decimal(10) ** 12

QuantityReason = Literal["not_a_number", "negative", "not_integer", "too_large"]

_MULTIPLIERS = {
    "k": 1000, "nghin": 1000, "ngan": 1000, "tram": 100,
    "tr": 1_000_000, "trieu": 1_000_000, "ty": 1_000_000_000, "ti": 1_000_000_000, "%": 1,
}
_SHAPE = re.compile(
    r"(?P<minus>-|−|am\s*)?\s*"
    r"(?P<number>\d{1,3}(?: \d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*)"
    r"\s*(?P<unit>" + "|".join(sorted(_MULTIPLIERS, key=len, reverse=True)) + r")?"
)


class QuantityError(ValueError):
    def __init__(self, reason: QuantityReason) -> None:
        super().__init__(reason)
        self.reason = reason


def _groups_thousands(digits: str, separator: str) -> bool:
    head, *groups = digits.split(separator)
    return bool(groups) and 1 <= len(head) <= 3 and head[0] != "0" and all(len(g) == 3 for g in groups)


def _number(written: str) -> Decimal | None:
    """The value of digits with Vietnamese or English separators, or None."""
    digits = written.replace(" ", "")
    marks = [mark for mark in ".," if mark in digits]
    if len(marks) == 2:
        decimal_mark = max(marks, key=digits.rfind)
        group_mark = "," if decimal_mark == "." else "."
        whole, _, fraction = digits.rpartition(decimal_mark)
        if decimal_mark in whole or not _groups_thousands(whole, group_mark):
            return None
        return Decimal(whole.replace(group_mark, "") + "." + fraction)
    if not marks:
        return Decimal(digits)
    mark = marks[0]
    if _groups_thousands(digits, mark):
        return Decimal(digits.replace(mark, ""))
    if digits.count(mark) == 1:
        return Decimal(digits.replace(mark, "."))
    return None


def parse_quantity(text: str, *, integer: bool) -> Decimal:
    """Read a quantity; raise QuantityError(reason) when it cannot be used."""
    shape = _SHAPE.fullmatch(fold(text))
    value = shape and _number(shape["number"])
    if value is None:
        raise QuantityError("not_a_number")
    value *= _MULTIPLIERS[shape["unit"]] if shape["unit"] else 1
    if shape["minus"] and value != 0:
        raise QuantityError("negative")
    if value > LIMIT:
        raise QuantityError("too_large")
    whole = value.to_integral_value()
    if value == whole:
        return whole
    if integer:
        raise QuantityError("not_integer")
    return value
