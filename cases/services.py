"""Workflow actions on a child's case. One function per action, each:
permission and rule guard (a Danish reason) → atomic → row lock + version check → transition →
save → CaseEvent row → access-log row. Views, admin, tasks and the district council all call
these; nothing assigns a case state anywhere else.

The guards (`refusal_<action>`) are plain functions returning the reason an action is refused
(or None), so the child page can show the same reason before anyone presses a button.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, prefetch_related_objects
from django.utils import timezone
from django_fsm import ConcurrentTransition

from cases import interfaces, scope
from cases.models import (
    Agreement, AgreementKind, Attachment, Case, CaseEvent, CaseState, CloseReason, Consent,
    ConsentPurpose, CounsellingBooking, CounsellingSession, FamilyGroup, FamilyGroupAttendance,
    FamilyGroupParticipant, FamilyGroupSession, Basis, Meeting, MeetingType, Observation,
    Referral, Underretning,
)
from haandguide import roles
from haandguide.access import Action as LogAction
from haandguide.access import log_access
from haandguide.actors import Actor
from haandguide.exceptions import EditConflict, Refusal, Refused
from haandguide.lib.files import original_name, sha256_of
from haandguide.models import Child, CounsellorAssignment, CounsellorKind, Guardian, Institution, User
from haandguide.lib.formats import date_da, datetime_da
from haandguide.lib.kept import kept
from haandguide.lib.statements import statement

Event = CaseEvent.Action

# Consent purposes the rules refer to. Their names and descriptions are the municipality's data.
PURPOSE_FAMILY_COUNSELLING = "familieraadgivning"
PURPOSE_SUBMISSION_WITH_CPR = "indstilling_cpr"


def record_event(case: Case, user: User | None, action: str, *, from_state: str = "", to_state: str = "",
                 reason: str = "") -> CaseEvent:
    """Write one timeline row (`user`: the acting actor's user). Other apps call this too."""
    return CaseEvent.objects.create(case=case, actor=user, action=action, from_state=from_state,
                                    to_state=to_state, reason=reason)


def _locked_case(case_id: int, version: int | None) -> Case:
    """The case row, locked for the rest of the transaction; refuses a stale version."""
    case = Case.objects.select_for_update(of=("self",)).select_related("child__institution__district").get(pk=case_id)
    if version is not None and case.version != version:
        raise EditConflict("Sagen er ændret af en anden, mens du så på den. Se den nye status og prøv igen.")
    return case


def _save_transition(case: Case) -> None:
    try:
        case.save()
    except ConcurrentTransition:  # a parallel transaction moved the case first
        raise EditConflict("Sagen er ændret af en anden, mens du så på den. Se den nye status og prøv igen.") from None


# --- guards -----------------------------------------------------------------------------------


def refusal_open(user: User, child: Child) -> str | None:
    if not roles.works_at(user, child.institution_id):
        return Refusal("not_staff", "Kun institutionens pædagoger og leder kan oprette en sag.")
    if Case.objects.filter(child=child).exists():
        return Refusal("case_exists", "Barnet har allerede en sag.")
    return None


def refusal_escalate(user: User, case: Case) -> str | None:
    if not roles.leads(user, case.child.institution_id):
        return Refusal("not_leader", "Kun institutionens leder kan flytte sagen et niveau op.")
    if case.state == CaseState.FOREGRIBENDE:
        # Haderslev's guide: indgribende indsatser tildeles af distriktsrådet (eller konsulenten).
        return Refusal("council_grants_intervening", "Indgribende niveau tildeles kun af distriktsrådet eller den pædagogiske konsulent.")
    if case.state != CaseState.FOREBYGGENDE:
        return Refusal("level_not_escalatable", f"En sag på niveau {case.get_state_display().lower()} kan ikke flyttes op.")
    # Guide: "Evalueringen kan vise, at de forebyggende indsatser ikke er tilstrækkelige" — the
    # current level's efforts must be described and evaluated in the handleplan first.
    # What the plan must hold is the municipality's data; the reason lists each missing item.
    return interfaces.level_readiness(case, case.state).refusal()


def refusal_grant_intervention(user: User, case: Case, basis: str) -> str | None:
    if basis not in Basis.grants():
        return Refusal("unknown_basis", "Ukendt grundlag for indgribende indsats.")
    if not roles.consults_for(user, case.child.institution.district_id):
        return Refusal("not_consultant", "Kun den pædagogiske konsulent for distriktet kan registrere en indgribende indsats.")
    if basis == Basis.COUNCIL:
        if case.state != CaseState.FOREGRIBENDE:
            return Refusal("council_needs_foregribende", "Distriktsrådet kan kun tildele indgribende indsatser til en sag på foregribende niveau.")
        # Guide: before any intervening effort, the preventive and anticipatory efforts must have
        # been carried out, clearly described and evaluated in the handleplan.
        for level in (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE):
            readiness = interfaces.level_readiness(case, level)
            if not readiness.ready:
                return readiness.refusal()
    elif case.state not in (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE):
        return Refusal("case_not_open_below_intervening", "Sagen skal være åben og under indgribende niveau.")
    return None


def refusal_de_escalate(user: User, case: Case, *, through_reassessment: bool = False) -> str | None:
    if not (roles.leads(user, case.child.institution_id) or roles.consults_for(user, case.child.institution.district_id)):
        return Refusal("not_leader_or_consultant", "Kun institutionens leder eller konsulenten kan flytte sagen et niveau ned.")
    if case.state not in (CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE):
        return Refusal("lowest_level", "Sagen er allerede på det mindst indgribende niveau.")
    if case.state == CaseState.INDGRIBENDE and not through_reassessment:
        # The resource was granted for a period by the council (or the consultant's visitation);
        # stepping down from it is the decision's re-assessment, not a button on the case.
        grant = interfaces.grant_status(case)
        if grant is not None:
            when = ("Perioden er slut, og afgørelsen afventer revurdering" if grant.awaiting_reassessment
                    else f"Ressourcen er bevilget til {date_da(grant.period_end)}")
            return Refusal("grant_running", f"{when} ({grant.label}). Et niveau ned fra indgribende sker ved afgørelsens revurdering "
                    "hos konsulenten/distriktsrådet.")
    return None


def refusal_close(user: User, case: Case) -> str | None:
    if not (roles.leads(user, case.child.institution_id) or roles.consults_for(user, case.child.institution.district_id)):
        return Refusal("not_leader_or_consultant", "Kun institutionens leder eller konsulenten kan lukke sagen.")
    if not case.is_open:
        return Refusal("case_closed", "Sagen er allerede lukket.")
    return None


def refusal_reopen(user: User, case: Case) -> str | None:
    if not roles.leads(user, case.child.institution_id):
        return Refusal("not_leader", "Kun institutionens leder kan genåbne sagen.")
    if case.is_open:
        return Refusal("case_open", "Sagen er åben.")
    return None


# --- transitions ------------------------------------------------------------------------------


def case_open(*, actor: Actor, child: Child, reason: str = "") -> Case:
    """Open the child's case at forebyggende (the team's level)."""
    refusal = refusal_open(actor.user, child)
    if refusal:
        raise Refused(refusal)
    with transaction.atomic():
        case = Case.objects.create(child=child, opened_by=actor.user)
        record_event(case, actor.user, Event.OPENED, to_state=case.state, reason=reason)
        log_access(actor, LogAction.CREATE, case, child_id=child.pk, detail="Sag oprettet")
    return case


def _require_reason(reason: str, message: str, code: str = "reason_missing") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(code, message)
    return reason


def case_escalate(*, actor: Actor, case_id: int, version: int | None, reason: str) -> Case:
    """Forebyggende → foregribende, after the level's efforts are described and evaluated."""
    reason = _require_reason(reason, "Skriv hvorfor sagen skal et niveau op.")
    with transaction.atomic():
        case = _locked_case(case_id, version)
        refusal = refusal_escalate(actor.user, case)
        if refusal:
            raise Refused(refusal)
        before = case.state
        case.escalate()
        _save_transition(case)
        record_event(case, actor.user, Event.ESCALATED, from_state=before, to_state=case.state, reason=reason)
        log_access(actor, LogAction.UPDATE, case, child_id=case.child_id, detail=f"Niveau {before} → {case.state}")
    return case


def case_grant_intervention(*, actor: Actor, case_id: int, basis: str, reason: str, version: int | None = None) -> Case:
    """→ indgribende. Called by the district council's decision or the consultant's §32
    visitation / chronic-illness grant; never offered as a button on the case."""
    reason = _require_reason(reason, "Skriv grundlaget for den indgribende indsats.")
    with transaction.atomic():
        case = _locked_case(case_id, version)
        refusal = refusal_grant_intervention(actor.user, case, basis)
        if refusal:
            raise Refused(refusal)
        before = case.state
        if case.state == CaseState.FOREBYGGENDE:
            case.escalate()  # §32 / chronic illness: the consultant's visitation skips the council
        case.grant_intervention()
        _save_transition(case)
        label = Basis(basis).label
        record_event(case, actor.user, Event.INTERVENTION, from_state=before, to_state=case.state,
                     reason=f"{label}: {reason}")
        log_access(actor, LogAction.UPDATE, case, child_id=case.child_id, detail=f"Indgribende: {label}")
    return case


def case_de_escalate(*, actor: Actor, case_id: int, version: int | None, reason: str,
                     through_reassessment: bool = False) -> Case:
    """One level down (mindst indgribende indsats). From indgribende during a granted resource only
    through the decision's re-assessment or re-visitation (`through_reassessment`, the district
    council app's services)."""
    reason = _require_reason(reason, "Skriv hvorfor sagen skal et niveau ned.")
    with transaction.atomic():
        case = _locked_case(case_id, version)
        refusal = refusal_de_escalate(actor.user, case, through_reassessment=through_reassessment)
        if refusal:
            raise Refused(refusal)
        before = case.state
        if case.state == CaseState.INDGRIBENDE:
            case.de_escalate_to_foregribende()
        else:
            case.de_escalate_to_forebyggende()
        _save_transition(case)
        record_event(case, actor.user, Event.DE_ESCALATED, from_state=before, to_state=case.state, reason=reason)
        log_access(actor, LogAction.UPDATE, case, child_id=case.child_id, detail=f"Niveau {before} → {case.state}")
    return case


def case_close(*, actor: Actor, case_id: int, version: int | None, close_reason: str, reason: str = "") -> Case:
    if close_reason not in CloseReason.values:
        raise Refused("close_reason_missing", "Vælg hvorfor sagen lukkes.")
    with transaction.atomic():
        case = _locked_case(case_id, version)
        refusal = refusal_close(actor.user, case)
        if refusal:
            raise Refused(refusal)
        before = case.state
        case.close(close_reason)
        _save_transition(case)
        text = CloseReason(close_reason).label + (f": {reason.strip()}" if reason.strip() else "")
        record_event(case, actor.user, Event.CLOSED, from_state=before, to_state=case.state, reason=text)
        log_access(actor, LogAction.UPDATE, case, child_id=case.child_id, detail="Sag lukket")
        # An external counsellor sees the child only for the work on the case (data minimisation):
        # the attachment ends with it, and is made again if the case is reopened.
        for assignment in (CounsellorAssignment.objects.active().filter(child_id=case.child_id)
                           .select_related("counsellor").select_for_update()):
            assignment.ended_at = timezone.now()
            assignment.save(update_fields=["ended_at"])
            record_event(case, actor.user, Event.COUNSELLOR_DETACHED,
                         reason=f"{assignment.counsellor} (sagen er lukket)")
            log_access(actor, LogAction.UPDATE, assignment, child_id=case.child_id,
                       detail="Rådgiver afsluttet: sagen er lukket")
    return case


def case_reopen(*, actor: Actor, case_id: int, version: int | None, reason: str) -> Case:
    reason = _require_reason(reason, "Skriv hvorfor sagen genåbnes.")
    with transaction.atomic():
        case = _locked_case(case_id, version)
        refusal = refusal_reopen(actor.user, case)
        if refusal:
            raise Refused(refusal)
        before = case.state
        case.reopen()
        _save_transition(case)
        record_event(case, actor.user, Event.REOPENED, from_state=before, to_state=case.state, reason=reason)
        log_access(actor, LogAction.UPDATE, case, child_id=case.child_id, detail="Sag genåbnet")
    return case


def available_actions(user: User, child: Child, case: Case | None) -> list[dict]:
    """The case actions for the child page: each with whether it is allowed and, if not, why."""
    if case is None:
        refusal = refusal_open(user, child)
        return [{"name": "open", "label": "Opret sag (forebyggende)", "refusal": refusal}]
    actions = []
    if case.is_open:
        actions.append({"name": "escalate", "label": "Et niveau op", "refusal": refusal_escalate(user, case)})
        actions.append({"name": "de_escalate", "label": "Et niveau ned", "refusal": refusal_de_escalate(user, case)})
        actions.append({"name": "close", "label": "Luk sagen", "refusal": refusal_close(user, case)})
    else:
        actions.append({"name": "reopen", "label": "Genåbn sagen", "refusal": refusal_reopen(user, case)})
    return actions


# --- consent ----------------------------------------------------------------------------------


def active_meeting_types(municipality_id: int) -> list[MeetingType]:
    """The municipality's active meeting types (a handful), read once for a page that asks several
    questions of them; kept between requests until one is edited (haandguide.lib.kept)."""
    return list(kept("meeting_types", municipality_id, lambda: list(
        MeetingType.objects.filter(municipality_id=municipality_id, active=True).order_by("order", "name"))))


def meetings_needing_consent(municipality_id: int, types: list[MeetingType] | None = None) -> list[MeetingType]:
    """The municipality's meeting types that need the parents' consent (Haderslev: arbejdsmøde;
    Køge also the ressourceteam): data, so the child page names them rather than assuming."""
    types = active_meeting_types(municipality_id) if types is None else types
    return [t for t in types if t.requires_consent_id is not None]


def refusal_consent(child: Child, purpose_code: str | None = None, purpose: ConsentPurpose | None = None) -> str | None:
    """None if every guardian with custody has an active consent to the purpose, else why not."""
    if purpose is None:
        purpose = ConsentPurpose.objects.filter(
            municipality_id=child.institution.district.municipality_id, code=purpose_code, active=True
        ).first()
        if purpose is None:
            return Refusal("consent_purpose_unknown", f"Kommunen har ikke oprettet samtykkeformålet «{purpose_code}».")
    custodians = list(roles.custodians_of(child))
    if not custodians:
        return Refusal("no_custodians", "Der er ikke registreret forældre med forældremyndighed, så samtykke kan ikke foreligge.")
    consenting = set(
        Consent.objects.active().filter(child=child, purpose=purpose).values_list("guardian_id", flat=True)
    )
    missing = [g.name for g in custodians if g.pk not in consenting]
    if missing:
        return Refusal("consent_missing", f"Der mangler samtykke til «{purpose.name}» fra {', '.join(missing)}.")
    return None


def consent_record(*, actor: Actor, child: Child, guardian: Guardian, purpose: ConsentPurpose, given_on,
                   form: str = "skriftligt") -> Consent:
    if not roles.leads(actor.user, child.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan registrere samtykke.")
    if guardian.child_id != child.pk:
        raise Refused("guardian_not_of_child", "Forælderen hører ikke til barnet.")
    if given_on and given_on > timezone.localdate():
        raise Refused("date_in_future", "Et samtykke kan ikke være givet i fremtiden.")
    with transaction.atomic():
        if Consent.objects.active().filter(guardian=guardian, purpose=purpose).exists():
            raise Refused("consent_exists", f"{guardian.name} har allerede givet samtykke til «{purpose.name}».")
        consent = Consent.objects.create(child=child, guardian=guardian, purpose=purpose, given_on=given_on,
                                         form=form, recorded_by=actor.user)
        case = Case.objects.of_child(child)
        if case:
            record_event(case, actor.user, Event.CONSENT_GIVEN, reason=f"{guardian.name}: {purpose.name}")
        log_access(actor, LogAction.CREATE, consent, detail=f"Samtykke: {purpose.name}")
    return consent


def consent_withdraw(*, actor: Actor, consent: Consent) -> Consent:
    if not roles.leads(actor.user, consent.child.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan registrere, at et samtykke trækkes tilbage.")
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at:
            raise Refused("consent_withdrawn", "Samtykket er allerede trukket tilbage.")
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor.user
        consent.withdrawn_channel = Consent.Channel.STAFF
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_channel"])
        case = Case.objects.of_child(consent.child_id)
        if case:
            record_event(case, actor.user, Event.CONSENT_WITHDRAWN,
                         reason=f"{consent.guardian.name}: {consent.purpose.name}")
        log_access(actor, LogAction.UPDATE, consent, detail="Samtykke trukket tilbage")
    return consent


# --- observations -----------------------------------------------------------------------------


def latest_topi_record(child: Child, observation: Observation) -> None:
    """Keep the child's latest TOPI position (the child list's column and filter): this observation's,
    unless one of a later date is already recorded. One conditional UPDATE, so two observations
    recorded at once leave the later date's position whatever order they commit in."""
    newer_or_same = Q(latest_topi_on__isnull=True) | Q(latest_topi_on__lte=observation.observed_on)
    if Child.objects.filter(newer_or_same, pk=child.pk).update(
            latest_topi=observation.topi_position, latest_topi_on=observation.observed_on):
        child.latest_topi, child.latest_topi_on = observation.topi_position, observation.observed_on


def latest_topi_rebuild(municipality_id: int | None = None) -> int:
    """Recompute every child's latest TOPI position from the observations (after rows were written
    past `observation_add`: an import, a bulk load). `manage.py statistics_rebuild` calls it.
    Returns how many children have a position."""
    topi = (Observation.objects.filter(child=OuterRef("pk")).exclude(topi_position="")
            .order_by("-observed_on", "-pk"))
    children = Child.objects.all() if municipality_id is None else Child.objects.filter(municipality_id=municipality_id)
    children.filter(~Exists(topi)).exclude(latest_topi="", latest_topi_on__isnull=True).update(
        latest_topi="", latest_topi_on=None)
    return children.filter(Exists(topi)).update(latest_topi=Subquery(topi.values("topi_position")[:1]),
                                                latest_topi_on=Subquery(topi.values("observed_on")[:1]))


def case_state_rebuild(municipality_id: int | None = None) -> int:
    """Set every child's kept case level (`Child.case_state`, the child list's level filter) from its
    case (after cases were written past `Case.save`: an import, a bulk load). `manage.py
    statistics_rebuild` calls it. Returns how many children have a case."""
    children = Child.objects.all() if municipality_id is None else Child.objects.filter(municipality_id=municipality_id)
    children.filter(case__isnull=True).exclude(case_state="").update(case_state="")
    state = Case.objects.filter(child=OuterRef("pk")).values("state")[:1]
    return children.filter(case__isnull=False).update(case_state=Subquery(state))


def refusal_works_on(user: User, child: Child, case: Case | None, refusal: Refusal | None = None) -> Refusal | None:
    """Staff and the consultant work on the child's case; an attached external counsellor does too
    once the case is foregribende (the guide: praksisvejleder, Det Rådgivende Team and
    Familierådgivningen join the anticipatory work) – records observations, takes part in and
    records meetings – never on a case still at forebyggende. Anyone else gets `refusal`."""
    if roles.works_at(user, child.institution_id) or roles.consults_for(user, child.institution.district_id):
        return None
    if roles.is_attached_to(user, child):
        if case is not None and case.is_open and CaseState.rank(case.state) >= CaseState.rank(CaseState.FOREGRIBENDE):
            return None
        return Refusal("counsellor_before_foregribende",
                       "Eksterne rådgivere arbejder med i sagen, når den er på foregribende niveau.")
    return refusal or Refusal("not_staff", "Kun institutionens personale og konsulenten arbejder med barnets sag.")


def latest_observations(child: Child) -> list[Observation]:
    """The child page's newest observations; their attachments are read only for the observations
    that have any (most have none)."""
    observations = _observations_marked(child.pk)
    prefetch_related_objects([obs for obs in observations if obs.has_attachments], "attachments")
    return observations


@statement
def _observations_marked(child_id: int):
    return (Observation.objects.filter(child_id=child_id).select_related("type", "author")
            .annotate(has_attachments=Exists(Attachment.objects.filter(observation=OuterRef("pk"))))[:10])


@statement
def child_consents(child_id: int):
    """The child page's consents: the standing first, newest first, at most 20."""
    return (Consent.objects.filter(child_id=child_id).select_related("guardian", "purpose")
            .order_by("withdrawn_at", "-recorded_at")[:20])


@statement
def child_guardians(child_id: int):
    return Guardian.objects.filter(child_id=child_id)


@statement
def case_events_latest(case_id: int):
    """The child page's newest 30 events of the case, each with its actor."""
    return CaseEvent.objects.filter(case_id=case_id).select_related("actor")[:30]


@statement
def case_meetings_latest(case_id: int):
    """The child page's newest 10 meetings of the case, with their type and agreements."""
    return Meeting.objects.filter(case_id=case_id).select_related("type").prefetch_related("agreements")[:10]


def refusal_observation(user: User, child: Child) -> str | None:
    return refusal_works_on(user, child, Case.objects.of_child(child), Refusal(
        "not_staff", "Kun institutionens personale og konsulenten kan registrere observationer."))


def observation_add(*, actor: Actor, child: Child, data: dict, files=()) -> Observation:
    user = actor.user
    if refusal := refusal_observation(user, child):
        raise Refused(refusal)
    obs_type = data["type"]
    if obs_type.municipality_id != child.institution.district.municipality_id or not obs_type.active:
        raise Refused("observation_type_unknown", "Observationstypen findes ikke i kommunen.")
    if data.get("topi_position") and not obs_type.has_topi_position:
        raise Refused("topi_not_allowed", f"{obs_type} har ingen TOPI-position.")
    if obs_type.has_topi_position and not data.get("topi_position"):
        raise Refused("topi_missing", "Angiv barnets TOPI-position (grøn, gul eller rød).")
    with transaction.atomic():
        observation = Observation.objects.create(
            child=child, type=obs_type, observed_on=data["observed_on"], text=data["text"],
            topi_position=data.get("topi_position") or "", author=user,
        )
        for upload in files:
            Attachment.objects.create(
                observation=observation, file=upload, original_name=original_name(upload),
                content_type=upload.content_type, size=upload.size, sha256=sha256_of(upload), uploaded_by=user,
            )
        if observation.topi_position:
            latest_topi_record(child, observation)
        case = Case.objects.of_child(child)
        if case:
            record_event(case, user, Event.OBSERVATION, reason=str(obs_type)
                         + (f" ({observation.get_topi_position_display().lower()})" if observation.topi_position else ""))
        log_access(actor, LogAction.CREATE, observation, detail=str(obs_type))
    return observation


# --- meetings, referrals, underretninger, counsellors ---------------------------------------


def refusal_meeting(user: User, case: Case, meeting_type) -> str | None:
    if refusal := refusal_works_on(user, case.child, case, Refusal(
            "not_staff", "Kun institutionens personale og konsulenten kan registrere møder.")):
        return refusal
    if not case.is_open:
        return Refusal("case_closed", "Sagen er lukket.")
    if meeting_type.requires_consent_id:
        # Haderslev: arbejdsmøde only with the parents' consent.
        return refusal_consent(case.child, purpose=meeting_type.requires_consent)
    return None


def meeting_record(*, actor: Actor, case: Case, data: dict, agreements: list[dict]) -> Meeting:
    refusal = refusal_meeting(actor.user, case, data["type"])
    if refusal:
        raise Refused(refusal)
    if any(a.get("with_parents") for a in agreements) and not data["type"].parents_take_part:
        raise Refused("parents_absent", f"Forældrene deltager ikke i et {data['type'].name.lower()}, så der kan ikke indgås aftaler med dem.")
    with transaction.atomic():
        meeting = Meeting.objects.create(case=case, created_by=actor.user, **data)
        for agreement in agreements:
            Agreement.objects.create(meeting=meeting, **agreement)
        record_event(case, actor.user, Event.MEETING, reason=f"{meeting.type} {date_da(meeting.held_on)}")
        log_access(actor, LogAction.CREATE, meeting, child_id=case.child_id, detail=str(meeting.type))
    return meeting


# Which MeetingType flag says an agreement there allows the referral (the municipality's data).
REFERRAL_MEETING_FLAG = {AgreementKind.PPV: "allows_ppv_referral", AgreementKind.VISO: "allows_viso_referral"}


def referral_meetings(municipality_id: int, kind: str, types: list[MeetingType] | None = None) -> str:
    """Where the parents' agreement to a referral may be made, in words ("et netværksmøde")."""
    types = active_meeting_types(municipality_id) if types is None else types
    allowed = [t.name.lower() for t in types if t.parents_take_part and getattr(t, REFERRAL_MEETING_FLAG[kind])]
    return " eller ".join(f"et {name}" for name in allowed) or "en mødetype, kommunen har godkendt til det"


def referral_hint(municipality_id: int, types: list[MeetingType] | None = None) -> str:
    """The child page's note beside "Henvis": the same rule `refusal_referral` applies, from the data."""
    types = active_meeting_types(municipality_id) if types is None else types
    ppv = referral_meetings(municipality_id, AgreementKind.PPV, types)
    viso = referral_meetings(municipality_id, AgreementKind.VISO, types)
    if ppv == viso:
        return f"PPV og VISO kræver en aftale med forældrene på {ppv} og deres samtykke."
    return f"PPV kræver en aftale med forældrene på {ppv}, VISO på {viso}; begge kræver forældrenes samtykke."


def refusal_referral(case: Case, kind: str) -> tuple[str | None, Agreement | None]:
    """PPV and VISO: only after agreement with the parents at a meeting of a type that allows the
    referral (Haderslev: a netværksmøde, not a forældresamtale), and with their consent."""
    agreement = (
        Agreement.objects.filter(meeting__case=case, kind=kind, with_parents=True, meeting__type__parents_take_part=True,
                                 **{f"meeting__type__{REFERRAL_MEETING_FLAG[kind]}": True})
        .order_by("-meeting__held_on", "-meeting__pk").first()
    )
    if agreement is None:
        where = referral_meetings(case.child.institution.district.municipality_id, kind)
        return (Refusal("agreement_missing", f"{AgreementKind(kind).label} kræver en aftale med forældrene på {where}."), None)
    refusal = refusal_consent(case.child, purpose_code=kind)
    return refusal, agreement


def referral_create(*, actor: Actor, case: Case, kind: str, note: str = "") -> Referral:
    if not roles.leads(actor.user, case.child.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan henvise.")
    if kind not in REFERRAL_MEETING_FLAG:
        raise Refused("referral_kind_unknown", "Vælg PPV eller VISO.")
    refusal, agreement = refusal_referral(case, kind)
    if refusal:
        raise Refused(refusal)
    with transaction.atomic():
        referral = Referral.objects.create(case=case, kind=kind, agreement=agreement, note=note, created_by=actor.user)
        record_event(case, actor.user, Event.REFERRAL, reason=AgreementKind(kind).label)
        log_access(actor, LogAction.CREATE, referral, child_id=case.child_id, detail=f"Henvisning {kind}")
    return referral


def underretning_record(*, actor: Actor, case: Case, text: str) -> Underretning:
    """Underretning: a legal duty for public employees; it needs no consent."""
    if not (roles.works_at(actor.user, case.child.institution_id) or roles.consults_for(actor.user, case.child.institution.district_id)):
        raise Refused("not_staff", "Kun institutionens personale og konsulenten kan registrere en underretning her.")
    text = _require_reason(text, "Beskriv underretningen.")
    with transaction.atomic():
        underretning = Underretning.objects.create(case=case, text=text, created_by=actor.user)
        record_event(case, actor.user, Event.UNDERRETNING, reason=underretning.legal_basis)
        log_access(actor, LogAction.CREATE, underretning, child_id=case.child_id, detail="Underretning")
    return underretning


@dataclass(frozen=True)
class CounsellorChoice:
    """An external counsellor a leader may attach, as the child page's <select> shows them."""

    pk: int
    name: str
    role_label: str

    def __str__(self) -> str:
        return self.name


def external_counsellor_choices(municipality_id: int) -> list[CounsellorChoice]:
    """The municipality's active external counsellors, kept between requests until a user of the
    municipality is saved or deleted (haandguide.lib.kept; a sign-in's `last_login` does not count).
    What may be attached is checked again on attaching (`counsellor_attach`)."""
    return kept("external_counsellors", municipality_id, lambda: [
        CounsellorChoice(user.pk, str(user), user.role_label)
        for user in roles.external_counsellors_in(municipality_id).order_by(*User._meta.ordering)])


def counsellors_of(child: Child, municipality_id: int, *, with_choices: bool = False) -> tuple[list[User], list]:
    """The external counsellors attached to the child, each with `assignment_pk` (to end it), and
    with `with_choices` the municipality's other external counsellors, who may be attached (what
    `CounsellorForm` accepts): one indexed read of the child's assignments with their counsellor;
    the choices come from the cache."""
    counsellors = []
    for assignment in _active_assignments(child.pk):
        assignment.counsellor.assignment_pk = assignment.pk
        counsellors.append(assignment.counsellor)
    attached = {user.pk for user in counsellors}
    choices = ([choice for choice in external_counsellor_choices(municipality_id) if choice.pk not in attached]
               if with_choices else [])
    return counsellors, choices


@statement
def _active_assignments(child_id: int):
    return (CounsellorAssignment.objects.active().filter(child_id=child_id).select_related("counsellor")
            .order_by(*(f"counsellor__{field}" for field in User._meta.ordering)))


def counsellor_attach(*, actor: Actor, case: Case, counsellor: User) -> CounsellorAssignment:
    child = case.child
    if not roles.leads(actor.user, child.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan tilknytte en ekstern rådgiver.")
    if not roles.is_external_counsellor(counsellor) or counsellor.municipality_id != child.institution.district.municipality_id:
        raise Refused("counsellor_unknown", "Vælg en ekstern rådgiver fra kommunen.")
    if not case.is_open:
        raise Refused("case_closed", "Sagen er lukket.")
    # Sharing with social services' family counselling (Køge: the family centre) needs consent.
    if counsellor.counsellor_kind in (CounsellorKind.FAMILIERAADGIVER, CounsellorKind.FAMILIECENTER):
        refusal = refusal_consent(child, purpose_code=PURPOSE_FAMILY_COUNSELLING)
        if refusal:
            raise Refused(refusal)
    with transaction.atomic():
        if CounsellorAssignment.objects.active().filter(child=child, counsellor=counsellor).exists():
            raise Refused("counsellor_assigned", f"{counsellor} er allerede tilknyttet.")
        assignment = CounsellorAssignment.objects.create(child=child, counsellor=counsellor, assigned_by=actor.user)
        record_event(case, actor.user, Event.COUNSELLOR_ATTACHED, reason=f"{counsellor} ({counsellor.role_label})")
        log_access(actor, LogAction.CREATE, assignment, detail="Rådgiver tilknyttet")
    return assignment


def counsellor_detach(*, actor: Actor, assignment: CounsellorAssignment) -> CounsellorAssignment:
    if not roles.leads(actor.user, assignment.child.institution_id):
        raise Refused("not_leader", "Kun institutionens leder kan afslutte en rådgivers tilknytning.")
    with transaction.atomic():
        assignment = CounsellorAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ended_at:
            raise Refused("assignment_ended", "Tilknytningen er allerede afsluttet.")
        assignment.ended_at = timezone.now()
        assignment.save(update_fields=["ended_at"])
        case = Case.objects.of_child(assignment.child_id)
        if case:
            record_event(case, actor.user, Event.COUNSELLOR_DETACHED, reason=str(assignment.counsellor))
        log_access(actor, LogAction.UPDATE, assignment, detail="Rådgiver afsluttet")
    return assignment



# --- Aabenraa: åben rådgivning and familiegrupper (seeds/002) ---------------------------------------


def _refusal_feature(institution: Institution, flag: str, label: str) -> str | None:
    if not getattr(institution.district.municipality, flag):
        return Refusal("feature_disabled", f"Kommunen bruger ikke {label}.")
    return None


def _child_in(user: User, child: Child | None, institution: Institution) -> None:
    """A booking or a participant that concerns a child: the child must be one the user may see,
    and of the institution (the child's scope check, not only the institution's)."""
    if child is None:
        return
    if child.institution_id != institution.pk or not Child.objects.visible_to(user).filter(pk=child.pk).exists():
        raise Refused("child_not_in_institution", "Barnet går ikke i institutionen.")


def _guardian_of(child: Child | None, guardian: Guardian | None) -> None:
    if guardian is not None and (child is None or guardian.child_id != child.pk):
        raise Refused("guardian_not_of_child", "Forælderen hører ikke til barnet.")


def counselling_session_create(*, actor: Actor, institution: Institution, data: dict) -> CounsellingSession:
    """Put an open-counselling session in the daycare's calendar (leader or consultant)."""
    refusal = _refusal_feature(institution, "open_counselling_enabled", "åben rådgivning")
    if refusal:
        raise Refused(refusal)
    user = actor.user
    if not (roles.organises_activities(user) and scope.serves_institution(user, institution)):
        raise Refused("not_leader_or_consultant", "Kun institutionens leder eller distriktets konsulent kan oprette åben rådgivning.")
    with transaction.atomic():
        session = CounsellingSession.objects.create(institution=institution, created_by=user, **data)
        log_access(actor, LogAction.CREATE, session, detail="Åben rådgivning oprettet")
    return session


def counselling_book(*, actor: Actor, session: CounsellingSession, data: dict) -> CounsellingBooking:
    """Book a slot: staff about the group or a child, or parents (registered by staff) about their child."""
    institution = session.institution
    refusal = _refusal_feature(institution, "open_counselling_enabled", "åben rådgivning")
    if refusal:
        raise Refused(refusal)
    user = actor.user
    if not scope.serves_institution(user, institution):
        raise Refused("not_staff", "Kun institutionens personale og konsulenten kan booke tid.")
    child, guardian = data.get("child"), data.get("guardian")
    if child is None and guardian is not None:  # parents who book are booking about their own child
        child = guardian.child
        data = {**data, "child": child}
    _child_in(user, child, institution)
    _guardian_of(child, guardian)
    if data["booker"] == CounsellingBooking.Booker.PARENTS and guardian is None:
        raise Refused("guardian_missing", "Vælg den forælder, der har booket tiden.")
    if not 1 <= data["slot"] <= session.slots:
        raise Refused("slot_unknown", "Vælg en af rådgivningens samtaletider.")
    if not (data.get("topic") or "").strip():
        raise Refused("topic_missing", "Skriv kort, hvad samtalen handler om.")
    with transaction.atomic():
        CounsellingSession.objects.select_for_update().filter(pk=session.pk).first()
        if session.bookings.filter(slot=data["slot"]).exists():
            raise Refused("slot_taken", "Tiden er allerede booket. Vælg en anden.")
        booking = CounsellingBooking.objects.create(session=session, booked_by=user, **data)
        if child is not None:
            case = Case.objects.of_child(child)
            if case:
                record_event(case, user, Event.MEETING,
                             reason=f"Åben rådgivning {datetime_da(booking.starts_at)}: "
                                    f"{booking.get_professional_display()}")
        log_access(actor, LogAction.CREATE, booking, child_id=child.pk if child else None,
                   detail=f"Åben rådgivning booket ({booking.get_booker_display().lower()})")
    return booking


def family_group_create(*, actor: Actor, institution: Institution, data: dict) -> FamilyGroup:
    refusal = _refusal_feature(institution, "family_groups_enabled", "familiegrupper")
    if refusal:
        raise Refused(refusal)
    user = actor.user
    if not (roles.organises_activities(user) and scope.serves_institution(user, institution)):
        raise Refused("not_leader_or_consultant", "Kun institutionens leder eller distriktets konsulent kan oprette en familiegruppe.")
    if FamilyGroup.objects.filter(institution=institution, name=data["name"]).exists():
        raise Refused("group_name_taken", "Institutionen har allerede en familiegruppe med det navn.")
    with transaction.atomic():
        group = FamilyGroup.objects.create(institution=institution, created_by=user, **data)
        log_access(actor, LogAction.CREATE, group, detail="Familiegruppe oprettet")
    return group


def _may_run_group(user: User, group: FamilyGroup) -> None:
    refusal = _refusal_feature(group.institution, "family_groups_enabled", "familiegrupper")
    if refusal:
        raise Refused(refusal)
    if not scope.serves_institution(user, group.institution):
        raise Refused("not_staff", "Kun institutionens personale og konsulenten arbejder med familiegruppen.")


def family_group_participant_add(*, actor: Actor, group: FamilyGroup, child: Child,
                                 guardian: Guardian | None = None) -> FamilyGroupParticipant:
    _may_run_group(actor.user, group)
    _child_in(actor.user, child, group.institution)
    _guardian_of(child, guardian)
    if not group.active:
        raise Refused("group_ended", "Familiegruppen er afsluttet.")
    with transaction.atomic():
        if group.participants.filter(child=child).exists():
            raise Refused("participant_exists", f"{child}s familie deltager allerede.")
        participant = FamilyGroupParticipant.objects.create(group=group, child=child, guardian=guardian,
                                                            added_by=actor.user)
        log_access(actor, LogAction.CREATE, participant, child_id=child.pk, detail=f"Deltager i familiegruppe: {group}")
    return participant


def family_group_session_add(*, actor: Actor, group: FamilyGroup, data: dict) -> FamilyGroupSession:
    _may_run_group(actor.user, group)
    if not (data.get("theme") or "").strip():
        raise Refused("theme_missing", "Angiv gangens tema.")
    with transaction.atomic():
        session = FamilyGroupSession.objects.create(group=group, created_by=actor.user, **data)
        log_access(actor, LogAction.CREATE, session, detail=f"Familiegruppe {group}: {session}")
    return session


def family_group_attendance_record(*, actor: Actor, session: FamilyGroupSession,
                                   participants) -> list[FamilyGroupAttendance]:
    """Who came: replaces the session's attendance with the given participants (of this group)."""
    group = session.group
    _may_run_group(actor.user, group)
    chosen = {p.pk: p for p in participants}
    if group.participants.filter(pk__in=chosen).count() != len(chosen):
        raise Refused("participant_unknown", "En af deltagerne hører ikke til familiegruppen.")
    if session.held_on > timezone.localdate():
        raise Refused("session_not_held", "Fremmøde registreres, når gangen har været holdt.")
    with transaction.atomic():
        session = FamilyGroupSession.objects.select_for_update().get(pk=session.pk)
        before = set(session.attendance.values_list("participant_id", flat=True))
        session.attendance.exclude(participant_id__in=chosen).delete()
        rows = [FamilyGroupAttendance(session=session, participant=chosen[pk]) for pk in chosen if pk not in before]
        FamilyGroupAttendance.objects.bulk_create(rows)
        session.attendance_recorded_at = timezone.now()
        session.save(update_fields=["attendance_recorded_at"])
        changed = before.symmetric_difference(chosen)
        for participant in FamilyGroupParticipant.objects.filter(pk__in=changed).only("pk", "child_id"):
            log_access(actor, LogAction.UPDATE, session, child_id=participant.child_id,
                       detail=f"Fremmøde i familiegruppe: {'mødt' if participant.pk in chosen else 'ikke mødt'}")
    return list(session.attendance.all())
