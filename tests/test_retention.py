"""GDPR retention: a child's data is anonymised a configurable time after leaving daycare."""

import datetime

import time_machine
from django.urls import reverse

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import CaseEvent, CloseReason, Observation
from haandguide.actors import Actor
from haandguide import retention
from haandguide.models import AccessLog, Child, Guardian
from tests.case_fixtures import as_user


def test_child_is_anonymised_after_the_retention_period_and_statistics_stay(client_for, admin_user, alice, lars, alma,
                                                                             municipality):
    seed_case_configuration(municipality)
    Guardian.objects.create(child=alma, name="Mette Jensen", relation="mor")
    case = case_services.case_open(actor=as_user(lars), child=alma, reason="Bekymring om Alma Jensen")
    case_services.observation_add(actor=as_user(alice), child=alma, data={
        "type": municipality.observation_types.get(name="TOPI"), "observed_on": datetime.date(2024, 5, 1),
        "topi_position": "gul", "text": "Alma er ked af det"})
    case_services.case_close(actor=as_user(lars), case_id=case.pk, version=case.version, close_reason="ophoert")
    alma.left_at = datetime.date(2024, 6, 30)
    alma.save()
    municipality.retention_months = 24
    municipality.save()
    events_before = list(CaseEvent.objects.filter(case=case).values_list("action", "from_state", "to_state"))

    with time_machine.travel(datetime.date(2026, 6, 29), tick=False):
        assert not retention.candidates(municipality).exists()
        assert retention.run(actor=Actor.job("retention_run")) == 0
    with time_machine.travel(datetime.date(2026, 6, 30), tick=False):
        preview = client_for(admin_user).get(reverse("retention")).content.decode()
        assert "Alma Jensen" in preview
        assert retention.run(actor=Actor.job("retention_run")) == 1
        assert retention.run(actor=Actor.job("retention_run")) == 0

    alma.refresh_from_db()
    assert alma.cpr is None and alma.first_name == "Anonymiseret" and alma.anonymised_at
    assert not Observation.objects.filter(child=alma).exists()
    assert not Guardian.objects.filter(child=alma).exists()
    assert list(CaseEvent.objects.filter(case=case).values_list("action", "from_state", "to_state")) == events_before
    # Only the standard closing reason is left (the statistics count returns to the general area).
    assert list(CaseEvent.objects.filter(case=case).exclude(reason="").values_list("reason", flat=True)) == [
        str(CloseReason.LEFT.label)]
    assert not Child.objects.visible_to(alice).filter(pk=alma.pk).exists()
    assert AccessLog.objects.filter(child_id=alma.pk, action=AccessLog.Action.DELETE).exists()


def test_children_still_in_daycare_are_never_anonymised(alma, municipality):
    with time_machine.travel(datetime.date(2040, 1, 1), tick=False):
        assert retention.run(actor=Actor.job("retention_run")) == 0
    alma.refresh_from_db()
    assert alma.anonymised_at is None


def test_only_administrators_see_the_retention_preview(client_for, lars):
    assert client_for(lars).get(reverse("retention")).status_code == 403
