"""Re-seal every sealed proposal value and attachment with the primary sealing key.

Used by `civicloop keys rotate` and `civicloop keys list`. Each object is re-sealed on its own
(a row update, or a new file swapped in by one row update and the old file removed after), so an
interrupted run leaves every object readable and a second run finishes the job.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from civicloop.core.audit import audit_record
from civicloop.core.permissions import SYSTEM
from civicloop.market import sealing
from civicloop.market.events import MarketEvent
from civicloop.market.models import ProposalFile, SealedContent

LEGACY = "legacy"
_HEAD = len(sealing.ENVELOPE) + 9


@dataclass
class RotationReport:
    primary_key_id: str
    values_resealed: int = 0
    files_resealed: int = 0
    values_current: int = 0
    files_current: int = 0
    # "value 12: <why>" for each object that could not be opened (left as it was)
    failures: list[str] = field(default_factory=list)
    by_unit: Counter[int] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return (
            self.values_resealed
            + self.files_resealed
            + self.values_current
            + self.files_current
            + len(self.failures)
        )


def sealed_object_count() -> int:
    return SealedContent.objects.count() + ProposalFile.objects.count()


def _file_head(storage_name: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        return handle.read(_HEAD)


def key_inventory() -> dict[str, Counter[str]]:
    """How many sealed values and files each key id sealed ("legacy": the old format)."""
    inventory: dict[str, Counter[str]] = {}
    for ciphertext in SealedContent.objects.values_list("ciphertext", flat=True).iterator():
        identifier = sealing.sealed_key_id(bytes(ciphertext[:_HEAD])) or LEGACY
        inventory.setdefault(identifier, Counter())["values"] += 1
    for storage_name in ProposalFile.objects.values_list("storage_name", flat=True).iterator():
        try:
            identifier = sealing.sealed_key_id(_file_head(storage_name)) or LEGACY
        except FileNotFoundError:
            identifier = "missing file"
        inventory.setdefault(identifier, Counter())["files"] += 1
    return inventory


def _reseal_value(pk: int, report: RotationReport) -> None:
    with transaction.atomic():
        row = (
            SealedContent.objects.select_for_update()
            .select_related("proposal__challenge")
            .filter(pk=pk)
            .first()
        )
        if row is None:
            return
        resealed = sealing.reseal(row.ciphertext)
        if resealed is None:
            report.values_current += 1
            return
        SealedContent.objects.filter(pk=pk).update(ciphertext=resealed)
    report.values_resealed += 1
    report.by_unit[row.proposal.challenge.unit_id] += 1


def _reseal_file(pk: int, report: RotationReport) -> None:
    record = ProposalFile.objects.select_related("proposal__challenge").filter(pk=pk).first()
    if record is None:
        return
    old_name = record.storage_name
    with default_storage.open(old_name, "rb") as handle:
        resealed = sealing.reseal(handle.read())
    if resealed is None:
        report.files_current += 1
        return
    new_name = default_storage.save(f"market/sealed/{uuid.uuid4().hex}.bin", ContentFile(resealed))
    try:
        with transaction.atomic():
            swapped = ProposalFile.objects.filter(pk=pk, storage_name=old_name).update(
                storage_name=new_name
            )
    except BaseException:
        default_storage.delete(new_name)
        raise
    if not swapped:  # removed or replaced meanwhile: keep what is there
        default_storage.delete(new_name)
        return
    default_storage.delete(old_name)
    report.files_resealed += 1
    report.by_unit[record.proposal.challenge.unit_id] += 1


def sealed_rotate(*, advance: Callable[[], object] = lambda: None) -> RotationReport:
    """Re-seal every value and file not yet under the primary key; audited per unit."""
    report = RotationReport(primary_key_id=sealing.configured_keys()[0].key_id)
    value_ids = list(SealedContent.objects.order_by("pk").values_list("pk", flat=True))
    file_ids = list(ProposalFile.objects.order_by("pk").values_list("pk", flat=True))
    for kind, ids, step in (
        ("value", value_ids, _reseal_value),
        ("file", file_ids, _reseal_file),
    ):
        for pk in ids:
            try:
                step(pk, report)
            except (sealing.SealingKeyUnavailable, FileNotFoundError) as error:
                report.failures.append(f"{kind} {pk}: {error}")
            advance()
    resealed = {"values": report.values_resealed, "files": report.files_resealed}
    for unit_id, count in sorted(report.by_unit.items()):
        audit_record(
            actor=SYSTEM,
            action=MarketEvent.SEALED_RESEALED,
            organization=unit_id,
            metadata={"primary_key_id": report.primary_key_id, "objects": count},
        )
    audit_record(
        actor=SYSTEM,
        action=MarketEvent.SEALING_KEYS_ROTATED,
        metadata={
            "primary_key_id": report.primary_key_id,
            "resealed": resealed,
            "already_current": {"values": report.values_current, "files": report.files_current},
            "failed": len(report.failures),
        },
    )
    return report
