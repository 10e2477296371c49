"""Demo handleplans, through the services: the effort catalogue for the municipality, and for each
open case without a plan a plan with goals, signs, the child's voice, efforts and evaluations,
several versions, and some evaluations due soon or overdue. Idempotent: a case that has a plan is
left alone, and the catalogue is seeded with get_or_create.

Every demo effort has been evaluated at least once (the overdue ones are overdue for their *next*
evaluation), so the cases stay ready for the district council's demo, which escalates some of them.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import CaseState
from haandguide import roles
from haandguide.actors import Actor
from haandguide.models import User
from handleplan import services
from handleplan.catalogue import effort_catalogue_seed
from handleplan.models import EffortCatalogueEntry, Evaluation, Handleplan
from handleplan.permissions import may_write

GOALS_COMMUNITY = [
    "Alle børn på stuen deltager i samling i mindre grupper.",
    "Overgange i løbet af dagen er forudsigelige og støttet med billeder.",
    "Børnene inviterer hinanden ind i legen.",
]
GOALS_CHILD = [
    "Barnet beder om hjælp med ord i stedet for at trække sig.",
    "Barnet deltager i leg med to andre børn i mindst ti minutter.",
    "Barnet falder til ro med støtte fra en voksen efter en konflikt.",
    "Barnet bruger flere ord i samtale ved frokostbordet.",
]
SIGNS = [
    "Barnet søger selv en voksen, når noget er svært.",
    "Barnet bliver i legen, også når en anden tager over.",
    "Færre konflikter ved overgangene – vi tæller dem i to uger.",
]
VOICE = {
    "se_mig": "Barnet fortæller, at det bedst kan lide at bygge med klodser sammen med Ida.",
    "hoere_til": "«Jeg vil gerne være med, når de andre leger far, mor og børn.»",
    "udfordringer": "Barnet vil gerne selv hælde mælk op og øver sig hver dag.",
    "blive": "Barnet vil være brandmand og viser stolt, hvordan man klatrer.",
}
PARENTS = [
    "Forældrene oplever et glad barn derhjemme, men et barn, der er træt efter dagen.",
    "Forældrene er bekymrede for sproget og ønsker gode råd til hjemmet.",
    "Forældrene genkender uroen ved skift og bruger også billeder derhjemme nu.",
]
SEEN = [
    "Barnet deltager i samling i den lille gruppe og rækker hånden op to gange.",
    "Barnet trækker sig stadig ved overgangen til frokost, men lader sig hjælpe.",
    "Barnet leger med to andre børn i kortere perioder; konflikterne er færre.",
]
RESULTS = [Evaluation.Result.REACHED, Evaluation.Result.PARTLY, Evaluation.Result.NOT_REACHED]



def _writer(case, users: dict) -> User | None:
    """Someone allowed to write this child's plan: the demo pedagogue, else a leader of the
    institution, else the district's consultant."""
    child = case.child
    for user in (users.get("paedagog"), users.get("leder")):
        if user and may_write(user, child):
            return user
    leader = roles.leaders_of(child.institution_id).first()
    if leader:
        return leader
    consultant = users.get("konsulent")
    return consultant if consultant and may_write(consultant, child) else None


def build(context: dict) -> None:
    municipality = context.get("municipality")
    if municipality is None:
        return
    effort_catalogue_seed(municipality)
    cases = context.get("cases") or []
    if not cases:
        return
    rng = context["rng"]
    users = context.get("users", {})
    today = timezone.localdate()
    catalogue = list(EffortCatalogueEntry.objects.filter(municipality=municipality, level=CaseState.FOREBYGGENDE,
                                                         active=True))
    if not catalogue:
        return
    for case in cases:
        # Draw every random number first, so a second run follows the same sequence.
        draws = {
            "community": rng.sample(GOALS_COMMUNITY, 2), "child": rng.sample(GOALS_CHILD, 2),
            "signs": rng.sample(SIGNS, 2), "parents": rng.choice(PARENTS),
            "efforts": rng.sample(catalogue, min(3, len(catalogue))),
            "started": rng.randint(60, 150), "results": [rng.choice(RESULTS) for _ in range(3)],
            "seen": [rng.choice(SEEN) for _ in range(3)],
            "next": [rng.choice([-20, -6, 3, 5, 30, 45]) for _ in range(3)],
        }
        case.refresh_from_db()
        if not case.is_open or Handleplan.objects.filter(case=case).exists():
            continue
        writer = _writer(case, users)
        if writer is None:
            continue
        actor = Actor.staff(writer)
        plan = services.plan_start(actor=actor, case=case)
        started = today - datetime.timedelta(days=draws["started"])
        first = {"period_start": started, "period_end": started + datetime.timedelta(days=180),
                 "goals_community": draws["community"][0], "goals_child": draws["child"][0],
                 "signs": draws["signs"][0]}
        services.plan_save(actor=actor, plan=plan, version=plan.version, data=first)
        plan.refresh_from_db()
        for n, entry in enumerate(draws["efforts"]):
            effort = services.effort_add(actor=actor, plan=plan, level=CaseState.FOREBYGGENDE, data={
                "catalogue": entry, "name": entry.name,
                "description": entry.description or f"{entry.name} i den lille gruppe, tre gange om ugen.",
                "carried_out_by": "Pædagogerne på stuen", "responsible": writer if n == 0 else None,
                "started_on": started + datetime.timedelta(days=n * 7),
                "evaluation_date": started + datetime.timedelta(days=n * 7 + 42),
            })
            evaluated_on = min(started + datetime.timedelta(days=n * 7 + 42), today - datetime.timedelta(days=1))
            next_date = today + datetime.timedelta(days=draws["next"][n])
            services.evaluation_add(actor=actor, effort=effort, data={
                "evaluated_on": evaluated_on, "result": draws["results"][n], "seen": draws["seen"][n],
                "next_step": "Vi fortsætter og justerer indsatsen efter evalueringen.",
                "next_evaluation_date": max(next_date, evaluated_on + datetime.timedelta(days=14)),
            })
        plan.refresh_from_db()
        services.plan_save(actor=actor, plan=plan, version=plan.version, data={
            **first,
            "goals_community": "\n".join(draws["community"]), "goals_child": "\n".join(draws["child"]),
            "signs": "\n".join(draws["signs"]), "parents": draws["parents"],
            **{f"voice_{key}": text for key, text in VOICE.items()},
        })
