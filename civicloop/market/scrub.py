"""Remove identifying metadata from attachments to anonymous calls (ADR 0007).

`strip_metadata(extension, data)` returns the cleaned bytes and a list of what was removed, in
words a vendor understands. It covers every type `uploads.ALLOWED_EXTENSIONS` allows:

- PDF (pypdf): the document information dictionary (Author, Creator, Producer, Title, ...),
  XMP metadata streams (document and pages), PieceInfo, and the author (/T) of annotations
  such as comments; the file is rewritten.
- DOCX / XLSX (Office Open XML, zip): docProps/core.xml, app.xml and custom.xml become empty
  property sets; authors and initials of comments, tracked changes and people parts are
  replaced by "Anonymous"; Excel's absolute save path goes; embedded images lose EXIF/XMP/text.
- ODT (OpenDocument, zip): meta.xml becomes an empty meta element; dc:creator of annotations
  and tracked changes becomes "Anonymous"; embedded images as above. The `mimetype` entry stays
  first and uncompressed, as ODF requires.
- CSV: plain text, nothing to remove.

Text the vendor writes into the document body is not touched: the guidance asks vendors not to
name themselves.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

ANONYMOUS = b"Anonymous"

_CORE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>'
)
_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>'
)
_CUSTOM_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>'
)
_ODF_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'office:version="1.2"><office:meta/></office:document-meta>'
)
_OOXML_PROPERTY_PARTS = {
    "docProps/core.xml": (
        _CORE_XML,
        gettext_noop("document properties (author, last modified by, title)"),
    ),
    "docProps/app.xml": (
        _APP_XML,
        gettext_noop("application properties (company, manager, template)"),
    ),
    "docProps/custom.xml": (_CUSTOM_XML, gettext_noop("custom document properties")),
}
# Attributes that name a person in comments, tracked changes and the people parts.
_PERSON_ATTRIBUTES = re.compile(
    rb"\b((?:w|w15|w16cex|w16cid|x|x18tc)?:?(?:author|initials|userId|providerId|displayName))"
    rb'="[^"]*"'
)
_XLSX_AUTHOR = re.compile(rb"<(\w+:)?author>[^<]*</(\w+:)?author>")
_ABS_PATH = re.compile(rb"<x15ac:absPath\b[^>]*/>")
_DC_CREATOR = re.compile(rb"<dc:creator>[^<]*</dc:creator>")
_ODF_INITIALS = re.compile(rb"<meta:creator-initials>[^<]*</meta:creator-initials>")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")


def strip_metadata(extension: str, data: bytes) -> tuple[bytes, list[str]]:
    """The file without identifying metadata, and what was removed (empty if nothing was)."""
    if extension == "pdf":
        return _strip_pdf(data)
    if extension in ("docx", "xlsx"):
        return _strip_zip(data, odf=False)
    if extension == "odt":
        return _strip_zip(data, odf=True)
    return data, []


# What an Office/ODF attachment may unpack to while its metadata is removed.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def _unreadable(kind: str) -> ValidationError:
    return ValidationError(
        {
            "file": gettext(
                "This %(kind)s could not be read to remove its identifying metadata, which "
                "this anonymous call requires. Check that it opens and has no password, "
                "then upload it again."
            )
            % {"kind": kind}
        }
    )


def _strip_pdf(data: bytes) -> tuple[bytes, list[str]]:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject, TextStringObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _unreadable("PDF")
        info = reader.metadata
        writer = PdfWriter(clone_from=reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _unreadable("PDF") from error
    removed: list[str] = []
    if info:
        keys = sorted(str(k).lstrip("/") for k in info)
        removed.append(gettext("PDF document information: %(keys)s") % {"keys": ", ".join(keys)})
    writer.metadata = None
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        if key in root:
            del root[NameObject(key)]
            removed.append(
                gettext("XMP metadata") if key == "/Metadata" else gettext("application data")
            )
    authors = 0
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if key in page:
                del page[NameObject(key)]
                if gettext("page metadata") not in removed:
                    removed.append(gettext("page metadata"))
        for annot_ref in page.get("/Annots", []) or []:
            annot = annot_ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                continue  # a form field's /T is its name, not an author
            if "/T" in annot:
                annot[NameObject("/T")] = TextStringObject(ANONYMOUS.decode())
                authors += 1
    if authors:
        removed.append(gettext("authors of comments and annotations"))
    # Removed dictionaries would otherwise still be written as unreferenced objects.
    writer.compress_identical_objects()  # also drops unreferenced objects
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), removed


def _strip_image(name: str, data: bytes) -> bytes | None:
    """An embedded image re-saved without EXIF, XMP, comments or text chunks (None: unchanged)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            has_meta = bool(image.info) or bool(image.getexif())
            if not has_meta:
                return None
            image.load()
            fmt = image.format or ""
            clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only
            if "transparency" in image.info and image.mode in ("P", "L", "RGB"):
                clean.info["transparency"] = image.info["transparency"]
            if image.mode == "P":
                palette = image.getpalette()
                if palette:
                    clean.putpalette(palette)
            out = io.BytesIO()
            params = {"quality": 95} if fmt == "JPEG" else {}
            clean.save(out, format=fmt or None, **params)
            return out.getvalue()
    except Image.DecompressionBombError as error:
        raise _unreadable("image") from error
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _strip_zip(data: bytes, *, odf: bool) -> tuple[bytes, list[str]]:
    kind = "ODT" if odf else "Office"
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        entries = source.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable(kind) from error
    # Each part is read whole into memory: a document that unpacks to more than this (a
    # compression bomb within the 10 MB upload limit) is refused before anything is read.
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise _unreadable(kind)
    removed: list[str] = []

    def note(what: str) -> None:
        if what not in removed:
            removed.append(what)

    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w") as target:
            for entry in entries:
                body = source.read(entry.filename)
                name = entry.filename
                if not odf and name in _OOXML_PROPERTY_PARTS:
                    replacement, what = _OOXML_PROPERTY_PARTS[name]
                    if body != replacement:
                        body = replacement
                        note(gettext(what))
                elif odf and name == "meta.xml":
                    if body != _ODF_META:
                        body = _ODF_META
                        note(gettext("document metadata (meta.xml: author, title, dates)"))
                elif name.endswith(".xml") or name.endswith(".rels"):
                    body = _strip_xml(body, odf=odf, note=note)
                elif name.lower().endswith(_IMAGE_SUFFIXES):
                    if name.lower().startswith(("docprops/thumbnail", "thumbnails/")):
                        pass  # a picture of the first page: the body text, not metadata
                    else:
                        image = _strip_image(name, body)
                        if image is not None:
                            body = image
                            note(gettext("metadata of embedded images (EXIF, XMP, comments)"))
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = entry.compress_type
                info.external_attr = entry.external_attr
                target.writestr(info, body)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError) as error:
        raise _unreadable(kind) from error
    return out.getvalue(), removed


def _strip_xml(body: bytes, *, odf: bool, note) -> bytes:
    if odf:
        cleaned = _DC_CREATOR.sub(b"<dc:creator>Anonymous</dc:creator>", body)
        cleaned = _ODF_INITIALS.sub(b"", cleaned)
        if cleaned != body:
            note(gettext("authors of comments and tracked changes"))
        return cleaned
    cleaned = _PERSON_ATTRIBUTES.sub(lambda m: m.group(1) + b'="' + ANONYMOUS + b'"', body)
    cleaned = _XLSX_AUTHOR.sub(
        lambda m: (
            b"<" + (m.group(1) or b"") + b"author>Anonymous</" + (m.group(2) or b"") + b"author>"
        ),
        cleaned,
    )
    if cleaned != body:
        note(gettext("authors of comments and tracked changes"))
    path_free = _ABS_PATH.sub(b"", cleaned)
    if path_free != cleaned:
        note(gettext("the folder the file was saved in"))
    return path_free
