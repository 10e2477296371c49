"""The CPR-track draft is completed on its own page: the refusal on sending points to the upload
of the signed declaration and to the consent page, and the draft's fields can be edited there."""

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from districtcouncil import services
from districtcouncil.models import Submission, SubmissionState
from haandguide.models import AccessLog
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import PDF, case, config, draft, local, meeting_at  # noqa: F401


def edit(client, submission, **fields):
    data = {"version": submission.version, "kladde-meeting": submission.meeting_id, "kladde-kind": submission.kind,
            "kladde-track": submission.track, "kladde-description": submission.description,
            "kladde-group_description": submission.group_description}
    data.update({f"kladde-{k}": v for k, v in fields.items()})
    return client.post(reverse("districtcouncil:submission_edit", args=[submission.pk]), data)


def unsigned_draft(lars, case, config):
    return draft(lars, case, meeting_at(config, local(2026, 12, 10, 13, 0)), signed=False)


def test_the_refusal_points_to_the_upload_and_the_consent_page_on_the_draft_page(client_for, lars, case, config):
    submission = unsigned_draft(lars, case, config)
    page = client_for(lars).get(reverse("districtcouncil:submission_detail", args=[submission.pk])).content.decode()
    assert "upload den underskrevne erklæring" in page and "Ret kladden" in page
    assert 'name="kladde-signed_form"' in page
    assert reverse("cases:consents", args=[case.child.pk]) in page
    assert reverse("cases:child_detail", args=[case.child.pk]) in page


def test_uploading_the_signed_declaration_on_the_draft_page_lets_it_be_sent(client_for, lars, case, config):
    submission = unsigned_draft(lars, case, config)
    client = client_for(lars)
    refused = client.post(reverse("districtcouncil:submission_submit", args=[submission.pk]))
    assert refused.status_code == 400
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.KLADDE

    response = edit(client, submission, description="Alma har brug for mere støtte i samling.",
                    signed_form=SimpleUploadedFile("underskrift.pdf", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.signed_form and len(submission.signed_form_sha256) == 64
    assert submission.description == "Alma har brug for mere støtte i samling."
    assert AccessLog.objects.filter(user=lars, object_type="submission", detail__contains="underskrevet").exists()

    with time_machine.travel(local(2026, 11, 20, 12, 0)):
        sent = client.post(reverse("districtcouncil:submission_submit", args=[submission.pk]),
                           {"version": submission.version})
    assert sent.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.INDSENDT


def test_an_invalid_file_is_refused_the_input_kept_and_nothing_stored(client_for, lars, case, config):
    submission = unsigned_draft(lars, case, config)
    response = edit(client_for(lars), submission, description="Ny tekst, der ikke må gå tabt.",
                    signed_form=SimpleUploadedFile("underskrift.pdf", b"MZ\x90\x00 not a pdf",
                                                   content_type="application/pdf"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ny tekst, der ikke må gå tabt." in page
    fresh = Submission.objects.get(pk=submission.pk)
    assert not fresh.signed_form and fresh.description == submission.description
    assert fresh.version == submission.version


def test_the_drafts_rules_hold_when_it_is_edited(client_for, lars, case, config):
    submission = unsigned_draft(lars, case, config)
    response = edit(client_for(lars), submission, description="")
    assert response.status_code == 400
    assert Submission.objects.get(pk=submission.pk).description == submission.description


def test_only_the_leader_edits_only_a_draft(client_for, lars, bob, birgitte, case, config):
    submission = unsigned_draft(lars, case, config)
    assert edit(client_for(bob), submission, description="Bob").status_code == 404
    submission.refresh_from_db()
    assert submission.description != "Bob"
    signed = draft(lars, case, submission.meeting)
    services.submission_submit(actor=as_user(lars), submission_id=signed.pk, version=None,
                               now=local(2026, 11, 20, 12, 0))
    signed.refresh_from_db()
    response = edit(client_for(lars), signed, description="Efter afsendelse")
    assert response.status_code == 400 and "Kun en kladde kan rettes" in response.content.decode()
    assert Submission.objects.get(pk=signed.pk).description != "Efter afsendelse"
