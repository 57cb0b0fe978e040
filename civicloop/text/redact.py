"""Offline PII redaction for free-text feedback.

`redact(text)` replaces e-mail addresses, phone numbers, IBANs, national ID numbers, payment
card numbers and person names with `[EMAIL]`, `[PHONE]`, `[IBAN]`, `[ID]`, `[CARD]` and
`[NAME]`, and returns the redacted text with counts per type. Identifiers with a check digit
(IBAN, card, DNI/NIE, NIF, PESEL, CPR) are redacted only when the check passes (python-stdnum),
which keeps order numbers and amounts readable. Phone numbers are checked against the numbering
plans of `phonenumbers` (libphonenumber): a number written with its country code must be a
possible number of that country; a national number must be a valid number of a region the
comment's language is written in (`REGIONS`), or a possible one when a phone cue ("call",
"móvil", ...) stands closer before it than a reference cue ("expediente", "case", "order",
...). A digit run that a reference cue introduces is a case or file number, not a phone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import phonenumbers

from civicloop.text import checksums

PII_TYPES = ("EMAIL", "PHONE", "ID", "IBAN", "CARD", "NAME")


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class RedactionResult:
    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Lower number wins an overlap; a phone number written with an international prefix beats the
# ID reading of its digits, a bare 9-11 digit number that passes an ID check is an ID.
_PRIORITY = {"EMAIL": 0, "IBAN": 1, "PHONE_INTL": 2, "CARD": 3, "ID": 4, "PHONE": 5, "NAME": 6}

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b"
)
_IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_CARD_RE = re.compile(
    r"(?<![\w+])(?:\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})"
    r"(?![\w])"
)
_DNI_RE = re.compile(r"(?<![\w+])\d{2}\.?\d{3}\.?\d{3}[ -]?[A-Za-z](?![\w])")
_NIE_RE = re.compile(r"(?<![\w+])[XYZxyz][ -]?\d{7}[ -]?[A-Za-z](?![\w])")
_DIGITS9_RE = re.compile(r"(?<![\w+.,])\d{9}(?![\w]|[.,]\d)")
_NIF_CUED_RE = re.compile(
    r"(?i:\b(?:nif|contribuinte|n\.?\s?º?\s?fiscal)\b)[\s:.ºn]{0,6}(?:PT)?(\d{3}[ ]?\d{3}[ ]?\d{3})"
    r"(?![\w])"
)
_PESEL_RE = re.compile(r"(?<![\w+.,])\d{11}(?![\w]|[.,]\d)")
_CPR_RE = re.compile(r"(?<![\w+.,])\d{6}-?\d{4}(?![\w]|[.,]\d)")
_PHONE_RE = re.compile(
    r"(?<![\w+/-])(?:(?P<intl>(?:\+|00)\d{1,3})[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}"
    r"(?:[ .-]\d{1,6}){0,5}(?![\w])"
)
_DATE_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_AMOUNT_RE = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_DIGIT_RE = re.compile(r"\d")

_PHONE_CUE_RE = re.compile(
    r"(?i:tel[eé]?f?\.?|tlf|phone|mobile|m[oó]vil|cell|call|ring|ll[aá]m\w*|whats\s?app|n[uú]mero"
    r"|number|contact\w*|telefone|telemóvel|telefon\w*|text|sms|reach|wh?ats)"
)
# A digit run right after one of these is a case, file, order or invoice number.
_REFERENCE_CUE_RE = re.compile(
    r"(?i:\b(?:expedientes?|exp|expte|ref|refs|referencias?|reference|case|file|folio|order"
    r"|pedido|factura|invoice|ticket|incidencia|incident|solicitud|application|registro"
    r"|registration|claim|reclamaci[oó]n|boletín|boletin|account|cuenta|lote|batch)\b)"
)
# Regions whose national numbering plans a comment's digits are read in, by language.
REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("GB", "US", "IE"),
    "es": ("ES",),
    "pt": ("PT",),
    "da": ("DK",),
    "pl": ("PL",),
}
DEFAULT_REGIONS = ("ES", "GB", "US", "PT", "DK", "PL")
_ID_CUE_RE = re.compile(
    r"(?i:\b(?:dni|nie|nif|pesel|cpr|id|contribuinte|identi\w+|documento|passport|pasaporte)\b)"
)


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def _key(word: str) -> str:
    return _strip_accents(word.replace("’", "'")).lower()


def _load_list(name: str, *, keep_accents: bool = False) -> frozenset[str]:
    text = resources.files("civicloop.text").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    keyed = {_key(line) for line in lines}
    return frozenset(keyed | {line.lower() for line in lines} if keep_accents else keyed)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English and Spanish function words, lower case, with and without accents."""
    return _load_list("stopwords_en.txt", keep_accents=True) | _load_list(
        "stopwords_es.txt", keep_accents=True
    )


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    ambiguous = _load_list("ambiguous_names.txt")
    given = _load_list("given_names.txt") - ambiguous
    surnames = _load_list("surnames.txt") - ambiguous
    return given, surnames, ambiguous


