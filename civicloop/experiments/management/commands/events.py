from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicloop.analytics.services import event_stores
from civicloop.core.models import Organization
from civicloop.experiments import services


class Command(BaseCommand):
    help = (
        "The per-organisation event stores: `events status` lists them; `events adopt-legacy "
        "[--org SLUG] [--force]` gives a store created before organisations to one unit "
        "(stop the worker first). See docs/analytics/store.md."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Stores on disk and whether a legacy store waits.")
        adopt = sub.add_parser(
            "adopt-legacy",
            help="Give the legacy store (events without an organisation) to one unit.",
        )
        adopt.add_argument(
            "--org",
            metavar="SLUG",
            help="the unit the events belong to (left out: the only unit whose experiments "
            "the exposures name)",
        )
        adopt.add_argument(
            "--force",
            action="store_true",
            help="adopt even though exposures name other units' experiments",
        )

    def handle(self, *args, action: str, **options):
        if action == "status":
            self._status()
        else:
            self._adopt(options.get("org"), force=options["force"])

    def _status(self) -> None:
        stores = event_stores()
        units = dict(
            Organization.objects.filter(pk__in=stores.organization_ids()).values_list("pk", "slug")
        )
        self.stdout.write(f"event stores in {stores.root}:")
        for organization_id in stores.organization_ids():
            label = units.get(organization_id, "(no such organisation)")
            self.stdout.write(f"  org-{organization_id}  {label}")
        report = services.event_store_legacy_report()
        if report is None:
            self.stdout.write("no legacy store")
            return
        self._describe(report)
        self.stdout.write("run `civicloop events adopt-legacy --org SLUG` to give it to a unit")

    def _describe(self, report: services.LegacyStoreReport) -> None:
        slugs = dict(
            Organization.objects.filter(pk__in=report.owning_units).values_list("pk", "slug")
        )
        self.stdout.write("legacy store (events without an organisation); its exposures name:")
        for key, count in report.exposures.items():
            owners = ", ".join(slugs[u] for u in report.owners.get(key, [])) or "no experiment"
            self.stdout.write(f"  {key}: {count} exposures -> {owners}")

    def _adopt(self, slug: str | None, *, force: bool) -> None:
        organization = None
        if slug:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"--org: no organisation with slug '{slug}'.")
        try:
            result, report = services.event_store_adopt_legacy(
                organization=organization, force=force
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self._describe(report)
        how = "moved as it was" if result.moved else f"merged ({result.duplicates} duplicates)"
        owner = Organization.objects.get(pk=result.organization_id)
        self.stdout.write(
            f"adopted {result.events} events for {owner.slug} (org-{owner.pk}): {how}"
        )
