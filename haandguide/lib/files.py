"""Uploaded documents: the types we accept, and the one way every stored file is named.

A file is checked by extension, size, first bytes and then by parsing it where a well-kept library
can: a PDF with pypdf, a Word document as a zip holding OOXML (stdlib zipfile), an image with
Pillow. A renamed or broken file is refused with a Danish reason before anything is stored.

Every FileField stores under `upload_to=RandomName(folder)`: a random file name, so nothing of the child or
of the original name (often the child's) is on disk. The original name is kept in a field beside
the file, for the page and the download's Content-Disposition.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

MAX_BYTES = 10 * 1024 * 1024
# Accepted types and the bytes each must start with, so a renamed file is refused.
ACCEPTED = {
    ".pdf": ("application/pdf", [b"%PDF-"]),
    ".png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    ".jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    ".jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", [b"PK\x03\x04"]),
}
HELP_TEXT = "PDF, PNG, JPEG eller Word (docx), højst 10 MB."
WRONG_CONTENT = "Filens indhold passer ikke til filtypen."
_SUFFIX = re.compile(r"\.[a-z0-9]{1,9}")


@deconstructible
class RandomName:
    """`upload_to` for every FileField: <folder>/<year>/<month>/<32 random hex digits><.suffix>."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        suffix = Path(filename).suffix.lower()
        suffix = suffix if _SUFFIX.fullmatch(suffix) else ""
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


def original_name(upload) -> str:
    """The name the person's file had, for display and download (never for the path on disk)."""
    return Path(upload.name).name[:255]


def validate_upload(upload):
    """Check an uploaded file and set its trusted content type; raises a Danish ValidationError."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ACCEPTED:
        raise ValidationError("Filtypen er ikke tilladt. Brug PDF, PNG, JPEG eller docx.")
    if upload.size > MAX_BYTES:
        raise ValidationError("Filen er for stor (højst 10 MB).")
    content_type, signatures = ACCEPTED[suffix]
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(WRONG_CONTENT)
    try:
        _PARSERS[suffix](upload)
    finally:
        upload.seek(0)
    upload.content_type = content_type
    return upload


def _check_pdf(upload) -> None:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file is our answer, not a log line
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            return  # its structure was read; the pages are locked behind a password
        if len(reader.pages) < 1:
            raise ValidationError("PDF-filen har ingen sider.")
    except ValidationError:
        raise
    except Exception:  # pypdf raises several kinds for a damaged or fake file
        raise ValidationError("Filen er ikke en gyldig PDF. Gem den som PDF igen, og prøv på ny.") from None


def _check_docx(upload) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    if not {"[Content_Types].xml", "word/document.xml"} <= names:
        raise ValidationError("Filen er ikke et gyldigt Word-dokument (docx).")


def _image_checker(expected_format: str):
    def check(upload) -> None:
        from PIL import Image

        try:
            with Image.open(upload) as image:
                found = image.format
                image.verify()
        except Exception:  # Pillow raises several kinds for a damaged, fake or oversized image
            raise ValidationError("Billedet kan ikke læses. Gem det igen som PNG eller JPEG.") from None
        if found != expected_format:
            raise ValidationError(WRONG_CONTENT)

    return check


_PARSERS = {".pdf": _check_pdf, ".docx": _check_docx, ".png": _image_checker("PNG"),
            ".jpg": _image_checker("JPEG"), ".jpeg": _image_checker("JPEG")}


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