_UPPER = "A-ZÁÉÍÓÚÑÜÇÀÈÌÒÙÂÊÎÔÛÄËÏÖŁŚŻŹĆŃÆØÅ"
_LOWER = "a-záéíóúñüçàèìòùâêîôûäëïöłśżźćńæøå"
_CAP = rf"(?:Mc[{_UPPER}][{_LOWER}]+|[{_UPPER}][{_LOWER}]+(?:['’-][{_UPPER}{_LOWER}][{_LOWER}]+)?)"
_CONNECTOR = r"(?:de la|de las|de los|del|de|van der|van|von|da|das|dos|do|di)"
_CHAIN_RE = re.compile(rf"{_CAP}(?:[ ]+(?:{_CONNECTOR}[ ]+)?{_CAP})*")
_TOKEN_RE = re.compile(rf"{_CAP}|{_CONNECTOR}\b")
_STRONG_CUE_RE = re.compile(
    r"(?i:\b(?:my name is|my name's|i am called|i'm called|me llamo|mi nombre es|me llaman"
    r"|name:|nombre:|firmado:?|signed:?|regards,|saludos,|atentamente,)\s+)"
)
_WEAK_CUE_RE = re.compile(
    r"(?i:\b(?:i am|i'm|this is|soy|habla|le habla|talked to|spoke to|spoke with|hablé con"
    r"|hable con|atendido por|served by|helped by|me atendió|ask for|pregunte por)\s+)"
)
_TITLE_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Dra|Prof|Sr|Sra|Srta|Sres|Dña|Dª|Don|Doña|Mister|Señor|Señora"
    r"|Señorita|señor|señora|señorita)\.?[ ]+"
)
_LOWER_WORD_RE = re.compile(rf"[{_LOWER}]+")
_MAX_NAME_TOKENS = 5


def _name_tokens(chain: str, offset: int) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in _TOKEN_RE.finditer(chain)]


def _classify(token: str) -> str:
    given, surnames, ambiguous = _gazetteer()
    if token[0].islower():
        return "C"
    k = _key(token)
    if k in ambiguous:
        return "A"
    if k in given:
        return "G"
    if k in surnames:
        return "S"
    if k in stopwords():
        return "X"
    return "U"


