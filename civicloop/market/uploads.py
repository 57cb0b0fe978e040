"""Attachment checks: allow-listed types by extension AND magic bytes, a size limit, safe names."""

from __future__ import annotations

import csv
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = ("pdf", "odt", "docx", "csv", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ZIP_MAGIC = b"PK\x03\x04"


def _zip_names(data: bytes) -> list[str] | None:
    if not data.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except zipfile.BadZipFile:
        return None


def _content_matches(extension: str, data: bytes) -> bool:
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension == "csv":
        if b"\x00" in data:
            return False
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            return False
        return bool(rows)
    names = _zip_names(data)
    if names is None:
        return False
    if extension == "odt":
        # ODF: the first entry is an uncompressed "mimetype" file naming the document type.
        return data[30:38] == b"mimetype" and CONTENT_TYPES["odt"].encode() in data[38:100]
    if extension == "docx":
        return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
    if extension == "xlsx":
        return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    return False


def check_upload_name(name: str) -> str:
    """The lower-case extension of an acceptable file name, or a ValidationError naming the rule."""
    if (
        not name
        or any(c in name for c in ("/", "\\", "\x00"))
        or ".." in name
        or name.startswith(".")
    ):
        raise ValidationError(
            {
                "file": _(
                    "The file name must be a plain name: no folders, '..', leading dots or slashes."
                )
            }
        )
    if len(name) > 200:
        raise ValidationError({"file": _("The file name must be at most 200 characters.")})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            {
                "file": "Only PDF, ODT, DOCX, CSV and XLSX files are accepted "
                f"(got '.{extension}')."
                if extension
                else "Only PDF, ODT, DOCX, CSV and XLSX files are accepted."
            }
        )
    return extension


def check_upload(name: str, data: bytes) -> str:
    """Validate name, size and content; returns the extension."""
    extension = check_upload_name(name)
    if len(data) == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(value)s MB.")
                % {"value": MAX_UPLOAD_BYTES // (1024 * 1024)}
            }
        )
    if not _content_matches(extension, data):
        raise ValidationError(
            {
                "file": _(
                    "The file's content is not a valid %(value)s file (its type does not match "
                    "its extension)."
                )
                % {"value": extension.upper()}
            }
        )
    return extension
