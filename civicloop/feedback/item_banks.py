"""Question templates: OMB A-11 Section 280 CX items, GOV.UK satisfaction, CSAT, NPS, SUS.

Each template is a list of question definitions in English and Spanish. Sources:
OMB Circular A-11 (2023) Section 280 "Managing Customer Experience and Improving Service
Delivery" (trust and the drivers, 5-point agreement); GOV.UK Service Manual "Measuring user
satisfaction"; Reichheld (2003) "The One Number You Need to Grow" (NPS); Brooke (1996) "SUS: a
quick and dirty usability scale" (the ten SUS items).
"""

from __future__ import annotations

from typing import Any

AGREEMENT = {
    "1": {"en": "Strongly disagree", "es": "Muy en desacuerdo"},
    "2": {"en": "Disagree", "es": "En desacuerdo"},
    "3": {"en": "Neither agree nor disagree", "es": "Ni de acuerdo ni en desacuerdo"},
    "4": {"en": "Agree", "es": "De acuerdo"},
    "5": {"en": "Strongly agree", "es": "Muy de acuerdo"},
}
SATISFACTION = {
    "1": {"en": "Very dissatisfied", "es": "Muy insatisfecho"},
    "2": {"en": "Dissatisfied", "es": "Insatisfecho"},
    "3": {"en": "Neither satisfied nor dissatisfied", "es": "Ni satisfecho ni insatisfecho"},
    "4": {"en": "Satisfied", "es": "Satisfecho"},
    "5": {"en": "Very satisfied", "es": "Muy satisfecho"},
}

# OMB A-11 Section 280: trust plus the six drivers (and satisfaction).
CX_ITEMS: list[tuple[str, str, str]] = [
    (
        "trust",
        "This interaction increased my trust in the service.",
        "Esta gestión aumentó mi confianza en el servicio.",
    ),
    (
        "satisfaction",
        "I am satisfied with the service I received.",
        "Estoy satisfecho con el servicio que recibí.",
    ),
    ("effectiveness", "My need was addressed.", "Mi necesidad quedó resuelta."),
    ("ease", "It was easy to complete what I needed to do.", "Fue fácil hacer lo que necesitaba."),
    (
        "efficiency",
        "It took a reasonable amount of time to do what I needed to do.",
        "Hacer lo que necesitaba llevó un tiempo razonable.",
    ),
    ("equity", "I was treated fairly.", "Me trataron con equidad."),
    (
        "employee",
        "Employees I interacted with were helpful.",
        "El personal que me atendió fue de ayuda.",
    ),
    (
        "transparency",
        "I understood what was being asked of me throughout the process.",
        "Entendí lo que se me pedía durante todo el proceso.",
    ),
]
CX_DRIVERS = [key for key, _, _ in CX_ITEMS]

# Brooke (1996); odd items are positively worded, even items negatively.
SUS_ITEMS: list[tuple[str, str]] = [
    (
        "I think that I would like to use this system frequently.",
        "Creo que me gustaría usar este sistema con frecuencia.",
    ),
    (
        "I found the system unnecessarily complex.",
        "El sistema me pareció innecesariamente complejo.",
    ),
    ("I thought the system was easy to use.", "El sistema me pareció fácil de usar."),
    (
        "I think that I would need the support of a technical person to be able to use this "
        "system.",
        "Creo que necesitaría el apoyo de una persona técnica para poder usar este sistema.",
    ),
    (
        "I found the various functions in this system were well integrated.",
        "Las distintas funciones del sistema me parecieron bien integradas.",
    ),
    (
        "I thought there was too much inconsistency in this system.",
        "Me pareció que el sistema tenía demasiadas incoherencias.",
    ),
    (
        "I would imagine that most people would learn to use this system very quickly.",
        "Imagino que la mayoría de la gente aprendería a usar este sistema muy rápido.",
    ),
    ("I found the system very cumbersome to use.", "El sistema me pareció muy engorroso de usar."),
    ("I felt very confident using the system.", "Me sentí muy seguro usando el sistema."),
    (
        "I needed to learn a lot of things before I could get going with this system.",
        "Tuve que aprender muchas cosas antes de poder empezar a usar este sistema.",
    ),
]


