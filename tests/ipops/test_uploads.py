"""Uploaded files (`ipops.uploads`): refused by what they are, not what they are called; stored where no
static route reaches; handed out as attachments that browsers do not sniff."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from ipops import uploads
from ipops.errors import ApplicationError
from ipops.uploads import UploadErrorCode


def pdf(*, encrypt: bool = False, script: str = "") -> bytes:
    """A one-page PDF; `script`: "names" (document JavaScript), "open" (an OpenAction), "link" (a link
    annotation's action)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    if script == "names":
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif script == "open":
        writer._root_object[NameObject("/OpenAction")] = action
    elif script == "link":
        writer.add_annotation(
            page_number=0,
            annotation=DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 100, 100)]),
                    NameObject("/A"): action,
                }
            ),
        )
    if encrypt:
        writer.encrypt(user_password="", owner_password="owner-secret")  # noqa: S106 - a test fixture
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png() -> bytes:
    """A 1×1 white PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def office(member: str) -> bytes:
    """A zip; with `word/document.xml` inside, what filetype reads as a .docx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(content: bytes, name: str = "证明材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def refusal(content: bytes, name: str = "证明材料.pdf", **options) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        uploads.check_upload(upload(content, name), **options)
    return caught.value


def test_an_oversized_file_is_refused_with_413_before_it_is_read():
    big = upload(b"%PDF-1.7\n" + b"0" * uploads.MAX_BYTES)
    with pytest.raises(ApplicationError) as caught:
        uploads.check_upload(big)
    error = caught.value
    assert (error.status, error.code) == (413, UploadErrorCode.FILE_TOO_LARGE)
    assert error.fields["file"][0]["code"] == UploadErrorCode.FILE_TOO_LARGE


def test_a_stream_that_hides_its_size_is_cut_off_at_the_limit():
    stream = io.BytesIO(pdf() + b"\n%" + b"0" * 100)  # no declared size: read one byte past the limit
    stream.name = "a.pdf"
    with pytest.raises(ApplicationError) as caught:
        uploads.check_upload(stream, max_bytes=len(pdf()))
    assert (caught.value.status, caught.value.code) == (413, UploadErrorCode.FILE_TOO_LARGE)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "setup.exe"),
        (EXE, "营业执照.pdf"),
        (office("word/document.xml"), "合同.pdf"),
        (office("notes.txt"), "发票.pdf"),
        (b"%PDF is what this text starts with? no: plain text", "说明.png"),
        (b"just some text", "scan.jpg"),
    ],
    ids=["exe", "exe-renamed-pdf", "docx-renamed-pdf", "zip-renamed-pdf", "text-renamed-png", "text-as-jpg"],
)
def test_the_type_is_read_from_the_content_not_the_name(content, name):
    error = refusal(content, name)
    if content.startswith(b"%PDF"):
        # Starts like a PDF, so it is one by type; pypdf cannot read it.
        assert error.code == UploadErrorCode.FILE_UNREADABLE
    else:
        assert (error.status, error.code) == (400, UploadErrorCode.FILE_TYPE_NOT_ALLOWED)
        assert error.fields["file"][0]["code"] == UploadErrorCode.FILE_TYPE_NOT_ALLOWED


def test_a_kind_the_caller_does_not_allow_is_refused():
    assert refusal(png(), "a.png", allowed=("pdf",)).code == UploadErrorCode.FILE_TYPE_NOT_ALLOWED


def test_an_empty_file_is_refused():
    assert refusal(b"").code == UploadErrorCode.FILE_EMPTY


def test_an_encrypted_pdf_is_refused():
    error = refusal(pdf(encrypt=True))
    assert (error.status, error.code) == (400, UploadErrorCode.PDF_ENCRYPTED)


@pytest.mark.parametrize("where", ["names", "open", "link"])
def test_a_pdf_with_javascript_is_refused(where):
    error = refusal(pdf(script=where))
    assert (error.status, error.code) == (400, UploadErrorCode.PDF_HAS_JAVASCRIPT)


def test_a_pdf_pypdf_cannot_parse_is_refused():
    assert refusal(b"%PDF-1.7\n1 0 obj << /Type /Catalog").code == UploadErrorCode.FILE_UNREADABLE


def test_a_clean_pdf_and_a_png_pass_with_their_hash_and_their_real_type():
    document = pdf()
    checked = uploads.check_upload(upload(document, "dir/../授权书.PDF"))
    assert (checked.kind, checked.mime, checked.size) == ("pdf", "application/pdf", len(document))
    assert checked.sha256 == hashlib.sha256(document).hexdigest()
    assert checked.name == "授权书.pdf"
    image = png()
    # Named .pdf, it is a PNG: accepted as what it is, and offered under its real extension.
    checked = uploads.check_upload(upload(image, "证书扫描件.pdf"))
    assert (checked.kind, checked.mime, checked.name) == ("png", "image/png", "证书扫描件.png")
    assert checked.sha256 == hashlib.sha256(image).hexdigest() and checked.content == image


def test_a_name_cannot_smuggle_a_path_or_header_characters():
    assert uploads.safe_name('C:\\temp\\a"b\r\n.pdf', "pdf") == "a_b.pdf"
    assert uploads.safe_name("", "png") == "file.png"


@pytest.fixture
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def test_a_file_is_stored_once_by_its_hash_outside_every_static_directory(private_root):
    checked = uploads.check_upload(upload(pdf()))
    relative = uploads.store(checked, prefix="subsidies/7")
    assert relative == f"subsidies/7/{checked.sha256[:2]}/{checked.sha256}.pdf"
    stored = private_root / relative
    assert stored.read_bytes() == checked.content
    assert uploads.store(checked, prefix="subsidies/7") == relative
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary left behind
    assert finders.find(relative) is None


def test_the_default_private_root_is_outside_the_static_root_and_directories():
    root = uploads.private_root()
    for public in [Path(settings.STATIC_ROOT), *(Path(str(d)) for d in settings.STATICFILES_DIRS)]:
        public = public.resolve()
        assert public not in root.parents and root != public and root not in public.parents


def test_a_private_root_under_a_static_directory_is_refused(settings):
    settings.PRIVATE_MEDIA_ROOT = Path(settings.STATIC_ROOT) / "private"
    with pytest.raises(ImproperlyConfigured):
        uploads.private_root()
    settings.PRIVATE_MEDIA_ROOT = Path(str(settings.STATICFILES_DIRS[0])) / "evidence"
    with pytest.raises(ImproperlyConfigured):
        uploads.store(uploads.check_upload(upload(pdf())), prefix="subsidies/1")


def test_a_download_is_an_attachment_never_sniffed_and_never_outside_the_root(private_root):
    from django.http import Http404

    relative = uploads.store(uploads.check_upload(upload(png(), "a.png")), prefix="subsidies/1")
    response = uploads.download(relative, filename="营业执照.png", mime="image/png")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == png()
    response.close()
    (private_root.parent / "secret.txt").write_text("not ours")
    for outside in ("../secret.txt", "/etc/passwd", "subsidies/1/missing.pdf"):
        with pytest.raises(Http404):
            uploads.download(outside, filename="x", mime="application/pdf")
