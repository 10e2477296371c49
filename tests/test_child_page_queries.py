"""Issue 16: the child page and the handleplan page ask each question once and a fixed number of
queries, whatever the child's history (observations with attachments, meetings with agreements,
consents, events, efforts with evaluations)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.defaults import seed_case_configuration
from cases.models import Agreement, Attachment, CaseEvent, Consent, ConsentPurpose, Meeting, MeetingType, Observation, ObservationType
from haandguide.models import AccessLog, Guardian
from handleplan import services as plan_services
from handleplan.models import Effort, Evaluation
from tests.case_fixtures import as_user

TODAY = datetime.date.today()


@pytest.fixture
def case(municipality, alma, lars):
    seed_case_configuration(municipality)
    case = services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")
    plan = plan_services.plan_start(actor=as_user(lars), case=case)
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=1, data={"goals_child": "Leg med andre"})
    return case


def grow(case, alma, lars, n: int) -> None:
    """`n` more of everything the page shows a list of."""
    municipality = alma.institution.district.municipality
    obs_type = ObservationType.objects.filter(municipality=municipality).first()
    meeting_type = MeetingType.objects.filter(municipality=municipality).first()
    purpose = ConsentPurpose.objects.filter(municipality=municipality).first()
    plan = case.handleplan
    for i in range(n):
        observation = Observation.objects.create(child=alma, type=obs_type, observed_on=TODAY, text=f"Iagttagelse {i}",
                                                 author=lars)
        Attachment.objects.create(observation=observation, file=f"observations/{i}.pdf", original_name=f"{i}.pdf",
                                  content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=lars)
        meeting = Meeting.objects.create(case=case, type=meeting_type, held_on=TODAY, participants="Lars",
                                         created_by=lars)
        Agreement.objects.create(meeting=meeting, kind="ppv", text="Henvis", with_parents=True)
        guardian = Guardian.objects.create(child=alma, name=f"Forælder {i}", relation="mor", has_custody=True)
        Consent.objects.create(child=alma, guardian=guardian, purpose=purpose, given_on=TODAY, recorded_by=lars)
        CaseEvent.objects.create(case=case, actor=lars, action=CaseEvent.Action.OBSERVATION)
        effort = Effort.objects.create(plan=plan, name=f"Indsats {i}", level=case.state, started_on=TODAY,
                                       evaluation_date=TODAY, created_by=lars)
        Evaluation.objects.create(effort=effort, evaluated_on=TODAY, result="naaet", seen="Leger", author=lars)


def queries_of(client, url) -> list[str]:
    client.get(url)  # the first view renews the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("persona", ["lars", "alice", "birgitte"])
def test_the_child_page_asks_each_question_once_and_as_often_whatever_the_history(request, client_for, case, alma,
                                                                                   lars, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("cases:child_detail", args=[alma.pk])
    grow(case, alma, lars, 1)
    small = queries_of(client, url)
    grow(case, alma, lars, 12)
    large = queries_of(client, url)
    # 16 in the worst case here: the session row (Redis in production), the attachments and agreements;
    # the user, the municipality, the meeting types and readiness rules come from the cache (haandguide.lib.kept)
    assert len(large) == len(small) <= 16, "\n".join(large)
    repeated = {sql for sql in large if large.count(sql) > 1}
    assert not repeated, repeated  # the case, the plan, its efforts, the decisions: read once for the page
    body = client.get(url).content.decode()
    assert "11.pdf" in body and "Indsats 11" in body and "Forælder 11" in body  # everything still shown


def test_the_child_page_still_logs_its_read_outside_the_request_transaction(client_for, alice, alma):
    before = AccessLog.objects.filter(child_id=alma.pk, user=alice).count()
    assert client_for(alice).get(reverse("cases:child_detail", args=[alma.pk])).status_code == 200
    assert AccessLog.objects.filter(child_id=alma.pk, user=alice).count() == before + 1


def test_the_handleplan_page_keeps_its_query_count_whatever_the_plan(client_for, case, alma, lars):
    client = client_for(lars)
    url = reverse("handleplan:plan_detail", args=[alma.pk])
    grow(case, alma, lars, 1)
    small = queries_of(client, url)
    grow(case, alma, lars, 12)
    assert len(queries_of(client, url)) == len(small) <= 10


def test_the_home_page_counts_the_children_by_the_level_kept_on_the_child(client_for, case, alma, lars, solsikken):
    from tests import factories

    factories.child(solsikken, first_name="Ida", last_name="Holm")  # no case
    panel = client_for(lars).get(reverse("home")).context["panels"]
    levels = next(p for p in panel if p.template == "cases/includes/levels_panel.html").context
    counts = {state: count for state, _label, count in levels["levels"]}
    assert counts[case.state] == 1 and levels["without_case"] == 1 and levels["total"] == 2


@pytest.mark.parametrize("persona,name", [
    ("lars", "cases:child_list"), ("birgitte", "cases:child_list"), ("chef", "districtcouncil:submission_list"),
    ("chef", "districtcouncil:overview"), ("chef", "districtcouncil:meeting_archive"), ("lars", "home"),
])
def test_the_read_pages_answer_outside_the_request_transaction(request, client_for, persona, name, alma):
    """A BEGIN and a COMMIT less per view (in the test's own transaction: a savepoint); the list's
    access-log row stands on its own."""
    client = client_for(request.getfixturevalue(persona))
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name)).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("SAVEPOINT", "BEGIN"))]
