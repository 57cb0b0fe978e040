from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from civicloop.core.demo import DEMO_PASSWORD, demo_people_lines, load_core_demo
from civicloop.core.models import Organization


class Command(BaseCommand):
    help = "Load realistic demo data (only into an empty database unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if data exists.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, force: bool = False, quiet: bool = False, **options):
        if Organization.objects.exists() and not force:
            if not quiet:
                self.stdout.write("Demo data not loaded: the database already has data.")
            return
        with transaction.atomic():
            ctx: dict = {"orgs": load_core_demo()}
            for path in settings.DEMO_LOADERS:
                if not quiet:
                    self.stdout.write(f"  loading {path.split('.')[1]} …")
                import_string(path)(ctx)
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with any of:"))
            for line in demo_people_lines():
                self.stdout.write(line)
            self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
