from django.core.management.base import BaseCommand, CommandError

from civicloop.core.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Audit log tools: `audit verify` checks the hash chain and reports the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        report = audit_verify()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified.")
            )
            return
        raise CommandError(
            f"Audit chain broken at event {report.first_broken_sequence}: {report.reason} "
            f"({report.checked} events before it verified)."
        )
