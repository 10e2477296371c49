"""File import for municipalities without an integration platform: a CSV or Excel sheet of
institutions, children or custodians, read into rows and run through the same upserts as the API
(integrations/sync.py): first as a dry run (the preview, with a Danish reason per bad row), then
applied. The file is kept (`ImportFile`, under a random name) with its report."""

from __future__ import annotations

import csv
import io
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.lib.files import original_name
from integrations import sync
from integrations.models import ImportFile

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000

# Column headings (lower case, as a municipality's export tends to name them) → row keys.
HEADINGS = {
    "eksternt id": "external_id", "eksternt_id": "external_id", "ekstern id": "external_id", "id": "external_id",
    "cpr": "cpr", "cpr-nummer": "cpr", "cpr nr": "cpr",
    "fornavn": "first_name", "efternavn": "last_name", "navn": "name",
    "institution": "institution", "distrikt": "district", "type": "kind",
    "startdato": "started_at", "indskrevet": "started_at", "ophørsdato": "left_at", "ophoersdato": "left_at",
    "udskrevet": "left_at", "barn": "child", "relation": "relation", "e-mail": "email", "email": "email",
    "telefon": "phone", "forældremyndighed": "has_custody", "foraeldremyndighed": "has_custody",
}
KINDS = {"children": "Børn", "institutions": "Institutioner", "custody": "Forældremyndighed"}


def read_upload(upload) -> list[dict]:
    if upload.size > MAX_BYTES:
        raise ValidationError("Filen er større end 10 MB.")
    upload.seek(0)
    return read_rows(upload.read(), original_name(upload))


def read_rows(data: bytes, name: str) -> list[dict]:
    """The sheet's rows as dicts keyed by our names; a ValidationError (Danish) if unreadable."""
    name = name.lower()
    if name.endswith(".xlsx"):
        table = _xlsx(data)
    elif name.endswith(".csv"):
        table = _csv(data)
    else:
        raise ValidationError("Vælg en CSV-fil (.csv) eller en Excel-fil (.xlsx).")
    if not table:
        raise ValidationError("Filen er tom.")
    header = [HEADINGS.get(str(h or "").strip().lower(), "") for h in table[0]]
    if not any(header):
        raise ValidationError("Første række skal være overskrifter, fx «Eksternt id», «CPR», «Fornavn».")
    rows = [{k: v for k, v in zip(header, line) if k} for line in table[1:] if any(str(v or "").strip() for v in line)]
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"Filen har mere end {MAX_ROWS:,} rækker; del den op.".replace(",", "."))
    return rows


def _csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise ValidationError("Filen er ikke en tekstfil (CSV).")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    try:
        return [line for line in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise ValidationError("CSV-filen kan ikke læses.") from None


def _xlsx(data: bytes) -> list[list]:
    import openpyxl

    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError("Filens indhold passer ikke til filtypen.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = [list(line) for line in sheet.iter_rows(values_only=True)]
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise ValidationError("Excel-filen kan ikke læses.") from None
    return table


def import_preview(*, actor: Actor, municipality, kind: str, upload) -> ImportFile:
    """Read the file, keep it, and record what applying it would do, row by row. Nothing else changes."""
    rows = read_upload(upload)
    upload.seek(0)
    record = ImportFile(municipality=municipality, uploaded_by=actor.user, original_name=original_name(upload))
    record.file.save(record.original_name, upload, save=False)
    results = sync.UPSERTS[kind](rows, actor=actor, municipality=municipality, dry_run=True)
    record.report = {"kind": kind, "preview": [r.as_dict() for r in results]}
    record.save()
    log_access(actor, Action.CREATE, record, municipality_id=municipality.pk,
               detail=f"Fil indlæst til forhåndsvisning: {KINDS[kind]}, {len(rows)} rækker")
    return record


def import_apply(*, actor: Actor, record_id: int, accept_valid: bool) -> ImportFile:
    """Apply the kept file (read again, so what is applied is what was kept). With refused rows,
    nothing is applied unless the administrator accepted applying the valid ones."""
    with transaction.atomic():
        record = ImportFile.objects.select_for_update().select_related("municipality").get(pk=record_id)
        if record.status == ImportFile.Status.APPLIED:
            return record
        kind = record.report["kind"]
        with record.file.open("rb") as handle:
            rows = read_rows(handle.read(), record.original_name)
        results = sync.UPSERTS[kind](rows, actor=actor, municipality=record.municipality,
                                     mode="rows" if accept_valid else "all")
        if not accept_valid and any(r.status == sync.REFUSED for r in results):
            log_access(actor, Action.REFUSED, record, municipality_id=record.municipality_id,
                       detail="Nægtet [import_has_refused_rows]: filen har afviste rækker; intet anvendt")
            return record
        record.report = {**record.report, "applied": [r.as_dict() for r in results]}
        record.status, record.applied_at = ImportFile.Status.APPLIED, timezone.now()
        record.save(update_fields=["report", "status", "applied_at"])
        counts = summary(results)
        log_access(actor, Action.UPDATE, record, municipality_id=record.municipality_id,
                   detail="Fil anvendt: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return record


def summary(results) -> dict[str, int]:
    counts = {s: 0 for s in (sync.CREATED, sync.CHANGED, sync.UNCHANGED, sync.REFUSED)}
    for r in results:
        counts[r.status if isinstance(r, sync.RowResult) else r["status"]] += 1
    return counts
