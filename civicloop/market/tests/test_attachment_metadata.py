"""Anonymous calls: attachments lose the metadata that names the vendor (review F6).

Real files of every allowed type are built here with the vendor's name where office software
puts it (PDF /Author and XMP, Word core/app/custom properties, comment and revision authors,
Excel comment authors and save path, OpenDocument meta.xml and annotation creators, EXIF of an
embedded photo, PNG text chunks). After upload and the deadline, an evaluator downloads each
one: the name is gone from every byte (zip parts decompressed), and the file still opens.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from civicloop.market import scrub, services, uploads
from civicloop.market.tests.factories import (
    close_submissions,
    declare_no_conflict,
    open_challenge,
    submit,
)

NAME = "Ana Ruiz, DataCivic Labs"
PERSON = "Ana Ruiz"
COMPANY = "DataCivic"


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8298] = f"(c) {NAME}"  # Copyright
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=NAME.encode())
    return out.getvalue()


def _png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", NAME)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def make_pdf() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=300)
    writer.add_metadata(
        {"/Author": NAME, "/Title": f"Offer by {NAME}", "/Creator": f"{COMPANY} Word"}
    )
    xmp = DecodedStreamObject()
    xmp.set_data(
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
        + NAME.encode()
        + b"</dc:creator>"
        b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 30, 30)]),
            NameObject("/Contents"): TextStringObject("Check the budget line."),
            NameObject("/T"): TextStringObject(NAME),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-'
    'properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator>{NAME}</dc:creator><cp:lastModifiedBy>{PERSON}</cp:lastModifiedBy>"
    f"<dc:title>Offer by {COMPANY}</dc:title></cp:coreProperties>"
).encode()
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    f'properties"><Company>{COMPANY} Labs</Company><Manager>{PERSON}</Manager></Properties>'
).encode()
_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Bidder">'
    f"<vt:lpwstr>{NAME}</vt:lpwstr></property></Properties>"
).encode()
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _zip(entries: dict[str, bytes], *, stored: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(
                name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def make_docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"/>',
            "word/document.xml": (
                f'<?xml version="1.0"?><w:document {_W}><w:body><w:p><w:r><w:t>Our offer'
                f'</w:t></w:r><w:ins w:id="1" w:author="{PERSON}" w:date="2026-11-30T10:00:00Z">'
                "<w:r><w:t>, revised</w:t></w:r></w:ins></w:p></w:body></w:document>"
            ).encode(),
            "word/comments.xml": (
                f'<?xml version="1.0"?><w:comments {_W}><w:comment w:id="0" '
                f'w:author="{NAME}" w:initials="AR"><w:p><w:r><w:t>Check</w:t></w:r></w:p>'
                "</w:comment></w:comments>"
            ).encode(),
            "word/people.xml": (
                '<?xml version="1.0"?><w15:people xmlns:w15="http://schemas.microsoft.com/'
                f'office/word/2012/wordml"><w15:person w15:author="{NAME}"><w15:presenceInfo '
                f'w15:providerId="AD" w15:userId="ana.ruiz@{COMPANY.lower()}.example"/>'
                "</w15:person></w15:people>"
            ).encode(),
            "word/media/image1.jpeg": _jpeg_with_exif(),
            "docProps/core.xml": _CORE,
            "docProps/app.xml": _APP,
            "docProps/custom.xml": _CUSTOM,
        }
    )


def make_xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "xl/workbook.xml": (
                '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                'spreadsheetml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-'
                'compatibility/2006" xmlns:x15ac="http://schemas.microsoft.com/office/'
                'spreadsheetml/2010/11/ac"><mc:AlternateContent><mc:Choice Requires="x15">'
                f'<x15ac:absPath url="C:\\Users\\{PERSON}\\{COMPANY} Labs\\"/></mc:Choice>'
                "</mc:AlternateContent><sheets/></workbook>"
            ).encode(),
            "xl/comments1.xml": (
                '<?xml version="1.0"?><comments xmlns="http://schemas.openxmlformats.org/'
                f'spreadsheetml/2006/main"><authors><author>{NAME}</author></authors>'
                '<commentList><comment ref="A1" authorId="0"><text><t>Check</t></text>'
                "</comment></commentList></comments>"
            ).encode(),
            "xl/persons/person.xml": (
                '<?xml version="1.0"?><personList xmlns="http://schemas.microsoft.com/office/'
                f'spreadsheetml/2018/threadedcomments"><person displayName="{NAME}" '
                'id="{1}" userId="ana" providerId="None"/></personList>'
            ).encode(),
            "docProps/core.xml": _CORE,
            "docProps/app.xml": _APP,
        }
    )


def make_odt() -> bytes:
    office = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    meta_ns = 'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            "meta.xml": (
                f'<?xml version="1.0"?><office:document-meta {office} {dc} {meta_ns}>'
                f"<office:meta><meta:initial-creator>{NAME}</meta:initial-creator>"
                f"<dc:creator>{PERSON}</dc:creator><dc:title>Offer by {COMPANY}</dc:title>"
                "</office:meta></office:document-meta>"
            ).encode(),
            "content.xml": (
                f'<?xml version="1.0"?><office:document-content {office} {dc} {meta_ns} '
                'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
                "<office:text><text:p>Our offer<office:annotation>"
                f"<dc:creator>{NAME}</dc:creator><meta:creator-initials>AR"
                "</meta:creator-initials><text:p>Check</text:p></office:annotation>"
                "</text:p></office:text></office:body></office:document-content>"
            ).encode(),
            "Pictures/photo.png": _png_with_text(),
        },
        stored=("mimetype",),
    )


CSV = f"item,cost\nresearch by {COMPANY},1000\n".encode()
FILES = {
    "pdf": make_pdf,
    "docx": make_docx,
    "xlsx": make_xlsx,
    "odt": make_odt,
}


def every_byte(data: bytes) -> bytes:
    """The file's bytes and, for a zip, every part decompressed (names hide in deflate)."""
    if not data.startswith(b"PK"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return data + b"".join(archive.read(n) for n in archive.namelist())


def assert_opens(extension: str, data: bytes) -> None:
    assert uploads.check_upload(f"offer.{extension}", data) == extension
    if extension == "pdf":
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1
        annots = reader.pages[0]["/Annots"].get_object()
        assert annots[0].get_object()["/Contents"] == "Check the budget line."  # type: ignore[index]
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            part = archive.read(name)
            if name.endswith(".xml") or name.endswith(".rels"):
                ElementTree.fromstring(part)  # noqa: S314 (our own test file, well-formed?)
            elif name.endswith((".jpeg", ".png")):
                with Image.open(io.BytesIO(part)) as image:
                    image.load()
                    assert image.size == (8, 8)
        if extension == "odt":
            first = archive.infolist()[0]
            assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)


