"""CHI numbers: 10 digits, a DDMMYY date, and a modulus 11 or modulus 10 (Luhn) check."""

import pytest

from careplan.people.chi import chi_problem, luhn_ok, modulus11_ok


# 120488123: weights 10..2 give 1*10+2*9+0+4*7+8*6+8*5+1*4+2*3+3*2 = 160; 160 % 11 = 6;
# 11 - 6 = 5, so 1204881235 is valid by modulus 11.
@pytest.mark.parametrize("chi", ["1204881235", "3009754566", "2201957819", "0503912344"])
def test_modulus_11_numbers_are_valid(chi):
    assert modulus11_ok(chi)
    assert chi_problem(chi) is None


def test_modulus_11_digit_10_is_never_valid():
    # A stem whose modulus 11 check would be 10 has no valid modulus 11 digit at all.
    stems = [f"010190{n:03d}" for n in range(1000)]
    stem = next(
        s
        for s in stems
        if (11 - sum(int(d) * w for d, w in zip(s, range(10, 1, -1), strict=True)) % 11) == 10
    )
    for last in "0123456789":
        assert not modulus11_ok(stem + last)


def test_luhn_numbers_are_valid_from_2026():
    # 120488123 with its Luhn check digit (7) fails modulus 11 (whose digit is 5).
    chi = "1204881237"
    assert luhn_ok(chi)
    assert not modulus11_ok(chi)
    assert chi_problem(chi) is None


def test_modulus_11_number_that_fails_luhn_is_still_valid():
    assert not luhn_ok("1204881235")
    assert chi_problem("1204881235") is None


@pytest.mark.parametrize(
    ("chi", "problem"),
    [
        ("123", "must be 10 digits"),
        ("12048812356", "must be 10 digits"),
        ("12O4881235", "must be 10 digits"),
        (
            "\uff11\uff12\uff10\uff14\uff18\uff18\uff11\uff12\uff13\uff15",
            "must be 10 digits",
        ),  # full-width
        ("3202881235", "date of birth"),
        ("2902011234", "date of birth"),  # 29 Feb 1901 and 2001 never existed
        ("1204881236", "check digit"),
    ],
)
def test_invalid_numbers_say_why(chi, problem):
    assert problem in chi_problem(chi)


def test_spaces_are_ignored():
    assert chi_problem("120488 1235") is None
    assert chi_problem(" 1204 881 235 ") is None


def test_leap_day_valid_when_it_exists_in_either_century():
    # 29 Feb 2000 exists: 290200 + stem checked by Luhn or mod 11.
    stem = "290200123"
    digit = next(d for d in "0123456789" if modulus11_ok(stem + d) or luhn_ok(stem + d))
    assert chi_problem(stem + digit) is None
