"""The child's whole record out: every kind of data Haandguide holds on the child is in the
export (JSON conforming to the published schema, and a PDF), nothing of another child is, only the
leader or the administrator can take it, a handover needs the custodians' consent, and it is logged."""

import datetime
import json

import jsonschema_rs
import pytest
from django.urls import reverse

from cases import interfaces
from districtcouncil import services as council_services
from haandguide.models import AccessLog, Role
from integrations import record
from tests import factories
from tests.case_fixtures import FakeHandleplan
from tests.test_access_matrix import PDF, _build_place, _seed

pytestmark = pytest.mark.django_db
L, P, K, E, A = Role.LEDER, Role.PAEDAGOG, Role.KONSULENT, Role.EKSTERN, Role.ADMINISTRATOR

# Every kind of data the matrix's place builds for a child, by the section it must appear in.
EXPECTED_SECTIONS = {
    "haandguide.guardian", "haandguide.counsellorassignment", "haandguide.childtransferrequest",
    "cases.case", "cases.caseevent", "cases.observation", "cases.attachment", "cases.consent", "cases.meeting",
    "cases.agreement", "cases.counsellingbooking", "cases.familygroupparticipant",
    "handleplan.handleplan", "handleplan.planversion", "handleplan.effort", "handleplan.evaluation",
    "handleplan.plansnapshot",
    "districtcouncil.submission", "districtcouncil.submissiondocument", "districtcouncil.review",
    "districtcouncil.decision", "districtcouncil.letter",
    "integrations.externalref", "integrations.outboxitem",
}


@pytest.fixture
def two_children(monkeypatch):
    monkeypatch.setattr(council_services, "render_letter_pdf", lambda *args, **kwargs: PDF)
    ready = FakeHandleplan()
    ready.ready_levels = {"forebyggende", "foregribende"}
    monkeypatch.setattr(interfaces, "_port", ready)
    municipality = factories.municipality(name="Eksportkommune", open_counselling_enabled=True,
                                          family_groups_enabled=True)
    district = factories.district(municipality, name="Nord")
    institution = factories.institution(district, name="Solstrålen")
    neighbour = factories.institution(district, name="Månestrålen")
    _seed(municipality)

    def staff(tag, institution):
        return {"leader": factories.user(L, institutions=[institution], username=f"{tag}-leder"),
                "pedagogue": factories.user(P, institutions=[institution], username=f"{tag}-paedagog"),
                "consultant": factories.user(K, districts=[district], username=f"{tag}-konsulent"),
                "counsellor": factories.user(E, municipality_obj=municipality, username=f"{tag}-raadgiver",
                                             counsellor_kind="praksisvejleder")}

    mine = _build_place(municipality, district, institution, staff("a", institution), "Alma", "Eksportbarn",
                        datetime.date(2022, 3, 14))
    other = _build_place(municipality, district, neighbour, staff("b", neighbour), "Bodil", "Andetbarn",
                         datetime.date(2022, 5, 2))
    # (each place also has an external id and an outbox row: see _build_place)
    admin = factories.user(A, municipality_obj=municipality, username="eksport-admin")
    return mine, other, admin


def test_the_export_holds_every_kind_of_data_on_the_child_and_nothing_of_another(two_children):
    mine, other, _ = two_children
    data = record.build_record(mine.child, purpose="indsigt")
    present = {label for label, section in data["sections"].items() if section["rows"]}
    assert EXPECTED_SECTIONS <= present, f"missing: {EXPECTED_SECTIONS - present}"
    assert data["child"]["cpr"] == mine.child.cpr and data["access_log"]
    text = json.dumps(data, ensure_ascii=False)
    for secret in other.secrets + [other.child.cpr, other.external_ref.external_id, other.outbox_item.key]:
        assert secret not in text, secret
    # No row of the other child's in any section: compare ids with what the other child's export holds.
    theirs = record.build_record(other.child, purpose="indsigt")["sections"]
    for label, section in data["sections"].items():
        ids = {r["id"] for r in section["rows"]}
        other_ids = {r["id"] for r in theirs.get(label, {"rows": []})["rows"]}
        assert not ids & other_ids, f"{label} shares rows {ids & other_ids}"
    assert {row["who"] for row in data["access_log"]} and all(
        row["object"] for row in data["access_log"])


def test_the_export_conforms_to_the_published_schema(two_children, client):
    mine, _, _ = two_children
    schema = client.get(reverse("integrations:record_schema")).json()
    assert schema["$id"] == record.SCHEMA_ID
    validator = jsonschema_rs.validator_for(schema)
    data = json.loads(json.dumps(record.build_record(mine.child, purpose="overdragelse")))
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors == []


def test_the_leader_downloads_json_and_pdf_and_each_is_logged(two_children, client_for):
    mine, _, _ = two_children
    client = client_for(mine.leader)
    url = reverse("integrations:child_record", args=[mine.child.pk])
    assert client.get(url).status_code == 200
    assert AccessLog.objects.filter(action="vis", child_id=mine.child.pk, user=mine.leader).count() == 1
    response = client.post(url, {"formaal": "indsigt", "format": "json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["child"]["id"] == mine.child.pk
    pdf = client.post(url, {"formaal": "indsigt", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    rows = AccessLog.objects.filter(action="eksport", child_id=mine.child.pk, user=mine.leader)
    assert rows.count() == 2 and "JSON" in rows.last().detail + rows.first().detail


def test_the_administrator_may_export_but_a_pedagogue_and_another_leader_get_a_logged_404(
        two_children, client_for, bob):
    mine, _, admin = two_children
    url = reverse("integrations:child_record", args=[mine.child.pk])
    assert client_for(admin).post(url, {"formaal": "indsigt", "format": "json"}).status_code == 200
    for outsider in (mine.pedagogue, bob):
        before = AccessLog.objects.filter(action="afvist", child_id=mine.child.pk).count()
        response = client_for(outsider).post(url, {"formaal": "indsigt", "format": "json"})
        assert response.status_code == 404
        assert AccessLog.objects.filter(action="afvist", child_id=mine.child.pk).count() == before + 1
        assert not AccessLog.objects.filter(action="eksport", user=outsider).exists()


def test_a_handover_needs_every_custodians_consent(two_children, client_for):
    from cases.models import Consent, ConsentPurpose

    mine, _, _ = two_children
    client = client_for(mine.leader)
    url = reverse("integrations:child_record", args=[mine.child.pk])
    unknown = client.post(url, {"formaal": "overdragelse", "format": "json"})
    assert unknown.status_code == 400 and "overdragelse" in unknown.content.decode()
    purpose = ConsentPurpose.objects.create(municipality=mine.municipality, code="overdragelse",
                                            name="Overdragelse til skole")
    Consent.objects.create(child=mine.child, guardian=mine.guardians[0], purpose=purpose, recorded_by=mine.leader)
    missing = client.post(url, {"formaal": "overdragelse", "format": "json"})
    assert missing.status_code == 400 and mine.guardians[1].name in missing.content.decode()
    assert AccessLog.objects.filter(action="naegtet", child_id=mine.child.pk, detail__contains="consent_missing").exists()
    assert not AccessLog.objects.filter(action="eksport", child_id=mine.child.pk).exists()
    Consent.objects.create(child=mine.child, guardian=mine.guardians[1], purpose=purpose, recorded_by=mine.leader)
    assert client.post(url, {"formaal": "overdragelse", "format": "json"}).status_code == 200


def test_the_child_page_links_to_the_export_for_the_leader_only(client_for, alma, lars, alice):
    url = reverse("integrations:child_record", args=[alma.pk])
    assert url in client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert url not in client_for(alice).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
