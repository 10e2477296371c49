"""The individual handleplan: versions that never overwrite, conflicts that lose nothing, frozen
snapshots, the readiness rule the case ladder asks, and who may read and write."""

from __future__ import annotations

import datetime
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import interfaces
from cases import services as case_services
from cases.models import Case, CaseEvent, CaseState
from tests.refusals import refused
from haandguide.exceptions import EditConflict, Refused
from haandguide.models import AccessLog, CounsellorAssignment, Role
from handleplan import catalogue, demo, services
from handleplan.readiness import HandleplanPort
from handleplan.models import (
    Effort, EffortCatalogueEntry, Evaluation, Handleplan, PlanSnapshot, PlanVersion,
)
from tests import factories
from tests.case_fixtures import as_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def case(alma, lars):
    return case_services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")


@pytest.fixture
def plan(case, alice):
    return services.plan_start(actor=as_user(alice), case=case)


def texts(**overrides) -> dict:
    data = {"goals_community": "Alle børn deltager i samling", "goals_child": "Alma beder om hjælp med ord",
            "signs": "Alma søger selv en voksen", "parents": "Forældrene ser fremgang derhjemme",
            "voice_se_mig": "Alma kan lide at bygge"}
    data.update(overrides)
    return data


def save(plan, user, **overrides) -> PlanVersion:
    plan = Handleplan.objects.get(pk=plan.pk)
    return services.plan_save(actor=as_user(user), plan=plan, data=texts(**overrides), version=plan.version)


def add_effort(plan, user, name="ICDP", **data) -> Effort:
    data.setdefault("started_on", TODAY - 30 * DAY)
    data.setdefault("evaluation_date", TODAY + 10 * DAY)
    return services.effort_add(actor=as_user(user), plan=Handleplan.objects.get(pk=plan.pk),
                               data={"name": name, "carried_out_by": "Stuens pædagoger",
                                     "description": f"{name} i den lille gruppe", **data})


def evaluate(effort, user, **data) -> Evaluation:
    data = {"evaluated_on": TODAY, "result": Evaluation.Result.PARTLY, "seen": "Alma deltager i den lille gruppe.",
            "next_step": "Fortsæt", "next_evaluation_date": TODAY + 30 * DAY, **data}
    return services.evaluation_add(actor=as_user(user), effort=Effort.objects.get(pk=effort.pk), data=data)


# --- the case ladder asks the plan -------------------------------------------------------------


def test_escalation_is_refused_while_an_effort_is_not_evaluated_and_allowed_once_it_is(plan, alice, lars):
    save(plan, alice)
    effort = add_effort(plan, alice, "ICDP")
    case = Case.objects.get(pk=plan.case_id)
    with refused("plan_not_ready") as refusal:
        case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert "«ICDP»" in refusal.value.reason  # names the effort that lacks its evaluation

    evaluate(effort, alice, result=Evaluation.Result.NOT_REACHED)
    case = case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    assert case.state == CaseState.FOREGRIBENDE


@pytest.mark.parametrize("setup, reason", [
    ("nothing", "Barnet har ingen handleplan endnu"),
    ("plan", "Handleplanen mangler på forebyggende niveau: mål for læringsfællesskabet eller barnet; tegn på, at "
             "målene nås; barnets stemme; forældrenes perspektiv; en indsats på forebyggende niveau."),
    ("goals", "Handleplanen mangler på forebyggende niveau: en indsats på forebyggende niveau."),
    ("two_unevaluated", "Handleplanen mangler på forebyggende niveau: evaluering af indsatsen «ICDP»; "
                        "evaluering af indsatsen «KaMiBe»."),
])
def test_readiness_names_what_is_missing(case, alice, setup, reason):
    if setup != "nothing":
        plan = services.plan_start(actor=as_user(alice), case=case)
        if setup != "plan":
            save(plan, alice)
        if setup == "two_unevaluated":
            add_effort(plan, alice, "ICDP")
            add_effort(plan, alice, "KaMiBe")
    readiness = interfaces.level_readiness(case, CaseState.FOREBYGGENDE)
    assert not readiness.ready
    assert readiness.reason.startswith(reason)


def test_readiness_counts_only_the_efforts_of_the_level_asked(plan, alice):
    save(plan, alice)
    evaluate(add_effort(plan, alice, "ICDP"), alice)
    assert interfaces.level_readiness(plan.case, CaseState.FOREBYGGENDE).ready
    assert not interfaces.level_readiness(plan.case, CaseState.FOREGRIBENDE).ready