@pytest.mark.parametrize("extension", sorted(FILES))
def test_built_files_name_the_vendor_before_upload(extension):
    # Guard for the test itself: the fixtures really carry the identity.
    assert PERSON.encode() in every_byte(FILES[extension]())


@pytest.mark.parametrize("extension", sorted(FILES))
def test_anonymous_call_strips_identity_from_every_allowed_type(world, extension):
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anonymous plan")
    vendor = world.client("vendor")
    response = vendor.post(
        f"/api/v1/market/proposals/{proposal.pk}/files",
        {"file": SimpleUploadedFile(f"{COMPANY} offer.{extension}", FILES[extension]())},
    )
    assert response.status_code == 201, response.content
    close_submissions(challenge, world=world)
    declare_no_conflict(world, proposal)
    file_id = response.json()["id"]
    for role in ("evaluator", "auditor", "staff"):
        download = world.client(role).get(f"/api/v1/market/proposal-files/{file_id}")
        assert download.status_code == 200
        data = download.content
        for needle in (PERSON, COMPANY, "AR<", 'initials="AR"'):
            assert needle.encode() not in every_byte(data), (role, extension, needle)
        assert_opens(extension, data)
    removed = response.json()["metadata_removed"]
    assert removed, "the vendor is told what was removed"
    # The stored bytes are the cleaned ones (hash and size recorded of what is kept).
    record = proposal.files.get()
    assert record.size == len(data)
    assert record.metadata_removed == removed


