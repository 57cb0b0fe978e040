"""Attachments of sealed proposals: added and removed before the deadline, within limits."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market import scrub, sealing, uploads
from civicloop.market.events import MarketEvent
from civicloop.market.models import Challenge, Proposal, ProposalFile, ProposalStatus
from civicloop.market.selectors._common import (
    check_declared,
    check_seal_lifted,
    download_name,
    is_own_proposal,
)
from civicloop.market.selectors.proposals import proposal_get
from civicloop.market.services._common import before_deadline, submission_audit_org
from civicloop.web import numbers


def attachment_limits() -> tuple[int, int]:
    """(most attachments per proposal, most bytes of attachments per proposal), from settings."""
    conf: dict[str, Any] = settings.CIVICLOOP  # defaults: config/settings/base.py (environment)
    return int(conf["MAX_PROPOSAL_FILES"]), int(conf["MAX_PROPOSAL_FILES_BYTES"])


def _check_attachment_limits(proposal: Proposal, adding: int) -> None:
    most_files, most_bytes = attachment_limits()
    files = ProposalFile.objects.filter(proposal=proposal)
    count = files.count()
    if count >= most_files:
        raise ValidationError(
            {
                "file": gettext(
                    "A proposal has at most %(most)d attachments and this one already has "
                    "%(count)d: remove one before adding another."
                )
                % {"most": most_files, "count": count}
            }
        )
    stored = files.aggregate(total=Sum("size"))["total"] or 0
    if stored + adding > most_bytes:
        raise ValidationError(
            {
                "file": gettext(
                    "A proposal's attachments may add up to at most %(most)s MB; this file "
                    "(%(size)s MB) would bring them to %(total)s MB."
                )
                % {
                    "most": format_mb(most_bytes),
                    "size": format_mb(adding),
                    "total": format_mb(stored + adding),
                }
            }
        )


def format_mb(size: int) -> str:
    """A size in MB to one decimal ("2.5", "2,5"), whole when the decimal is zero ("10")."""
    megabytes = round(size / (1024 * 1024), 1)
    return numbers.number(megabytes, 0 if megabytes == int(megabytes) else 1)


@transaction.atomic
def proposal_file_add(
    *, actor: Principal, proposal: Proposal, name: str, data: bytes
) -> ProposalFile:
    """Attach a PDF, ODT, DOCX, CSV or XLSX file to the own proposal before the deadline.

    For an anonymous call the file's identifying metadata is removed first; the record says
    what was removed. Count and total size per proposal are limited (settings)."""
    require(actor, Ability.ACT_FOR_COMPANY, proposal.vendor)
    proposal.challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    before_deadline(proposal.challenge, timezone.now())
    # The challenge row locked above makes uploads to it wait their turn, so two concurrent
    # ones cannot both pass the limits; the status is read again under that lock.
    proposal.refresh_from_db(fields=["status"])
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"file": gettext("This proposal no longer takes attachments.")})
    extension = uploads.check_upload(name, data)
    removed: list[str] = []
    if proposal.challenge.anonymous_evaluation:
        data, removed = scrub.strip_metadata(extension, data)
    _check_attachment_limits(proposal, len(data))
    storage_name = f"market/sealed/{uuid.uuid4().hex}.bin"
    saved = default_storage.save(storage_name, ContentFile(sealing.seal(data)))
    # The bytes are on disk before the row exists: remove them if recording fails.
    try:
        record = ProposalFile.objects.create(
            proposal=proposal,
            storage_name=saved,
            extension=extension,
            original_name=name[:200],
            size=len(data),
            sha256=sealing.digest(data),
            metadata_removed=removed,
        )
        audit_record(
            actor=actor,
            action=MarketEvent.PROPOSAL_FILE_ADDED,
            obj=record,
            organization=submission_audit_org(proposal.challenge, proposal.vendor),
            metadata={
                "proposal": proposal.code,
                "sha256": record.sha256,
                "size": record.size,
                "extension": extension,
                "metadata_removed": removed,
            },
        )
    except BaseException:
        default_storage.delete(saved)
        raise
    return record


@transaction.atomic
def proposal_file_remove(*, actor: Principal, file: ProposalFile) -> None:
    """The vendor removes one of its own attachments before the deadline."""
    proposal = Proposal.objects.select_related("vendor").get(pk=file.proposal_id)
    require(actor, Ability.ACT_FOR_COMPANY, proposal.vendor)
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    before_deadline(challenge, timezone.now())
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"file": gettext("This proposal no longer changes.")})
    storage_name = file.storage_name
    audit_record(
        actor=actor,
        action=MarketEvent.PROPOSAL_FILE_REMOVED,
        obj=file,
        organization=submission_audit_org(challenge, proposal.vendor),
        metadata={"proposal": proposal.code, "sha256": file.sha256},
    )
    file.delete()
    transaction.on_commit(lambda: default_storage.delete(storage_name))


@transaction.atomic
def proposal_file_open(*, actor: Principal, file_id: int) -> tuple[str, bytes, str]:
    """(download name, bytes, content type) of an attachment, under the same seal as content;
    every read by someone other than the vendor is audited."""
    record = ProposalFile.objects.select_related("proposal").filter(pk=file_id).first()
    if record is None:
        raise Http404("Not found")
    proposal = proposal_get(viewer=actor, pk=record.proposal_id)
    own = is_own_proposal(actor, proposal)
    if not own:
        require(actor, Ability.OPEN_PROPOSALS, proposal.challenge)
        check_seal_lifted(proposal.challenge)
        check_declared(actor, proposal)
    with default_storage.open(record.storage_name, "rb") as handle:
        data = sealing.unseal(handle.read())
    if not own:
        audit_record(
            actor=actor,
            action=MarketEvent.PROPOSAL_FILE_OPENED,
            obj=record,
            organization=proposal.challenge.unit_id,
            metadata={"code": proposal.code},
        )
    name = download_name(actor, record, proposal)
    return name, data, uploads.CONTENT_TYPES[record.extension]
