"""Demo for the district councils: past meetings with decisions, an upcoming meeting with
submissions, and one late submission rolled over to the next meeting. Through the services."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone

from cases import services as case_services
from cases.models import Agreement, AgreementKind, CaseState, ConsentPurpose
from districtcouncil import services
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, ResourceType, Submission
from handleplan import services as plan_services
from handleplan.models import Handleplan
from haandguide.lib.holidays import working_day_on_or_after
from haandguide import roles


def _as(user):
    return SimpleNamespace(user=user, path="/demo")


def _at(day: datetime.date, hour: int = 13) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _thursday(day: datetime.date) -> datetime.date:
    """Councils meet on a working day: the Thursday on or after the given day, or, when that is a
    holiday (skærtorsdag, Kristi himmelfart, juleaftensdag, nytårsaftensdag), the next working day."""
    return working_day_on_or_after(day + datetime.timedelta(days=(3 - day.weekday()) % 7))


def _prepare_for_assessment(case, leader, today):
    """Give the plan evaluated efforts on both levels and escalate, as the team would have done."""
    request = _as(leader)
    plan = Handleplan.objects.filter(case=case).first() or plan_services.plan_start(request=request, case=case)
    if not (plan.texts["goals_child"] or plan.texts["goals_community"]):
        plan_services.plan_save(request=request, plan=plan, version=plan.version, data={
            "goals_child": "Deltager i samling i den lille gruppe\nBeder om hjælp med ord",
            "goals_community": "Faste overgange med billedstøtte", "signs": "Bliver i samling i 10 minutter",
            "parents": "Forældrene oplever et barn, der er træt og ked af det efter dagen.",
            "voice_se_mig": "«Jeg kan bedst lide, når vi er få.»"})
    for level, name in ((CaseState.FOREBYGGENDE, "Struktur i grupperummet"), (CaseState.FOREGRIBENDE, "Praksisvejleder-samarbejde")):
        if case.state == CaseState.FOREBYGGENDE and level == CaseState.FOREGRIBENDE:
            case = case_services.case_escalate(request=request, case_id=case.pk, version=case.version,
                                               reason="Evalueringen viste, at de forebyggende indsatser ikke var nok.")
        if not plan.efforts.filter(level=level).exists():
            effort = plan_services.effort_add(request=request, plan=plan, level=level, data={
                "name": name, "carried_out_by": "Stuens team", "started_on": today - datetime.timedelta(days=150),
                "description": "Fast voksen i den lille gruppe ved samling og overgange.",
                "evaluation_date": today - datetime.timedelta(days=100)})
            plan_services.evaluation_add(request=request, effort=effort, data={
                "evaluated_on": today - datetime.timedelta(days=95), "result": "delvist",
                "seen": "Bedre i den lille gruppe, men ikke i den store.", "next_step": "Drøftes med forældrene.",
                "next_evaluation_date": today + datetime.timedelta(days=30)})
    for guardian in case.child.guardians.filter(has_custody=True):
        purpose = ConsentPurpose.objects.get(municipality=case.child.institution.district.municipality,
                                             code=case_services.PURPOSE_SUBMISSION_WITH_CPR)
        if not guardian.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists():
            case_services.consent_record(request=request, child=case.child, guardian=guardian, purpose=purpose,
                                         given_on=today - datetime.timedelta(days=90))
    return case


def build(context: dict) -> None:
    municipality = context["municipality"]
    seed_council_configuration(municipality)
    if CouncilMeeting.objects.filter(council__district__municipality=municipality).exists():
        return  # idempotent: the calendar and its history are built once
    today = timezone.localdate()
    demo = context.get("profile", {}).get("demo") or {}
    council_types = (context.get("profile") or {}).get("council_meeting_types") or ["Distriktsrådsmøde"]
    meeting_type = CouncilMeetingType.objects.get(municipality=municipality, name=council_types[0])
    resources = {r.name: r for r in ResourceType.objects.filter(municipality=municipality)}
    konsulent = context["users"]["konsulent"]
    calendar = {}
    for council in Council.objects.filter(district__municipality=municipality):
        calendar[council.pk] = [
            CouncilMeeting.objects.create(council=council, type=meeting_type, starts_at=_at(_thursday(today + datetime.timedelta(days=d))),
                                          location=demo.get("location", "Rådhuset, mødelokale 2"))
            for d in (-84, -42, 20, 48)
        ]
    ready = [c for c in context.get("cases", [])
             if c.is_open and c.state != CaseState.INDGRIBENDE
             and c.child.institution.district.consultants.filter(pk=konsulent.pk).exists()
             and Agreement.objects.filter(meeting__case=c, kind=AgreementKind.SUBMISSION, with_parents=True).exists()]
    decided = []
    grants = [("Praksisvejleder", {"hours": 40}), ("Frie midler", {"amount_dkk": 45000, "hours": 60}),
              ("Ressourcegruppe", {"hours": 80}), ("Kun sparring/vejledning", {})]
    for index, case in enumerate(ready[:7]):
        leader = roles.leaders_of(case.child.institution_id).first()
        meetings = calendar[case.child.institution.district.council.pk]
        case = _prepare_for_assessment(case, leader, today)
        if index < 4:  # decided at a past meeting
            meeting = meetings[index % 2]
            submission = services.submission_create(request=_as(leader), institution=case.child.institution,
                                                    child=case.child, data={
                                                        "meeting": meeting, "kind": Submission.Kind.RESSOURCEVURDERING,
                                                        "track": Submission.Track.WITH_CPR,
                                                        "description": "Barnet har svært ved overgange og samling trods "
                                                                       "forebyggende og foregribende indsatser."})
            services.submission_submit(request=_as(leader), submission_id=submission.pk, version=None,
                                       now=meeting.deadline - datetime.timedelta(days=2))
            services.agenda_close(meeting.pk, now=meeting.deadline)
            name, amounts = grants[index]
            start = timezone.localtime(meeting.starts_at).date()
            decided.append(services.decision_record(request=_as(konsulent), submission_id=submission.pk, data={
                "resource_type": resources[name], "amount_dkk": amounts.get("amount_dkk"), "hours": amounts.get("hours"),
                "mellemform": None, "period_start": start, "period_end": services.default_period(municipality, start)[1],
                "goals": "Barnet deltager i samling med støtte og beder selv om hjælp.",
                "follow_up_on": start + datetime.timedelta(days=90), "least_intrusive_discussed": True,
                "notes": "Drøftet: praksisvejleder som mindst indgribende mulighed."}))
        else:  # on the upcoming agenda; the last one missed the previous deadline and rolled over
            late = index == 6
            meeting = meetings[1] if late else meetings[2]
            submission = services.submission_create(request=_as(leader), institution=case.child.institution,
                                                    child=case.child, data={
                                                        "meeting": meeting, "kind": Submission.Kind.RESSOURCEVURDERING,
                                                        "track": Submission.Track.WITH_CPR,
                                                        "description": "Ressourcevurdering ønskes efter netværksmødet."})
            services.submission_submit(request=_as(leader), submission_id=submission.pk, version=None,
                                       now=meeting.deadline + datetime.timedelta(hours=3) if late else None)
    if municipality.profile == "ishoej":
        _revisit(decided, konsulent, resources, municipality, today)
    # A group submission without CPR and a draft, on the upcoming agenda of district Nord.
    leader = context["users"]["leder"]
    institution = leader.institutions.first()
    upcoming = calendar[institution.district.council.pk][2]
    group = services.submission_create(request=_as(leader), institution=institution, child=None, data={
        "meeting": upcoming, "kind": Submission.Kind.SPARRING, "track": Submission.Track.WITHOUT_CPR,
        "group_description": "Vuggestuegruppen Mariehønen: 12 børn, mange nye; mål: trygge overgange og leg i små grupper.",
        "description": "Vi ønsker sparring på organiseringen af læringsmiljøet i vuggestuen."})
    services.submission_submit(request=_as(leader), submission_id=group.pk, version=None)
    services.submission_create(request=_as(leader), institution=institution, child=None, data={
        "meeting": upcoming, "kind": Submission.Kind.SPARRING, "track": Submission.Track.WITHOUT_CPR,
        "group_description": "Børnehavegruppen Solstrålen.", "description": "Kladde: sparring om samling."})


def _revisit(decisions, konsulent, resources, municipality, today):
    """Ishøj: a granted resource is re-visited and replaced by a less intrusive offer."""
    for decision in decisions:
        if decision.resource_type.name == "Frie midler" and not decision.reassessed_at:
            start, end = services.default_period(municipality, today)
            services.revisitation_record(request=_as(konsulent), decision=decision, data={
                "resource_type": resources["Praksisvejleder"], "amount_dkk": None, "hours": 30, "mellemform": None,
                "period_start": start, "period_end": end, "goals": "Barnet deltager i samling i den store gruppe.",
                "follow_up_on": start + datetime.timedelta(days=90), "notes": "Revisitation efter tre måneder.",
                "least_intrusive_discussed": True,
                "least_intrusive_offer": "Praksisvejleder i stedet for frie midler: barnet klarer sig nu i den store "
                                         "gruppe med vejledning af personalet."})
