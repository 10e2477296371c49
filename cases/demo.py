"""Demo cases: children spread over the levels with observations, consents and meetings.

Everything goes through the services, as a leader or the consultant would do it, so the demo
obeys the same rules as the app. Idempotent: children that already have a case, or already
have observations, are left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.text import slugify

from cases import services
from cases.defaults import seed_case_configuration
from cases.models import (
    Case, CaseEvent, ConsentPurpose, CounsellingBooking, CounsellingProfessional, CounsellingSession, FamilyGroup,
    Basis, MeetingType, ObservationType, TopiPosition,
)
from haandguide import roles
from haandguide.actors import Actor
from haandguide.demo import DEMO_PASSWORD
from haandguide.models import Child, CounsellorKind, Role, User

OBSERVATION_TEXTS = [
    "Trækker sig fra legen i garderoben og søger en voksen. Bliver urolig ved skift mellem aktiviteter.",
    "Leger koncentreret med klodser i 20 minutter i den lille gruppe. Tager initiativ over for én ven.",
    "Har svært ved at vente på tur i samling; hjælpes godt af et billedskema for dagen.",
    "Bruger få ord i den store gruppe, men fortæller gerne om weekenden ved frokosten i den lille gruppe.",
    "Reagerer kraftigt på larm i fællesrummet; falder til ro i hjørnet med puderne sammen med en voksen.",
]
TOPI_WEIGHTS = [(TopiPosition.GREEN, 5), (TopiPosition.YELLOW, 3), (TopiPosition.RED, 1)]



def _leader_for(institution, users: dict) -> User:
    leader = roles.leaders_of(institution).first()
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
    demo = context.get("profile", {}).get("demo") or {}
    names = {"language": "Sprogvurdering (Sprogtrappen)", "topi": "TOPI", "note": "Pædagogisk iagttagelse",
             **demo.get("observations", {})}
    meetings = {"parents": "Forældresamtale", "working": "Arbejdsmøde", "network": "Netværksmøde",
                **demo.get("meetings", {})}
    today = timezone.localdate()
    cases = []
    for child in context["children"]:
        # Draw every random number up front so a second run follows the same sequence.
        has_concern = rng.random() < 0.3
        topi = _weighted(rng, TOPI_WEIGHTS)
        text = rng.choice(OBSERVATION_TEXTS)
        days_ago = rng.randint(5, 540)
        consent = rng.random() < 0.6
        network = rng.random() < 0.5
        chronic = rng.random() < 0.04
        closed = rng.random() < 0.08
        leader = _leader_for(child.institution, users)
        actor = Actor.staff(leader)
        if not child.observations.exists():
            services.observation_add(actor=actor, child=child, data={
                "type": types[names["language"]], "observed_on": today - datetime.timedelta(days=days_ago + 30),
                "text": "Sprogvurdering gennemført. Alderssvarende ordforråd; følges ved næste vurdering."})
        existing = Case.objects.of_child(child)
        if existing:
            cases.append(existing)
            continue
        if not has_concern:
            continue
        case = services.case_open(actor=actor, child=child, reason="Bekymring drøftet på teammødet.")
        context.setdefault("case_history_days", {})[case.pk] = days_ago
        services.observation_add(actor=actor, child=child, data={
            "type": types[names["topi"]], "observed_on": today - datetime.timedelta(days=days_ago),
            "topi_position": topi, "text": "TOPI-vurdering: " + text})
        services.observation_add(actor=actor, child=child, data={
            "type": types[names["note"]], "observed_on": today - datetime.timedelta(days=max(days_ago - 3, 0)),
            "text": text})
        services.meeting_record(actor=actor, case=case, data={
            "type": meeting_types[meetings["parents"]], "held_on": today - datetime.timedelta(days=max(days_ago - 5, 0)),
            "participants": f"{leader}, leder\nForældre", "minutes": "Bekymringen er drøftet med forældrene.",
            "follow_up_on": None}, agreements=[])
        if consent:
            for guardian in child.guardians.filter(has_custody=True):
                services.consent_record(actor=actor, child=child, guardian=guardian,
                                        purpose=purposes["arbejdsmoede"], given_on=today - datetime.timedelta(days=days_ago // 2))
            services.meeting_record(actor=actor, case=case, data={
                "type": meeting_types[meetings["working"]], "held_on": today - datetime.timedelta(days=days_ago // 2),
                "participants": f"{leader}, leder\nPraksisvejleder", "minutes": "Indsatser i læringsmiljøet aftalt.",
                "follow_up_on": today + datetime.timedelta(days=30)}, agreements=[])
            if network:
                services.meeting_record(actor=actor, case=case, data={
                    "type": meeting_types[meetings["network"]], "held_on": today - datetime.timedelta(days=days_ago // 3),
                    "participants": f"{leader}, leder\nForældre\nPsykolog, Det Rådgivende Team",
                    "minutes": "Handleplanen er gennemgået med forældrene.", "follow_up_on": None},
                    agreements=[{"kind": "indstilling", "text": "Forældrene er enige i en indstilling til distriktsrådet.",
                                 "with_parents": True}])
        if chronic and konsulent.districts.filter(pk=child.institution.district_id).exists():
            services.case_grant_intervention(actor=Actor.staff(konsulent), case_id=case.pk, basis=Basis.CHRONIC_ILLNESS,
                                             reason="Diabetes: ekstra ressourcer, så barnet kan blive i sit læringsmiljø.")
        elif closed:
            case.refresh_from_db()
            services.case_close(actor=actor, case_id=case.pk, version=case.version, close_reason="tilbage_i_almen",
                                reason="Indsatserne har virket; barnet trives i det almene læringsmiljø.")
        cases.append(case)
    # The external counsellor (Haderslev: the praksisvejleder; Køge: the family centre's preventive
    # counsellor) is attached to two of the demo leader's open cases.
    home = users["leder"].institutions.first()
    own = [c for c in cases if c.child.institution_id == home.pk and c.is_open]
    counsellor = users["raadgiver"]
    for case in own[:2]:
        if counsellor.counsellor_kind in (CounsellorKind.FAMILIERAADGIVER, CounsellorKind.FAMILIECENTER):
            _consent(actor=Actor.staff(users["leder"]), child=case.child, purpose=purposes[services.PURPOSE_FAMILY_COUNSELLING],
                     given_on=today - datetime.timedelta(days=20))
        if not case.child.counsellor_assignments.active().filter(counsellor=counsellor).exists():
            services.counsellor_attach(actor=Actor.staff(users["leder"]), case=case, counsellor=counsellor)
    if "resource_team" in meetings:
        _resource_team_meetings(own[2:6], users["leder"], meeting_types[meetings["resource_team"]], purposes, today)
    if municipality.open_counselling_enabled or municipality.family_groups_enabled:
        _aabenraa(context, home, users, today)
    context["cases"] = cases


def _consent(*, actor: Actor, child, purpose, given_on):
    for guardian in child.guardians.filter(has_custody=True):
        if not guardian.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists():
            services.consent_record(actor=actor, child=child, guardian=guardian, purpose=purpose, given_on=given_on)


def _resource_team_meetings(cases, leader, meeting_type, purposes, today):
    """Køge: the children are discussed early in the daycare's ressourceteam (with consent)."""
    actor = Actor.staff(leader)
    for case in cases:
        if case.meetings.filter(type=meeting_type).exists():
            continue
        if meeting_type.requires_consent_id:
            _consent(actor=actor, child=case.child, purpose=meeting_type.requires_consent,
                     given_on=today - datetime.timedelta(days=14))
        services.meeting_record(actor=actor, case=case, data={
            "type": meeting_type, "held_on": today - datetime.timedelta(days=10),
            "participants": f"{leader}, leder\nSundhedsplejerske\nPPR-psykolog\nForebyggende rådgiver, FCK",
            "minutes": "Tidlig indsats aftalt: struktur i overgange; FCK tilbyder forældrene en samtale.",
            "follow_up_on": today + datetime.timedelta(days=42)}, agreements=[])


