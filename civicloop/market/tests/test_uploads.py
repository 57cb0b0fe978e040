"""Attachments: allow-listed types by extension and content, size limit, no path tricks."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from civicloop.market import services, uploads
from civicloop.market.tests.factories import CANARY, PDF_BYTES


def _zip(entries: dict[str, bytes], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(
                name,
                data,
                compress_type=zipfile.ZIP_STORED if stored_first else zipfile.ZIP_DEFLATED,
            )
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip(
    {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "content.xml": b"<office:document-content/>",
    },
    stored_first=True,
)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.pdf", PDF_BYTES),
        ("plan.DOCX", DOCX),
        ("budget.xlsx", XLSX),
        ("plan.odt", ODT),
        ("budget.csv", b"item,cost\nresearch,1000\n"),
    ],
)
def test_allowed_types_pass(name, data):
    assert uploads.check_upload(name, data) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.exe", b"MZ\x90\x00", "Only PDF, ODT, DOCX, CSV and XLSX"),
        ("evil.html", b"<script>", "Only PDF, ODT, DOCX, CSV and XLSX"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "not a valid PDF"),
        ("fake.docx", XLSX, "not a valid DOCX"),
        ("fake.xlsx", PDF_BYTES, "not a valid XLSX"),
        ("fake.odt", DOCX, "not a valid ODT"),
        ("binary.csv", b"a,b\n\x00\x01", "not a valid CSV"),
        ("../../x.pdf", PDF_BYTES, "plain name"),
        ("..\\..\\x.pdf", PDF_BYTES, "plain name"),
        ("/etc/passwd.pdf", PDF_BYTES, "plain name"),
        (".hidden.pdf", PDF_BYTES, "plain name"),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", b"%PDF-" + b"0" * uploads.MAX_UPLOAD_BYTES, "larger than the limit of 10 MB"),
    ],
)
def test_bad_uploads_refused_with_clear_message(name, data, message):
    with pytest.raises(ValidationError, match=message):
        uploads.check_upload(name, data)


def test_stored_under_server_name_and_encrypted(world, market):
    data = PDF_BYTES + f"% {CANARY}\n".encode()
    record = services.proposal_file_add(
        actor=world.principal("vendor"),
        proposal=market.proposal,
        name="DataCivic plan.pdf",
        data=data,
    )
    assert record.storage_name.startswith("market/sealed/") and "plan" not in record.storage_name
    with default_storage.open(record.storage_name, "rb") as handle:
        stored = handle.read()
    assert CANARY.encode() not in stored and not stored.startswith(b"%PDF")


def test_path_trick_refused_through_the_api(world, market):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client("vendor")
    response = client.post(
        f"/api/v1/market/proposals/{market.proposal.pk}/files",
        {"file": SimpleUploadedFile("../../x.pdf", PDF_BYTES)},
    )
    # Django's upload handler strips directories: what is left ("x.pdf") is a plain, valid
    # name, so the file is accepted, and the name served back has no path in it.
    assert response.status_code == 201
    assert ".." not in response.json()["name"] and "/" not in response.json()["name"]
    response = client.post(
        f"/api/v1/market/proposals/{market.proposal.pk}/files",
        {"file": SimpleUploadedFile("x.pdf", b"MZ not pdf")},
    )
    assert response.status_code == 422
    assert "not a valid PDF" in response.json()["detail"]


def test_cannot_attach_to_another_vendors_proposal(world, market):
    from django.http import Http404

    with pytest.raises(Http404):
        services.proposal_file_add(
            actor=world.principal("vendor"),
            proposal=market.rival_proposal,
            name="x.pdf",
            data=PDF_BYTES,
        )
