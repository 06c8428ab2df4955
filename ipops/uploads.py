"""Files people upload (evidence for a claim, and any other app's): checked by what they are, stored where
nothing serves them, handed out only by a view that has checked who asks.

- `check_upload(file, allowed=…, max_bytes=…)` reads the upload once and refuses it, before anything is
  written, when it is too large (413), when its first bytes are not one of the allowed kinds whatever its
  name says (an .exe or a .docx renamed .pdf), and when a PDF is encrypted (its content cannot be checked
  or shown to reviewers), carries JavaScript, or cannot be parsed at all.
- `store(checked, prefix=…)` writes it under `settings.PRIVATE_MEDIA_ROOT` under its SHA-256: the same
  content is kept once, and a name never comes from the uploader.
- `download(relative, filename=…, mime=…)` streams a stored file as an attachment that browsers neither
  sniff nor render; the caller has already decided the actor may see it.

The private root is never under the static root or a static directory (WhiteNoise serves those), and no
URL maps onto it: `private_root()` refuses such a configuration.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from ipops.errors import ApplicationError, ErrorCode, ValidationFailed

#: Large enough for a scanned certificate or a contract, small enough to keep in memory while checked.
MAX_BYTES = 10 * 1024 * 1024
#: What `check_upload` accepts unless told otherwise: documents and photos of documents.
EVIDENCE_KINDS = ("pdf", "png", "jpg")


class UploadErrorCode(ErrorCode):
    """Refusals of an uploaded file itself (`ipops.uploads`)."""

    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    FILE_UNREADABLE = "file_unreadable"
    PDF_ENCRYPTED = "pdf_encrypted"
    PDF_HAS_JAVASCRIPT = "pdf_has_javascript"


class FileTooLarge(ApplicationError):
    status = 413
    code = UploadErrorCode.FILE_TOO_LARGE
    default_message = gettext_lazy("The file is too large.")


class FileRefused(ValidationFailed):
    """The file's content is not acceptable (400); its code says why."""

    code = UploadErrorCode.FILE_TYPE_NOT_ALLOWED


@dataclass(frozen=True)
class Kind:
    mime: str
    extension: str
    label: str


#: The kinds an app may allow, by the MIME type `filetype` reads from the first bytes.
KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", "pdf", "PDF"),
    "png": Kind("image/png", "png", "PNG"),
    "jpg": Kind("image/jpeg", "jpg", "JPEG"),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel (.xlsx)"
    ),
}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: its content, what it is, and a safe name to offer it under."""

    name: str
    kind: str
    mime: str
    size: int
    sha256: str
    content: bytes


def _refuse(code: UploadErrorCode, detail: str, field: str, error=FileRefused) -> ApplicationError:
    return error(detail, code=code, fields={field: [{"code": code, "detail": detail}]})


def _too_large(max_bytes: int, field: str) -> ApplicationError:
    detail = _("The file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / (1024 * 1024):g}"}
    return _refuse(UploadErrorCode.FILE_TOO_LARGE, detail, field, FileTooLarge)


def _read(file, max_bytes: int, field: str) -> bytes:
    """The whole upload, refused as soon as it is known to be too large (by its declared size before a
    byte is read, else after reading one byte past the limit: a declared size can lie)."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes, field)
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(max_bytes, field)
    return content


def check_upload(
    file, *, allowed: tuple[str, ...] = EVIDENCE_KINDS, max_bytes: int = MAX_BYTES, field: str = "file"
) -> CheckedFile:
    """`file` (a Django upload, or any object with `read` and `name`) if its content is one of the `allowed`
    kinds and passes that kind's checks; otherwise the refusal, naming `field`. Nothing is written."""
    content = _read(file, max_bytes, field)
    if not content:
        raise _refuse(UploadErrorCode.FILE_EMPTY, _("The file is empty."), field)
    guessed = filetype.guess(content)
    kind = next(
        (key for key in allowed if guessed is not None and KINDS[key].mime == guessed.mime),
        None,
    )
    if kind is None:
        raise _refuse(
            UploadErrorCode.FILE_TYPE_NOT_ALLOWED,
            _("Upload a file of one of these types: %(kinds)s. This file's content is not one of them.")
            % {"kinds": ", ".join(KINDS[k].label for k in allowed)},
            field,
        )
    if kind == "pdf":
        _check_pdf(content, field)
    return CheckedFile(
        name=safe_name(getattr(file, "name", "") or "", KINDS[kind].extension),
        kind=kind,
        mime=KINDS[kind].mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def safe_name(original: str, extension: str) -> str:
    """The uploader's file name without any directory, control characters or quotes, at most 120
    characters, ending in the extension of what the file really is (a PDF named .png is offered as .pdf)."""
    base = str(original).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = re.sub(r'["<>|:*?]', "_", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'file')[:110]}.{extension}"


