"""Demo feedback: a few hundred English and Spanish responses for licence renewals and housing
decisions, generated deterministically from phrase templates, then themed and scored."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from civicloop.core.permissions import principal_for_person
from civicloop.feedback import services, theming
from civicloop.feedback.models import Theme

# topic -> (mood 1..5 bias, English cores, Spanish cores)
LICENCE_TOPICS = {
    "certificate": (
        2,
        [
            "I could not renew online because I do not have a digital certificate",
            "the digital certificate step is impossible for me",
            "getting the electronic certificate took longer than the renewal",
        ],
        [
            "no pude renovar en línea porque no tengo certificado digital",
            "el paso del certificado digital es imposible para mí",
            "conseguir el certificado electrónico me llevó más que la renovación",
        ],
    ),
    "queue": (
        2,
        [
            "I lost a whole morning queueing at the counter",
            "the queue at the counter was far too long",
            "I had to close my shop to wait in line",
        ],
        [
            "perdí toda la mañana haciendo cola en la ventanilla",
            "la cola en la ventanilla era demasiado larga",
            "tuve que cerrar la tienda para esperar en la fila",
        ],
    ),
    "reminder": (
        4,
        [
            "the text message reminder arrived just in time",
            "the SMS reminder saved me a fine",
            "thanks to the reminder I renewed before it expired",
        ],
        [
            "el aviso por SMS llegó justo a tiempo",
            "el recordatorio por mensaje me evitó una multa",
            "gracias al aviso renové antes de que caducara",
        ],
    ),
    "guidance": (
        4,
        [
            "the new guidance is clear and the checklist helps",
            "the plain-language instructions were easy to follow",
            "the three-step checklist made it simple",
        ],
        [
            "la nueva guía es clara y la lista de pasos ayuda",
            "las instrucciones en lenguaje sencillo fueron fáciles de seguir",
            "la lista de tres pasos lo hizo sencillo",
        ],
    ),
    "fees": (
        2,
        [
            "the fee is too high for a small shop",
            "nobody explained what the fee pays for",
            "I was charged twice for the renewal",
        ],
        [
            "la tasa es demasiado alta para un comercio pequeño",
            "nadie explicó para qué sirve la tasa",
            "me cobraron dos veces la renovación",
        ],
    ),
}
HOUSING_TOPICS = {
    "waiting": (
        1,
        [
            "we have waited months for a decision on our application",
            "nobody tells us how long the decision will take",
            "five months in temporary accommodation waiting for an answer",
        ],
        [
            "llevamos meses esperando una resolución de la solicitud",
            "nadie nos dice cuánto tardará la decisión",
            "cinco meses en un alojamiento temporal esperando respuesta",
        ],
    ),
    "documents": (
        2,
        [
            "they asked for the same documents three times",
            "every week a new letter asks for another paper",
            "the pre-filled request made the paperwork much easier",
        ],
        [
            "me pidieron los mismos documentos tres veces",
            "cada semana llega una carta pidiendo otro papel",
            "la solicitud precumplimentada facilitó mucho el papeleo",
        ],
    ),
    "caseworker": (
        5,
        [
            "my caseworker was kind and explained every step",
            "the officer at the housing office really listened",
            "staff treated me with respect",
        ],
        [
            "mi trabajadora social fue amable y me explicó cada paso",
            "el funcionario de la oficina de vivienda me escuchó de verdad",
            "el personal me trató con respeto",
        ],
    ),
    "urgent": (
        3,
        [
            "the urgent case triage got us seen quickly",
            "as a single mother with two kids our case was prioritised",
            "triage helped but the letter was confusing",
        ],
        [
            "la clasificación de casos urgentes hizo que nos atendieran rápido",
            "como madre sola con dos hijos nuestro caso fue prioritario",
            "la clasificación ayudó pero la carta era confusa",
        ],
    ),
}
OPENERS_EN = ["", "Honestly, ", "To be fair, ", "Frankly, "]
OPENERS_ES = ["", "La verdad, ", "Sinceramente, ", "Para ser justos, "]
CLOSERS_EN = ["", " Please fix this.", " Thank you.", " Call me on 612 345 678 if needed."]
CLOSERS_ES = [
    "",
    " Por favor, arréglenlo.",
    " Gracias.",
    " Escríbanme a maria.lopez@example.com si hace falta.",
]
AGE_SHARES = {"under_25": 0.08, "25_44": 0.32, "45_64": 0.38, "65_plus": 0.22}
# Older shopkeepers answer less: the demo shows the under-representation flag.
AGE_RESPONSE = {"under_25": 0.12, "25_44": 0.42, "45_64": 0.36, "65_plus": 0.10}


def _comment(rng: random.Random, topics: dict, language: str) -> tuple[str, int]:
    name = rng.choice(sorted(topics))
    mood, en, es = topics[name]
    if language == "es":
        text = rng.choice(OPENERS_ES) + rng.choice(es) + "." + rng.choice(CLOSERS_ES)
    else:
        text = rng.choice(OPENERS_EN) + rng.choice(en) + "." + rng.choice(CLOSERS_EN)
    return text[0].upper() + text[1:], mood


def _band(rng: random.Random) -> str:
    return rng.choices(list(AGE_RESPONSE), weights=list(AGE_RESPONSE.values()))[0]


def _service_keys(ctx: dict, name: str, fallback: str) -> tuple[str, list[int]]:
    service = (ctx.get("services") or {}).get(name)
    if service is None:
        return fallback, [1, 2]
    numbers = list(service.iterations.order_by("number").values_list("number", flat=True))
    return slugify(service.name), numbers or [1]


def _respond(rng, survey, topics, *, n, service_key, iterations, variants, today, scale_keys):
    for i in range(n):
        language = "es" if rng.random() < 0.6 else "en"
        iteration = iterations[min(len(iterations) - 1, int(len(iterations) * i / n))]
        variant = rng.choice(variants.get(iteration, [""]))
        text, mood = _comment(rng, topics, language)
        lift = 1 if variant == "sms" else 0
        answers = {}
        for key, lo, hi in scale_keys:
            centre = lo + (hi - lo) * (mood + lift - 1) / 4
            answers[key] = max(lo, min(hi, round(rng.gauss(centre, (hi - lo) / 5))))
        answers["age_band"] = _band(rng)
        if rng.random() < 0.8:
            answers["comment"] = text
        days_ago = int((n - i) / n * 170) + rng.randint(0, 6)
        when = timezone.make_aware(
            datetime.combine(today - timedelta(days=days_ago), time(9 + i % 9, (7 * i) % 60))
        )
        services.response_submit(
            survey=survey,
            answers=answers,
            language=language,
            channel=rng.choice(["hosted", "widget", "widget", "api", "phone"]),
            service_key=service_key,
            iteration_key=f"{service_key}-{iteration}",
            variant=variant,
            respondent_id=f"demo-{survey.pk}-{i}",
            client=f"demo-{i}",
            submitted_at=when,
        )


def load(ctx: dict) -> None:
    """Two surveys with 300 responses, themes (one renamed by a person) and a KPI feed."""
    orgs = ctx["orgs"]
    problems = ctx["problems"]
    staff = principal_for_person(orgs.people["staff"])
    rng = random.Random(6)
    today = timezone.localdate()

    lic_key, lic_iterations = _service_keys(ctx, "licences", "trading-licence-renewal")
    licence = services.survey_create(
        actor=staff,
        unit=orgs.unit,
        problem=problems.get("licence-renewals"),
        title={
            "en": "Trading licence renewal: tell us how it went",
            "es": "Renovación de la licencia: cuéntenos qué tal",
        },
        templates=["govuk", "nps", "comment", "age"],
        slug="licence-renewal",
        consent={
            "en": "Answers are anonymous and used only to improve the service. Comments "
            "are stored without personal details and deleted after one year.",
            "es": "Las respuestas son anónimas y solo sirven para mejorar el servicio. Los "
            "comentarios se guardan sin datos personales y se borran al cabo de un "
            "año.",
        },
        service_key=lic_key,
        retention_days=365,
    )
    variants = {lic_iterations[-1]: ["control", "sms"]}
    _respond(
        rng,
        licence,
        LICENCE_TOPICS,
        n=170,
        service_key=lic_key,
        iterations=lic_iterations,
        variants=variants,
        today=today,
        scale_keys=[("satisfaction", 1, 5), ("nps", 0, 10)],
    )

    hou_key, hou_iterations = _service_keys(ctx, "housing", "social-housing-decisions")
    housing = services.survey_create(
        actor=staff,
        unit=orgs.unit,
        problem=problems.get("housing-decisions"),
        title={
            "en": "Social housing decisions: your experience",
            "es": "Decisiones de vivienda social: su experiencia",
        },
        templates=["govuk", "cx", "comment", "age"],
        slug="housing-decisions",
        consent={
            "en": "Anonymous. Comments are stored without personal details for 2 years.",
            "es": "Anónimo. Los comentarios se guardan sin datos personales durante 2 años.",
        },
        service_key=hou_key,
        retention_days=730,
    )
    cx = [
        (f"cx_{d}", 1, 5)
        for d in (
            "trust",
            "satisfaction",
            "effectiveness",
            "ease",
            "efficiency",
            "equity",
            "employee",
            "transparency",
        )
    ]
    _respond(
        rng,
        housing,
        HOUSING_TOPICS,
        n=130,
        service_key=hou_key,
        iterations=hou_iterations,
        variants={},
        today=today,
        scale_keys=[("satisfaction", 1, 5), *cx],
    )

    for problem_key in ("licence-renewals", "housing-decisions"):
        problem = problems.get(problem_key)
        for group in problem.target_groups.all() if problem else []:
            services.profile_target_set(
                actor=staff,
                target_group=group,
                dimension="age_band",
                shares=AGE_SHARES,
                source="Municipal register (demo)",
                as_of=date(2026, 1, 1),
            )

    for survey in (licence, housing):
        theming.themes_refresh(survey=survey)
    biggest = Theme.objects.filter(survey=housing).order_by("-size").first()
    if biggest is not None:
        theming.theme_edit(
            actor=staff,
            survey=housing,
            operation="rename",
            theme_key=biggest.key,
            label="Waiting for a decision",
        )

    kpi = None
    housing_problem = problems.get("housing-decisions")
    if housing_problem is not None:
        kpi = housing_problem.kpis.filter(template_key="user_satisfaction").first()
    if kpi is not None:
        services.kpi_feed_set(actor=staff, survey=housing, kpi=kpi)
        services.kpi_feed_record(survey=housing)
    ctx["feedback_surveys"] = {"licences": licence, "housing": housing}