def test_each_effort_keeps_the_level_of_the_case_when_it_was_added(plan, alice, lars):
    save(plan, alice)
    first = add_effort(plan, alice, "ICDP")
    evaluate(first, alice)
    case = Case.objects.get(pk=plan.case_id)
    case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    second = add_effort(plan, alice, "Praksisvejleder-samarbejde")
    assert (Effort.objects.get(pk=first.pk).level, second.level) == (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE)


# --- versions -----------------------------------------------------------------------------------


def test_every_change_is_a_new_version_and_nothing_is_overwritten(plan, alice):
    save(plan, alice, goals_child="Første mål")
    effort = add_effort(plan, alice)
    evaluate(effort, alice)
    save(plan, alice, goals_child="Andet mål")
    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3, 4, 5]
    assert versions[1].content["texts"]["goals_child"] == ["Første mål"]
    assert versions[4].content["texts"]["goals_child"] == ["Andet mål"]
    assert versions[3].content["efforts"][0]["evaluations"][0]["result"] == "delvist"
    assert Handleplan.objects.get(pk=plan.pk).current == versions[4]
    assert CaseEvent.objects.filter(case=plan.case, action=CaseEvent.Action.HANDLEPLAN).count() == 5


def test_a_version_row_can_be_neither_updated_nor_deleted(plan):
    version = PlanVersion.objects.get(plan=plan)
    version.content = {"texts": {}}
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        PlanVersion.objects.filter(pk=version.pk).update(summary="x")
    with pytest.raises(PermissionError):
        version.delete()


def test_saving_unchanged_texts_makes_no_new_version(plan, alice):
    save(plan, alice)
    save(plan, alice)
    assert PlanVersion.objects.filter(plan=plan).count() == 2


