"""Demo cases: children spread over the levels with observations, consents and meetings.

Everything goes through the services, as a leader or the consultant would do it, so the demo
obeys the same rules as the app. Idempotent: children that already have a case, or already
have observations, are left alone.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone
from django.utils.text import slugify

from cases import services
from cases.defaults import seed_case_configuration
from cases.models import Case, ConsentPurpose, InterventionBasis, MeetingType, ObservationType, TopiPosition
from haandguide.demo import DEMO_PASSWORD
from haandguide.models import Role, User

OBSERVATION_TEXTS = [
    "Trækker sig fra legen i garderoben og søger en voksen. Bliver urolig ved skift mellem aktiviteter.",
    "Leger koncentreret med klodser i 20 minutter i den lille gruppe. Tager initiativ over for én ven.",
    "Har svært ved at vente på tur i samling; hjælpes godt af et billedskema for dagen.",
    "Bruger få ord i den store gruppe, men fortæller gerne om weekenden ved frokosten i den lille gruppe.",
    "Reagerer kraftigt på larm i fællesrummet; falder til ro i hjørnet med puderne sammen med en voksen.",
]
TOPI_WEIGHTS = [(TopiPosition.GREEN, 5), (TopiPosition.YELLOW, 3), (TopiPosition.RED, 1)]


def _as(user):
    return SimpleNamespace(user=user, path="/demo")


def _leader_for(institution, users: dict) -> User:
    leader = User.objects.filter(role=Role.LEDER, institutions=institution).first()
    if leader:
        return leader
    leader, created = User.objects.get_or_create(
        username=f"{slugify(institution.name)}-leder",
        defaults={"first_name": "Leder", "last_name": institution.name, "role": Role.LEDER,
                  "municipality": institution.district.municipality},
    )
    if created:
        leader.set_password(DEMO_PASSWORD)
        leader.save()
    leader.institutions.add(institution)
    return leader


def _weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def build(context: dict) -> None:
    rng = context["rng"]
    municipality = context["municipality"]
    users = context["users"]
    seed_case_configuration(municipality)
    types = {t.name: t for t in ObservationType.objects.filter(municipality=municipality)}
    meeting_types = {t.name: t for t in MeetingType.objects.filter(municipality=municipality)}
    purposes = {p.code: p for p in ConsentPurpose.objects.filter(municipality=municipality)}
    konsulent = users["konsulent"]
    today = timezone.localdate()
    cases = []
    for child in context["children"]:
        # Draw every random number up front so a second run follows the same sequence.
        has_concern = rng.random() < 0.3
        topi = _weighted(rng, TOPI_WEIGHTS)
        text = rng.choice(OBSERVATION_TEXTS)
        days_ago = rng.randint(5, 120)
        consent = rng.random() < 0.6
        network = rng.random() < 0.5
        chronic = rng.random() < 0.04
        closed = rng.random() < 0.08
        leader = _leader_for(child.institution, users)
        request = _as(leader)
        if not child.observations.exists():
            services.observation_add(request=request, child=child, data={
                "type": types["Sprogvurdering (Sprogtrappen)"], "observed_on": today - datetime.timedelta(days=days_ago + 30),
                "text": "Sprogvurdering gennemført. Alderssvarende ordforråd; følges ved næste vurdering."})
        existing = Case.objects.filter(child=child).first()
        if existing:
            cases.append(existing)
            continue
        if not has_concern:
            continue
        case = services.case_open(request=request, child=child, reason="Bekymring drøftet på teammødet.")
        services.observation_add(request=request, child=child, data={
            "type": types["TOPI"], "observed_on": today - datetime.timedelta(days=days_ago),
            "topi_position": topi, "text": "TOPI-vurdering: " + text})
        services.observation_add(request=request, child=child, data={
            "type": types["Pædagogisk iagttagelse"], "observed_on": today - datetime.timedelta(days=max(days_ago - 3, 0)),
            "text": text})
        services.meeting_record(request=request, case=case, data={
            "type": meeting_types["Forældresamtale"], "held_on": today - datetime.timedelta(days=max(days_ago - 5, 0)),
            "participants": f"{leader}, leder\nForældre", "minutes": "Bekymringen er drøftet med forældrene.",
            "follow_up_on": None}, agreements=[])
        if consent:
            for guardian in child.guardians.filter(has_custody=True):
                services.consent_record(request=request, child=child, guardian=guardian,
                                        purpose=purposes["arbejdsmoede"], given_on=today - datetime.timedelta(days=days_ago // 2))
            services.meeting_record(request=request, case=case, data={
                "type": meeting_types["Arbejdsmøde"], "held_on": today - datetime.timedelta(days=days_ago // 2),
                "participants": f"{leader}, leder\nPraksisvejleder", "minutes": "Indsatser i læringsmiljøet aftalt.",
                "follow_up_on": today + datetime.timedelta(days=30)}, agreements=[])
            if network:
                services.meeting_record(request=request, case=case, data={
                    "type": meeting_types["Netværksmøde"], "held_on": today - datetime.timedelta(days=days_ago // 3),
                    "participants": f"{leader}, leder\nForældre\nPsykolog, Det Rådgivende Team",
                    "minutes": "Handleplanen er gennemgået med forældrene.", "follow_up_on": None},
                    agreements=[{"kind": "indstilling", "text": "Forældrene er enige i en indstilling til distriktsrådet.",
                                 "with_parents": True}])
        if chronic and konsulent.districts.filter(pk=child.institution.district_id).exists():
            services.case_grant_intervention(request=_as(konsulent), case_id=case.pk, basis=InterventionBasis.CHRONIC_ILLNESS,
                                             reason="Diabetes: ekstra ressourcer, så barnet kan blive i sit læringsmiljø.")
        elif closed:
            case.refresh_from_db()
            services.case_close(request=request, case_id=case.pk, version=case.version, close_reason="tilbage_i_almen",
                                reason="Indsatserne har virket; barnet trives i det almene læringsmiljø.")
        cases.append(case)
    # The praksisvejleder is attached to two of Solsikken's open cases.
    solsikken = [c for c in cases if c.child.institution_id == users["leder"].institutions.first().pk and c.is_open]
    for case in solsikken[:2]:
        if not case.child.counsellor_assignments.active().filter(counsellor=users["raadgiver"]).exists():
            services.counsellor_attach(request=_as(users["leder"]), case=case, counsellor=users["raadgiver"])
    context["cases"] = cases
