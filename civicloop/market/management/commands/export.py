"""`civicloop export ocds FILE`: write the OCDS 1.1.5 release package of published challenges."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from civicloop.core.audit import audit_record
from civicloop.core.permissions import SYSTEM
from civicloop.market.events import MarketEvent
from civicloop.market.ocds.build import release_package, validation_errors


class Command(BaseCommand):
    help = "Export open data. Kinds: ocds (OCDS 1.1.5 release package, validated offline)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["ocds"], help="what to export")
        parser.add_argument("file", help="where to write it ('-' for standard output)")

    def handle(self, *args, kind: str, file: str, **options):
        package = release_package()
        if not package["releases"]:
            raise CommandError(
                "nothing to export: no challenge is published yet, and an OCDS release "
                "package needs at least one release"
            )
        errors = validation_errors(package)
        if errors:
            raise CommandError("the package does not validate: " + "; ".join(errors[:5]))
        text = json.dumps(package, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if file == "-":
            self.stdout.write(text)
        else:
            Path(file).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"wrote {len(package['releases'])} releases to {file}")
        audit_record(
            actor=SYSTEM,
            action=MarketEvent.OCDS_EXPORTED,
            metadata={"releases": len(package["releases"]), "file": file},
        )
