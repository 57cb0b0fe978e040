"""Labelled synthetic feedback in English and Spanish, and redaction recall/precision on it.

`labelled_corpus(n, seed)` writes comments with personal data at known character offsets;
`measure_redaction(docs)` runs `find_pii` and scores it per type. Names are drawn from a list in
this module of which about 40% are absent from the redactor's gazetteer, so name recall is
measured on unseen names too. Identifiers are generated with valid check digits; decoys
(order numbers, dates, amounts, DNIs with a wrong letter) are unlabelled and count against
precision when redacted.

`synthetic_comments(n, seed)` writes unlabelled multilingual comments on a handful of service
topics for the themes and benchmark code.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.es import ccc

from civicloop.text import checksums
from civicloop.text.redact import PII_TYPES, find_pii

_BBAN_PART = re.compile(r"(\d+)!([nac])")


@dataclass(frozen=True)
class LabelledDoc:
    text: str
    language: str
    spans: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class TypeScore:
    gold: int
    redacted: int  # gold spans fully covered by any placeholder
    exact: int  # gold spans fully covered by placeholders of the right type
    predicted: int
    correct_predicted: int  # predicted spans overlapping a gold span of the same type

    @property
    def recall(self) -> float:
        return self.redacted / self.gold if self.gold else float("nan")

    @property
    def recall_exact(self) -> float:
        return self.exact / self.gold if self.gold else float("nan")

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else float("nan")


# Given names and surnames: those marked with * are not in the redactor's gazetteer.
_GIVEN = {
    "en": "James Mary Robert Linda Michael Sarah David Emily Thomas Olivia George Hannah "
    "*Zoe *Declan *Imogen *Rhys *Siobhan *Callum *Tobias *Phoebe *Fergus *Niamh".split(),
    "es": "María José Antonio Carmen Javier Lucía Alejandro Pilar Sergio Elena Raúl Nuria "
    "*Eustaquio *Yaiza *Iratxe *Aurelio *Begoña *Leandro *Araceli *Telmo *Maialen *Fermín".split(),
}
_SURNAMES = {
    "en": "Smith Johnson Taylor Evans Walker Wright Hughes Murphy Campbell Patel "
    "*Ashworth *Pemberton *Fairclough *Whitlock *Brennan *Kowalski *Okafor *Lindqvist".split(),
    "es": "García Fernández López Martínez Sánchez Pérez Gómez Ruiz Navarro Ortega "
    "*Echeverría *Urquiza *Villalobos *Zubiri *Figueroa *Ferreira *Oliveira *Nowak".split(),
}


def _clean(name: str) -> str:
    return name.lstrip("*")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _email(rng: random.Random, language: str) -> str:
    given = _clean(rng.choice(_GIVEN[language])).lower()
    surname = _clean(rng.choice(_SURNAMES[language])).lower()
    for a, b in zip("áéíóúñ", "aeioun", strict=True):
        given, surname = given.replace(a, b), surname.replace(a, b)
    local = rng.choice(
        [f"{given}.{surname}", f"{given}{rng.randint(1, 99)}", f"{given[0]}{surname}"]
    )
    domain = rng.choice(
        ["gmail.com", "hotmail.es", "yahoo.co.uk", "correo.gob.es", "example.org", "mail.dk"]
    )
    return f"{local}@{domain}"


def _phone(rng: random.Random) -> str:
    d = lambda n: _digits(rng, n)  # noqa: E731
    shapes = [
        lambda: f"+34 6{d(2)} {d(3)} {d(3)}",
        lambda: f"6{d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"9{d(8)}",
        lambda: f"+351 9{d(2)} {d(3)} {d(3)}",
        lambda: f"2{d(2)} {d(3)} {d(3)}",
        lambda: f"+48 5{d(2)} {d(3)} {d(3)}",
        lambda: f"5{d(2)}-{d(3)}-{d(3)}",
        lambda: f"+45 {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"{rng.randint(2, 9)}{d(1)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+44 20 {d(4)} {d(4)}",
        lambda: f"020 {d(4)} {d(4)}",
        lambda: f"07{d(3)} {d(6)}",
        lambda: f"+44 7{d(3)} {d(6)}",
        lambda: f"(0{rng.randint(1, 9)}{d(2)}) {d(3)} {d(4)}",
        lambda: f"({rng.randint(2, 9)}{d(2)}) {d(3)}-{d(4)}",
        lambda: f"{rng.randint(2, 9)}{d(2)}-{d(3)}-{d(4)}",
        lambda: f"+1 {rng.randint(2, 9)}{d(2)} {d(3)} {d(4)}",
        lambda: f"{rng.randint(2, 9)}{d(2)}.{d(3)}.{d(4)}",
        lambda: f"0034 6{d(8)}",
    ]
    return rng.choice(shapes)()


def _dni(rng: random.Random) -> str:
    number = rng.randint(0, 99_999_999)
    return f"{number:08d}{checksums.DNI_LETTERS[number % 23]}"


def _nie(rng: random.Random) -> str:
    prefix = rng.randint(0, 2)
    number = rng.randint(0, 9_999_999)
    letter = checksums.DNI_LETTERS[int(f"{prefix}{number:07d}") % 23]
    return f"{'XYZ'[prefix]}{number:07d}{letter}"


def _nif_pt(rng: random.Random) -> str:
    body = str(rng.choice([1, 2, 3, 5])) + _digits(rng, 7)
    remainder = sum(int(c) * w for c, w in zip(body, range(9, 1, -1), strict=True)) % 11
    return body + str(0 if remainder < 2 else 11 - remainder)


def _pesel(rng: random.Random) -> str:
    year = rng.randint(1930, 2015)
    month = rng.randint(1, 12) + (20 if year >= 2000 else 0)
    body = f"{year % 100:02d}{month:02d}{rng.randint(1, 28):02d}{_digits(rng, 4)}"
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + str((10 - total % 10) % 10)


def _cpr(rng: random.Random) -> str:
    year = rng.randint(0, 99)
    # 4 and 9 put years up to 36 in the 2000s; stay before 2026 (no one is born in the future).
    seventh = rng.choice([0, 1, 2, 3]) if year > 25 else rng.choice([4, 9])
    body = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{year:02d}"
    serial = f"{seventh}{_digits(rng, 3)}"
    return rng.choice([f"{body}-{serial}", f"{body}{serial}"])


_IBAN_COUNTRIES = ["ES", "PT", "PL", "DK", "GB", "DE", "RS", "AL", "BR", "SA"]
_BBAN_CHARS = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJ"}


def _iban(rng: random.Random) -> str:
    """A valid IBAN: the country's BBAN structure from the registry, national and IBAN checks."""
    country = rng.choice(_IBAN_COUNTRIES)
    structure = numdb.get("iban").info(country)[0][1]["bban"]
    bban = "".join(
        rng.choice(_BBAN_CHARS[kind])
        for count, kind in _BBAN_PART.findall(structure)
        for _ in range(int(count))
    )
    if country == "ES":  # the CCC's own two check digits sit after bank and branch
        bban = bban[:8] + ccc.calc_check_digits(bban) + bban[10:]
    iban = f"{country}{stdnum_iban.calc_check_digits(country + '00' + bban)}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    for check in "0123456789":
        if checksums.luhn_valid(body + check):
            number = body + check
            break
    if rng.random() < 0.5:
        return number
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def _name(rng: random.Random, language: str) -> str:
    given = _clean(rng.choice(_GIVEN[language]))
    surname = _clean(rng.choice(_SURNAMES[language]))
    shape = rng.random()
    if shape < 0.2:
        return given
    if shape < 0.8 or language == "en":
        return f"{given} {surname}"
    return f"{given} {surname} {_clean(rng.choice(_SURNAMES[language]))}"