def _gazetteer_names(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for chain in _CHAIN_RE.finditer(text):
        tokens = _name_tokens(chain.group(), chain.start())
        kinds = [_classify(t[2]) for t in tokens]
        i = 0
        while i < len(tokens):
            if kinds[i] not in ("G", "S"):
                i += 1
                continue
            start = i
            while start > 0 and kinds[start - 1] in ("A", "G", "S"):
                start -= 1
            # An unknown first name before a known surname ("Maialen Ruiz").
            if kinds[start] == "S" and start > 0 and kinds[start - 1] == "U":
                start -= 1
            end = i
            unknown_allowed = 2 if kinds[i] == "G" else 0
            j = i + 1
            while j < len(tokens) and end - start + 1 < _MAX_NAME_TOKENS:
                kind = kinds[j]
                if kind in ("G", "S", "A"):
                    end = j
                elif kind == "U" and unknown_allowed > 0:
                    end = j
                    unknown_allowed -= 1
                elif kind == "C" and j + 1 < len(tokens) and kinds[j + 1] != "C":
                    j += 1
                    continue
                else:
                    break
                j += 1
            spans.append((tokens[start][0], tokens[end][1]))
            i = end + 1
        # Two ambiguous words side by side ("Rosa Vega") read as a full name.
        for a in range(len(tokens) - 1):
            if kinds[a] == "A" and kinds[a + 1] == "A":
                spans.append((tokens[a][0], tokens[a + 1][1]))
    return spans


def _cued_names(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    given, surnames, ambiguous = _gazetteer()
    known = given | surnames | ambiguous
    for cue_re, strong in ((_STRONG_CUE_RE, True), (_WEAK_CUE_RE, False), (_TITLE_RE, True)):
        for cue in cue_re.finditer(text):
            pos = cue.end()
            chain = _CHAIN_RE.match(text, pos)
            if chain:
                tokens = _name_tokens(chain.group(), chain.start())[:_MAX_NAME_TOKENS]
                kinds = [_classify(t[2]) for t in tokens]
                if not strong and not {"G", "S", "A"} & set(kinds):
                    continue
                if "X" in kinds:
                    tokens = tokens[: kinds.index("X")]
                while tokens and _classify(tokens[-1][2]) == "C":
                    tokens.pop()
                if tokens:
                    spans.append((tokens[0][0], tokens[-1][1]))
            elif strong and cue_re is not _TITLE_RE:
                # "me llamo juan garcía": lower-case names after an unambiguous cue.
                end = pos
                for word in _LOWER_WORD_RE.finditer(text, pos):
                    if word.start() != end and text[end : word.start()].strip() != "":
                        break
                    if _key(word.group()) not in known:
                        break
                    end = word.end()
                if end > pos:
                    spans.append((pos, end))
    return spans


def _regions(language: str | None) -> tuple[str, ...]:
    base = (language or "").lower().replace("_", "-").split("-")[0]
    return REGIONS.get(base, DEFAULT_REGIONS)


def _is_phone(value: str, regions: tuple[str, ...], *, cued: bool) -> bool:
    """A valid number of one of `regions`; when cued, a possible one (right length) of any
    region the service meets, since people also give foreign numbers without the prefix."""
    for region in dict.fromkeys(regions + DEFAULT_REGIONS if cued else regions):
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        # The length check is cheap; the range check walks the region's number patterns.
        if cued and phonenumbers.is_possible_number(number):
            return True
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _last_cue_end(pattern: re.Pattern[str], text: str, start: int, window: int = 60) -> int:
    ends = [m.end() for m in pattern.finditer(text, max(0, start - window), start)]
    return ends[-1] if ends else -1


def _phone_candidates(text: str, language: str | None = None) -> list[tuple[int, int, str]]:
    found = []
    regions = _regions(language)
    for m in _PHONE_RE.finditer(text):
        value = m.group()
        n_digits = len(_DIGIT_RE.findall(value))
        if not 8 <= n_digits <= 15:
            continue
        if m.group("intl"):
            international = "+" + value[2:] if value.startswith("00") else value
            if _is_phone(international, ("ZZ",), cued=True):
                found.append((m.start(), m.end(), "PHONE_INTL"))
            continue
        if _DATE_RE.fullmatch(value) or _AMOUNT_RE.fullmatch(value):
            continue
        phone_cue = _last_cue_end(_PHONE_CUE_RE, text, m.start())
        reference_cue = _last_cue_end(_REFERENCE_CUE_RE, text, m.start())
        if reference_cue > phone_cue:
            continue
        if _is_phone(value, regions, cued=phone_cue >= 0):
            found.append((m.start(), m.end(), "PHONE"))
    return found


def _near(pattern: re.Pattern[str], text: str, start: int, window: int = 30) -> bool:
    return pattern.search(text, max(0, start - window), start) is not None


def _id_candidates(text: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _DNI_RE.finditer(text):
        if checksums.dni_valid(m.group()):
            found.append((m.start(), m.end(), "ID"))
    for m in _NIE_RE.finditer(text):
        if checksums.nie_valid(m.group()):
            found.append((m.start(), m.end(), "ID"))
    for m in _NIF_CUED_RE.finditer(text):
        if checksums.nif_pt_valid(m.group(1)):
            found.append((m.start(1), m.end(1), "ID"))
    bare = [
        (_DIGITS9_RE, checksums.nif_pt_valid),
        (_PESEL_RE, checksums.pesel_valid),
        (_CPR_RE, checksums.cpr_valid),
    ]
    for pattern, valid in bare:
        for m in pattern.finditer(text):
            if not valid(m.group()):
                continue
            # A bare digit run that a phone cue introduces is read as the phone number.
            if _near(_PHONE_CUE_RE, text, m.start()) and not _near(_ID_CUE_RE, text, m.start()):
                continue
            found.append((m.start(), m.end(), "ID"))
    return found


def _iban_candidates(text: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _IBAN_START_RE.finditer(text):
        length = checksums.iban_lengths().get(m.group()[:2].upper())
        if length is None:
            continue
        pos, count, end = m.start(), 0, None
        while pos < len(text) and count < length:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                count += 1
            elif ch != " " or (pos + 1 < len(text) and text[pos + 1] == " "):
                break
            pos += 1
        if count == length:
            end = pos
        if end is None or (end < len(text) and text[end].isalnum()):
            continue
        if checksums.iban_valid(text[m.start() : end]):
            found.append((m.start(), end, "IBAN"))
    return found


def _card_candidates(text: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), "CARD")
        for m in _CARD_RE.finditer(text)
        if m.group()[0] in "23456" and checksums.luhn_valid(m.group())
    ]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find_pii(text: str, language: str | None = None) -> list[PiiSpan]:
    """Non-overlapping PII spans in `text`, sorted by position (offsets only, no content).

    `language` picks the regions whose national phone numbering plans apply (`REGIONS`);
    unknown or None reads national numbers in every region of `DEFAULT_REGIONS`.
    """
    candidates: list[tuple[int, int, str]] = []
    if "@" in text:
        candidates += [(m.start(), m.end(), "EMAIL") for m in _EMAIL_RE.finditer(text)]
    if _DIGIT_RE.search(text):
        candidates += _iban_candidates(text)
        candidates += _card_candidates(text)
        candidates += _id_candidates(text)
        candidates += _phone_candidates(text, language)
    candidates += [(s, e, "NAME") for s, e in _merge(_gazetteer_names(text) + _cued_names(text))]
    candidates.sort(key=lambda c: (_PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    accepted: list[tuple[int, int, str]] = []
    for start, end, kind in candidates:
        if all(end <= a_start or start >= a_end for a_start, a_end, _ in accepted):
            accepted.append((start, end, kind))
    accepted.sort()
    return [PiiSpan(s, e, "PHONE" if k == "PHONE_INTL" else k) for s, e, k in accepted]


def redact(text: str, language: str | None = None) -> RedactionResult:
    """Replace PII in `text` by placeholders; counts per type, never the originals."""
    counts = dict.fromkeys(PII_TYPES, 0)
    if not text:
        return RedactionResult(text=text or "", counts=counts)
    parts: list[str] = []
    last = 0
    for span in find_pii(text, language):
        parts.append(text[last : span.start])
        parts.append(f"[{span.type}]")
        counts[span.type] += 1
        last = span.end
    parts.append(text[last:])
    return RedactionResult(text="".join(parts), counts=counts)
