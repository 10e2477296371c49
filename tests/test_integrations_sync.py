"""Master data in through the API: idempotent upserts by external id, moves, leaving, custody,
staff, per-row refusals in a batch, credentials and the municipality boundary."""

import datetime

import pytest

from cases import services as case_services
from cases.models import Case, Consent, ConsentPurpose
from haandguide import retention
from haandguide.lib import cpr as cprlib
from haandguide.models import AccessLog, Child, Guardian, Institution, Role, User
from integrations import sync
from integrations.models import ExternalRef
from tests import factories
from tests.case_fixtures import as_user
from tests.integration_fixtures import api, elsewhere, kmd, kmd_actor, make_client, mapped, ref  # noqa: F401

pytestmark = pytest.mark.django_db
CPR = "1403224123"


def child_row(external_id="CHILD-1", cpr=CPR, institution="INST-SOL", **kw):
    return {"external_id": external_id, "cpr": cpr, "first_name": "Ida", "last_name": "Holm", "institution": institution,
            "started_at": "2024-08-01", **kw}


def body(row):
    return {k: v for k, v in row.items() if k != "external_id"}


def test_the_same_child_twice_creates_once_then_changes_nothing(api, mapped, solsikken):
    first = api.put("/children/CHILD-1", body(child_row()))
    assert first.status_code == 200 and first.json()["status"] == "oprettet"
    child = Child.objects.get(cpr=CPR)
    assert child.institution == solsikken and child.birth_date == datetime.date(2022, 3, 14)
    rows = AccessLog.objects.count()
    again = api.put("/children/CHILD-1", body(child_row()))
    assert again.json()["status"] == "uaendret" and again.json()["changed"] == []
    assert Child.objects.filter(cpr=CPR).count() == 1 and AccessLog.objects.count() == rows
    row = AccessLog.objects.filter(child_id=child.pk, action="opret").get()
    assert row.actor_kind == "integration" and row.actor_label == "KMD Institution"


def test_a_full_sync_run_twice_changes_nothing_the_second_time(kmd_actor, municipality, mapped):
    rows = [child_row(f"C{i}", factories.cpr_number()) for i in range(30)]
    first = sync.children_upsert(rows, actor=kmd_actor, municipality=municipality)
    assert {r.status for r in first} == {"oprettet"}
    before = list(Child.objects.order_by("pk").values())
    second = sync.children_upsert(rows, actor=kmd_actor, municipality=municipality)
    assert {r.status for r in second} == {"uaendret"}
    assert list(Child.objects.order_by("pk").values()) == before


def test_a_batch_does_a_constant_number_of_queries(kmd_actor, municipality, mapped, django_assert_max_num_queries):
    small = [child_row(f"S{i}", factories.cpr_number()) for i in range(3)]
    large = [child_row(f"L{i}", factories.cpr_number()) for i in range(60)]
    sync.children_upsert(small, actor=kmd_actor, municipality=municipality)
    sync.children_upsert(large, actor=kmd_actor, municipality=municipality)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (small, large):
        changed = [{**r, "last_name": "Ny"} for r in rows]
        with CaptureQueriesContext(connection) as queries:
            sync.children_upsert(changed, actor=kmd_actor, municipality=municipality)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_move_keeps_the_case_and_its_history(api, mapped, solsikken, regnbuen, lars):
    api.put("/children/CHILD-1", body(child_row()))
    child = Child.objects.get(cpr=CPR)
    case = case_services.case_open(actor=as_user(lars), child=child, reason="Bekymring")
    events = case.events.count()
    moved = api.put("/children/CHILD-1", body(child_row(institution="INST-REG")))
    assert moved.json()["status"] == "aendret" and moved.json()["changed"] == ["institution_id"]
    child.refresh_from_db()
    assert child.institution == regnbuen and Child.objects.count() == 1
    assert Case.objects.of_child(child) == case and case.events.count() == events


def test_a_child_who_left_starts_the_retention_clock(api, mapped, municipality):
    api.put("/children/CHILD-1", body(child_row()))
    child = Child.objects.get(cpr=CPR)
    later = datetime.date(2025, 6, 30)
    assert child not in retention.candidates(municipality, today=later + datetime.timedelta(days=3650))
    api.put("/children/CHILD-1", body(child_row(left_at=later.isoformat())))
    child.refresh_from_db()
    assert child.left_at == later
    due = later + datetime.timedelta(days=31 * municipality.retention_months + 1)
    assert child in retention.candidates(municipality, today=due)
    assert child not in retention.candidates(municipality, today=later)


