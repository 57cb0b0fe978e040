"""Attachments of proposals: the files of the viewer's own proposals, and their download names."""

from __future__ import annotations

from django.http import Http404

from civicloop.core.models import Role
from civicloop.core.permissions import Principal
from civicloop.market.models import ProposalFile


def own_proposal_file(*, viewer: Principal, file_id: int) -> ProposalFile:
    """An attachment of one of the viewer's own companies' proposals; 404 for anyone else."""
    record = (
        ProposalFile.objects.select_related("proposal")
        .filter(pk=file_id, proposal__vendor_id__in=sorted(viewer.organizations([Role.VENDOR])))
        .first()
    )
    if record is None:
        raise Http404("Not found")
    return record