# --- PDFs --------------------------------------------------------------------------------------------

#: Keys that only a JavaScript action or the document's JavaScript name tree carries.
_JAVASCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
#: Where scripts hide besides the catalog's /Names and /OpenAction: every object reachable from the
#: catalog is walked (pages' and annotations' /A and /AA, form fields, /Next chains), so this is a ceiling
#: on the walk for hostile files, far above what a real document holds.
_MAX_PDF_OBJECTS = 200_000


def _check_pdf(content: bytes, field: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise _refuse(
                UploadErrorCode.PDF_ENCRYPTED,
                _("This PDF is encrypted or password-protected. Upload it without protection."),
                field,
            )
        scripted = _has_javascript(reader.trailer["/Root"])
    except ApplicationError:
        raise
    except Exception as exc:  # pypdf fails on a malformed file in many ways: none of them can be vouched for
        raise _refuse(
            UploadErrorCode.FILE_UNREADABLE,
            _("This PDF cannot be read. Save or print it again as PDF."),
            field,
        ) from exc
    if scripted:
        raise _refuse(
            UploadErrorCode.PDF_HAS_JAVASCRIPT,
            _("This PDF contains JavaScript. Print it again as PDF without scripts, then upload it."),
            field,
        )


def _has_javascript(catalog) -> bool:
    """True when any dictionary reachable from the catalog is a JavaScript action (/S /JavaScript, /JS) or
    a JavaScript name tree: the catalog's /Names, /OpenAction and /AA, pages, annotations, form fields."""
    seen: set[tuple[int, int]] = set()
    stack = [catalog]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        walked += 1
        if walked > _MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            if _JAVASCRIPT_KEYS & set(node.keys()) or node.get("/S") == NameObject("/JavaScript"):
                return True
            # A page's /Parent leads back up the tree: already walked, skipped by `seen`.
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


# --- storage -----------------------------------------------------------------------------------------

_PREFIX = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


def private_root() -> Path:
    """`settings.PRIVATE_MEDIA_ROOT`, refused when it lies under anything the static files are served from."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT), *(Path(str(d)) for d in settings.STATICFILES_DIRS)]
    for public in served:
        public = public.resolve()
        if root == public or public in root.parents or root in public.parents:
            raise ImproperlyConfigured(
                f"PRIVATE_MEDIA_ROOT ({root}) must not overlap a static directory ({public})."
            )
    return root


def store(checked: CheckedFile, *, prefix: str) -> str:
    """Write `checked` under the private root as `<prefix>/<sha256[:2]>/<sha256>.<ext>` and return that
    relative path. The same content is written once; a file is replaced atomically, never half-written."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"storage prefix {prefix!r}: lower-case words separated by /")
    relative = PurePosixPath(prefix, checked.sha256[:2], f"{checked.sha256}.{KINDS[checked.kind].extension}")
    target = private_root() / relative
    if target.is_file() and target.stat().st_size == checked.size:
        return str(relative)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(checked.content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(relative)


def stored_path(relative: str) -> Path:
    """The absolute path of a stored file; a path leading out of the private root is no file of ours."""
    root = private_root()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404("no such stored file")
    return path


def download(relative: str, *, filename: str, mime: str) -> FileResponse:
    """A stored file as an attachment: never rendered inline, never sniffed into another type, not cached
    by shared caches. Call it only after checking the actor may see what the file belongs to."""
    response = FileResponse(
        stored_path(relative).open("rb"), as_attachment=True, filename=filename, content_type=mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