def test_what_was_removed_is_named(world):
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anonymous plan")
    actor = world.principal("vendor")
    pdf = services.proposal_file_add(actor=actor, proposal=proposal, name="a.pdf", data=make_pdf())
    assert pdf.metadata_removed == [
        "PDF document information: Author, Creator, Producer, Title",
        "XMP metadata",
        "authors of comments and annotations",
    ]
    docx = services.proposal_file_add(
        actor=actor, proposal=proposal, name="b.docx", data=make_docx()
    )
    assert "document properties (author, last modified by, title)" in docx.metadata_removed
    assert "metadata of embedded images (EXIF, XMP, comments)" in docx.metadata_removed
    assert "authors of comments and tracked changes" in docx.metadata_removed
    # The vendor sees it on its proposal page.
    page = world.client("vendor").get(f"/market/proposals/{proposal.pk}/").content.decode()
    assert "metadata removed:" in page and "XMP metadata" in page


def test_csv_needs_nothing_and_open_calls_keep_the_original_bytes(world):
    anonymous, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, anonymous, phase, world.company, "anonymous plan")
    actor = world.principal("vendor")
    csv_file = services.proposal_file_add(actor=actor, proposal=proposal, name="c.csv", data=CSV)
    assert (csv_file.metadata_removed, csv_file.size) == ([], len(CSV))
    named, phase2 = open_challenge(world, title="A call with named bidders")
    own = submit(world, named, phase2, world.company, "named plan")
    original = make_pdf()
    kept = services.proposal_file_add(actor=actor, proposal=own, name="d.pdf", data=original)
    assert kept.metadata_removed == []
    close_submissions(named, world=world)
    declare_no_conflict(world, own)
    download = world.client("evaluator").get(f"/api/v1/market/proposal-files/{kept.pk}")
    assert download.content == original


def test_an_unreadable_pdf_is_refused_for_an_anonymous_call(world):
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anonymous plan")
    response = world.client("vendor").post(
        f"/api/v1/market/proposals/{proposal.pk}/files",
        {"file": SimpleUploadedFile("broken.pdf", b"%PDF-1.4\nnot really a pdf\n%%EOF\n")},
    )
    assert response.status_code == 422
    assert "file" in response.json()["detail"]
    assert "could not be read" in response.json()["detail"]
    assert not proposal.files.exists()


def test_the_upload_form_tells_the_vendor_before_uploading(world):
    challenge, _ = open_challenge(world, anonymous=True)
    page = world.client("vendor").get(f"/market/challenges/{challenge.pk}/propose/")
    text = page.content.decode()
    assert "we remove its identifying metadata" in text
    assert "At most 5 attachments per proposal, 25 MB in all" in text


def test_the_property_parts_are_named_in_spanish():
    # The three OOXML property labels were plain literals: never extracted, always English.
    from django.utils import translation

    from civicloop.market.scrub import strip_metadata

    with translation.override("es"):
        _, removed = strip_metadata("docx", make_docx())
    assert "propiedades del documento (autor, última modificación por, título)" in removed
    assert not any(line.startswith("document properties") for line in removed)


def test_an_office_file_that_unpacks_beyond_the_limit_is_refused(world, settings, monkeypatch):
    # A compression bomb: small on upload, huge once unpacked. The limit is lowered so the test
    # needs no large file; the check is on the sizes the zip declares, before reading a part.
    monkeypatch.setattr(scrub, "MAX_UNPACKED_BYTES", 1024 * 1024)
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anonymous plan")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (2 * 1024 * 1024))
    response = world.client("vendor").post(
        f"/api/v1/market/proposals/{proposal.pk}/files",
        {"file": SimpleUploadedFile("plan.docx", packed.getvalue())},
    )
    assert response.status_code == 422
    assert "could not be read" in response.json()["detail"]
    assert not proposal.files.exists()
