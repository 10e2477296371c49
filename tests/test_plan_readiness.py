"""Issue 13: what the plan must hold before a level counts as described and evaluated (the
municipality's rule, each missing item a link), the frozen plan as the council reads it, and a
level's efforts once the case has moved above it."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import interfaces
from cases import services as case_services
from cases.models import Case, CaseEvent, CaseState
from tests.refusals import refused
from haandguide.models import AccessLog, Notice
from handleplan import catalogue, reminders, services
from handleplan.models import Effort, Evaluation, Handleplan, ReadinessRule
from tests.case_fixtures import as_user
from tests.test_handleplan import case, plan  # noqa: F401  (fixtures)

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
F, G = CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE


def save(plan, user, **texts):
    plan = Handleplan.objects.get(pk=plan.pk)
    return services.plan_save(actor=as_user(user), plan=plan, version=plan.version,
                              data={"goals_child": "Alma beder om hjælp med ord", **texts})


FULL_TEXTS = {"signs": "Alma søger selv en voksen", "voice_se_mig": "«Jeg kan lide at bygge.»",
              "parents": "Forældrene ser fremgang derhjemme"}


def add_effort(plan, user, name="KaMiBe", **data):
    return services.effort_add(actor=as_user(user), plan=Handleplan.objects.get(pk=plan.pk),
                               data={"name": name, "started_on": TODAY - 30 * DAY, **data})


def evaluate(effort, user, **data):
    return services.evaluation_add(actor=as_user(user), effort=Effort.objects.get(pk=effort.pk), data={
        "evaluated_on": TODAY, "result": Evaluation.Result.NOT_REACHED, "seen": "Ikke nok.",
        "next_step": "Praksisvejleder", "next_evaluation_date": TODAY + 30 * DAY, **data})


def complete_effort(plan, user, name="KaMiBe"):
    effort = add_effort(plan, user, name, description="Video og vejledning", carried_out_by="Stuens pædagoger",
                        evaluation_date=TODAY + 5 * DAY)
    evaluate(effort, user)
    return effort


# --- the rule: exactly what is missing, each with its link ---------------------------------------


def test_one_goal_one_effort_name_and_one_evaluation_no_longer_move_a_case_up(plan, alice, lars, alma):
    save(plan, alice)
    effort = add_effort(plan, alice)  # a name only: no description, nobody, no evaluation date
    evaluate(effort, alice, next_evaluation_date=None, end_effort=True)
    case = Case.objects.get(pk=plan.case_id)

    readiness = interfaces.level_readiness(case, F)
    edit_plan = reverse("handleplan:plan_edit", args=[alma.pk])
    edit_effort = reverse("handleplan:effort_edit", args=[alma.pk, effort.pk])
    assert [(m.text, m.url) for m in readiness.missing] == [
        ("tegn på, at målene nås", f"{edit_plan}#tegn"),
        ("barnets stemme", f"{edit_plan}#stemme"),
        ("forældrenes perspektiv", f"{edit_plan}#foraeldre"),
        ("beskrivelse af indsatsen «KaMiBe»", edit_effort),
        ("hvem der udfører indsatsen «KaMiBe»", edit_effort),
        ("evalueringsdato for indsatsen «KaMiBe»", edit_effort),
    ]
    with refused("plan_not_ready") as refusal:
        case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert refusal.value.refusal.missing == readiness.missing  # the refusal lists exactly what is missing
    assert Case.objects.get(pk=case.pk).state == F  # nothing stored
    assert not case.events.filter(action=CaseEvent.Action.ESCALATED).exists()


def test_an_unevaluated_effort_links_to_its_evaluation_form_and_a_missing_effort_to_the_new_effort_form(
        plan, alice, alma, case):
    save(plan, alice, **FULL_TEXTS)
    readiness = interfaces.level_readiness(case, F)
    assert [(m.text, m.url) for m in readiness.missing] == [
        ("en indsats på forebyggende niveau", reverse("handleplan:effort_add", args=[alma.pk]))]
    effort = add_effort(plan, alice, description="Video", carried_out_by="Stuen", evaluation_date=TODAY + DAY)
    assert [(m.text, m.url) for m in interfaces.level_readiness(case, F).missing] == [
        ("evaluering af indsatsen «KaMiBe»", reverse("handleplan:evaluation_add", args=[alma.pk, effort.pk]))]


def test_a_complete_plan_moves_up(plan, alice, lars, case):
    save(plan, alice, **FULL_TEXTS)
    complete_effort(plan, alice)
    assert interfaces.level_readiness(case, F).ready
    case = case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert case.state == G


def test_an_effort_ended_at_its_evaluation_keeps_the_date_it_was_evaluated_against(plan, alice, case):
    save(plan, alice, **FULL_TEXTS)
    effort = add_effort(plan, alice, description="Video", carried_out_by="Stuen", evaluation_date=TODAY)
    evaluate(effort, alice, next_evaluation_date=None, end_effort=True)
    assert Effort.objects.get(pk=effort.pk).evaluation_date is None
    assert interfaces.level_readiness(case, F).ready


def test_a_responsible_member_of_staff_counts_as_who_carries_the_effort_out(plan, alice, case):
    save(plan, alice, **FULL_TEXTS)
    effort = add_effort(plan, alice, description="Video", responsible=alice, evaluation_date=TODAY + DAY)
    evaluate(effort, alice)
    assert interfaces.level_readiness(case, F).ready


def test_a_municipality_that_requires_less_lets_the_same_plan_pass(plan, alice, lars, case, municipality):
    save(plan, alice)
    evaluate(add_effort(plan, alice), alice)
    assert not interfaces.level_readiness(case, F).ready
    ReadinessRule.objects.create(
        municipality=municipality, level=F, require_signs=False, require_voice=False, require_parents=False,
        require_effort_description=False, require_effort_carried_out_by=False, require_effort_evaluation_date=False)
    assert interfaces.level_readiness(case, F).ready
    assert not interfaces.level_readiness(case, G).ready  # the rule is per level
    case = case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert case.state == G


def test_goals_and_an_evaluation_of_every_effort_are_required_whatever_the_municipality_sets(
        plan, alice, case, municipality):
    ReadinessRule.objects.create(
        municipality=municipality, level=F, require_signs=False, require_voice=False, require_parents=False,
        require_effort_description=False, require_effort_carried_out_by=False, require_effort_evaluation_date=False)
    add_effort(plan, alice)
    assert [m.text for m in interfaces.level_readiness(case, F).missing] == [
        "mål for læringsfællesskabet eller barnet", "evaluering af indsatsen «KaMiBe»"]


def test_the_rule_is_seeded_from_the_profile_once_and_an_edit_is_kept(municipality):
    assert catalogue.readiness_rules_seed(municipality) == 2
    rules = {r.level: r for r in ReadinessRule.objects.filter(municipality=municipality)}
    assert set(rules) == {F, G}
    assert all(r.require_signs and r.require_voice and r.require_parents and r.require_effort_description
               and r.require_effort_carried_out_by and r.require_effort_evaluation_date for r in rules.values())
    ReadinessRule.objects.filter(pk=rules[F].pk).update(require_voice=False)
    assert catalogue.readiness_rules_seed(municipality) == 0
    assert not ReadinessRule.objects.get(pk=rules[F].pk).require_voice


def test_the_child_page_lists_what_is_missing_as_links_by_the_greyed_out_button(plan, alice, lars, alma, client_for):
    save(plan, alice)
    effort = add_effort(plan, alice)
    html = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    edit_plan = reverse("handleplan:plan_edit", args=[alma.pk])
    assert "disabled>Et niveau op</button>" in html
    for url, text in [(f"{edit_plan}#tegn", "Tegn på, at målene nås"), (f"{edit_plan}#stemme", "Barnets stemme"),
                      (f"{edit_plan}#foraeldre", "Forældrenes perspektiv"),
                      (reverse("handleplan:effort_edit", args=[alma.pk, effort.pk]), "Beskrivelse af indsatsen «KaMiBe»"),
                      (reverse("handleplan:evaluation_add", args=[alma.pk, effort.pk]),
                       "Evaluering af indsatsen «KaMiBe»")]:
        assert f'<a href="{url}">{text}</a>' in html


def test_a_refused_escalation_posted_anyway_shows_the_list_and_stores_nothing(plan, alice, lars, alma, client_for):
    save(plan, alice)
    case = Case.objects.get(pk=plan.case_id)
    response = client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "escalate"]),
                                     {"version": case.version, "reason": "Ikke nok"})
    assert response.status_code == 400
    assert f'<a href="{reverse("handleplan:effort_add", args=[alma.pk])}">En indsats på forebyggende niveau</a>' in (
        response.content.decode())
    assert Case.objects.get(pk=case.pk).state == F


def test_the_plan_form_has_the_sections_the_links_point_to(plan, alice, alma, client_for):
    html = client_for(alice).get(reverse("handleplan:plan_edit", args=[alma.pk])).content.decode()
    for anchor in ("maal", "tegn", "stemme", "foraeldre"):
        assert f'<fieldset id="{anchor}"' in html


# --- the frozen plan shows every section as sent --------------------------------------------------


def test_the_frozen_plan_shows_the_childs_voice_and_the_parents_perspective(plan, alice, lars):
    save(plan, alice, **FULL_TEXTS, voice_blive="«Jeg vil være brandmand.»")
    complete_effort(plan, alice)
    snapshot = services.plan_freeze(actor=as_user(lars), plan=Handleplan.objects.get(pk=plan.pk), purpose="Test")
    save(plan, alice, **{**FULL_TEXTS, "voice_se_mig": "Skrevet efter afsendelsen", "parents": "Også senere"})
    html = render_to_string("districtcouncil/includes/snapshot.html", {"snapshot": snapshot})
    for text in ("Barnets stemme", "Se mig, som den jeg er", "«Jeg kan lide at bygge.»", "Vis mig hvem jeg kan blive",
                 "«Jeg vil være brandmand.»", "Forældrenes perspektiv", "Forældrene ser fremgang derhjemme",
                 "Alma søger selv en voksen", "Alma beder om hjælp med ord", "Video og vejledning",
                 "Stuens pædagoger", "Ikke nok."):
        assert text.replace("«", "&laquo;").replace("»", "&raquo;") in html or text in html, text
    assert "Skrevet efter afsendelsen" not in html and "Også senere" not in html


def test_the_plan_page_and_the_frozen_plan_share_one_partial(plan, alice, alma, client_for):
    response = client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk]))
    assert "handleplan/includes/plan_sections.html" in [t.name for t in response.templates]
    with open("templates/districtcouncil/includes/snapshot.html", encoding="utf-8") as template:
        assert 'include "handleplan/includes/plan_sections.html"' in template.read()


# --- a level the case has left ------------------------------------------------------------------


@pytest.fixture
def moved_up(plan, alice, lars):
    """KaMiBe evaluated at forebyggende, the case moved up, ICDP added at foregribende."""
    save(plan, alice, **FULL_TEXTS)
    first = complete_effort(plan, alice, "KaMiBe")
    case = Case.objects.get(pk=plan.case_id)
    case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    second = add_effort(plan, alice, "ICDP", description="Samspil", carried_out_by="Stuen",
                        evaluation_date=TODAY + 3 * DAY)
    return first, second


def test_after_moving_up_the_previous_levels_efforts_are_shown_concluded_without_evaluer(
        moved_up, alice, alma, client_for):
    first, second = moved_up
    html = client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk])).content.decode()
    forebyggende = html[html.index('data-level="forebyggende"'):html.index('data-level="foregribende"')]
    foregribende = html[html.index('data-level="foregribende"'):]
    assert "afsluttet, sagen er gået et niveau op" in forebyggende and "KaMiBe" in forebyggende
    assert reverse("handleplan:evaluation_add", args=[alma.pk, first.pk]) not in html
    assert "ICDP" in foregribende and reverse("handleplan:evaluation_add", args=[alma.pk, second.pk]) in foregribende


def test_a_concluded_levels_effort_is_not_active_on_the_child_page_nor_reminded_nor_overdue(
        moved_up, alice, alma, solsikken):
    first, second = moved_up
    Effort.objects.filter(pk=first.pk).update(evaluation_date=TODAY - 10 * DAY)  # it was due before moving up
    summary = interfaces.handleplan_summary(Case.objects.get(child=alma))
    assert [e.name for e in summary["efforts"]] == ["ICDP"]
    assert list(reminders.overdue_efforts([solsikken.pk], TODAY)) == []
    reminders.evaluation_reminders_send(TODAY)
    reminded = {key.split(":")[1] for key in Notice.objects.filter(key__startswith=reminders.EVALUATION_KEY_PREFIX)
                .values_list("key", flat=True)}
    assert reminded == {str(second.pk)}


def test_moving_down_opens_the_level_again(moved_up, lars, alma):
    case = Case.objects.get(child=alma)
    case_services.case_de_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Bedre")
    summary = interfaces.handleplan_summary(Case.objects.get(child=alma))
    assert {e.name for e in summary["efforts"]} == {"KaMiBe", "ICDP"}


def test_a_closed_cases_efforts_are_concluded_not_overdue(moved_up, lars, alice, alma, solsikken, client_for):
    """The browser walk closed a case as returned to the general area and its child page still read
    "2 forfaldne evalueringer" with the efforts active: a closed case has no level going on."""
    first, second = moved_up
    Effort.objects.filter(pk=second.pk).update(evaluation_date=TODAY - 10 * DAY)
    case = Case.objects.get(child=alma)
    case_services.case_close(actor=as_user(lars), case_id=case.pk, version=case.version,
                             close_reason="tilbage_i_almen", reason="Barnet trives.")
    summary = interfaces.handleplan_summary(Case.objects.get(child=alma))
    assert summary["efforts"] == [] and summary["overdue_count"] == 0
    child_page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "forfalden" not in child_page and "Ingen aktive indsatser: sagen er lukket." in child_page
    plan_page = client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk])).content.decode()
    assert plan_page.count("afsluttet, sagen er lukket") == 2 and "sagen er gået et niveau op" not in plan_page
    assert reverse("handleplan:evaluation_add", args=[alma.pk, second.pk]) not in plan_page
    assert list(reminders.overdue_efforts([solsikken.pk], TODAY)) == []
    reminders.evaluation_reminders_send(TODAY)
    assert not Notice.objects.filter(key__startswith=reminders.EVALUATION_KEY_PREFIX).exists()


def test_a_missing_evaluation_of_a_concluded_level_can_still_be_recorded(moved_up, alice):
    """The council's resource assessment asks for both levels evaluated, so the refusal's link to the
    evaluation form must work for a level the case has left; it plans no further evaluation."""
    first, _ = moved_up
    evaluate(first, alice, next_evaluation_date=None)
    assert Effort.objects.get(pk=first.pk).evaluations.count() == 2


# --- the next evaluation date -------------------------------------------------------------------


def test_an_evaluation_without_a_next_date_is_refused_while_the_effort_goes_on_and_stores_nothing(plan, alice):
    effort = add_effort(plan, alice, evaluation_date=TODAY + 5 * DAY)
    with refused("next_evaluation_missing"):
        evaluate(effort, alice, next_evaluation_date=None)
    assert not Evaluation.objects.exists()
    assert Effort.objects.get(pk=effort.pk).evaluation_date == TODAY + 5 * DAY


def test_the_evaluation_form_says_so_and_keeps_what_was_typed(plan, alice, alma, client_for):
    effort = add_effort(plan, alice, evaluation_date=TODAY + 5 * DAY)
    response = client_for(alice).post(reverse("handleplan:evaluation_add", args=[alma.pk, effort.pk]), {
        "evaluated_on": TODAY.isoformat(), "result": "delvist", "seen": "Alma deltog i samling", "next_step": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "Sæt en dato for næste evaluering" in html
    assert "Alma deltog i samling" in html
    assert not Evaluation.objects.exists()


def test_ending_the_effort_needs_no_next_date(plan, alice):
    effort = add_effort(plan, alice, evaluation_date=TODAY + 5 * DAY)
    evaluate(effort, alice, next_evaluation_date=None, end_effort=True)
    assert Effort.objects.get(pk=effort.pk).ended_on == TODAY


# --- small things from the walk-through ----------------------------------------------------------


def test_effort_names_keep_their_letters_in_the_version_notes(plan, alice, alma, client_for):
    add_effort(plan, alice, "KaMiBe", evaluation_date=TODAY + 5 * DAY)
    html = client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk])).content.decode()
    assert "(Indsats tilføjet: KaMiBe (forebyggende))" in html
    assert "kamibe" not in html


def test_no_stray_space_before_a_full_stop_after_the_level_badge(plan, alice, alma, client_for):
    html = client_for(alice).get(reverse("handleplan:effort_add", args=[alma.pk])).content.decode()
    assert "Forebyggende</span>. Vælg" in html


def test_the_counsellor_list_does_not_offer_someone_already_attached(case, lars, alma, municipality, client_for):
    from haandguide.models import CounsellorKind, Role
    from tests import factories

    attached = factories.user(Role.EKSTERN, municipality_obj=municipality, first_name="Pia",
                              counsellor_kind=CounsellorKind.PRAKSISVEJLEDER)
    other = factories.user(Role.EKSTERN, municipality_obj=municipality, first_name="Ole",
                           counsellor_kind=CounsellorKind.PRAKSISVEJLEDER)
    case_services.counsellor_attach(actor=as_user(lars), case=case, counsellor=attached)
    response = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    assert [choice.pk for choice in response.context["counsellor_choices"]] == [other.pk]
    assert f'<option value="{other.pk}"' in response.content.decode()
    assert f'<option value="{attached.pk}"' not in response.content.decode()
    with refused("counsellor_assigned"):  # and the service still refuses a repeat
        case_services.counsellor_attach(actor=as_user(lars), case=case, counsellor=attached)


def test_a_refused_action_leaves_a_trace_in_the_access_log_with_its_reason(plan, alice, lars, alma, client_for):
    """Every refusal is logged (issue 14): a workflow rule's "no" is an access-log row of its own
    ("nægtet"), aimed at the child the request was about and carrying the reason, even though the
    request's own changes rolled back."""
    save(plan, alice)
    case = Case.objects.get(pk=plan.case_id)
    client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "escalate"]),
                          {"version": case.version, "reason": "Ikke nok"})
    row = AccessLog.objects.get(action=AccessLog.Action.REFUSED)
    assert (row.user, row.child_id, row.object_type, row.municipality_id) == (
        lars, alma.pk, "child", alma.institution.district.municipality_id)
    assert row.detail.startswith("Nægtet [plan_not_ready]: ")  # the code, whatever the wording
    assert Case.objects.get(pk=case.pk).state == F


def test_a_refusal_outside_a_request_needs_no_request(plan, alice, lars):
    """A job or the demo calling a service that refuses gets the refusal, and nothing is logged."""
    save(plan, alice)
    case = Case.objects.get(pk=plan.case_id)
    with refused("plan_not_ready"):
        case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert not AccessLog.objects.filter(action=AccessLog.Action.REFUSED).exists()