def test_the_diff_between_two_versions_is_readable_and_escaped(client_for, plan, alice, alma):
    save(plan, alice, goals_child="Alma leger med én anden")
    save(plan, alice, goals_child="Alma leger med to andre\n<script>alert(1)</script>")
    response = client_for(alice).get(reverse("handleplan:version_diff", args=[alma.pk, 2, 3]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alma leger med én anden" in html and "Alma leger med to andre" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_version_list_shows_who_saved_what(client_for, plan, alice, alma):
    save(plan, alice)
    html = client_for(alice).get(reverse("handleplan:version_list", args=[alma.pk])).content.decode()
    assert "Mål, tegn og perspektiver ændret" in html and "Handleplan oprettet" in html


# --- conflicts ----------------------------------------------------------------------------------


def test_a_stale_save_raises_an_edit_conflict(plan, alice, lars):
    opened_at = Handleplan.objects.get(pk=plan.pk).version
    save(plan, lars, goals_child="Lars' mål")
    with pytest.raises(EditConflict):
        services.plan_save(actor=as_user(alice), plan=plan, data=texts(goals_child="Alices mål"), version=opened_at)


def test_a_stale_save_shows_both_texts_and_keeps_everything_typed(client_for, plan, alice, lars, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = Handleplan.objects.get(pk=plan.pk).version
    save(plan, lars, goals_child="Lars skrev dette mål", signs="Lars' tegn")
    typed = {**texts(goals_child="Alice skrev dette mål", signs="Alices tegn, som ikke må gå tabt"),
             "version": opened_at}
    response = client_for(alice).post(url, typed)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Lars skrev dette mål" in html and "Lars&#x27; tegn" in html  # theirs
    assert html.count("Alices tegn, som ikke må gå tabt") >= 2  # yours, in the table and in the form
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.texts["goals_child"] == ["Lars skrev dette mål"]
    assert f'name="version" value="{latest.version}"' in html

    # The form on the conflict page is based on the latest version: saving it again succeeds.
    merged = {**typed, "goals_child": "Lars skrev dette mål\nAlice skrev dette mål", "version": latest.version}
    assert client_for(alice).post(url, merged).status_code == 302
    assert Handleplan.objects.get(pk=plan.pk).texts["goals_child"] == ["Lars skrev dette mål", "Alice skrev dette mål"]


def test_an_evaluation_added_meanwhile_does_not_block_saving_the_texts(plan, alice, lars):
    save(plan, alice)
    opened_at = Handleplan.objects.get(pk=plan.pk).version
    evaluate(add_effort(plan, lars), lars)
    version = services.plan_save(actor=as_user(alice), plan=plan, data=texts(parents="Nyt fra forældrene"),
                                 version=opened_at)
    assert version.content["texts"]["parents"] == "Nyt fra forældrene"
    assert version.content["efforts"][0]["evaluations"]  # the colleague's evaluation is kept


# --- snapshots ----------------------------------------------------------------------------------


def test_a_snapshot_keeps_its_content_and_hash_after_later_edits(plan, alice, lars):
    save(plan, alice, goals_child="Målet da planen blev sendt")
    snapshot = services.plan_freeze(actor=as_user(lars), plan=plan, purpose="Indstilling til distriktsrådet")
    sent_hash, sent_content = snapshot.content_hash, snapshot.content
    save(plan, alice, goals_child="Et nyt mål bagefter")
    evaluate(add_effort(plan, alice), alice)
    snapshot = PlanSnapshot.objects.get(pk=snapshot.pk)
    assert (snapshot.content_hash, snapshot.content) == (sent_hash, sent_content)
    assert snapshot.content["texts"]["goals_child"] == ["Målet da planen blev sendt"]
    assert snapshot.verify()
    assert snapshot.content["child"]["masked_cpr"].endswith("-XXXX")


def test_a_snapshot_row_cannot_be_updated(plan, lars):
    snapshot = services.plan_freeze(actor=as_user(lars), plan=plan)
    snapshot.content = {"texts": {"goals_child": ["forfalsket"]}}
    with pytest.raises(PermissionError):
        snapshot.save()
    with pytest.raises(PermissionError):
        PlanSnapshot.objects.filter(pk=snapshot.pk).update(purpose="x")
    assert not snapshot.verify()  # a tampered copy in memory no longer matches its hash
    assert PlanSnapshot.objects.get(pk=snapshot.pk).verify()


# --- who may read and write ---------------------------------------------------------------------


def plan_urls(child_pk, effort_pk):
    return {
        "get": [
            reverse("handleplan:plan_detail", args=[child_pk]),
            reverse("handleplan:plan_edit", args=[child_pk]),
            reverse("handleplan:version_list", args=[child_pk]),
            reverse("handleplan:version_diff", args=[child_pk, 1, 2]),
            reverse("handleplan:plan_pdf", args=[child_pk]),
            reverse("handleplan:effort_add", args=[child_pk]),
            reverse("handleplan:evaluation_add", args=[child_pk, effort_pk]),
        ],
        "post": [
            reverse("handleplan:plan_start", args=[child_pk]),
            reverse("handleplan:plan_edit", args=[child_pk]),
            reverse("handleplan:effort_add", args=[child_pk]),
            reverse("handleplan:effort_edit", args=[child_pk, effort_pk]),
            reverse("handleplan:evaluation_add", args=[child_pk, effort_pk]),
        ],
    }


@pytest.fixture
def other_pedagogue(regnbuen):
    return factories.user(Role.PAEDAGOG, institutions=[regnbuen], username="paedagog-regnbuen")


@pytest.mark.parametrize("outsider", ["bob", "other_pedagogue"])
def test_an_outsider_gets_404_everywhere_and_each_denial_is_logged(request, client_for, plan, alice, alma, outsider):
    user = request.getfixturevalue(outsider)
    effort = add_effort(plan, alice)
    save(plan, alice)
    versions = PlanVersion.objects.filter(plan=plan).count()
    urls = plan_urls(alma.pk, effort.pk)
    client = client_for(user)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {**texts(goals_child="Hacket"), "version": 99, "result": "naaet",
                                 "seen": "x", "evaluated_on": TODAY.isoformat()}).status_code == 404, url
    assert PlanVersion.objects.filter(plan=plan).count() == versions
    assert not Evaluation.objects.exists()
    denials = AccessLog.objects.filter(action=AccessLog.Action.DENIED, user=user, child_id=alma.pk)
    assert denials.count() == len(urls["get"]) + len(urls["post"])
    assert not AccessLog.objects.filter(user=user, action=AccessLog.Action.VIEW).exists()


def test_an_effort_id_of_another_child_is_404_under_this_child(client_for, plan, alice, alma, lars):
    other = factories.child(alma.institution, first_name="Bertram")
    other_case = case_services.case_open(actor=as_user(lars), child=other)
    other_plan = services.plan_start(actor=as_user(alice), case=other_case)
    foreign = add_effort(other_plan, alice)
    url = reverse("handleplan:evaluation_add", args=[alma.pk, foreign.pk])
    assert client_for(alice).get(url).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, object_type="effort").exists()


def test_an_attached_counsellor_reads_the_plan_but_cannot_write(client_for, plan, alice, lars, raadgiver, alma):
    save(plan, alice)
    CounsellorAssignment.objects.create(child=alma, counsellor=raadgiver, assigned_by=lars)
    client = client_for(raadgiver)
    response = client.get(reverse("handleplan:plan_detail", args=[alma.pk]))
    assert response.status_code == 200 and "Alma beder om hjælp med ord" in response.content.decode()
    assert "Ret mål, tegn" not in response.content.decode()
    assert client.post(reverse("handleplan:plan_edit", args=[alma.pk]),
                       {**texts(goals_child="Rådgiverens mål"), "version": 2}).status_code == 403
    with refused("not_staff"):
        add_effort(plan, raadgiver)


def test_the_consultant_of_the_district_may_write(plan, birgitte):
    assert save(plan, birgitte).author == birgitte


def test_a_closed_case_keeps_its_plan_readable_but_not_writable(plan, alice, lars, client_for, alma):
    case = Case.objects.get(pk=plan.case_id)
    case_services.case_close(actor=as_user(lars), case_id=case.pk, version=case.version,
                             close_reason="tilbage_i_almen")
    with refused("case_closed"):
        save(plan, alice)
    assert client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk])).status_code == 200