def _aabenraa(context, institution, users, today):
    """Aabenraa: open counselling sessions with bookings, and a family group with attendance."""
    leader = users["leder"]
    actor = Actor.staff(leader)
    children = list(Child.objects.filter(institution=institution).order_by("pk")[:6])
    municipality = context["municipality"]
    if municipality.open_counselling_enabled and not CounsellingSession.objects.filter(institution=institution).exists():
        for days, booked in ((-14, 4), (7, 2)):
            starts = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=days),
                                                                   datetime.time(8, 30)))
            session = services.counselling_session_create(actor=actor, institution=institution, data={
                "starts_at": starts, "slots": 6, "slot_minutes": 30, "location": "Personalestuen",
                "professionals": "Sundhedsplejerske, Tidlig Forebyggelse, PPR-psykolog, tale/høre-konsulent"})
            professionals = list(CounsellingProfessional)
            for slot, child in enumerate(children[:booked], start=1):
                parents = slot % 2 == 1
                services.counselling_book(actor=actor, session=session, data={
                    "slot": slot, "booker": CounsellingBooking.Booker.PARENTS if parents else CounsellingBooking.Booker.STAFF,
                    "professional": professionals[slot % len(professionals)], "child": child,
                    "guardian": child.guardians.first() if parents else None,
                    "topic": "Søvn og rutiner derhjemme." if parents else "Sproget i den store gruppe."})
    if municipality.family_groups_enabled and not FamilyGroup.objects.filter(institution=institution).exists():
        group = services.family_group_create(actor=actor, institution=institution, data={
            "name": "Familiegruppen Trækronen", "facilitators": "Pædagog og sundhedsplejerske",
            "purpose": "Styrke forælderrollen og forældrenetværket; inspiration til aktiviteter i hjemmet."})
        participants = [services.family_group_participant_add(actor=actor, group=group, child=child,
                                                              guardian=child.guardians.first())
                        for child in children[:5]]
        for n, theme in enumerate(["Leg og bevægelse", "Søvn og rutiner", "Sprog i hverdagen"]):
            session = services.family_group_session_add(actor=actor, group=group, data={
                "held_on": today - datetime.timedelta(days=21 - 7 * n), "theme": theme,
                "activity": "Fælles aktivitet med børnene og erfaringsudveksling."})
            services.family_group_attendance_record(actor=actor, session=session, participants=participants[n:])


def finish(context: dict) -> None:
    """After every app has added its steps: spread each new demo case's events over the time since
    the concern arose, so the timeline and the month-by-month statistics show a history (the
    services stamp everything "now"). Demo data only; the app never rewrites an event."""
    now = timezone.now()
    for case_pk, days in context.get("case_history_days", {}).items():
        events = list(CaseEvent.objects.filter(case_id=case_pk).order_by("at", "pk"))
        for i, event in enumerate(events):
            event.at = now - datetime.timedelta(days=days * (1 - i / len(events)), minutes=len(events) - i)
        CaseEvent.objects.bulk_update(events, ["at"])
        moves = [e for e in events if e.from_state != e.to_state and e.to_state]
        Case.objects.filter(pk=case_pk).update(opened_at=events[0].at,
                                               state_changed_at=(moves[-1] if moves else events[0]).at)
