"""Demo data for the learning community: a group (stue) of the demo leader's institution with a
finished TOPI round, the group's plan written from it, reflective evaluations, a counsellor's
proposal on an attached case and, where the municipality has family-centre counsellors (Køge),
anonymous sparring. Idempotent: a second run finds everything and adds nothing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseState
from community import services
from community.models import ChildGroup, CounsellorProposal, ReflectiveEvaluation, SparringSession, TopiRound
from haandguide.actors import Actor
from haandguide.exceptions import Refused
from haandguide.models import CounsellorKind
from handleplan.models import Handleplan


def build(context: dict) -> None:
    users = context.get("users") or {}
    leader, pedagogue = users.get("leder"), users.get("paedagog")
    if leader is None or pedagogue is None:
        return
    home = leader.institutions.first()
    if home is None or not pedagogue.institutions.filter(pk=home.pk).exists():
        return
    today = timezone.localdate()
    group, created = ChildGroup.objects.get_or_create(institution=home, name="Mariehønen")
    if created or not group.children.exists():
        group.children.set(home.children.present().order_by("pk")[:12])
    _topi_round(group, leader, pedagogue, context["rng"], today)
    if not hasattr(group, "plan"):
        services.group_plan_save(actor=Actor.staff(pedagogue), group=group, version=0, data={
            "goals_community": "Alle børn er med i legen\nRo og deltagelse ved samling",
            "signs": "Flere børn leger sammen i små grupper; færre konflikter i garderoben.",
            "efforts": "Små legegrupper om formiddagen\nBilledstøtte ved samling\nVoksen-zoner i garderoben",
            "carried_out_by": "Stuens pædagoger", "evaluation_date": today + datetime.timedelta(days=45),
            "evaluation_tool": "Praksisfortællinger og TOPI", "staff_meeting_on": today - datetime.timedelta(days=7),
            "staff_meeting_participants": f"{pedagogue}, {leader}", "evaluation": "",
            "children": [row["child"].pk for row in services.round_overview(group.topi_rounds.first())
                         if row["joint"] in ("gul", "roed")],
        })
    if not ReflectiveEvaluation.objects.filter(institution=home).exists():
        for days, theme, findings in (
                (40, "Garderoben som læringsmiljø", "Lang ventetid giver uro; de store børn hjælper gerne de små."),
                (10, "Samling", "Billedstøtte hjælper de yngste; samlingen er for lang for nogle.")):
            services.reflective_evaluation_add(actor=Actor.staff(leader), institution=home, data={
                "held_on": today - datetime.timedelta(days=days), "theme": theme, "participants": f"{leader}, {pedagogue}",
                "findings": findings, "next_steps": "Vi prøver det af i fire uger og evaluerer igen.", "group": group})
    counsellor = users.get("raadgiver")
    if counsellor is not None:
        _proposal(counsellor, home, leader)
        if (counsellor.counsellor_kind == CounsellorKind.FAMILIECENTER
                and not SparringSession.objects.filter(institution=home).exists()):
            services.sparring_add(actor=Actor.staff(leader), institution=home, data={
                "counsellor": counsellor, "held_on": today - datetime.timedelta(days=5),
                "topic": "En dreng på 4 år, der ofte trækker sig fra legen, og forældre der er bekymrede.",
                "advice": "Tal med forældrene om hverdagen derhjemme; giv drengen en fast legemakker i fire uger."})


def _topi_round(group, leader, pedagogue, rng, today) -> None:
    # Draw first, so a second run leaves the random sequence of the apps after this one unchanged.
    children = list(group.children.order_by("pk"))
    positions = [rng.choices(["groen", "gul", "roed"], weights=[7, 2, 1])[0] for _ in children]
    if TopiRound.objects.filter(group=group).exists():
        return
    topi_round = services.round_open(actor=Actor.staff(leader), group=group, name="Efterårsrunde",
                                     held_on=today - datetime.timedelta(days=14))
    for child, position in zip(children, positions):
        for rater in (pedagogue, leader):
            services.rating_add(actor=Actor.staff(rater), topi_round=topi_round, child=child, position=position)
        services.joint_rating_add(actor=Actor.staff(leader), topi_round=topi_round, child=child, position=position)


def _proposal(counsellor, home, leader) -> None:
    if not CounsellorProposal.objects.filter(author=counsellor).exists():
        # The counsellor works on a foregribende (or indgribende) case of the leader's institution
        # (cases/demo.py attaches them to the first open ones, which may still be forebyggende).
        case = (Case.objects.filter(child__institution=home, handleplan__isnull=False,
                                    state__in=[CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE])
                .select_related("child").order_by("pk").first())
        if case is not None and not case.child.counsellor_assignments.active().filter(counsellor=counsellor).exists():
            try:
                case_services.counsellor_attach(actor=Actor.staff(leader), case=case, counsellor=counsellor)
            except Refused:  # e.g. Køge's family centre without the parents' consent: no proposal then
                return
    for assignment in counsellor.assignments.active().select_related("child"):
        case = Case.objects.of_child(assignment.child)
        plan = Handleplan.objects.filter(case=case).first()
        if (case is None or plan is None or CaseState.rank(case.state) < CaseState.rank(CaseState.FOREGRIBENDE)
                or CounsellorProposal.objects.filter(plan=plan).exists()):
            continue
        services.proposal_add(actor=Actor.staff(counsellor), plan=plan, field="signs",
                              text="Barnet tager selv initiativ til leg med mindst ét andet barn i løbet af formiddagen.",
                              reason="Set ved mit besøg på stuen: tegnet kan iagttages i hverdagen.")
        return
