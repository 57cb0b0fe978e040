"""Numbers written for people, in the active language: "7.0" in English, "7,0" in Spanish.

Every number code writes into a sentence, a table cell or a label goes through here (pages
use the Jinja filters `number` and `percent` of `web/jinja.py`, which do the same). An f-string
with ``:.1f`` writes an English decimal point whatever the reader's language.
`web/tests/test_numbers_in_spanish.py` reads the pages and texts that use these in Spanish.
"""

from __future__ import annotations

import math
import re

from django.utils import formats
from django.utils.translation import gettext as _

MINUS = "\u2212"
_PLAIN = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<int>\d+)(?:\.(?P<frac>\d+))?(?:e(?P<exp>[+-]?\d+))?$"
)


def number(value: float | int, places: int = 0) -> str:
    """``value`` to ``places`` decimals, grouped: "1,234.5" (en), "1 234,5" (es)."""
    return formats.number_format(round(value, places), places, use_l10n=True, force_grouping=True)


def signed(value: float, places: int) -> str:
    """A number with its sign: "+7.0", "−3.2" (a true minus sign), "0.0"."""
    text = number(abs(value), places)
    if round(value, places) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def significant(value: float, digits: int = 3, *, sign: bool = False) -> str:
    """``value`` to ``digits`` significant digits, as ``:.3g`` would, in the active language."""
    if not math.isfinite(value):
        return str(value)
    text = f"{abs(value):.{digits}g}"
    if "e" in text and abs(value) >= 1:  # 1.23e+06: the rounded whole number, 1,230,000
        body = number(float(text), 0)
    elif "e" in text:  # a tiny value: its power of ten, written out
        mantissa, exponent = f"{abs(value):.{digits - 1}e}".split("e")
        body = f"{number(float(mantissa), digits - 1)}×10^{int(exponent)}"
    else:
        places = len(text.partition(".")[2])
        body = number(float(text), places)
    if value < 0 and float(text) != 0:
        return MINUS + body
    return ("+" + body) if sign and value > 0 else body


def per_cent(value: float, places: int = 1) -> str:
    """A value already in per cent (12.34) as "12.3%" (en) or "12,3 %" (es)."""
    return _("%(value)s%%") % {"value": number(value, places)}


def localized(text: str) -> str:
    """A number an English sentence stored ("0.0031", "-2.5") in the active language.

    Text that is not a plain decimal number is returned as it is.
    """
    match = _PLAIN.match(text.strip())
    if not match:
        return text
    sign = match.group("sign").replace("-", MINUS)
    if match.group("exp"):  # "3.1e-05", as `:.2g` writes a small p-value: "3,1e-05" in Spanish
        mantissa = f"{match.group('int')}.{match.group('frac')}" if match.group("frac") else ""
        head = localized(mantissa) if mantissa else match.group("int")
        return f"{sign}{head}e{match.group('exp')}"
    places = len(match.group("frac") or "")
    value = float(f"{match.group('int')}.{match.group('frac') or '0'}")
    return sign + number(value, places)