def test_a_child_typed_in_by_hand_is_adopted_by_cpr_not_duplicated(api, mapped, alma):
    response = api.put("/children/ALMA-EXT", body(child_row("ALMA-EXT", alma.cpr, first_name="Alma", last_name="Jensen")))
    assert response.json()["status"] == "aendret" and "external_id" in response.json()["changed"]
    assert Child.objects.filter(cpr=alma.cpr).count() == 1
    assert ExternalRef.objects.get(kind="child", external_id="ALMA-EXT").object_id == alma.pk


def test_bad_rows_are_refused_with_a_danish_reason_each_and_the_rest_applied(api, mapped):
    rows = [child_row("OK-1", factories.cpr_number()), child_row("BAD-CPR", "3213224123"),
            child_row("BAD-INST", factories.cpr_number(), institution="NOPE"),
            child_row("OK-1", factories.cpr_number())]
    response = api.post("/sync/children", {"rows": rows})
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["oprettet", "afvist", "afvist", "afvist"]
    assert [r["code"] for r in results] == ["", "cpr_invalid", "institution_unknown", "duplicate_in_batch"]
    assert all(r["reason"] for r in results[1:])
    assert Child.objects.count() == 1
    refused = AccessLog.objects.filter(action="naegtet", actor_kind="integration")
    assert {r.object_id for r in refused} == {"BAD-CPR", "BAD-INST", "OK-1"}


def test_mode_all_applies_nothing_when_one_row_is_bad(api, mapped):
    rows = [child_row("OK-1", factories.cpr_number()), child_row("BAD", "12")]
    response = api.post("/sync/children", {"mode": "all", "rows": rows})
    assert response.json()["applied"] is False
    assert [r["code"] for r in response.json()["results"]] == ["batch_refused", "cpr_invalid"]
    assert Child.objects.count() == 0


def test_a_custody_change_moves_consent_rights(api, mapped, lars):
    api.put("/children/CHILD-1", body(child_row()))
    child = Child.objects.get(cpr=CPR)
    purpose = ConsentPurpose.objects.create(municipality=child.municipality, code="arbejdsmoede", name="Arbejdsmøde")
    mother = {"cpr": "0101904321", "name": "Mor Holm", "relation": "mor", "email": "mor@example.dk"}
    assert api.put("/children/CHILD-1/custody", mother).json()["status"] == "oprettet"
    guardian = Guardian.objects.get(child=child)
    assert guardian.cpr_digest == cprlib.digest("0101904321")
    assert not Guardian.objects.filter(cpr_digest="0101904321").exists()  # never the number in clear
    Consent.objects.create(child=child, guardian=guardian, purpose=purpose, recorded_by=lars)
    assert case_services.refusal_consent(child, "arbejdsmoede") is None
    father = {"cpr": "0202884321", "name": "Far Holm", "relation": "far"}
    api.put("/children/CHILD-1/custody", father)
    assert case_services.refusal_consent(child, "arbejdsmoede").code == "consent_missing"  # the new custodian's
    api.put("/children/CHILD-1/custody", {**mother, "has_custody": False})
    api.put("/children/CHILD-1/custody", {**father, "has_custody": True})
    # The mother lost custody: her consent no longer counts, the father's is what is missing.
    refusal = case_services.refusal_consent(child, "arbejdsmoede")
    assert refusal.code == "consent_missing" and "Far Holm" in refusal and "Mor Holm" not in refusal
    assert Guardian.objects.filter(child=child).count() == 2


def test_staff_are_created_without_a_password_and_only_as_staff(api, mapped, solsikken):
    response = api.put("/staff/U-1", {"username": "hanne", "role": "leder", "institutions": ["INST-SOL"]})
    assert response.json()["status"] == "oprettet"
    user = User.objects.get(username="hanne")
    assert user.role == Role.LEDER and list(user.institutions.all()) == [solsikken]
    assert not user.has_usable_password() and user.municipality == solsikken.district.municipality
    again = api.put("/staff/U-1", {"username": "hanne", "role": "leder", "institutions": ["INST-SOL"]})
    assert again.json()["status"] == "uaendret"
    refused = api.put("/staff/U-2", {"username": "anne", "role": "administrator", "institutions": []})
    assert refused.status_code == 422 and not User.objects.filter(username="anne").exists()


