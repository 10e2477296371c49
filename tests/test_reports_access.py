"""Reports: who sees which scope, and who may download which report."""

import pytest
from django.urls import reverse

from haandguide.models import AccessLog
from reports.models import Report, ScopeKind
from tests import factories
from tests.test_reports_data import celery_app_restored  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_app_restored")]


def page(kind, pk):
    return reverse("reports:statistics", args=[kind, pk])


def test_pedagogue_and_external_counsellor_see_no_statistics(client_for, alice, raadgiver, solsikken):
    for user in (alice, raadgiver):
        client = client_for(user)
        assert client.get(reverse("reports:index")).status_code == 403
        assert client.get(page("institution", solsikken.pk)).status_code == 403
        assert client.get(reverse("reports:csv", args=["institution", solsikken.pk])).status_code == 403


def test_leader_sees_only_their_own_institution(client_for, lars, solsikken, regnbuen, nord, municipality):
    client = client_for(lars)
    assert client.get(reverse("reports:index")).url.startswith(page("institution", solsikken.pk))
    assert client.get(page("institution", solsikken.pk)).status_code == 200
    for kind, pk in [("institution", regnbuen.pk), ("distrikt", nord.pk), ("kommune", municipality.pk)]:
        assert client.get(page(kind, pk)).status_code == 404
        assert client.get(reverse("reports:csv", args=[kind, pk])).status_code == 404
    denied = AccessLog.objects.filter(user=lars, action=AccessLog.Action.DENIED)
    assert denied.filter(object_type="statistik:institution", object_id=str(regnbuen.pk)).count() == 2
    assert denied.count() == 6


def test_leader_cannot_order_a_report_for_another_institution(client_for, bob, solsikken):
    response = client_for(bob).post(reverse("reports:report_create", args=["institution", solsikken.pk]),
                                    {"fra": "2026-01-01", "til": "2026-03-31"})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_consultant_sees_their_districts_and_its_institutions_only(client_for, birgitte, nord, syd, solsikken,
                                                                  regnbuen, municipality):
    client = client_for(birgitte)
    assert client.get(reverse("reports:index")).url.startswith(page("distrikt", nord.pk))
    assert client.get(page("distrikt", nord.pk)).status_code == 200
    assert client.get(page("institution", solsikken.pk)).status_code == 200
    for kind, pk in [("distrikt", syd.pk), ("institution", regnbuen.pk), ("kommune", municipality.pk)]:
        assert client.get(page(kind, pk)).status_code == 404


@pytest.mark.parametrize("persona", ["chef", "admin_user"])
def test_head_of_daycare_and_administrator_see_the_whole_municipality(request, client_for, persona, municipality,
                                                                     syd, regnbuen):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:index")).url.startswith(page("kommune", municipality.pk))
    for kind, pk in [("kommune", municipality.pk), ("distrikt", syd.pk), ("institution", regnbuen.pk)]:
        assert client.get(page(kind, pk)).status_code == 200
    other = factories.institution(factories.district(factories.municipality()))
    assert client.get(page("institution", other.pk)).status_code == 404
    assert client.get(page("kommune", other.district.municipality_id)).status_code == 404


def test_scope_picker_moves_to_the_chosen_scope_keeping_the_period(client_for, chef, syd):
    response = client_for(chef).get(reverse("reports:index"),
                                    {"omraade": f"distrikt-{syd.pk}", "fra": "2026-01-01", "til": "2026-03-31"})
    assert response.url == page("distrikt", syd.pk) + "?fra=2026-01-01&til=2026-03-31"


@pytest.fixture
def solsikken_report(client_for, lars, solsikken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(lars).post(reverse("reports:report_create", args=["institution", solsikken.pk]),
                              {"fra": "2026-01-01", "til": "2026-03-31"})
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
    return report


def test_outsider_gets_404_on_another_scopes_report_and_the_denial_is_logged(client_for, bob, solsikken_report):
    client = client_for(bob)
    assert client.get(reverse("reports:report_download", args=[solsikken_report.pk])).status_code == 404
    assert client.get(reverse("reports:report_status", args=[solsikken_report.pk])).status_code == 404
    assert AccessLog.objects.filter(user=bob, action=AccessLog.Action.DENIED, object_type="report",
                                    object_id=str(solsikken_report.pk)).count() == 2
    assert not AccessLog.objects.filter(user=bob, action=AccessLog.Action.EXPORT).exists()


def test_downloading_a_report_writes_an_export_row(client_for, birgitte, solsikken_report):
    # The consultant for Nord may read Solsikken's report, ordered by its leader.
    response = client_for(birgitte).get(reverse("reports:report_download", args=[solsikken_report.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    row = AccessLog.objects.get(user=birgitte, action=AccessLog.Action.EXPORT)
    assert (row.object_type, row.object_id, row.child_id) == ("report", str(solsikken_report.pk), None)


def test_csv_download_is_logged_as_an_export(client_for, chef, municipality):
    client_for(chef).get(reverse("reports:csv", args=["kommune", municipality.pk]))
    row = AccessLog.objects.get(user=chef, action=AccessLog.Action.EXPORT)
    assert (row.object_type, row.object_id) == ("statistik", f"{ScopeKind.MUNICIPALITY}-{municipality.pk}")
