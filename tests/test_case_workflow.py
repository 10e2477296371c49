"""The effort ladder as a state machine: every transition and every refusal, as a table."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseEvent, CaseState, Basis
from tests.refusals import refused
from haandguide.exceptions import EditConflict, Refused
from tests import factories
from tests.case_fixtures import as_user, case_in, guardians, handleplan  # noqa: F401

F, G, I, L = CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE, CaseState.LUKKET


def run(action, case, user, reason="Begrundelse"):
    actor = as_user(user)
    if action == "escalate":
        return services.case_escalate(actor=actor, case_id=case.pk, version=case.version, reason=reason)
    if action == "de_escalate":
        return services.case_de_escalate(actor=actor, case_id=case.pk, version=case.version, reason=reason)
    if action == "close":
        return services.case_close(actor=actor, case_id=case.pk, version=case.version,
                                   close_reason="tilbage_i_almen", reason=reason)
    if action == "reopen":
        return services.case_reopen(actor=actor, case_id=case.pk, version=case.version, reason=reason)
    if action == "council_decision":
        return services.case_grant_intervention(actor=actor, case_id=case.pk,
                                                basis=Basis.COUNCIL, reason=reason)
    if action == "visitation_32":
        return services.case_grant_intervention(actor=actor, case_id=case.pk,
                                                basis=Basis.VISITATION_32, reason=reason)
    raise AssertionError(action)


# (from state, action, role, levels evaluated in the handleplan, expected state or refusal code)
TABLE = [
    (F, "escalate", "lars", {F}, G),
    (F, "escalate", "lars", set(), "plan_not_ready"),
    (F, "escalate", "alice", {F}, "not_leader"),
    (F, "escalate", "birgitte", {F}, "not_leader"),
    (F, "escalate", "bob", {F}, "not_leader"),
    (G, "escalate", "lars", {F, G}, "council_grants_intervening"),
    (I, "escalate", "lars", {F, G}, "level_not_escalatable"),
    (L, "escalate", "lars", {F}, "level_not_escalatable"),
    (G, "council_decision", "birgitte", {F, G}, I),
    (G, "council_decision", "birgitte", {F}, "plan_not_ready"),
    (G, "council_decision", "birgitte", {G}, "plan_not_ready"),
    (G, "council_decision", "lars", {F, G}, "not_consultant"),
    (F, "council_decision", "birgitte", {F, G}, "council_needs_foregribende"),
    (F, "visitation_32", "birgitte", set(), I),
    (G, "visitation_32", "birgitte", set(), I),
    (F, "visitation_32", "lars", set(), "not_consultant"),
    (L, "visitation_32", "birgitte", set(), "case_not_open_below_intervening"),
    (I, "de_escalate", "lars", set(), G),
    (I, "de_escalate", "birgitte", set(), G),
    (G, "de_escalate", "lars", set(), F),
    (F, "de_escalate", "lars", set(), "lowest_level"),
    (G, "de_escalate", "alice", set(), "not_leader_or_consultant"),
    (G, "de_escalate", "bob", set(), "not_leader_or_consultant"),
    (F, "close", "lars", set(), L),
    (G, "close", "lars", set(), L),
    (I, "close", "birgitte", set(), L),
    (F, "close", "alice", set(), "not_leader_or_consultant"),
    (L, "close", "lars", set(), "case_closed"),
    (L, "reopen", "lars", set(), F),
    (F, "reopen", "lars", set(), "case_open"),
    (L, "reopen", "birgitte", set(), "not_leader"),
    (L, "reopen", "alice", set(), "not_leader"),
]


@pytest.mark.parametrize("from_state, action, persona, evaluated, expected", TABLE)
def test_state_machine(request, alma, lars, birgitte, handleplan, from_state, action, persona, evaluated, expected):
    case = case_in(from_state, alma, lars, birgitte, handleplan)
    handleplan.ready_levels = set(evaluated)
    user = request.getfixturevalue(persona)
    events_before = CaseEvent.objects.filter(case=case).count()
    if expected in CaseState.values:
        moved = run(action, case, user)
        assert moved.state == expected
        assert Case.objects.get(pk=case.pk).state == expected
        event = CaseEvent.objects.filter(case=case).first()
        assert (event.from_state, event.to_state, event.actor) == (from_state, expected, user)
        assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    else:
        with refused(expected):
            run(action, case, user)
        assert Case.objects.get(pk=case.pk).state == from_state
        assert CaseEvent.objects.filter(case=case).count() == events_before


@pytest.mark.parametrize("persona, allowed", [("alice", True), ("lars", True), ("birgitte", False), ("bob", False),
                                              ("raadgiver", False)])
def test_who_may_open_a_case(request, alma, persona, allowed):
    user = request.getfixturevalue(persona)
    if allowed:
        case = services.case_open(actor=as_user(user), child=alma)
        assert case.state == F
        assert case.events.get().action == CaseEvent.Action.OPENED
    else:
        with refused("not_staff"):
            services.case_open(actor=as_user(user), child=alma)


def test_a_child_has_only_one_case(alma, alice):
    services.case_open(actor=as_user(alice), child=alma)
    with refused("case_exists"):
        services.case_open(actor=as_user(alice), child=alma)


@pytest.mark.parametrize("action", ["escalate", "de_escalate", "reopen"])
def test_moving_needs_a_reason(alma, lars, birgitte, handleplan, action):
    start = {"escalate": F, "de_escalate": G, "reopen": L}[action]
    case = case_in(start, alma, lars, birgitte, handleplan)
    handleplan.ready_levels = {F}
    with refused("reason_missing"):
        run(action, case, lars, reason="   ")


def test_state_cannot_be_assigned_by_hand(alma, alice):
    case = services.case_open(actor=as_user(alice), child=alma)
    with pytest.raises(AttributeError):
        case.state = I


def test_without_a_handleplan_app_nothing_escalates(monkeypatch, alma, lars):
    from cases import interfaces

    monkeypatch.setattr(interfaces, "_port", None)
    case = services.case_open(actor=as_user(lars), child=alma)
    with refused("plan_not_ready"):
        run("escalate", case, lars)


def test_a_stale_version_is_refused(alma, lars, handleplan):
    handleplan.ready_levels = {F}
    case = services.case_open(actor=as_user(lars), child=alma)
    stale = case.version
    run("escalate", case, lars)
    with pytest.raises(EditConflict):
        services.case_de_escalate(actor=as_user(lars), case_id=case.pk, version=stale, reason="x")


def test_every_transition_writes_who_when_and_why(alma, lars, handleplan):
    handleplan.ready_levels = {F}
    case = services.case_open(actor=as_user(lars), child=alma, reason="Bekymring for sprog")
    run("escalate", case, lars, reason="Evalueringen viste, at det ikke var nok")
    case.refresh_from_db()
    run("de_escalate", case, lars, reason="Går bedre")
    actions = list(CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", "reason"))
    assert actions == [
        ("oprettet", "Bekymring for sprog"),
        ("op", "Evalueringen viste, at det ikke var nok"),
        ("ned", "Går bedre"),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (runs in CI's second pass)")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_escalations_exactly_one_wins(handleplan):
    municipality = factories.municipality()
    institution = factories.institution(factories.district(municipality))
    child = factories.child(institution)
    leader = factories.user("leder", institutions=[institution])
    case = services.case_open(actor=as_user(leader), child=child)
    handleplan.ready_levels = {F}
    barrier = threading.Barrier(2)
    outcomes = []

    def escalate():
        try:
            barrier.wait()
            services.case_escalate(actor=as_user(leader), case_id=case.pk, version=case.version, reason="Samtidig")
            outcomes.append("ok")
        except Refused as refusal:
            outcomes.append(refusal.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=escalate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1
    assert any("ændret af en anden" in o for o in outcomes)
    assert Case.objects.get(pk=case.pk).state == G
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.ESCALATED).count() == 1
