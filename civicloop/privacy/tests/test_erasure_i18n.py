"""The erasure report and its refusals are shown in the user's language; the audit log keeps
the report's lines in English (one record, whatever language the staff member reads)."""

from __future__ import annotations

from html import unescape

from civicloop.core.models import AuditEvent, Role
from civicloop.core.tests.factories import MembershipFactory, PersonFactory

EMAIL = "zoe.quill@example.org"


def _spanish_staff(world):
    client = world.client("staff")
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    return client


def test_the_report_rows_are_in_spanish_and_the_audit_stays_english(world):
    zoe = PersonFactory.create(email=EMAIL, full_name="")
    MembershipFactory.create(person=zoe, organization=world.agency, role=Role.AGENCY_OFFICIAL)
    url = f"/settings/data-subject-requests/people/{zoe.pk}/erase/"
    staff = _spanish_staff(world)

    refused = unescape(staff.post(url, {"confirm_email": "someone@example.org"}).content.decode())
    assert "Escriba la dirección de correo electrónico de la persona exactamente" in refused

    page = unescape(staff.post(url, {"confirm_email": EMAIL}).content.decode())
    assert 'lang="es"' in page
    for spanish in (
        "cuenta (nombre, correo electrónico, contraseña)",
        "seudonimizado",
        "roles en organizaciones",
        "eliminado",
        "la persona deja de actuar en la plataforma",
    ):
        assert spanish in page, spanish
    for english in ("account (name, e-mail, password)", "roles in organisations", "removed"):
        assert english not in page, english
    event = AuditEvent.objects.get(action="core.person_erased")
    assert ["account (name, e-mail, password)", 1, "pseudonymised"] in event.metadata["report"]
    assert ["roles in organisations", 1, "removed"] in event.metadata["report"]


def test_the_operator_command_still_prints_english(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("erase_person", world.people["vendor"].email, "--yes", stdout=out)
    assert "pseudonymised" in out.getvalue()
    assert "account (name, e-mail, password)" in out.getvalue()