def test_institutions_are_upserted_into_a_named_district(api, nord):
    response = api.put("/institutions/I-9", {"name": "Mælkebøtten", "district": "nord"})
    assert response.json()["status"] == "oprettet"
    assert Institution.objects.get(name="Mælkebøtten").district == nord
    unknown = api.put("/institutions/I-10", {"name": "X", "district": "Øst"})
    assert unknown.status_code == 409 and unknown.json()["code"] == "district_unknown"


def test_a_wrong_key_is_refused_and_logged(api, mapped):
    response = api.put("/children/CHILD-1", body(child_row()), key="hg_0000000000_forkert")
    assert response.status_code == 401 and Child.objects.count() == 0
    row = AccessLog.objects.get(action="afvist", object_type="api")
    assert row.actor_kind == "integration" and row.actor_label == "ukendt nøgle"
    no_key = api.put("/children/CHILD-1", body(child_row()), key=" ")
    assert no_key.status_code == 401


def test_a_revoked_or_rotated_key_stops_working(api, kmd, mapped):
    client, key = kmd
    new_key = client.new_key()
    client.save()
    assert api.put("/children/CHILD-1", body(child_row()), key=key).status_code == 401
    assert api.put("/children/CHILD-1", body(child_row()), key=new_key).status_code == 200
    client.active = False
    client.save()
    assert api.put("/children/CHILD-2", body(child_row("CHILD-2", factories.cpr_number())), key=new_key).status_code == 401


def test_an_operation_the_client_was_not_granted_is_refused_and_logged(api, municipality, mapped):
    _, key = make_client(municipality, operations=["institutions"], name="Kun institutioner")
    response = api.put("/children/CHILD-1", body(child_row()), key=key)
    assert response.status_code == 403 and Child.objects.count() == 0
    row = AccessLog.objects.filter(action="afvist").latest("pk")
    assert row.actor_label == "Kun institutioner" and "403" in row.detail


def test_another_municipalitys_ids_are_unknown_refused_and_logged(api, mapped, elsewhere):
    other, inst, child = elsewhere
    into_other = api.put("/children/NEW-1", body(child_row("NEW-1", factories.cpr_number(), institution="INST-OTHER")))
    assert into_other.status_code == 409 and into_other.json()["code"] == "institution_unknown"
    custody = api.put("/children/CHILD-OTHER/custody", {"cpr": "0101904321", "name": "X"})
    assert custody.status_code == 409 and custody.json()["code"] == "child_unknown"
    # Their child's CPR number registers here like a free one: nothing tells it exists elsewhere.
    same_cpr = api.put("/children/MINE", body(child_row("MINE", child.cpr)))
    assert same_cpr.json()["status"] == "oprettet"
    child.refresh_from_db()
    assert child.institution == inst and child.guardians.count() == 0
    refused = AccessLog.objects.filter(action="naegtet", actor_kind="integration")
    assert {r.object_id for r in refused} == {"NEW-1", "CHILD-OTHER"}
    assert {r.municipality_id for r in refused} == {mapped_municipality_id(api)}


def mapped_municipality_id(api):
    from integrations.models import ApiClient

    return ApiClient.objects.get(name="KMD Institution").municipality_id


def test_the_api_never_accepts_a_staff_login(client_for, lars, mapped):
    response = client_for(lars).put("/api/v1/children/CHILD-1", body(child_row()), content_type="application/json")
    assert response.status_code == 401 and Child.objects.count() == 0


def test_the_openapi_document_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.") and "/api/v1/sync/children" in document["paths"]


def test_control_characters_and_broken_unicode_are_refused_rows_not_errors(kmd_actor, municipality, mapped):
    rows = [child_row("N1", factories.cpr_number(), first_name="Ida\x00"),
            child_row("N2", factories.cpr_number(), last_name="\udaae")]
    results = sync.children_upsert(rows, actor=kmd_actor, municipality=municipality)
    assert [r.code for r in results] == ["text_invalid", "text_invalid"] and Child.objects.count() == 0
