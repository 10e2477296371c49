"""Small plain factories: each makes one valid object and takes overrides as keywords."""

from __future__ import annotations

import datetime
import itertools

from haandguide.models import Child, District, Institution, Municipality, Role, User

_serial = itertools.count(1)


def municipality(**kw) -> Municipality:
    kw.setdefault("name", f"Testkommune {next(_serial)}")
    return Municipality.objects.create(**kw)


def district(municipality_obj=None, **kw) -> District:
    kw.setdefault("name", f"Distrikt {next(_serial)}")
    return District.objects.create(municipality=municipality_obj or municipality(), **kw)


def institution(district_obj=None, **kw) -> Institution:
    kw.setdefault("name", f"Børnehus {next(_serial)}")
    return Institution.objects.create(district=district_obj or district(), **kw)


def cpr_number(birth: datetime.date | None = None) -> str:
    """A valid CPR for a child born in 2000–2036 (7th digit 4), unique per call."""
    birth = birth or datetime.date(2022, 3, 14)
    return f"{birth:%d%m%y}4{next(_serial) % 1000:03d}"


def child(institution_obj=None, **kw) -> Child:
    kw.setdefault("first_name", "Alma")
    kw.setdefault("last_name", f"Testbarn{next(_serial)}")
    kw.setdefault("cpr", cpr_number())
    return Child.objects.create(institution=institution_obj or institution(), **kw)


def user(role=Role.PAEDAGOG, *, institutions=(), districts=(), municipality_obj=None, **kw) -> User:
    kw.setdefault("username", f"{role}-{next(_serial)}")
    kw.setdefault("first_name", role.capitalize())
    kw.setdefault("email", f"{kw['username']}@example.dk")
    if municipality_obj is None:
        source = list(institutions)[:1] or list(districts)[:1]
        if source:
            first = source[0]
            municipality_obj = first.district.municipality if isinstance(first, Institution) else first.municipality
    obj = User.objects.create_user(role=role, municipality=municipality_obj, password="korrekt-hest-batteri", **kw)
    obj.institutions.set(institutions)
    obj.districts.set(districts)
    return obj


# --- files: real ones, as the upload checks parse them (haandguide/lib/files.py) ----------------


def pdf_bytes(pages: int = 1) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(parts=("[Content_Types].xml", "word/document.xml", "_rels/.rels")) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in parts:
            archive.writestr(part, "<?xml version='1.0' encoding='UTF-8'?><x/>")
    return out.getvalue()


def image_bytes(kind: str = "PNG") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, kind)
    return out.getvalue()
