"""`manage.py erase_person EMAIL`: the operator's erasure of a person, with its report."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicloop.privacy.services import person_erasure_run_by_operator


class Command(BaseCommand):
    help = (
        "Erase a person's personal data (GDPR Art. 17) for cases no unit's staff may decide: "
        "vendors, people of several units, operators. Prints what was removed or kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, email: str, yes: bool = False, **options) -> None:
        if not yes and input(f"Erase {email}? This cannot be undone. [y/N] ").lower() != "y":
            raise CommandError("Not erased.")
        try:
            report = person_erasure_run_by_operator(email=email)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Erased; the person now appears as {report.pseudonym}.")
        for line in report.lines:
            self.stdout.write(f"  {line.outcome:<14} {line.count:>6}  {line.what} ({line.why})")