def _surname(rng: random.Random, language: str) -> str:
    return _clean(rng.choice(_SURNAMES[language]))


_ID_MAKERS = {"DNI": _dni, "NIE": _nie, "NIF": _nif_pt, "PESEL": _pesel, "CPR": _cpr}

_TEMPLATES = {
    "en": [
        "My name is {NAME} and the form kept crashing.",
        "Please call me on {PHONE} about the parking permit.",
        "You can reach me at {EMAIL} or {PHONE}.",
        "I spoke to Mrs {SURNAME} at the counter and she was very helpful.",
        "{NAME} at the front desk sorted it out in minutes.",
        "The refund went to the wrong account, mine is {IBAN}.",
        "They charged my card {CARD} twice for the same licence.",
        "My {IDKIND} is {ID} and the system says it is invalid.",
        "Order {ORDER} from {DATE} still shows as pending, I paid {AMOUNT}.",
        "I wrote to {EMAIL} three times. Regards, {NAME}",
        "Mr {SURNAME} told me to come back on Monday to the London office.",
        "The bus 27 was late again near Oxford Street, twenty minutes.",
        "Reference {BADID} was rejected but nobody told me why.",
        "Text me at {PHONE}, I am {NAME}.",
        "Council staff at the library on Church Road were friendly.",
    ],
    "es": [
        "Me llamo {NAME} y el formulario no funciona.",
        "Llámenme al {PHONE} para lo del permiso de aparcamiento.",
        "Mi correo es {EMAIL} y mi teléfono {PHONE}.",
        "Me atendió la Sra. {SURNAME} en la ventanilla y fue muy amable.",
        "{NAME} en recepción lo resolvió en cinco minutos.",
        "La devolución fue a una cuenta equivocada, la mía es {IBAN}.",
        "Me cobraron dos veces en la tarjeta {CARD}.",
        "Mi {IDKIND} es {ID} y la sede electrónica dice que no es válido.",
        "El pedido {ORDER} del {DATE} sigue pendiente y pagué {AMOUNT}.",
        "Escribí a {EMAIL} tres veces. Saludos, {NAME}",
        "El Sr. {SURNAME} me dijo que volviera el lunes a la oficina de Madrid.",
        "El autobús 27 llegó tarde otra vez en la Plaza de España.",
        "La referencia {BADID} fue rechazada y nadie me explicó por qué.",
        "Mi móvil es el {PHONE}, soy {NAME}.",
        "El personal del Ayuntamiento en la Calle Mayor fue muy atento.",
    ],
}


