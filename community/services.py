"""Changes to the learning community's records. One function per action, each: guard (a Danish
`Refused` with a code) → atomic → lock or version check → save → access-log row (a child's row
where one child's data changes)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState, CounsellingBooking, CounsellingProfessional, CounsellingSession, ObservationType, TopiPosition
from cases import services as case_services
from cases.scope import serves_institution
from community.models import (
    EMPTY_GROUP_TEXTS, BookingInvitation, ChildGroup, CounsellorProposal, GroupPlan, GroupPlanSnapshot,
    GroupPlanVersion, ReflectiveEvaluation, SparringSession, TopiRating, TopiRound,
)
from haandguide import roles
from haandguide.access import Action as LogAction
from haandguide.access import log_access
from haandguide.actors import Actor
from haandguide.exceptions import EditConflict, Refusal, Refused
from haandguide.models import Child, CounsellorKind, Institution, User
from haandguide.notify import notify
from handleplan.formdata import texts_as_form_initial
from handleplan.models import Handleplan
from handleplan.services import plan_save

# The guide's practice (DOMAIN.md): at least two staff rate each child independently first.
INDEPENDENT_RATINGS_NEEDED = 2


# --- groups and the learning community's plan --------------------------------------------------------


def refusal_group_write(user: User, group: ChildGroup) -> str | None:
    if not roles.works_at(user, group.institution_id):
        return Refusal("not_staff", "Kun institutionens pædagoger og leder kan skrive læringsfællesskabets plan.")
    return None


def _lines(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def group_texts_from_form(data: dict, group: ChildGroup) -> dict:
    """The plan's texts from GroupPlanForm.cleaned_data; children only from the group itself."""
    efforts_by = (data.get("carried_out_by") or "").strip()
    evaluation_date = data.get("evaluation_date")
    member_ids = set(group.children.values_list("pk", flat=True))
    return {
        **EMPTY_GROUP_TEXTS,
        "goals_community": _lines(data.get("goals_community")),
        "signs": (data.get("signs") or "").strip(),
        "efforts": [{"name": name, "carried_out_by": efforts_by,
                     "evaluation_date": evaluation_date.isoformat() if evaluation_date else None}
                    for name in _lines(data.get("efforts"))],
        "evaluation_tool": (data.get("evaluation_tool") or "").strip(),
        "staff_meeting_on": data["staff_meeting_on"].isoformat() if data.get("staff_meeting_on") else None,
        "staff_meeting_participants": (data.get("staff_meeting_participants") or "").strip(),
        "evaluation": (data.get("evaluation") or "").strip(),
        "children": sorted(pk for pk in (c.pk if hasattr(c, "pk") else int(c) for c in data.get("children") or [])
                           if pk in member_ids),
    }


def _new_group_version(plan: GroupPlan, user: User, summary: str, texts: dict) -> GroupPlanVersion:
    version = GroupPlanVersion.objects.create(plan=plan, number=plan.version + 1, author=user,
                                              content={"texts": texts}, summary=summary[:255])
    plan.current = version
    plan.save(update_fields=["current"])
    return version


def group_plan_save(*, actor: Actor, group: ChildGroup, data: dict, version: int) -> GroupPlanVersion:
    """Save the learning community's plan as a new version; `version` is the one the form was
    opened at, and a save based on an older one is refused (never silently overwritten)."""
    if refusal := refusal_group_write(actor.user, group):
        raise Refused(refusal)
    texts = group_texts_from_form(data, group)
    if not texts["goals_community"]:
        raise Refused("goals_missing", "Planen skal have mindst ét mål for læringsfællesskabet.")
    if not texts["efforts"]:
        raise Refused("efforts_missing", "Skriv mindst én indsats i læringsmiljøet.")
    with transaction.atomic():
        plan, _ = GroupPlan.objects.get_or_create(group=group, defaults={"created_by": actor.user})
        plan = GroupPlan.objects.select_for_update().get(pk=plan.pk)
        plan.current = GroupPlanVersion.objects.filter(pk=plan.current_id).first()
        if version != plan.version:
            raise EditConflict("Planen er gemt af en anden, mens du skrev. Se den nye udgave og skriv dine ændringer igen.")
        if plan.current and texts == plan.texts:
            return plan.current
        new = _new_group_version(plan, actor.user, "Plan for læringsfællesskabet gemt", texts)
        log_access(actor, LogAction.UPDATE, plan, detail=f"Plan for {group} ({group.institution}) version {new.number}")
    return new


