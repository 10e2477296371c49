"""File import in the administrator's pages: CSV and Excel, a preview with a Danish reason per bad
row, applied through the same upserts as the API, nothing applied from a file with bad rows unless
the administrator accepts the valid ones, the file kept and the import logged."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from haandguide.models import AccessLog, Child
from integrations.models import ImportFile
from tests import factories
from tests.integration_fixtures import mapped  # noqa: F401

pytestmark = pytest.mark.django_db
ADD = "admin:integrations_importfile_add"


def csv_file(lines, name="boern.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, "\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="boern.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


GOOD, OTHER, BAD = factories.cpr_number(), factories.cpr_number(), "3113224123"
HEADER = "Eksternt id;CPR;Fornavn;Efternavn;Institution;Startdato;Ophørsdato"


def upload(client, file, kind="children"):
    return client.post(reverse(ADD), {"kind": kind, "file": file})


def test_a_clean_csv_is_previewed_then_applied_and_reported(client_for, admin_user, mapped):
    client = client_for(admin_user)
    response = upload(client, csv_file([HEADER, f"C1;{GOOD};Ida;Holm;INST-SOL;01-08-2024;",
                                        f"C2;{OTHER};Aksel;Holm;INST-REG;2024-08-01;"]))
    record = ImportFile.objects.get()
    assert response.status_code == 302 and Child.objects.count() == 0
    page = client.get(reverse("admin:integrations_importfile_change", args=[record.pk])).content.decode()
    assert "Forhåndsvisning: 2 oprettes" in page
    assert record.file.name.startswith("imports/") and "boern" not in record.file.name  # kept, random name
    client.post(reverse("admin:integrations_importfile_apply", args=[record.pk]), {})
    record.refresh_from_db()
    assert record.status == "anvendt" and Child.objects.count() == 2
    assert AccessLog.objects.filter(object_type="importfile", action="ret", user=admin_user).exists()
    assert AccessLog.objects.filter(object_type="child", action="opret", actor_kind="admin").count() == 2
    # The same file again changes nothing.
    upload(client, csv_file([HEADER, f"C1;{GOOD};Ida;Holm;INST-SOL;01-08-2024;",
                             f"C2;{OTHER};Aksel;Holm;INST-REG;2024-08-01;"]))
    again = ImportFile.objects.latest("pk")
    assert [r["status"] for r in again.report["preview"]] == ["uaendret", "uaendret"]


def test_a_file_with_bad_rows_applies_nothing_unless_the_valid_rows_are_accepted(client_for, admin_user, mapped):
    client = client_for(admin_user)
    upload(client, xlsx_file([["Eksternt id", "CPR", "Fornavn", "Efternavn", "Institution", "Startdato"],
                              ["C1", GOOD, "Ida", "Holm", "INST-SOL", "2024-08-01"],
                              ["C2", BAD, "Aksel", "Holm", "INST-SOL", "2024-08-01"]]))
    record = ImportFile.objects.get()
    page = client.get(reverse("admin:integrations_importfile_change", args=[record.pk])).content.decode()
    assert "De første 6 cifre i CPR-nummeret er ikke en gyldig dato" in page
    response = client.post(reverse("admin:integrations_importfile_apply", args=[record.pk]), {}, follow=True)
    assert "Intet er anvendt" in response.content.decode() and Child.objects.count() == 0
    record.refresh_from_db()
    assert record.status == "forhaandsvist"
    assert AccessLog.objects.filter(action="naegtet", object_type="importfile").exists()
    client.post(reverse("admin:integrations_importfile_apply", args=[record.pk]), {"accept_valid": "on"})
    assert list(Child.objects.values_list("cpr", flat=True)) == [GOOD]


def test_an_unreadable_file_is_refused_with_a_danish_reason_and_the_form_shown_again(client_for, admin_user):
    client = client_for(admin_user)
    response = upload(client, SimpleUploadedFile("boern.xlsx", b"not a zip"))
    assert response.status_code == 400 and "Filens indhold passer ikke til filtypen." in response.content.decode()
    response = upload(client, SimpleUploadedFile("boern.txt", b"a;b"))
    assert response.status_code == 400 and "CSV-fil" in response.content.decode()
    assert ImportFile.objects.count() == 0


def test_a_csv_in_windows_encoding_with_commas_is_read(client_for, admin_user, mapped):
    client = client_for(admin_user)
    upload(client, csv_file([HEADER.replace(";", ","), f"C1,{GOOD},Søren,Ærø,INST-SOL,01-08-2024,"],
                            encoding="cp1252"))
    preview = ImportFile.objects.get().report["preview"]
    assert [r["status"] for r in preview] == ["oprettet"]


def test_only_administrators_import(client_for, lars):
    response = client_for(lars).get(reverse(ADD))
    assert response.status_code == 302 and "login" in response["Location"]
