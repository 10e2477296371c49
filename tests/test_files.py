"""Stored files: random names on disk for every FileField, the original name kept for download,
and uploads checked by parsing them (pypdf, zipfile, Pillow), not only by their first bytes."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from cases.defaults import seed_case_configuration
from cases.models import Attachment, Observation, ObservationType
from districtcouncil.models import Submission, SubmissionDocument
from haandguide.lib.files import RandomName, validate_upload
from tests import factories
from tests.case_fixtures import guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import case, config, local, meeting_at  # noqa: F401

RANDOM = r"{folder}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}{suffix}"
PDF = factories.pdf_bytes()
DOCX = factories.docx_bytes()


def test_every_file_field_in_every_app_gets_a_random_name_and_keeps_the_original_beside_it():
    file_fields = [(model, field) for model in apps.get_models() for field in model._meta.get_fields()
                   if isinstance(field, models.FileField)]
    assert {(model.__name__, field.name) for model, field in file_fields} >= {
        ("Attachment", "file"), ("Submission", "signed_form"), ("SubmissionDocument", "file")}
    for model, field in file_fields:
        assert isinstance(field.upload_to, RandomName), f"{model.__name__}.{field.name}"
        names = {f.name for f in model._meta.get_fields()}
        assert "original_name" in names or f"{field.name}_name" in names, f"{model.__name__}.{field.name}"


def test_the_random_name_keeps_nothing_of_the_original_but_a_clean_suffix():
    name = RandomName("submissions")
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=r"\.pdf"), name(None, "Alma Jensen PPR.PDF"))
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=""), name(None, "notat.p<d>f"))
    assert name(None, "a.pdf") != name(None, "a.pdf")


@pytest.fixture
def observation_type(municipality):
    seed_case_configuration(municipality)
    return ObservationType.objects.get(municipality=municipality, name="Pædagogisk iagttagelse")


def test_an_attachment_is_stored_under_a_random_name_and_downloads_under_its_own(client_for, alice, alma,
                                                                                  observation_type):
    client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": observation_type.pk, "observed_on": "2026-11-20", "text": "Med bilag",
        "attachment": SimpleUploadedFile("Alma Jensen notat.pdf", PDF)})
    attachment = Attachment.objects.get()
    assert re.fullmatch(RANDOM.format(folder="observations", suffix=r"\.pdf"), attachment.file.name)
    assert attachment.original_name == "Alma Jensen notat.pdf"
    download = client_for(alice).get(reverse("cases:attachment", args=[alma.pk, attachment.pk]))
    assert 'filename="Alma Jensen notat.pdf"' in download["Content-Disposition"]


def test_submission_files_are_stored_under_random_names(client_for, lars, case, config):
    meeting = meeting_at(config, local(2027, 3, 11, 13, 0))
    response = client_for(lars).post(reverse("districtcouncil:submission_create"), {
        "meeting": meeting.pk, "child": case.child_id, "kind": Submission.Kind.RESSOURCEVURDERING,
        "track": Submission.Track.WITH_CPR, "description": "Brug for støtte",
        "signed_form": SimpleUploadedFile("doc-B.pdf", PDF), "document": SimpleUploadedFile("Alma-notat.docx", DOCX)})
    assert response.status_code == 302
    submission = Submission.objects.get()
    document = submission.documents.get()
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=r"\.pdf"), submission.signed_form.name)
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=r"\.docx"), document.file.name)
    assert (submission.signed_form_name, document.original_name) == ("doc-B.pdf", "Alma-notat.docx")
    page = client_for(lars).get(reverse("districtcouncil:submission_detail", args=[submission.pk]))
    assert "doc-B.pdf" in page.content.decode() and "Alma-notat.docx" in page.content.decode()
    download = client_for(lars).get(reverse("districtcouncil:document", args=[submission.pk, document.pk]))
    assert 'filename="Alma-notat.docx"' in download["Content-Disposition"]


FAKE_PDF = b"%PDF-1.7\n" + b"ikke en pdf " * 50
FAKE_DOCX = factories.docx_bytes(parts=("hemmelig.txt",))  # a zip, but not a Word document


def test_a_fake_pdf_is_refused_the_text_kept_and_nothing_stored(client_for, alice, alma, observation_type):
    response = client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": observation_type.pk, "observed_on": "2026-11-20", "text": "Teksten må ikke gå tabt",
        "attachment": SimpleUploadedFile("falsk.pdf", FAKE_PDF)})
    body = response.content.decode()
    assert response.status_code == 200 and "Filen er ikke en gyldig PDF" in body
    assert "Teksten må ikke gå tabt" in body
    assert not Observation.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("field", ["signed_form", "document"])
def test_a_fake_docx_is_refused_the_description_kept_and_nothing_stored(client_for, lars, case, config, field):
    meeting = meeting_at(config, local(2027, 3, 11, 13, 0))
    response = client_for(lars).post(reverse("districtcouncil:submission_create"), {
        "meeting": meeting.pk, "child": case.child_id, "kind": Submission.Kind.RESSOURCEVURDERING,
        "track": Submission.Track.WITH_CPR, "description": "Beskrivelsen bevares",
        field: SimpleUploadedFile("falsk.docx", FAKE_DOCX)})
    body = response.content.decode()
    assert response.status_code == 200 and "Filen er ikke et gyldigt Word-dokument" in body
    assert "Beskrivelsen bevares" in body
    assert not Submission.objects.exists() and not SubmissionDocument.objects.exists()


@pytest.mark.parametrize("name, content", [
    ("rigtig.pdf", PDF), ("rigtig.docx", DOCX), ("billede.png", factories.image_bytes("PNG")),
    ("foto.jpg", factories.image_bytes("JPEG")), ("foto.JPEG", factories.image_bytes("JPEG")),
])
def test_real_files_are_accepted(name, content):
    assert validate_upload(SimpleUploadedFile(name, content)).read() == content  # left at the start


@pytest.mark.parametrize("name, content, message", [
    ("falsk.pdf", FAKE_PDF, "Filen er ikke en gyldig PDF"),
    ("halv.pdf", PDF[: len(PDF) // 2], "Filen er ikke en gyldig PDF"),
    ("falsk.docx", FAKE_DOCX, "Filen er ikke et gyldigt Word-dokument"),
    ("falsk.docx", b"PK\x03\x04" + b"\x00" * 64, "Filen er ikke et gyldigt Word-dokument"),
    ("falsk.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "Billedet kan ikke læses"),
    ("halv.jpg", factories.image_bytes("JPEG")[:20], "Billedet kan ikke læses"),
])
def test_files_that_only_start_right_are_refused_in_danish(name, content, message):
    with pytest.raises(ValidationError, match=message):
        validate_upload(SimpleUploadedFile(name, content))


@pytest.mark.django_db
def test_the_migration_moves_files_stored_under_their_original_name(case, config, lars):
    # Found by name, whatever number it gets when the branches merge.
    found = next((Path(settings.BASE_DIR) / "districtcouncil" / "migrations").glob("*_infra_random_file_names.py"))
    migration = importlib.import_module(f"districtcouncil.migrations.{found.stem}")
    meeting = meeting_at(config, local(2027, 3, 11, 13, 0))
    old_form = default_storage.save("submissions/2026/11/underskrift-Alma.pdf", ContentFile(PDF))
    old_doc = default_storage.save("submissions/2026/11/doc-B.pdf", ContentFile(b"B"))
    submission = Submission.objects.create(institution=case.child.institution, child=case.child, meeting=meeting,
                                           kind=Submission.Kind.SPARRING, track=Submission.Track.WITH_CPR,
                                           description="x", created_by=lars, signed_form=old_form)
    document = SubmissionDocument.objects.create(submission=submission, file=old_doc, original_name="doc-B.pdf",
                                                 content_type="application/pdf", sha256="", uploaded_by=lars)

    migration.rename_stored_files(apps, None)

    submission.refresh_from_db()
    document.refresh_from_db()
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=r"\.pdf"), submission.signed_form.name)
    assert re.fullmatch(RANDOM.format(folder="submissions", suffix=r"\.pdf"), document.file.name)
    assert submission.signed_form_name == "underskrift-Alma.pdf"
    assert document.file.read() == b"B" and not default_storage.exists(old_doc)
    assert not default_storage.exists(old_form)
