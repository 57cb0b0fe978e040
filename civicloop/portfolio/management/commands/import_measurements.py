from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.models import Organization, OrganizationKind, Role
from civicloop.core.permissions import Principal
from civicloop.portfolio.services import measurements_import_csv


class Command(BaseCommand):
    help = (
        "Import KPI measurements from CSV (kpi_id,date,value[,source,note]). "
        "All rows are imported or none; rejected rows are listed with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", help="Unit slug (may be left out with one unit).")

    def handle(self, *args, file: str, org: str | None = None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"FILE: '{file}' does not exist or is not a file.")
        units = Organization.objects.filter(kind=OrganizationKind.UNIT)
        if org:
            units = units.filter(slug=org)
        unit_list = list(units[:2])
        if len(unit_list) != 1:
            raise CommandError("--org: give the unit's slug (there is not exactly one unit).")
        # The operator running the command acts as the unit's staff.
        actor = Principal(roles=frozenset({(unit_list[0].pk, Role.UNIT_STAFF)}))
        report = measurements_import_csv(actor=actor, content=path.read_bytes())
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.imported} measurements."))
            return
        for error in report.rejected:
            self.stderr.write(error.describe())
        raise CommandError(f"Nothing imported: {len(report.rejected)} rows rejected.")
