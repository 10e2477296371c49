"""Uploaded documents: the types we accept, checked by extension, size and first bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError

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
        raise ValidationError("Filens indhold passer ikke til filtypen.")
    upload.content_type = content_type
    return upload


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