def _decoy(rng: random.Random, slot: str, language: str) -> str:
    if slot == "ORDER":
        return rng.choice([f"#{rng.randint(1000, 99999)}", f"REF-2024-{rng.randint(1, 9999):05d}"])
    if slot == "DATE":
        return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(20, 26)}"
    if slot == "AMOUNT":
        euros = rng.randint(10, 99999)
        if language == "es":
            return f"{euros:,}".replace(",", ".") + f",{rng.randint(0, 99):02d} €"
        return f"£{euros:,}.{rng.randint(0, 99):02d}"
    number = rng.randint(0, 99_999_999)
    wrong = checksums.DNI_LETTERS[(number + rng.randint(1, 22)) % 23]
    return f"{number:08d}{wrong}"


def labelled_corpus(n: int = 2000, seed: int = 7) -> list[LabelledDoc]:
    """`n` comments, half English and half Spanish, with PII spans labelled by type."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    docs = []
    for i in range(n):
        language = "en" if i % 2 == 0 else "es"
        template = rng.choice(_TEMPLATES[language])
        pieces: list[str] = []
        spans: list[tuple[int, int, str]] = []
        pos = 0
        idkind = rng.choice(list(_ID_MAKERS))
        for chunk in template.replace("{", "\0{").replace("}", "}\0").split("\0"):
            if not (chunk.startswith("{") and chunk.endswith("}")):
                pieces.append(chunk)
                pos += len(chunk)
                continue
            slot = chunk[1:-1]
            label = None
            if slot == "NAME":
                value, label = _name(rng, language), "NAME"
            elif slot == "SURNAME":
                value, label = _surname(rng, language), "NAME"
            elif slot == "EMAIL":
                value, label = _email(rng, language), "EMAIL"
            elif slot == "PHONE":
                value, label = _phone(rng), "PHONE"
            elif slot == "IBAN":
                value, label = _iban(rng), "IBAN"
            elif slot == "CARD":
                value, label = _card(rng), "CARD"
            elif slot == "IDKIND":
                value = idkind
            elif slot == "ID":
                value, label = _ID_MAKERS[idkind](rng), "ID"
            else:
                value = _decoy(rng, slot, language)
            pieces.append(value)
            if label:
                spans.append((pos, pos + len(value), label))
            pos += len(value)
        docs.append(LabelledDoc("".join(pieces), language, tuple(spans)))
    return docs


def measure_redaction(docs: list[LabelledDoc]) -> dict[str, TypeScore]:
    """Recall (any placeholder, right placeholder) and precision per PII type."""
    tallies = {t: [0, 0, 0, 0, 0] for t in PII_TYPES}
    for doc in docs:
        predicted = find_pii(doc.text, doc.language)
        for start, end, kind in doc.spans:
            tallies[kind][0] += 1
            covered = [p for p in predicted if p.start < end and p.end > start]
            chars: set[int] = set()
            for p in covered:
                chars.update(range(p.start, p.end))
            if all(c in chars for c in range(start, end)):
                tallies[kind][1] += 1
                if all(p.type == kind for p in covered):
                    tallies[kind][2] += 1
        for p in predicted:
            tallies[p.type][3] += 1
            if any(s < p.end and e > p.start and k == p.type for s, e, k in doc.spans):
                tallies[p.type][4] += 1
    return {t: TypeScore(*v) for t, v in tallies.items()}


_TOPICS: dict[str, dict[str, list[str]]] = {
    "bus": {
        "en": [
            "the bus is always late in the morning",
            "buses never come on time and I miss work",
            "the number 27 bus skipped my stop again",
            "waiting forty minutes for a bus is unacceptable",
        ],
        "es": [
            "el autobús siempre llega tarde por la mañana",
            "los autobuses nunca llegan a su hora y pierdo el trabajo",
            "el autobús 27 se saltó mi parada otra vez",
            "esperar cuarenta minutos al autobús es inaceptable",
        ],
        "pt": ["o autocarro chega sempre atrasado de manhã"],
        "da": ["bussen kommer altid for sent om morgenen"],
    },
    "trash": {
        "en": [
            "the park is full of rubbish and broken bottles",
            "bins are overflowing and nobody collects the trash",
            "there is litter everywhere in the playground",
        ],
        "es": [
            "el parque está lleno de basura y botellas rotas",
            "los contenedores rebosan y nadie recoge la basura",
            "hay suciedad por todas partes en el parque infantil",
        ],
        "pt": ["o parque está cheio de lixo e garrafas partidas"],
        "da": ["parken er fuld af affald og knuste flasker"],
    },
    "passport": {
        "en": [
            "I could not renew my passport online",
            "the online passport application kept failing",
            "renewing my passport on the website was impossible",
        ],
        "es": [
            "no pude renovar mi pasaporte en línea",
            "la solicitud del pasaporte por internet fallaba todo el rato",
            "renovar el pasaporte en la web fue imposible",
        ],
        "pt": ["não consegui renovar o passaporte pela internet"],
        "da": ["jeg kunne ikke forny mit pas på nettet"],
    },
    "staff": {
        "en": [
            "the staff at the office were friendly and helpful",
            "the person at the counter was very kind to me",
            "great service from the team, thank you",
        ],
        "es": [
            "el personal de la oficina fue amable y servicial",
            "la persona de la ventanilla fue muy amable conmigo",
            "un servicio excelente del equipo, gracias",
        ],
        "pt": ["os funcionários foram simpáticos e prestáveis"],
        "da": ["personalet på kontoret var venligt og hjælpsomt"],
    },
    "streetlight": {
        "en": [
            "the street lights on my road have been broken for weeks",
            "it is very dark at night because the lamps do not work",
        ],
        "es": [
            "las farolas de mi calle llevan semanas rotas",
            "está muy oscuro por la noche porque las farolas no funcionan",
        ],
        "pt": ["os candeeiros da minha rua estão avariados há semanas"],
        "da": ["gadelygterne på min vej har været i stykker i ugevis"],
    },
    "tax": {
        "en": [
            "the tax form is confusing and too long",
            "I did not understand the questions on the tax return",
        ],
        "es": [
            "el formulario de impuestos es confuso y demasiado largo",
            "no entendí las preguntas de la declaración de la renta",
        ],
        "pt": ["o formulário de impostos é confuso e demasiado longo"],
        "da": ["skatteformularen er forvirrende og alt for lang"],
    },
}
_PREFIX = {
    "en": ["", "", "Honestly, ", "Again: ", "As usual ", "This week "],
    "es": ["", "", "Sinceramente, ", "Otra vez: ", "Como siempre ", "Esta semana "],
    "pt": ["", "Sinceramente, "],
    "da": ["", "Ærligt talt "],
}
_CONTEXT = {
    "en": [
        ["", "near the station", "in the town centre", "on the high street", "by the school",
         "in my neighbourhood", "next to the library", "around the market"],
        ["", "on Monday", "last week", "every single day", "this morning", "at the weekend",
         "since January", "twice this month"],
        ["", "and I have two kids", "as a pensioner", "for my elderly mother",
         "while working full time", "as a wheelchair user", "and nobody answers the phone"],
    ],
    "es": [
        ["", "cerca de la estación", "en el centro", "en la calle mayor", "junto al colegio",
         "en mi barrio", "al lado de la biblioteca", "por el mercado"],
        ["", "el lunes", "la semana pasada", "todos los días", "esta mañana", "el fin de semana",
         "desde enero", "dos veces este mes"],
        ["", "y tengo dos hijos", "como jubilada", "para mi madre mayor",
         "trabajando a jornada completa", "en silla de ruedas", "y nadie coge el teléfono"],
    ],
    "pt": [["", "perto da estação", "no centro"], ["", "ontem", "todos os dias"], [""]],
    "da": [["", "ved stationen", "i centrum"], ["", "i går", "hver dag"], [""]],
}  # fmt: skip
_SUFFIX = {
    "en": ["", ".", "!", ". Please fix it.", ". Very disappointing.", ", thanks."],
    "es": ["", ".", "!", ". Arréglenlo, por favor.", ". Muy decepcionante.", ", gracias."],
    "pt": ["", "."],
    "da": ["", "."],
}


def synthetic_comments(
    n: int, seed: int = 11, *, pii_rate: float = 0.1
) -> tuple[list[str], list[str], list[str]]:
    """(texts, languages, topics): 45% en, 45% es, 5% pt, 5% da, some with personal data."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    texts, languages, topics = [], [], []
    topic_names = list(_TOPICS)
    for _ in range(n):
        r = rng.random()
        language = "en" if r < 0.45 else "es" if r < 0.9 else "pt" if r < 0.95 else "da"
        topic = rng.choice(topic_names)
        body = rng.choice(_TOPICS[topic][language])
        context = " ".join(
            part for part in (rng.choice(slot) for slot in _CONTEXT[language]) if part
        )
        body = f"{body} {context}" if context else body
        text = rng.choice(_PREFIX[language]) + body + rng.choice(_SUFFIX[language])
        text = text[0].upper() + text[1:]
        if rng.random() < pii_rate and language in ("en", "es"):
            extra = rng.choice(
                [
                    f" My email is {_email(rng, language)}",
                    f" Call {_phone(rng)}",
                    f" {_name(rng, language)}",
                    f" DNI {_dni(rng)}",
                ]
            )
            text += extra
        texts.append(text)
        languages.append(language)
        topics.append(topic)
    return texts, languages, topics
