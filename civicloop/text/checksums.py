"""Check-digit validators for the identifiers that `redact` looks for.

Every function takes the candidate string as written (spaces, dots and hyphens allowed) and
returns True only when the format and the check digit (or date) are valid.
"""

from __future__ import annotations

import datetime as dt
import re

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"  # Spanish Ministry of the Interior table, index = n % 23

# ISO 13616 IBAN lengths (SWIFT IBAN registry) for the countries a European unit meets most.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23, "GL": 18, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-]")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def iban_valid(value: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10: known country, registry length, remainder 1."""
    iban = _compact(value)
    if len(iban) < 5 or not iban.isalnum() or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def luhn_valid(value: str) -> bool:
    """Luhn (ISO/IEC 7812-1) check over 13-19 digit payment card numbers."""
    digits = _compact(value)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def dni_valid(value: str) -> bool:
    """Spanish DNI: 8 digits and the letter DNI_LETTERS[number % 23]."""
    s = _compact(value)
    if len(s) != 9 or not s[:8].isdigit() or not s[8].isalpha():
        return False
    return DNI_LETTERS[int(s[:8]) % 23] == s[8]


def nie_valid(value: str) -> bool:
    """Spanish NIE: X/Y/Z (read as 0/1/2), 7 digits, DNI check letter."""
    s = _compact(value)
    if len(s) != 9 or s[0] not in "XYZ" or not s[1:8].isdigit() or not s[8].isalpha():
        return False
    number = int(str("XYZ".index(s[0])) + s[1:8])
    return DNI_LETTERS[number % 23] == s[8]


def nif_pt_valid(value: str) -> bool:
    """Portuguese NIF: 9 digits, weights 9..2, check = 11 - r (0 when r < 2), r = sum mod 11."""
    s = _compact(value)
    if len(s) != 9 or not s.isdigit() or (s[0] in "04" and not s.startswith("45")):
        return False
    remainder = sum(int(d) * w for d, w in zip(s[:8], range(9, 1, -1), strict=True)) % 11
    check = 0 if remainder < 2 else 11 - remainder
    return check == int(s[8])


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


def pesel_valid(value: str) -> bool:
    """Polish PESEL: 11 digits, weighted check digit and an encoded date of birth that exists."""
    s = _compact(value)
    if len(s) != 11 or not s.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(s[:10], _PESEL_WEIGHTS, strict=True))
    if (10 - total % 10) % 10 != int(s[10]):
        return False
    year, month, day = int(s[0:2]), int(s[2:4]), int(s[4:6])
    offset = (month // 20) * 20
    century = _PESEL_CENTURY.get(offset)
    if century is None:
        return False
    return _date_exists(century + year, month - offset, day)


def _cpr_century(year: int, seventh: int) -> int | None:
    # CPR Office table: the 7th digit and the two-digit year decide the century.
    if seventh in (0, 1, 2, 3):
        return 1900
    if seventh in (4, 9):
        return 2000 if year <= 36 else 1900
    if seventh in (5, 6, 7, 8):
        return 2000 if year <= 57 else 1800
    return None


def cpr_valid(value: str, *, modulus11: bool = False) -> bool:
    """Danish CPR DDMMYY-SSSS: a birth date that exists (modulus 11 only when asked).

    Since 2007 the CPR Office issues numbers that do not satisfy modulus 11, so the default
    accepts any number whose date is valid.
    """
    s = _compact(value)
    if len(s) != 10 or not s.isdigit():
        return False
    day, month, year = int(s[0:2]), int(s[2:4]), int(s[4:6])
    century = _cpr_century(year, int(s[6]))
    if century is None or not _date_exists(century + year, month, day):
        return False
    if modulus11:
        weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
        return sum(int(d) * w for d, w in zip(s, weights, strict=True)) % 11 == 0
    return True


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True
