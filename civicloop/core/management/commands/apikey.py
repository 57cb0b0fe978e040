from django.core.management.base import BaseCommand, CommandError

from civicloop.core import services
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import SYSTEM


class Command(BaseCommand):
    help = "Manage API keys: `apikey create [--org SLUG] --scope read|write [--name NAME]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key; prints it alone on the last line.")
        create.add_argument("--org", help="Organisation slug (may be left out with one unit).")
        create.add_argument("--scope", choices=["read", "write"], required=True)
        create.add_argument("--name", default="Created from the command line")
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        if action == "create":
            self._create(options)
        else:
            self._revoke(options["prefix"])

    def _create(self, options):
        slug = options.get("org")
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"--org: no organisation with slug '{slug}'.")
        else:
            units = list(Organization.objects.filter(kind=OrganizationKind.UNIT)[:2])
            if len(units) != 1:
                raise CommandError(
                    "--org: give the organisation's slug (there is not exactly one unit)."
                )
            org = units[0]
        created = services.apikey_create(
            actor=SYSTEM, organization=org, name=options["name"], scope=options["scope"]
        )
        self.stderr.write(
            f"Created {options['scope']} key '{created.api_key.name}' for {org.name}. "
            "Store it now: it is not shown again."
        )
        self.stdout.write(created.secret)

    def _revoke(self, prefix: str):
        from civicloop.core.models import ApiKey
        from civicloop.core.permissions import SYSTEM

        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"prefix: no key starting '{prefix}'.")
        services.apikey_revoke(actor=SYSTEM, api_key=key)
        self.stdout.write(f"Revoked {prefix}.")