def test_the_plan_page_writes_a_view_row_and_the_pdf_an_export_row(client_for, plan, alice, alma):
    client = client_for(alice)
    client.get(reverse("handleplan:plan_detail", args=[alma.pk]))
    client.get(reverse("handleplan:plan_pdf", args=[alma.pk]))
    actions = set(AccessLog.objects.filter(child_id=alma.pk, user=alice).values_list("action", flat=True))
    assert {AccessLog.Action.VIEW, AccessLog.Action.EXPORT} <= actions


# --- pages --------------------------------------------------------------------------------------


def test_plan_page_query_count_does_not_grow_with_the_plan(client_for, case, alice, alma, lars):
    url = reverse("handleplan:plan_detail", args=[alma.pk])
    client = client_for(alice)

    def build(efforts):
        plan = Handleplan.objects.filter(case=case).first() or services.plan_start(actor=as_user(alice), case=case)
        save(plan, alice, goals_child=f"Mål {efforts}")
        for n in range(efforts - Effort.objects.filter(plan=plan).count()):
            effort = add_effort(plan, alice if n % 2 else lars, f"Indsats {n}", responsible=alice)
            evaluate(effort, alice)
            evaluate(effort, lars, next_evaluation_date=TODAY + 20 * DAY)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = build(2)
    large = build(20)
    assert PlanVersion.objects.filter(plan__case=case).count() > 50
    assert small == large


def test_the_child_page_summary_costs_a_constant_number_of_queries(plan, alice):
    save(plan, alice)
    port = HandleplanPort()
    with CaptureQueriesContext(connection) as few:
        port.summary(plan.case)
    for n in range(6):
        evaluate(add_effort(plan, alice, f"Indsats {n}", evaluation_date=TODAY - DAY), alice,
                 next_evaluation_date=TODAY + DAY) if n % 2 else add_effort(plan, alice, f"Indsats {n}",
                                                                           evaluation_date=TODAY - DAY)
    with CaptureQueriesContext(connection) as many:
        summary = port.summary(plan.case)
    assert len(few) == len(many) <= 3
    assert summary["template"] == "handleplan/includes/case_summary.html"
    assert summary["overdue_count"] == 3
    assert summary["goals"] == ["Alle børn deltager i samling", "Alma beder om hjælp med ord"]


def test_the_child_page_offers_to_start_a_plan_with_one_click(client_for, case, alice, alma):
    client = client_for(alice)
    html = client.get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Start handleplan" in html and reverse("handleplan:plan_start", args=[alma.pk]) in html
    response = client.post(reverse("handleplan:plan_start", args=[alma.pk]))
    assert response.status_code == 302
    assert Handleplan.objects.filter(case=case).count() == 1
    assert client.post(reverse("handleplan:plan_start", args=[alma.pk])).status_code == 302  # twice: still one
    assert Handleplan.objects.filter(case=case).count() == 1
    html = client.get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Åbn handleplanen" in html


