"""Attachments of sealed proposals: upload, removal and (sealed, audited) download."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile

from civicloop.core.http import principal, require_write
from civicloop.market import selectors, services
from civicloop.market.uploads import CONTENT_TYPES, MAX_UPLOAD_BYTES

router = Router()


class FileOut(Schema):
    id: int
    name: str
    size: int
    metadata_removed: list[str] = Field(
        default_factory=list,
        description="Anonymous calls: the identifying metadata removed from the file on upload "
        "(the stored bytes are the cleaned ones).",
    )


@router.post(
    "/market/proposals/{proposal_id}/files",
    response={201: FileOut},
    summary=f"Attach a PDF, ODT, DOCX, CSV or XLSX (≤ {MAX_UPLOAD_BYTES // 1048576} MB)",
    description="Each file at most 10 MB; per proposal at most `CIVICLOOP['MAX_PROPOSAL_FILES']` "
    "files (default 5) adding up to `CIVICLOOP['MAX_PROPOSAL_FILES_BYTES']` (default 25 MB); "
    "over a limit: 422 naming `file`, nothing stored. For an anonymous call the file's "
    "identifying metadata (document properties, authors of comments, image EXIF) is removed "
    "before it is sealed; `metadata_removed` says what.",
)
def upload_proposal_file(request: HttpRequest, proposal_id: int, file: UploadedFile = File(...)):  # noqa: B008
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(value)s MB.")
                % {"value": MAX_UPLOAD_BYTES // 1048576}
            }
        )
    record = services.proposal_file_add(
        actor=actor, proposal=proposal, name=file.name or "", data=file.read()
    )
    return Status(
        201,
        {
            "id": record.pk,
            "name": selectors.download_name(actor, record, proposal),
            "size": record.size,
            "metadata_removed": record.metadata_removed,
        },
    )


@router.delete(
    "/market/proposal-files/{file_id}",
    response={204: None},
    summary="Remove an attachment of your own proposal (before the deadline)",
)
def delete_proposal_file(request: HttpRequest, file_id: int):
    actor = require_write(request)
    record = selectors.own_proposal_file(viewer=actor, file_id=file_id)
    services.proposal_file_remove(actor=actor, file=record)
    return Status(204, None)


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/market/proposal-files/{file_id}",
    summary="Download an attachment (sealed until the deadline; audited)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The attachment's bytes, as an attachment with a server-made name",
                "content": {content_type: _BINARY for content_type in CONTENT_TYPES.values()},
            }
        }
    },
)
def download_proposal_file(request: HttpRequest, file_id: int):
    name, data, content_type = services.proposal_file_open(
        actor=principal(request), file_id=file_id
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
