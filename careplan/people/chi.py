"""CHI number checks: 10 digits, a date of birth DDMMYY, and a valid check digit.

The check digit is valid by modulus 11 (the long-standing rule) or by modulus 10 (Luhn),
which Public Health Scotland's checker accepts for CHI numbers issued from 2026.
"""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError

NOT_TEN_DIGITS = "CHI number must be 10 digits"
NOT_A_DATE = "The first six digits of a CHI number must be a date of birth (DDMMYY)"
BAD_CHECK_DIGIT = "CHI number check digit is wrong"
CHI_NOT_BIRTH = (
    "The first six digits of a CHI number are the date of birth (DDMMYY). Check the CHI "
    "number and the date of birth."
)


def normalise_chi(value: str) -> str:
    return value.replace(" ", "")


def _is_date(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def modulus11_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return False
    return (0 if check == 11 else check) == int(digits[9])


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def chi_born_on(value: str, born: date) -> bool:
    """Whether a (valid) CHI number's first six digits are `born` as DDMMYY."""
    return normalise_chi(value)[:6] == born.strftime("%d%m%y")


def chi_problem(value: str) -> str | None:
    """None when `value` is a valid CHI number, else a plain-English problem."""
    digits = normalise_chi(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return NOT_TEN_DIGITS
    if not _is_date(digits[:6]):
        return NOT_A_DATE
    if not (modulus11_ok(digits) or luhn_ok(digits)):
        return BAD_CHECK_DIGIT
    return None


def validate_chi(value: str) -> None:
    problem = chi_problem(value)
    if problem:
        raise ValidationError(problem)
