"""Extension points for apps above privacy (import-linter: they may import privacy, privacy may
not import them), so that a person's erasure and export reach their data too.

- `person_erasing(sender, person)`: sent inside the erasure's transaction, before the account
  is pseudonymised (the person's e-mail and names are still readable). A receiver removes or
  pseudonymises what its app holds about the person and returns a list of
  `core.services.ErasureLine` (counts only, English msgids) for the report and the audit record.
  A receiver that raises rolls the whole erasure back: nothing is half erased.
- `personal_data_exporting(sender, person)`: sent while the person's export is built. A
  receiver returns a dict of export sections (JSON-ready, the person's own data only, never a
  secret); section names must not clash with privacy's own.

Receivers connect in their AppConfig.ready with a `dispatch_uid`.
"""

from __future__ import annotations

from django.dispatch import Signal

person_erasing = Signal()
personal_data_exporting = Signal()