def test_the_empty_plan_page_says_what_to_do_next(client_for, case, alice, alma):
    html = client_for(alice).get(reverse("handleplan:plan_detail", args=[alma.pk])).content.decode()
    assert "Der er ingen handleplan endnu" in html and "Start handleplan" in html
    html = client_for(alice).get(reverse("handleplan:plan_detail", args=[factories.child(alma.institution).pk]))
    assert "har ingen sag endnu" in html.content.decode()


def test_adding_an_effort_and_an_evaluation_through_the_pages(client_for, plan, alice, alma, municipality):
    catalogue.effort_catalogue_seed(municipality)
    icdp = EffortCatalogueEntry.objects.get(municipality=municipality, name="ICDP")
    client = client_for(alice)
    response = client.post(reverse("handleplan:effort_add", args=[alma.pk]), {
        "catalogue": icdp.pk, "description": "Guidet samspil", "carried_out_by": "Bjørnestuen",
        "responsible": alice.pk, "started_on": TODAY.isoformat(), "evaluation_date": (TODAY + 30 * DAY).isoformat()})
    assert response.status_code == 302
    effort = Effort.objects.get(plan=plan)
    assert (effort.name, effort.catalogue, effort.level, effort.responsible) == ("ICDP", icdp, "forebyggende", alice)
    response = client.post(reverse("handleplan:evaluation_add", args=[alma.pk, effort.pk]), {
        "evaluated_on": TODAY.isoformat(), "result": "naaet", "seen": "Alma tager initiativ.", "next_step": "",
        "end_effort": "on"})
    assert response.status_code == 302
    effort.refresh_from_db()
    assert effort.ended_on == TODAY and effort.evaluation_date is None
    assert Evaluation.objects.get(effort=effort).planned_for == TODAY + 30 * DAY


def test_only_the_catalogue_of_the_municipality_and_the_case_level_is_offered(client_for, plan, alice, alma,
                                                                            municipality):
    catalogue.effort_catalogue_seed(municipality)
    elsewhere = factories.municipality(name="Aabenraa Kommune")
    EffortCatalogueEntry.objects.create(municipality=elsewhere, level="forebyggende", name="Familiegruppe")
    html = client_for(alice).get(reverse("handleplan:effort_add", args=[alma.pk])).content.decode()
    assert "KaMiBe" in html and "Familiegruppe" not in html and "Praksisvejleder-samarbejde" not in html


# --- bad input ----------------------------------------------------------------------------------


