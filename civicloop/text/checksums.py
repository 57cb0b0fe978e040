"""Check-digit validators for the identifiers that `redact` looks for, on python-stdnum.

Every function takes the candidate string as written (spaces, dots and hyphens allowed) and
returns True only when the format and the check digit (or date) are valid. The checks are
python-stdnum's (`stdnum.iban`, `stdnum.luhn`, `stdnum.es.dni`, `stdnum.es.nie`,
`stdnum.pt.nif`, `stdnum.pl.pesel`, `stdnum.dk.cpr`); what is added here is what a redactor
needs on top: the card length range, the Portuguese NIF prefixes that are never issued, and
CPR's optional modulus 11.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import iban, luhn, numdb
from stdnum.dk import cpr
from stdnum.es import dni, nie
from stdnum.pl import pesel
from stdnum.pt import nif

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"  # Spanish Ministry of the Interior table, index = n % 23

_SEPARATORS = re.compile(r"[\s.\-]")
_BBAN_PART = re.compile(r"(\d+)!")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


@lru_cache(maxsize=1)
def iban_lengths() -> dict[str, int]:
    """IBAN length per country code, from the SWIFT registry that python-stdnum ships."""
    lengths: dict[str, int] = {}
    for _, low, _high, props, _children in numdb.get("iban").prefixes:
        structure = props.get("bban")
        if structure and len(low) == 2:
            lengths[low] = 4 + sum(int(n) for n in _BBAN_PART.findall(structure))
    return lengths


def iban_valid(value: str) -> bool:
    """ISO 13616: registered country, its BBAN structure (length, digits, letters), mod 97-10.

    stdnum's national checks are left off: the Belgian one also asks that the bank code be in
    stdnum's bank list, and a list that lags a new bank would let a real account go unredacted.
    """
    return iban.is_valid(_compact(value), check_country=False)


def luhn_valid(value: str) -> bool:
    """Luhn (ISO/IEC 7812-1) check over 13-19 digit payment card numbers."""
    digits = _compact(value)
    return digits.isdigit() and 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def dni_valid(value: str) -> bool:
    """Spanish DNI: 8 digits and the letter DNI_LETTERS[number % 23]."""
    s = _compact(value)
    return len(s) == 9 and s[:8].isdigit() and dni.is_valid(s)


def nie_valid(value: str) -> bool:
    """Spanish NIE: X/Y/Z (read as 0/1/2), 7 digits, DNI check letter."""
    s = _compact(value)
    return len(s) == 9 and s[0] in "XYZ" and nie.is_valid(s)


def nif_pt_valid(value: str) -> bool:
    """Portuguese NIF: 9 digits, mod 11 check; 0 and 4 (but 45) are prefixes never issued."""
    s = _compact(value)
    if s[:1] == "4" and not s.startswith("45"):
        return False
    return nif.is_valid(s)


def pesel_valid(value: str) -> bool:
    """Polish PESEL: 11 digits, weighted check digit and an encoded date of birth that exists."""
    return pesel.is_valid(_compact(value))


def cpr_valid(value: str, *, modulus11: bool = False) -> bool:
    """Danish CPR DDMMYY-SSSS: a birth date that exists (modulus 11 only when asked).

    Since 2007 the CPR Office issues numbers that do not satisfy modulus 11, so the default
    accepts any number whose date is valid and not in the future.
    """
    s = _compact(value)
    if not cpr.is_valid(s):
        return False
    return not modulus11 or cpr.checksum(s) == 0
