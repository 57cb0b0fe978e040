"""Demo data for citizen participation: citizens, proposals in every public state, supports."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from civicloop.core import services as core_services
from civicloop.core.demo import DEMO_DOMAIN, DEMO_PASSWORD
from civicloop.core.permissions import principal_for_person
from civicloop.participation import services

# (e-mail local part, display name, language)
CITIZENS = [
    ("citizen", "Vecina del barrio norte", "es"),
    ("citizen2", "Bus rider 42", "en"),
    ("citizen3", "Marta G.", "es"),
    ("citizen4", "Pensionista activo", "es"),
    ("citizen5", "Night-shift nurse", "en"),
]
PROPOSALS = [
    (
        "problem",
        "es",
        "Las citas de renovación del padrón se agotan en minutos",
        "Cada lunes a las 9:00 se abren las citas y a las 9:05 ya no queda ninguna. Las personas "
        "mayores no consiguen cita y tienen que ir en persona a hacer cola. Llamadme al "
        "612 345 678 si queréis más detalles.",
    ),
    (
        "idea",
        "en",
        "Tell people when the night bus is late",
        "The night bus to the hospital is often 20 minutes late and there is no information at "
        "the stop. A text message or a screen would let night-shift workers plan. Write to me at "
        "nurse.night@example.org.",
    ),
    (
        "problem",
        "es",
        "El formulario de ayudas al alquiler pide documentos que ya tiene el ayuntamiento",
        "Piden el certificado de empadronamiento y la vida laboral aunque el ayuntamiento ya los "
        "tiene. Mi DNI es 12345678Z y tuve que ir tres veces.",
    ),
]


def _citizen(local: str, name: str, language: str):
    person = core_services.person_create(
        email=f"{local}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, full_name=""
    )
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    services.citizen_register(
        actor=principal_for_person(person), display_name=name, language=language
    )
    return principal_for_person(person)


def load(ctx: dict) -> None:
    """Five verified citizens, three proposals (published, in the portfolio, awaiting review)."""
    orgs = ctx["orgs"]
    unit = orgs.unit
    staff = principal_for_person(orgs.people["staff"])
    services.participation_settings_update(
        actor=staff, unit=unit, support_threshold=4, answer_days=30
    )
    citizens = [_citizen(*row) for row in CITIZENS]
    made = []
    for author, (kind, language, title, body) in zip(citizens, PROPOSALS, strict=False):
        made.append(
            services.proposal_submit(
                actor=author,
                unit_id=unit.pk,
                kind=kind,
                title=title,
                body=body,
                language=language,
            )
        )
    appointments, night_bus, _pending = made
    for proposal in (appointments, night_bus):
        services.proposal_moderate(actor=staff, proposal=proposal, decision="publish")
        proposal.refresh_from_db()
    for supporter in citizens[1:]:
        services.support_add(actor=supporter, proposal=appointments, client_hash="")
    for supporter in citizens[2:4]:
        services.support_add(actor=supporter, proposal=night_bus, client_hash="")
    services.comment_submit(
        actor=citizens[3],
        proposal=appointments,
        body="A mí me pasó lo mismo con la cita para el certificado de convivencia.",
        language="es",
    )
    services.proposal_triage(
        actor=staff,
        proposal=appointments,
        owner_agency=orgs.agencies["licensing"],
        facet="enhancement",
    )
    appointments.refresh_from_db()
    services.proposal_answer(
        actor=staff,
        proposal=appointments,
        text=(
            "Gracias: lo hemos incluido en nuestro portafolio. Vamos a probar un sistema de "
            "cita previa con lista de espera y avisos por SMS."
        ),
    )
