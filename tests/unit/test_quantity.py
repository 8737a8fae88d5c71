"""parse_quantity: Vietnamese separators, multipliers and refusals."""

from decimal import Decimal

import pytest

from bot.text.quantity import QuantityError, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", "1234"),
        ("  42 ", "42"),
        ("0", "0"),
        ("1.234", "1234"),  # dot groups thousands
        ("1.234.567", "1234567"),
        ("1,234", "1234"),  # comma + exactly three digits groups thousands too
        ("1,234,567", "1234567"),
        ("1 234", "1234"),
        ("1 234 567", "1234567"),
        ("1\u00a0234", "1234"),  # no-break space
        ("1,5", "1.5"),  # decimal comma
        ("1.5", "1.5"),  # a dot not followed by three digits is a decimal point
        ("0,250", "0.25"),  # 0 cannot open a thousands group
        ("1234,567", "1234.567"),  # four digits cannot open a thousands group either
        ("1,2345", "1.2345"),
        ("1.234,5", "1234.5"),  # both: the last one is the decimal mark
        ("1,234.5", "1234.5"),
        ("1 234,5", "1234.5"),
        ("1,5 nghìn", "1500"),
        ("1,5 ngàn", "1500"),
        ("1,5 nghin", "1500"),
        ("1.5k", "1500"),
        ("0,5 k", "500"),
        ("3K", "3000"),
        ("5 trăm", "500"),
        ("2 triệu", "2000000"),
        ("2 trieu", "2000000"),
        ("2tr", "2000000"),
        ("1,5tr", "1500000"),
        ("3 tỷ", "3000000000"),
        ("3 tỉ", "3000000000"),
        ("1000 tỷ", "1000000000000"),  # exactly the limit
        ("45%", "45"),
        ("45 %", "45"),
        ("12,5%", "12.5"),
        ("-0", "0"),
    ],
)
def test_reads_real_numbers(text: str, expected: str) -> None:
    assert parse_quantity(text, integer=False) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234", 1234), ("1,5 nghìn", 1500), ("1.5k", 1500), ("2tr", 2_000_000), ("45%", 45), ("1,0", 1)],
)
def test_whole_numbers_come_back_without_a_fraction(text: str, expected: int) -> None:
    value = parse_quantity(text, integer=True)
    assert value == expected
    assert value.as_tuple().exponent == 0


@pytest.mark.parametrize(
    ("text", "integer", "reason"),
    [
        ("", False, "not_a_number"),
        ("   ", False, "not_a_number"),
        ("abc", False, "not_a_number"),
        ("mười", False, "not_a_number"),
        ("khoảng 50", False, "not_a_number"),
        ("50 máy", False, "not_a_number"),
        ("1.2.3", False, "not_a_number"),
        ("1,2,3", False, "not_a_number"),
        ("1 23", False, "not_a_number"),
        ("1e5", False, "not_a_number"),
        ("1.234,5,6", False, "not_a_number"),
        ("1,23.456,7", False, "not_a_number"),
        (".5", False, "not_a_number"),
        ("5.", False, "not_a_number"),
        ("5 6", False, "not_a_number"),
        ("k", False, "not_a_number"),
        ("%", False, "not_a_number"),
        ("-5", False, "negative"),
        ("- 5", True, "negative"),
        ("−5", False, "negative"),  # Unicode minus
        ("âm 3", False, "negative"),
        ("-1,5 nghìn", True, "negative"),
        ("1,5", True, "not_integer"),
        ("1,2345 k", True, "not_integer"),
        ("12,5%", True, "not_integer"),
        ("1.000.000.000.001", False, "too_large"),
        ("10000000000000", True, "too_large"),
        ("1001 tỷ", False, "too_large"),
        ("2000000 triệu", False, "too_large"),
    ],
)
def test_refuses_what_cannot_be_used(text: str, integer: bool, reason: str) -> None:
    with pytest.raises(QuantityError) as error:
        parse_quantity(text, integer=integer)
    assert error.value.reason == reason


def test_quantity_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not_a_number"):
        parse_quantity("x", integer=True)