def _scale(
    key: str,
    construct: str,
    en: str,
    es: str,
    labels: dict,
    required: bool = False,
    lo: int = 1,
    hi: int = 5,
) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "scale",
        "construct": construct,
        "text": {"en": en, "es": es},
        "scale_min": lo,
        "scale_max": hi,
        "labels": labels,
        "required": required,
    }


def _cx() -> list[dict[str, Any]]:
    return [_scale(f"cx_{key}", f"cx:{key}", en, es, AGREEMENT) for key, en, es in CX_ITEMS]


def _govuk() -> list[dict[str, Any]]:
    return [
        _scale(
            "satisfaction",
            "govuk",
            "Overall, how did you feel about the service you received today?",
            "En general, ¿qué le pareció el servicio que recibió hoy?",
            SATISFACTION,
            required=True,
        )
    ]


def _csat() -> list[dict[str, Any]]:
    return [
        _scale(
            "csat",
            "csat",
            "How satisfied were you with this service?",
            "¿Qué grado de satisfacción tiene con este servicio?",
            SATISFACTION,
        )
    ]


def _nps() -> list[dict[str, Any]]:
    labels = {
        "0": {"en": "Not at all likely", "es": "Nada probable"},
        "10": {"en": "Extremely likely", "es": "Muy probable"},
    }
    return [
        _scale(
            "nps",
            "nps",
            "How likely is it that you would recommend this service to a friend or colleague?",
            "¿Qué probabilidad hay de que recomiende este servicio a un amigo o colega?",
            labels,
            lo=0,
            hi=10,
        )
    ]


def _sus() -> list[dict[str, Any]]:
    return [
        _scale(f"sus_{i}", f"sus:{i}", en, es, AGREEMENT)
        for i, (en, es) in enumerate(SUS_ITEMS, start=1)
    ]


def _comment() -> list[dict[str, Any]]:
    return [
        {
            "key": "comment",
            "kind": "text",
            "construct": "",
            "text": {
                "en": "How could we improve this service? Please do not include personal "
                "details such as your name or phone number.",
                "es": "¿Cómo podríamos mejorar este servicio? No incluya datos personales "
                "como su nombre o teléfono.",
            },
        }
    ]


def _age() -> list[dict[str, Any]]:
    bands = [
        ("under_25", "Under 25", "Menos de 25"),
        ("25_44", "25 to 44", "De 25 a 44"),
        ("45_64", "45 to 64", "De 45 a 64"),
        ("65_plus", "65 or over", "65 o más"),
    ]
    return [
        {
            "key": "age_band",
            "kind": "choice",
            "construct": "",
            "profile_dimension": "age_band",
            "text": {"en": "What is your age?", "es": "¿Qué edad tiene?"},
            "choices": [{"value": v, "en": en, "es": es} for v, en, es in bands],
        }
    ]


TEMPLATES: dict[str, tuple[str, Any]] = {
    "govuk": ("GOV.UK user satisfaction (5-point)", _govuk),
    "cx": ("OMB A-11 Section 280: trust and CX drivers", _cx),
    "csat": ("Customer satisfaction (CSAT)", _csat),
    "nps": ("Net Promoter Score (0-10)", _nps),
    "sus": ("System Usability Scale (10 items)", _sus),
    "comment": ("Free-text comment", _comment),
    "age": ("Respondent age band (for representativeness)", _age),
}


def template_questions(keys: list[str]) -> list[dict[str, Any]]:
    """The question definitions of the chosen templates, in the order given."""
    questions: list[dict[str, Any]] = []
    for key in keys:
        if key not in TEMPLATES:
            raise KeyError(key)
        questions += TEMPLATES[key][1]()
    return questions