def test_an_end_date_before_the_start_is_refused_beside_the_field_and_the_text_is_kept(client_for, plan, alice, alma):
    typed = {**texts(signs="En lang beskrivelse af tegn, som ikke må forsvinde"), "version": 1,
             "period_start": "2026-10-01", "period_end": "2026-09-01"}
    response = client_for(alice).post(reverse("handleplan:plan_edit", args=[alma.pk]), typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Slutdatoen skal ligge efter startdatoen." in html
    assert 'id="error_1_id_period_end"' in html  # beside the field (crispy's error id)
    assert "En lang beskrivelse af tegn, som ikke må forsvinde" in html
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_a_plan_without_goals_is_refused_beside_the_goal_field(client_for, plan, alice, alma):
    typed = {**texts(goals_community="  ", goals_child="", parents="Forældrenes ord bevares"), "version": 1}
    html = client_for(alice).post(reverse("handleplan:plan_edit", args=[alma.pk]), typed).content.decode()
    assert "Skriv mindst ét mål" in html and 'id="error_1_id_goals_community"' in html
    assert "Forældrenes ord bevares" in html


def test_overlong_text_is_refused_in_danish_and_kept(client_for, plan, alice, alma):
    long_text = "Æblegrød og rødgrød med fløde. " * 140  # > 4000 characters
    typed = {**texts(signs=long_text), "version": 1}
    html = client_for(alice).post(reverse("handleplan:plan_edit", args=[alma.pk]), typed).content.decode()
    assert "højst" in html and "4000" in html and 'id="error_1_id_signs"' in html
    assert long_text.strip()[:200] in html


def test_an_evaluation_date_before_the_effort_starts_is_refused_beside_the_field(client_for, plan, alice, alma):
    response = client_for(alice).post(reverse("handleplan:effort_add", args=[alma.pk]), {
        "other_name": "Fast voksen ved aflevering", "description": "Beskrivelse, der bevares",
        "started_on": "2026-10-01", "evaluation_date": "2026-09-01"})
    html = response.content.decode()
    assert "Evalueringsdatoen skal ligge efter startdatoen." in html
    assert 'id="error_1_id_evaluation_date"' in html and "Beskrivelse, der bevares" in html
    assert not Effort.objects.exists()


def test_an_evaluation_without_what_was_seen_is_refused_and_keeps_the_next_step(client_for, plan, alice, alma):
    effort = add_effort(plan, alice)
    html = client_for(alice).post(reverse("handleplan:evaluation_add", args=[alma.pk, effort.pk]), {
        "evaluated_on": TODAY.isoformat(), "result": "naaet", "seen": "", "next_step": "Næste skridt bevares"},
    ).content.decode()
    assert "Beskriv, hvad I så." in html and "Næste skridt bevares" in html
    assert not Evaluation.objects.exists()


# --- demo, admin --------------------------------------------------------------------------------


def test_the_demo_builds_plans_for_cases_and_runs_twice_without_duplicates(case, lars, alice, birgitte, municipality):
    context = {"cases": [case], "users": {"paedagog": alice, "leder": lars, "konsulent": birgitte},
               "municipality": municipality}
    demo.build({**context, "rng": __import__("random").Random(1)})
    counts = (EffortCatalogueEntry.objects.count(), Handleplan.objects.count(), PlanVersion.objects.count(),
              Effort.objects.count(), Evaluation.objects.count())
    demo.build({**context, "rng": __import__("random").Random(1)})
    assert (EffortCatalogueEntry.objects.count(), Handleplan.objects.count(), PlanVersion.objects.count(),
            Effort.objects.count(), Evaluation.objects.count()) == counts
    assert counts[1] == 1 and counts[2] >= 5 and counts[3] == 3
    assert interfaces.level_readiness(case, CaseState.FOREBYGGENDE).ready


def test_the_demo_does_nothing_without_cases(municipality):
    demo.build({"cases": [], "users": {}, "municipality": municipality, "rng": __import__("random").Random(1)})
    assert not Handleplan.objects.exists()
    assert EffortCatalogueEntry.objects.filter(municipality=municipality).exists()


def test_an_administrator_edits_the_effort_catalogue_and_it_is_logged(client_for, admin_user, municipality):
    client = client_for(admin_user)
    assert client.get(reverse("admin:handleplan_effortcatalogueentry_changelist")).status_code == 200
    response = client.post(reverse("admin:handleplan_effortcatalogueentry_add"), {
        "municipality": municipality.pk, "level": "forebyggende", "name": "Sprogleg i små grupper",
        "description": "", "active": "on", "order": 1})
    assert response.status_code == 302
    assert EffortCatalogueEntry.objects.filter(name="Sprogleg i små grupper").exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, object_type="effortcatalogueentry").exists()


def test_a_pedagogue_cannot_reach_the_catalogue_admin(client_for, alice):
    assert client_for(alice).get(reverse("admin:handleplan_effortcatalogueentry_changelist")).status_code == 302


def test_editing_an_effort_makes_a_version_and_a_stale_edit_is_refused(client_for, plan, alice, lars, alma):
    effort = add_effort(plan, alice)
    url = reverse("handleplan:effort_edit", args=[alma.pk, effort.pk])
    client = client_for(alice)
    assert client.get(url).status_code == 200
    form = {"version": effort.version, "description": "Ny beskrivelse", "carried_out_by": "Hele huset",
            "started_on": effort.started_on.isoformat(), "evaluation_date": (TODAY + 14 * DAY).isoformat()}
    assert client.post(url, form).status_code == 302
    effort.refresh_from_db()
    assert (effort.description, effort.evaluation_date) == ("Ny beskrivelse", TODAY + 14 * DAY)
    assert Handleplan.objects.get(pk=plan.pk).current.content["efforts"][0]["description"] == "Ny beskrivelse"
    html = client.post(url, {**form, "description": "Gammel fane"}).content.decode()  # same, now stale, version
    assert "ændret af en anden" in html and "Gammel fane" in html
