"""`civicloop keys generate|list|rotate`: the keys that seal proposals (docs/operations.md)."""

from __future__ import annotations

import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from civicloop.market import rekey, sealing


class Command(BaseCommand):
    help = (
        "Sealing keys: `keys generate` prints a new key; `keys list` shows each key's id and what "
        "it sealed; `keys rotate` re-seals everything with the first key of "
        "CIVICLOOP_SEALING_KEYS."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="Print a new Fernet key (not stored anywhere).")
        sub.add_parser("list", help="Key ids, roles and how many sealed objects each holds.")
        rotate = sub.add_parser("rotate", help="Re-seal every value and file with the primary key.")
        rotate.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, action: str, **options):
        if action == "generate":
            key = sealing.generate_key()
            self.stderr.write(
                f"New sealing key {sealing.key_id(key)}. Put it FIRST in CIVICLOOP_SEALING_KEYS, "
                "keep the old keys after it, restart, then run `civicloop keys rotate`."
            )
            self.stdout.write(key)
        elif action == "list":
            self._list()
        else:
            self._rotate(progress=not options["no_progress"])

    def _list(self) -> None:
        inventory = rekey.key_inventory()
        rows = [(k.key_id, k.role) for k in sealing.configured_keys()]
        rows += [(k.key_id, "legacy (derived from SECRET_KEY)") for k in sealing.legacy_keys()]
        listed = {key_id for key_id, _ in rows}
        self.stdout.write(f"{'KEY ID':<10} {'ROLE':<34} {'VALUES':>7} {'FILES':>7}")
        for key_id, role in rows:
            counts: Counter[str] = inventory.get(key_id, Counter())
            if role.startswith("legacy"):
                counts = Counter()  # legacy values do not name their key: counted on their own line
            self.stdout.write(
                f"{key_id:<10} {role:<34} {counts.get('values', 0):>7} {counts.get('files', 0):>7}"
            )
        legacy = inventory.get(rekey.LEGACY)
        if legacy:
            self.stdout.write(
                f"{'-':<10} {'sealed in the legacy format':<34} "
                f"{legacy.get('values', 0):>7} {legacy.get('files', 0):>7}"
            )
        for key_id, counts in sorted(inventory.items()):
            if key_id in listed or key_id == rekey.LEGACY:
                continue
            self.stdout.write(
                f"{key_id:<10} {'NOT CONFIGURED: cannot be opened':<34} "
                f"{counts.get('values', 0):>7} {counts.get('files', 0):>7}"
            )

    def _rotate(self, *, progress: bool) -> None:
        from tqdm import tqdm

        total = rekey.sealed_object_count()
        with tqdm(total=total, unit=" objects", disable=not progress, file=sys.stderr) as bar:
            report = rekey.sealed_rotate(advance=lambda: bar.update(1))
        self.stdout.write(
            f"Primary key {report.primary_key_id}: re-sealed {report.values_resealed} values "
            f"and {report.files_resealed} files; {report.values_current} values and "
            f"{report.files_current} files were already sealed with it; "
            f"{len(report.failures)} could not be opened."
        )
        if report.failures:
            for failure in report.failures:
                self.stderr.write(failure)
            raise CommandError(
                f"{len(report.failures)} sealed objects were left as they were: add the keys "
                "named above to CIVICLOOP_SEALING_KEYS (after the primary key) and run "
                "`civicloop keys rotate` again. Do not remove any key until this passes."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Every sealed object is now sealed with the primary key; keys after it in "
                "CIVICLOOP_SEALING_KEYS can be removed."
            )
        )
