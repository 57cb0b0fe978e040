"""Attachments of proposals: download (sealed, audited) and the vendor's removal of its own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.permissions import Principal
from civicloop.market import sealing, selectors, services
from civicloop.market.models import Proposal


def removed_message(removed: list[str]) -> str:
    return _("Identifying metadata was removed from your attachment: %(what)s.") % {
        "what": "; ".join(removed)
    }


@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        name, data, content_type = services.proposal_file_open(actor=principal(request), file_id=pk)
    except services.SealedError as error:
        return HttpResponse(error.messages[0], status=403, content_type="text/plain")
    except sealing.SealingKeyUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def remove_file(request: HttpRequest, viewer: Principal, proposal: Proposal) -> None:
    """The proposal page's "remove" button on one of the vendor's own attachments."""
    file_id = request.POST.get("file") or ""
    if not file_id.isdigit() or len(file_id) > 18:
        raise Http404("Not found")
    record = selectors.own_proposal_file(viewer=viewer, file_id=int(file_id))
    if record.proposal_id != proposal.pk:
        raise Http404("Not found")
    services.proposal_file_remove(actor=viewer, file=record)
