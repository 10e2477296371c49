"""Shared helpers for the case tests: a controllable handleplan answer and cases placed in a state
through the services (never by assigning the state)."""

import pytest

from cases import interfaces, services
from haandguide.actors import Actor
from cases.models import Case, CaseState, Basis
from haandguide.models import Guardian


class FakeHandleplan:
    """Stands in for the handleplan app's answer so the case rules can be tested on their own;
    tests/test_handleplan*.py test the real answer."""

    def __init__(self):
        self.ready_levels: set[str] = set()

    def level_readiness(self, case, level):
        if level in self.ready_levels:
            return interfaces.LevelReadiness(True)
        return interfaces.LevelReadiness(False, f"Indsatserne på {level} niveau er ikke evalueret i handleplanen.")

    def summary(self, case):
        return None


@pytest.fixture
def handleplan(monkeypatch):
    fake = FakeHandleplan()
    monkeypatch.setattr(interfaces, "_port", fake)
    return fake


def as_user(user) -> Actor:
    """The staff member acting, as a view would pass `request.actor`."""
    return Actor.staff(user)


@pytest.fixture
def guardians(alma):
    return [
        Guardian.objects.create(child=alma, name="Mette Jensen", relation="mor", has_custody=True),
        Guardian.objects.create(child=alma, name="Jens Jensen", relation="far", has_custody=True),
    ]


def case_in(state: str, child, leader, consultant, handleplan) -> Case:
    """A case for `child` brought to `state` the way the app would."""
    case = services.case_open(actor=as_user(leader), child=child, reason="Bekymring")
    if state == CaseState.FOREBYGGENDE:
        return case
    if state == CaseState.LUKKET:
        return services.case_close(actor=as_user(leader), case_id=case.pk, version=case.version,
                                   close_reason="tilbage_i_almen")
    saved = set(handleplan.ready_levels)
    handleplan.ready_levels |= {CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE}
    case = services.case_escalate(actor=as_user(leader), case_id=case.pk, version=case.version, reason="Ikke nok")
    if state == CaseState.INDGRIBENDE:
        case = services.case_grant_intervention(actor=as_user(consultant), case_id=case.pk,
                                                basis=Basis.COUNCIL, reason="Frie midler")
    handleplan.ready_levels = saved
    return case