def group_children(texts: dict) -> list[dict]:
    """The children the plan concerns, by id and name (the id lets retention remove one)."""
    return [{"id": c.pk, "name": str(c)}
            for c in Child.objects.filter(pk__in=texts.get("children") or []).order_by("first_name", "last_name")]


def group_plan_freeze(*, actor: Actor, plan: GroupPlan, purpose: str = "") -> GroupPlanSnapshot:
    """Freeze the group's plan as it is (the district council calls this when a group submission is
    sent). Shaped like a child's frozen plan, so the council's page reads it with the same partial.
    The children it concerns are named for the council, never with CPR."""
    if not roles.leads(actor.user, plan.group.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan sende læringsfællesskabets plan videre.")
    with transaction.atomic():
        plan = GroupPlan.objects.select_for_update().select_related("group__institution").get(pk=plan.pk)
        plan.current = GroupPlanVersion.objects.filter(pk=plan.current_id).first()
        if plan.current is None:
            raise Refused("plan_empty", "Læringsfællesskabets plan har intet indhold endnu.")
        texts = plan.texts
        content = {
            "texts": {**texts, "goals_child": [], "voice": {}, "parents": ""},
            "efforts": [{"name": e["name"], "level": CaseState.FOREBYGGENDE, "carried_out_by": e.get("carried_out_by", ""),
                         "description": "", "started_on": plan.current.created_at.date().isoformat(),
                         "evaluation_date": e.get("evaluation_date"), "ended_on": None, "evaluations": []}
                        for e in texts["efforts"]],
            "version": plan.current.number,
            "group": {"id": plan.group_id, "name": plan.group.name},
            "children": group_children(texts),
            "institution": str(plan.group.institution),
            "case_level": CaseState.FOREBYGGENDE,
            "frozen_at": timezone.now().isoformat(),
        }
        snapshot = GroupPlanSnapshot.objects.create(plan=plan, version=plan.current, purpose=purpose[:150],
                                                    content=content, created_by=actor.user)
        log_access(actor, LogAction.CREATE, snapshot, detail=f"Plan for {plan.group} frosset (version {plan.current.number})")
    return snapshot


# --- TOPI rounds ---------------------------------------------------------------------------------


def round_open(*, actor: Actor, group: ChildGroup, name: str, held_on: datetime.date | None = None) -> TopiRound:
    if not roles.leads(actor.user, group.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan sætte en TOPI-runde i gang.")
    if not group.children.exists():
        raise Refused("group_empty", "Stuen har ingen børn endnu.")
    with transaction.atomic():
        topi_round = TopiRound.objects.create(group=group, institution=group.institution, name=name.strip()[:60] or "TOPI-runde",
                                              held_on=held_on or timezone.localdate(), created_by=actor.user)
        log_access(actor, LogAction.CREATE, topi_round, detail=f"TOPI-runde for {group}")
    return topi_round


def _refusal_rate(user: User, topi_round: TopiRound, child: Child) -> str | None:
    if not roles.works_at(user, topi_round.institution_id):
        return Refusal("not_staff", "Kun institutionens pædagoger og leder vurderer børnene i en TOPI-runde.")
    if not topi_round.group.children.filter(pk=child.pk).exists():
        return Refusal("child_not_in_group", "Barnet hører ikke til stuen.")
    return None


def rating_add(*, actor: Actor, topi_round: TopiRound, child: Child, position: str, note: str = "") -> TopiRating:
    """One member of staff's independent rating; one per rater and child."""
    if refusal := _refusal_rate(actor.user, topi_round, child):
        raise Refused(refusal)
    if position not in TopiPosition.values:
        raise Refused("position_unknown", "Vælg grøn, gul eller rød.")
    if TopiRating.objects.filter(round=topi_round, child=child, rater=actor.user, joint=False).exists():
        raise Refused("already_rated", "Du har allerede vurderet barnet i denne runde.")
    try:
        with transaction.atomic():
            rating = TopiRating.objects.create(round=topi_round, child=child, rater=actor.user, position=position, note=note)
            log_access(actor, LogAction.CREATE, rating, detail=f"TOPI-vurdering ({topi_round})")
    except IntegrityError:  # a double click raced the check above
        raise Refused("already_rated", "Du har allerede vurderet barnet i denne runde.")
    return rating


def refusal_joint(user: User, topi_round: TopiRound, child: Child) -> str | None:
    if refusal := _refusal_rate(user, topi_round, child):
        return refusal
    joint = TopiRating.objects.filter(round=topi_round, child=child, joint=True).exists()
    raters = TopiRating.objects.filter(round=topi_round, child=child, joint=False).values("rater").distinct().count()
    return joint_refusal(joint, raters)


def joint_refusal(joint_exists: bool, raters: int) -> str | None:
    """The joint rating's own rule, from what the round holds for the child (the round page reads
    it from its overview without a query per child)."""
    if joint_exists:
        return Refusal("joint_exists", "Barnet har allerede en fælles vurdering i runden.")
    if raters < INDEPENDENT_RATINGS_NEEDED:
        return Refusal("independent_ratings_missing",
                       f"Den fælles vurdering kræver først {INDEPENDENT_RATINGS_NEEDED} uafhængige vurderinger (der er {raters}).")
    return None


def joint_rating_add(*, actor: Actor, topi_round: TopiRound, child: Child, position: str, note: str = "") -> TopiRating:
    """The joint rating after the independent ones. It is also logged on the child as a TOPI
    observation (so the statistics of time in a yellow position read the rounds), and a yellow or
    red child gets the suggestion to open or review a case."""
    if position not in TopiPosition.values:
        raise Refused("position_unknown", "Vælg grøn, gul eller rød.")
    with transaction.atomic():
        TopiRound.objects.select_for_update().get(pk=topi_round.pk)  # two joint ratings at once make one
        if refusal := refusal_joint(actor.user, topi_round, child):
            raise Refused(refusal)
        rating = TopiRating.objects.create(round=topi_round, child=child, rater=actor.user, joint=True,
                                           position=position, note=note)
        log_access(actor, LogAction.CREATE, rating, detail=f"Fælles TOPI-vurdering ({topi_round})")
        obs_type = ObservationType.objects.filter(
            municipality_id=topi_round.institution.district.municipality_id, has_topi_position=True, active=True).first()
        if obs_type is not None:
            case_services.observation_add(actor=actor, child=child, data={
                "type": obs_type, "observed_on": topi_round.held_on, "topi_position": position,
                "text": f"Fælles vurdering i {topi_round.name}" + (f": {note}" if note else "")})
        if position != TopiPosition.GREEN:
            transaction.on_commit(lambda: _suggest(rating))
    return rating


def suggestion_for(child: Child, position: str, has_open_case: bool | None = None) -> str:
    """What a yellow or red rating suggests: open a case, or review the open one."""
    if has_open_case is None:
        case = Case.objects.of_child(child)
        has_open_case = case is not None and case.is_open
    label = dict(TopiPosition.choices)[position].lower()
    if not has_open_case:
        return f"{child} er vurderet {label} i TOPI-runden. Overvej at oprette en sag og en handleplan."
    return f"{child} er vurderet {label} i TOPI-runden. Gennemgå sagen og handleplanen."


def _suggest(rating: TopiRating) -> int:
    url = reverse("cases:child_detail", args=[rating.child_id])
    return notify(roles.plan_staff_of(rating.round.institution_id), key=f"topi-suggest-{rating.pk}",
                  subject=suggestion_for(rating.child, rating.position), url=url, child=rating.child)


def round_overview(topi_round: TopiRound) -> list[dict]:
    """Per child: how many independent ratings, the joint position and the suggestion. The
    independent positions themselves are not shown before the joint rating, so each rater rates
    without seeing the others' (independence)."""
    ratings = list(TopiRating.objects.filter(round=topi_round).values("child_id", "rater_id", "joint", "position"))
    open_cases = set(Case.objects.open().filter(child__child_groups=topi_round.group_id).values_list("child_id", flat=True))
    rows = []
    for child in topi_round.group.children.order_by("first_name", "last_name"):
        mine = [r for r in ratings if r["child_id"] == child.pk]
        joint = next((r for r in mine if r["joint"]), None)
        rows.append({
            "child": child, "independent": len([r for r in mine if not r["joint"]]),
            "raters": {r["rater_id"] for r in mine if not r["joint"]},
            "joint": joint["position"] if joint else "",
            "joint_label": dict(TopiPosition.choices).get(joint["position"], "") if joint else "",
            "independent_positions": [r["position"] for r in mine if not r["joint"]] if joint else [],
            "has_open_case": child.pk in open_cases,
        })
    return rows


# --- evaluation culture and Køge's sparring ------------------------------------------------------


def reflective_evaluation_add(*, actor: Actor, institution: Institution, data: dict) -> ReflectiveEvaluation:
    """The institution's own evaluation of a learning environment, held with the leader."""
    if not roles.leads(actor.user, institution):
        raise Refused("not_leader", "Evalueringen af læringsmiljøet registreres af institutionens leder.")
    if data["held_on"] > timezone.localdate():
        raise Refused("date_in_future", "En evaluering kan ikke ligge i fremtiden.")
    group = data.get("group")
    if group is not None and group.institution_id != institution.pk:
        raise Refused("group_other_institution", "Stuen hører ikke til institutionen.")
    with transaction.atomic():
        evaluation = ReflectiveEvaluation.objects.create(institution=institution, created_by=actor.user, **data)
        log_access(actor, LogAction.CREATE, evaluation, detail=f"Evaluering af læringsmiljøet: {evaluation.theme}")
    return evaluation


def sparring_counsellors(institution: Institution):
    """The family-centre counsellors of the municipality (Køge: attached to every daycare)."""
    return roles.external_counsellors_in(institution.district.municipality_id).filter(
        counsellor_kind=CounsellorKind.FAMILIECENTER)


def sparring_add(*, actor: Actor, institution: Institution, data: dict) -> SparringSession:
    """Anonymous sparring: advice to the staff without a child record (Køge, seeds/004). Logged
    by institution, never by child. Recorded by the institution's staff or the counsellor."""
    counsellor = data["counsellor"]
    if not sparring_counsellors(institution).filter(pk=counsellor.pk).exists():
        raise Refused("not_family_centre", "Anonym sparring gives af familiecentrets forebyggende rådgivere.")
    if not (roles.works_at(actor.user, institution) or actor.user.pk == counsellor.pk):
        raise Refused("not_staff", "Kun institutionens personale eller rådgiveren selv registrerer sparringen.")
    with transaction.atomic():
        session = SparringSession.objects.create(institution=institution, created_by=actor.user, **data)
        log_access(actor, LogAction.CREATE, session, detail=f"Anonym sparring ({institution})")
    return session


# --- external counsellors propose changes to the child's plan -------------------------------------


def refusal_propose(user: User, plan: Handleplan) -> str | None:
    case = Case.objects.get(pk=plan.case_id)  # read afresh: the level may have moved since the plan was loaded
    if not roles.is_attached_to(user, case.child_id):
        return Refusal("not_attached", "Kun en tilknyttet ekstern rådgiver kan foreslå ændringer i handleplanen.")
    if not case.is_open or CaseState.rank(case.state) < CaseState.rank(CaseState.FOREGRIBENDE):
        return Refusal("counsellor_before_foregribende", "Eksterne rådgivere arbejder med i sagen fra foregribende niveau.")
    return None


def proposal_add(*, actor: Actor, plan: Handleplan, field: str, text: str, reason: str = "") -> CounsellorProposal:
    """A counsellor's proposal: it changes nothing in the plan until the staff accept it."""
    if refusal := refusal_propose(actor.user, plan):
        raise Refused(refusal)
    if field not in CounsellorProposal.Field.values or not text.strip():
        raise Refused("proposal_empty", "Vælg afsnittet og skriv forslaget.")
    with transaction.atomic():
        proposal = CounsellorProposal.objects.create(plan=plan, child_id=plan.case.child_id, base_version=plan.version,
                                                     field=field, text=text.strip(), reason=reason.strip(), author=actor.user)
        log_access(actor, LogAction.CREATE, proposal, child_id=proposal.child_id,
                   detail=f"Forslag til handleplanen ({proposal.get_field_display().lower()})")
        transaction.on_commit(lambda: notify(
            roles.plan_staff_of(plan.case.child.institution_id), key=f"proposal-{proposal.pk}",
            subject=f"{actor.user} har foreslået en ændring i handleplanen for {plan.case.child}",
            url=reverse("community:proposals", args=[proposal.child_id]), child=plan.case.child))
    return proposal


def _pending(proposal_id: int) -> CounsellorProposal:
    proposal = CounsellorProposal.objects.select_for_update().select_related("plan__case__child__institution").get(pk=proposal_id)
    if proposal.state != CounsellorProposal.State.PENDING:
        raise Refused("proposal_decided", "Forslaget er allerede behandlet.")
    return proposal


def proposal_accept(*, actor: Actor, proposal: CounsellorProposal):
    """Staff take the proposal into the plan: a new version through the plan's own save, merged
    against the version the counsellor saw (a colleague's later change to another section is
    kept; the same section changed since raises the plan's conflict)."""
    with transaction.atomic():
        proposal = _pending(proposal.pk)
        plan = proposal.plan
        texts = plan.texts
        data = texts_as_form_initial(texts)
        for key in ("period_start", "period_end"):
            data[key] = datetime.date.fromisoformat(data[key]) if data[key] else None
        data[proposal.field] = proposal.text
        base = proposal.base_version
        version = plan_save(actor=actor, plan=plan, data=data, version=base)
        proposal.state, proposal.decided_by, proposal.decided_at = CounsellorProposal.State.ACCEPTED, actor.user, timezone.now()
        proposal.version = version
        proposal.save()
        log_access(actor, LogAction.UPDATE, proposal, child_id=proposal.child_id,
                   detail=f"Rådgivers forslag taget ind i handleplanen (version {version.number})")
    return proposal


def proposal_decline(*, actor: Actor, proposal: CounsellorProposal, reason: str) -> CounsellorProposal:
    from handleplan.permissions import guard

    guard(actor.user, proposal.plan.case)
    if not reason.strip():
        raise Refused("decline_reason_missing", "Skriv kort, hvorfor forslaget ikke tages ind.")
    with transaction.atomic():
        proposal = _pending(proposal.pk)
        proposal.state, proposal.decided_by, proposal.decided_at = CounsellorProposal.State.DECLINED, actor.user, timezone.now()
        proposal.decline_reason = reason.strip()
        proposal.save()
        log_access(actor, LogAction.UPDATE, proposal, child_id=proposal.child_id, detail="Rådgivers forslag afvist")
    return proposal


# --- Aabenraa: parents book åben rådgivning with a one-time code ------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def invitation_create(*, actor: Actor, session: CounsellingSession) -> str:
    """A one-time booking code for parents; returns the code (shown once), stores only its hash."""
    if not serves_institution(actor.user, session.institution_id):
        raise Refused("not_staff", "Kun institutionens personale kan sende et bookinglink.")
    if not session.institution.district.municipality.open_counselling_enabled:
        raise Refused("feature_off", "Kommunen bruger ikke åben rådgivning.")
    code = secrets.token_urlsafe(16)
    with transaction.atomic():
        invitation = BookingInvitation.objects.create(session=session, code_hash=_code_hash(code), created_by=actor.user)
        log_access(actor, LogAction.CREATE, invitation, detail="Bookinglink til forældre")
    return code


def invitation_for_code(code: str) -> BookingInvitation | None:
    """The unused invitation with this code for a session still ahead, or None."""
    return (BookingInvitation.objects.select_related("session__institution__district__municipality")
            .filter(code_hash=_code_hash(code or ""), used_at__isnull=True, session__starts_at__gt=timezone.now()).first())


def free_slots(session: CounsellingSession) -> list[int]:
    taken = set(session.bookings.values_list("slot", flat=True))
    return [n for n in range(1, session.slots + 1) if n not in taken]


def invitation_book(*, actor: Actor, code: str, slot: int, professional: str, topic: str) -> CounsellingBooking:
    """Parents book a slot with their one-time code; the code is spent with the booking. The
    booking names no child (parents write their topic; staff link it to the child if needed)."""
    with transaction.atomic():
        invitation = invitation_for_code(code)
        if invitation is None:
            raise Refused("code_invalid", "Koden er ugyldig eller allerede brugt.")
        invitation = BookingInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise Refused("code_invalid", "Koden er ugyldig eller allerede brugt.")
        session = CounsellingSession.objects.select_for_update().get(pk=invitation.session_id)
        if slot not in free_slots(session):
            raise Refused("slot_taken", "Tiden er optaget. Vælg en anden tid.")
        if professional not in CounsellingProfessional.values or not topic.strip():
            raise Refused("booking_incomplete", "Vælg fagperson og skriv kort, hvad I vil tale om.")
        booking = CounsellingBooking.objects.create(
            session=session, slot=slot, booker=CounsellingBooking.Booker.PARENTS, professional=professional,
            topic=topic.strip(), booked_by=invitation.created_by)
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        log_access(actor, LogAction.CREATE, booking, municipality_id=session.institution.district.municipality_id,
                   detail="Forældre bookede åben rådgivning med engangskode")
    return booking
