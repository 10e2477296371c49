"""District council workflow: one service per action (guard → atomic → lock → transition →
event → access log → side effects on commit), and the periodic jobs the Celery tasks call."""

from __future__ import annotations

import datetime
import hashlib

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Case as DbCase, Count, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from cases import interfaces
from cases import services as case_services
from cases.models import Agreement, AgreementKind, Case, CaseEvent, CaseState, Basis
from cases.scope import case_of
from districtcouncil import scope
from districtcouncil.defaults import letter_wording
from districtcouncil.models import (
    GRANT_BASES, Council, CouncilMeeting, Decision, Letter, Review, ResourceType, Submission, SubmissionDocument,
    SubmissionState,
)
from handleplan.models import Handleplan
from handleplan.services import plan_freeze
from community.services import group_plan_freeze
from haandguide import roles
from haandguide.access import Action as LogAction
from haandguide.access import log_access, log_access_each
from haandguide.actors import Actor
from haandguide.exceptions import EditConflict, Refusal, Refused
from haandguide.lib.batches import in_batches
from haandguide.lib.files import original_name, sha256_of
from haandguide.lib.once import once
from haandguide.lib.statements import statement
from haandguide.lib.pdf import render_pdf
from haandguide.models import Child, Institution, Municipality, User
from haandguide.notify import Message, notify, notify_many
from haandguide.lib.formats import date_da, datetime_da

Event = CaseEvent.Action


# --- who is who: haandguide.roles answers; districtcouncil.scope decides what each sees -----------


def council_members(council: Council) -> QuerySet[User]:
    """The district's institution leaders, the consultants serving it and the head of daycare."""
    return roles.council_members_of(council.district)


# --- deadlines --------------------------------------------------------------------------------


def meeting_for_submission(meeting: CouncilMeeting, now: datetime.datetime) -> CouncilMeeting | None:
    """`meeting` if its deadline has not passed, otherwise the council's next meeting that is still
    open (a late submission goes to the next meeting, it is not lost)."""
    if now <= meeting.deadline:
        return meeting
    for later in CouncilMeeting.objects.filter(council=meeting.council, starts_at__gt=meeting.starts_at):
        if now <= later.deadline:
            return later
    return None


def open_meetings(council_ids, now: datetime.datetime | None = None) -> list[CouncilMeeting]:
    now = now or timezone.now()
    meetings = CouncilMeeting.objects.filter(council__in=council_ids, starts_at__gt=now).select_related(
        "council__district__municipality")
    return [m for m in meetings if now <= m.deadline]


# --- submissions ------------------------------------------------------------------------------


def refusal_submission_start(user: User, child: Child) -> str | None:
    """Why this user cannot prepare a submission about the child now, or None: the institution's
    leader, for a child with an open case, at any level (a resource may be re-assessed at indgribende)."""
    if not roles.leads(user, child.institution_id):
        return Refusal("not_leader", "Kun en leder af institutionen kan udarbejde en indstilling.")
    case = case_of(child)
    if case is None or not case.is_open:
        return Refusal("case_not_open", "Barnet har ingen åben sag.")
    return None


def submission_institution(user: User, child: Child | None, meeting: CouncilMeeting | None) -> Institution | None:
    """Whose submission it is: the child's institution; for a children's group, the institution the
    leader leads in the district of the chosen meeting's council."""
    if child is not None:
        return child.institution
    if meeting is None or not roles.is_leader(user):
        return None
    return user.institutions.filter(district_id=meeting.council.district_id).first()


def submission_create(*, actor: Actor, child: Child | None, data: dict, institution: Institution | None = None,
                      signed_form=None, documents=()) -> Submission:
    """A draft submission by the institution's leader. Without `institution`, the submission belongs
    to `submission_institution` (the child's, or the leader's in the meeting's district)."""
    if institution is None:
        institution = submission_institution(actor.user, child, data.get("meeting"))
        if institution is None:
            raise Refused("not_leader", "Du leder ingen institution i mødets distrikt.")
    if refusal := _refusal_draft(actor.user, institution, child, data):
        raise Refused(refusal)
    with transaction.atomic():
        submission = Submission(institution=institution, child=child, created_by=actor.user, **data)
        _attach(actor=actor, submission=submission, signed_form=signed_form, documents=documents)
        log_access(actor, LogAction.CREATE, submission, child_id=submission.child_id, detail="Indstilling (kladde)")
    return submission


def _refusal_draft(user: User, institution: Institution, child: Child | None, data: dict) -> str | None:
    """The rules a draft's fields keep, when it is created and whenever it is edited."""
    if not roles.leads(user, institution):
        return Refusal("not_leader", "Kun en leder af institutionen kan udarbejde en indstilling.")
    if child is not None and child.institution_id != institution.pk:
        return Refusal("child_not_in_institution", "Barnet går ikke i institutionen.")
    if child is None and data["track"] == Submission.Track.WITH_CPR:
        return Refusal("group_without_cpr", "En indstilling om en børnegruppe går uden CPR.")
    if child is None and not (data.get("group_description") or "").strip():
        return Refusal("group_description_missing", "Beskriv børnegruppen og målene for læringsmiljøet.")
    group_plan = data.get("group_plan")
    if group_plan is not None and (child is not None or group_plan.group.institution_id != institution.pk):
        return Refusal("group_plan_other", "Læringsfællesskabets plan skal høre til en stue i institutionen, og indstillingen skal gælde børnegruppen.")
    if data["meeting"].council.district_id != institution.district_id:
        return Refusal("meeting_other_district", "Mødet hører ikke til institutionens distriktsråd.")
    return None


def _attach(*, actor: Actor, submission: Submission, signed_form, documents) -> None:
    """Save the submission with the signed declaration (replacing an earlier one) and documents;
    the files have passed haandguide.lib.files.validate_upload in the form."""
    if signed_form:
        submission.signed_form = signed_form
        submission.signed_form_name = original_name(signed_form)
        submission.signed_form_sha256 = sha256_of(signed_form)
    submission.save()
    for upload in documents:
        SubmissionDocument.objects.create(submission=submission, file=upload, original_name=original_name(upload),
                                          content_type=upload.content_type, sha256=sha256_of(upload),
                                          uploaded_by=actor.user)


def submission_update(*, actor: Actor, submission_id: int, version: int | None, data: dict, signed_form=None,
                      documents=()) -> Submission:
    """Edit a draft on its own page: its fields, the parents' signed declaration for the CPR track
    (what the refusal on sending asks for) and further documents. Only a draft, only its leader."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related(
            "institution", "child").get(pk=submission_id)
        if version is not None and submission.version != version:
            raise EditConflict("Indstillingen er ændret af en anden. Se den nye udgave og prøv igen.")
        if submission.state != SubmissionState.KLADDE:
            raise Refused("submission_not_draft", "Kun en kladde kan rettes; indstillingen er sendt.")
        if refusal := _refusal_draft(actor.user, submission.institution, submission.child, data):
            raise Refused(refusal)
        for field, value in data.items():
            setattr(submission, field, value)
        submission.version += 1
        _attach(actor=actor, submission=submission, signed_form=signed_form, documents=documents)
        detail = "Indstilling (kladde) rettet" + ("; underskrevet erklæring vedlagt" if signed_form else "")
        log_access(actor, LogAction.UPDATE, submission, child_id=submission.child_id, detail=detail)
    return submission


def approved_by_every_custodian(submission: Submission) -> bool:
    """The CPR track's signature given online: every custodian of the child approved this submission
    in the parents' portal (`SubmissionApproval`), so no scanned declaration is needed."""
    custodians = set(roles.custodians_of(submission.child_id).values_list("pk", flat=True))
    approved = set(submission.approvals.values_list("guardian_id", flat=True))
    return bool(custodians) and custodians <= approved


def refusal_submission(user: User, submission: Submission) -> str | None:
    """Why this submission cannot be sent now, or None. The same reasons show on its page."""
    if not roles.leads(user, submission.institution):
        return Refusal("not_leader", "Kun en leder af institutionen kan sende indstillingen.")
    if submission.state != SubmissionState.KLADDE:
        return Refusal("submission_sent", "Indstillingen er allerede sendt.")
    child = submission.child
    if child is None:
        return None
    case = Case.objects.of_child(child)
    if case is None or not case.is_open:
        return Refusal("case_not_open", "Barnet har ingen åben sag.")
    # Guide: the submission is made after agreement with the parents at a forældresamtale or
    # netværksmøde.
    agreed = Agreement.objects.filter(meeting__case=case, kind=AgreementKind.SUBMISSION, with_parents=True,
                                      meeting__type__parents_take_part=True).exists()
    if not agreed:
        return Refusal("agreement_missing", "Der er ikke registreret en aftale med forældrene (forældresamtale eller netværksmøde) om indstillingen.")
    if submission.kind == Submission.Kind.RESSOURCEVURDERING:
        # Guide: before any intervening effort, the preventive and anticipatory efforts must have
        # been carried out, clearly described and evaluated in the handleplan.
        for level in (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE):
            readiness = interfaces.level_readiness(case, level)
            if not readiness.ready:
                return Refusal("plan_not_ready", f"En ressourcevurdering kræver, at både forebyggende og foregribende indsatser er beskrevet og evalueret. {readiness.reason}")
    if submission.track == Submission.Track.WITH_CPR and not submission.signed_form \
            and not approved_by_every_custodian(submission):
        refusal = case_services.refusal_consent(child, purpose_code=case_services.PURPOSE_SUBMISSION_WITH_CPR)
        if refusal:
            return Refusal("signature_missing", "Sporet med CPR kræver forældrenes underskrift: upload den underskrevne erklæring under "
                    f"'Ret kladden', eller registrér samtykket på barnets samtykkeside. {refusal}")
    return None


def submission_submit(*, actor: Actor, submission_id: int, version: int | None, now: datetime.datetime | None = None
                      ) -> Submission:
    """Send the submission to the council: freeze the handleplan and place it on the agenda of the
    chosen meeting, or of the next meeting if the deadline has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related(
            "meeting__council__district__municipality", "child", "institution").get(pk=submission_id)
        if version is not None and submission.version != version:
            raise EditConflict("Indstillingen er ændret af en anden. Se den nye udgave og prøv igen.")
        refusal = refusal_submission(actor.user, submission)
        if refusal:
            raise Refused(refusal)
        chosen = submission.meeting
        meeting = meeting_for_submission(chosen, now)
        if meeting is None:
            raise Refused("deadline_passed", f"Fristen for mødet {chosen} er overskredet, og der er ikke planlagt et senere møde. "
                          "Indstillingen er gemt som kladde; kontakt administrationen om en mødedato.")
        snapshot = None
        if submission.child_id:
            plan = Handleplan.objects.filter(case__child=submission.child).first()
            if plan is None:
                raise Refused("plan_missing", "Barnet har ingen handleplan. Indstillingen skal bygge på handleplanen.")
            snapshot = plan_freeze(actor=actor, plan=plan, purpose=f"Indstilling til {meeting}")
        elif submission.group_plan_id:
            # The group's plan goes frozen with the submission, as a child's plan does.
            submission.group_snapshot = group_plan_freeze(actor=actor, plan=submission.group_plan,
                                                          purpose=f"Indstilling til {meeting}")
        submission.submit(meeting, chosen if meeting.pk != chosen.pk else None, snapshot)
        submission.save()
        case = Case.objects.of_child(submission.child_id)
        if case:
            text = f"Indstilling ({submission.get_kind_display().lower()}) sendt til {meeting}"
            if submission.rolled_over_from_id:
                text += f"; fristen for {chosen} var overskredet"
            case_services.record_event(case, actor.user, Event.SUBMISSION, reason=text)
        log_access(actor, LogAction.UPDATE, submission, child_id=submission.child_id, detail="Indstilling sendt")
    return submission


def refusal_withdraw(user: User, submission: Submission) -> str | None:
    """Why this user cannot withdraw the submission, or None (the page hides the button then)."""
    if not roles.leads(user, submission.institution_id):
        return Refusal("not_leader", "Kun en leder af institutionen kan trække indstillingen tilbage.")
    if submission.state not in (SubmissionState.KLADDE, SubmissionState.INDSENDT):
        return Refusal("submission_decided", "En afgjort indstilling kan ikke trækkes tilbage.")
    return None


def refusal_draft_edit(user: User, submission: Submission) -> str | None:
    """Why this user cannot edit the submission as a draft, or None."""
    if submission.state != SubmissionState.KLADDE:
        return Refusal("submission_sent", "Indstillingen er allerede sendt.")
    if not roles.leads(user, submission.institution_id):
        return Refusal("not_leader", "Kun en leder af institutionen kan rette indstillingen.")
    return None


def submission_withdraw(*, actor: Actor, submission: Submission) -> Submission:
    if refusal := refusal_withdraw(actor.user, submission):
        raise Refused(refusal)
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if refusal := refusal_withdraw(actor.user, submission):
            raise Refused(refusal)
        submission.withdraw()
        submission.save()
        log_access(actor, LogAction.UPDATE, submission, child_id=submission.child_id, detail="Indstilling trukket")
    return submission


def review_save(*, actor: Actor, submission: Submission, data: dict) -> Review:
    """The consultant's notes and recommendation, before the meeting."""
    if not scope.serves(actor.user, submission.meeting.council):
        raise Refused("not_consultant", "Kun distriktets pædagogiske konsulent kan skrive en vurdering.")
    if submission.state != SubmissionState.INDSENDT:
        raise Refused("submission_not_pending", "Kun indsendte, uafgjorte indstillinger kan vurderes.")
    with transaction.atomic():
        # A new row each time: an earlier review is history the council may need (who said what, when).
        review = Review.objects.create(submission=submission, consultant=actor.user, **data)
        log_access(actor, LogAction.UPDATE, review, child_id=submission.child_id, detail="Konsulentens vurdering")
    return review


# --- decisions ---------------------------------------------------------------------------------


def default_period(municipality: Municipality, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    return start, start + relativedelta(months=municipality.resource_period_months)


def default_follow_up(municipality: Municipality, start: datetime.date, end: datetime.date,
                      decided_on: datetime.date | None = None) -> datetime.date:
    """The municipality's `follow_up_weeks` after the period starts, never before the decision is
    made and never after the period ends."""
    decided_on = decided_on or timezone.localdate()
    follow_up = max(start, decided_on) + datetime.timedelta(weeks=municipality.follow_up_weeks)
    return min(follow_up, end)


def period_defaults(municipality: Municipality, start: datetime.date) -> dict:
    """The form's proposal for a new period: the municipality's resource period from `start`, and
    the follow-up its `follow_up_weeks` into it."""
    start, end = default_period(municipality, start)
    return {"period_start": start, "period_end": end, "follow_up_on": default_follow_up(municipality, start, end)}


def decision_defaults(submission: Submission) -> dict:
    """The council's decision: the period starts on the day of the meeting."""
    municipality = submission.meeting.council.district.municipality
    return period_defaults(municipality, timezone.localtime(submission.meeting.starts_at).date())


def visitation_defaults(child: Child) -> dict:
    """The consultant's visitation: the period starts today."""
    return period_defaults(child.institution.district.municipality, timezone.localdate())


def revisitation_defaults(decision: Decision) -> dict:
    """A re-visitation proposes the earlier offer, for a new period from today (or from the earlier
    period's start, if that lies ahead)."""
    municipality = decision.institution.district.municipality
    return {"resource_type": decision.resource_type, "amount_dkk": decision.amount_dkk, "hours": decision.hours,
            "mellemform": decision.mellemform, "goals": decision.goals,
            **period_defaults(municipality, max(timezone.localdate(), decision.period_start))}


# The paths that grant a resource, and which resource types each may offer.
PATH_COUNCIL, PATH_VISITATION, PATH_REVISITATION = "council", "visitation", "revisitation"
VISITATION_BASES = (Decision.Basis.CHRONIC_ILLNESS, Decision.Basis.VISITATION_32)


def resource_types_for(municipality, path: str) -> QuerySet[ResourceType]:
    """The resource types a path may grant: the council its own, the consultant's visitation the
    consultant-only ones (§ 32, chronic illness), a re-visitation any offer – also a less intrusive
    one. Whether a type fits the basis is then checked by `refusal_decision_data`."""
    types = ResourceType.objects.filter(municipality=municipality, active=True)
    if path == PATH_REVISITATION:
        return types
    return types.filter(consultant_only=(path == PATH_VISITATION))


def refusal_period(municipality: Municipality, start: datetime.date, end: datetime.date) -> str | None:
    """The one check of the resource period, on every path that grants or renews (council decision,
    renewal, § 32 visitation, chronic illness, re-visitation)."""
    if end <= start:
        return Refusal("period_backwards", "Perioden skal slutte efter den starter.")
    longest = start + relativedelta(months=municipality.resource_period_months)
    if end > longest:
        # The council grants for a limited period (Haderslev: half a year), then re-assesses.
        return Refusal("period_too_long", f"Perioden må højst vare {municipality.resource_period_months} måneder (til {date_da(longest)}); "
                "en forlængelse besluttes ved revurderingen.")
    return None


def refusal_basis(basis: str, resource: ResourceType) -> str | None:
    """The legal basis and the resource type must fit (§ 32 → a § 32 offer; chronic illness → extra
    resources; the council → the council's resources). A re-visitation re-grants an offer that can be
    granted under some basis."""
    bases = set(resource.bases or [])
    if basis == Decision.Basis.REVISITATION:
        fits = bool(bases & set(GRANT_BASES))
    else:
        fits = basis in bases
    if not fits:
        return Refusal("basis_not_allowed", f"{resource} kan ikke tildeles efter grundlaget \"{Decision.Basis(basis).label}\".")
    return None


def refusal_decision_data(data: dict, resource: ResourceType, *, basis: str, municipality: Municipality) -> str | None:
    """Every rule on a decision's content, for every path that grants or renews: the least intrusive
    option confirmed, basis and resource type fit, the period limit, follow-up within the period,
    goals, amount/hours and mellemform."""
    if not data.get("least_intrusive_discussed"):
        return Refusal("least_intrusive_unconfirmed", "Den mindst indgribende indsats skal altid være drøftet. Bekræft at det er sket.")
    if resource.municipality_id != municipality.pk:
        return Refusal("resource_other_municipality", "Ressourcetypen hører til en anden kommune.")
    refusal = refusal_basis(basis, resource) or refusal_period(municipality, data["period_start"], data["period_end"])
    if refusal:
        return refusal
    follow_up = data.get("follow_up_on")
    if follow_up is None or not (data["period_start"] <= follow_up <= data["period_end"]):
        return Refusal("follow_up_outside_period", f"Opfølgningen skal ligge inden for perioden ({date_da(data['period_start'])}–"
                f"{date_da(data['period_end'])}).")
    if resource.grants_resource and not (data.get("goals") or "").strip():
        return Refusal("goals_missing", "En tildelt ressource skal have lærings- og udviklingsmål for perioden.")
    if resource.has_amount and resource.has_hours:
        if not (data.get("amount_dkk") or data.get("hours")):
            return Refusal("amount_or_hours_missing", f"{resource} kræver et beløb eller et antal timer.")
    elif resource.has_amount and not data.get("amount_dkk"):
        return Refusal("amount_missing", f"{resource} kræver et beløb i kr.")
    elif resource.has_hours and not data.get("hours"):
        return Refusal("hours_missing", f"{resource} kræver et antal timer.")
    if resource.needs_mellemform and not data.get("mellemform"):
        return Refusal("mellemform_missing", "Vælg mellemformen, barnet placeres i.")
    return None


def _check_decision_data(data: dict, resource: ResourceType, *, basis: str, municipality: Municipality) -> None:
    refusal = refusal_decision_data(data, resource, basis=basis, municipality=municipality)
    if refusal:
        raise Refused(refusal)


def refusal_decision(user: User, submission: Submission, now: datetime.datetime | None = None) -> str | None:
    """Why the council's decision on this submission cannot be recorded now, or None. The
    submission page shows the same reason on a disabled button."""
    if not scope.serves(user, submission.meeting.council):
        return Refusal("not_consultant", "Kun distriktets pædagogiske konsulent registrerer distriktsrådets afgørelse.")
    if submission.state != SubmissionState.INDSENDT:
        return Refusal("submission_not_on_agenda", "Indstillingen er ikke på dagsordenen (den er afgjort, trukket eller ikke sendt).")
    if submission.meeting.agenda_closed_at is None and (now or timezone.now()) < submission.meeting.deadline:
        return Refusal("agenda_open", f"Dagsordenen lukker {datetime_da(submission.meeting.deadline)}; "
                "afgørelsen træffes på mødet.")
    return None


def refusal_reasoning(data: dict) -> str | None:
    """Forvaltningsloven §§ 22–24: a decision that grants or refuses a resource is given in writing
    with its reasons; the council writes them, and they go into the letter to the parents."""
    if not (data.get("notes") or "").strip():
        return Refusal("reasoning_missing", "Skriv begrundelsen for afgørelsen: den står i brevet til forældrene "
                "(forvaltningsloven §§ 22–24).")
    return None


def decision_record(*, actor: Actor, submission_id: int, data: dict) -> Decision:
    """Record the council's decision. A granted resource moves the child's case to indgribende
    through the cases service (the only way up there), in the same transaction."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related(
            "meeting__council__district__municipality", "child", "institution").get(pk=submission_id)
        council = submission.meeting.council
        refusal = refusal_decision(actor.user, submission)
        if refusal:
            raise Refused(refusal)
        resource: ResourceType = data["resource_type"]
        if resource.municipality_id != council.district.municipality_id or resource.consultant_only:
            raise Refused("resource_not_grantable", "Ressourcetypen kan ikke tildeles af distriktsrådet.")
        if submission.kind == Submission.Kind.SPARRING and resource.grants_resource:
            raise Refused("sparring_grants_nothing", "En indstilling om sparring/vejledning kan ikke give en ressource; den kræver en ressourcevurdering.")
        mellemform = data.get("mellemform")
        if mellemform and mellemform.district_id != council.district_id:
            raise Refused("mellemform_other_district", "Mellemformen hører ikke til distriktet.")
        if mellemform and submission.snapshot_id is None and submission.group_snapshot_id is None:
            # 001: a placement in a mellemform is always made on a plan: one child's individual
            # handleplan, or (issue 20) the learning community's plan a group submission carried.
            raise Refused("mellemform_needs_child_plan", "En mellemform kræver en plan: barnets individuelle handleplan eller "
                          "læringsfællesskabets plan, sendt med indstillingen.")
        _check_decision_data(data, resource, basis=Decision.Basis.COUNCIL, municipality=council.district.municipality)
        # A resource assessment answered with "no resource" is a refusal, and needs its reasons too;
        # a sparring answer is advice, not a decision on a resource.
        if resource.grants_resource or submission.kind == Submission.Kind.RESSOURCEVURDERING:
            if refusal := refusal_reasoning(data):
                raise Refused(refusal)
        decision = Decision.objects.create(
            basis=Decision.Basis.COUNCIL, submission=submission, institution=submission.institution,
            child=submission.child, decided_by=actor.user, **data)
        submission.decide()
        submission.save()
        case = Case.objects.of_child(submission.child_id)
        if case and resource.grants_resource and case.state != CaseState.INDGRIBENDE:
            case_services.case_grant_intervention(
                actor=actor, case_id=case.pk, basis=Basis.COUNCIL,
                reason=f"{resource}, {date_da(data['period_start'])}–{date_da(data['period_end'])}")
        elif case:
            case_services.record_event(case, actor.user, Event.DECISION,
                                       reason=f"Distriktsrådets afgørelse: {resource}")
        _store_letter(decision, submission.track)
        log_access(actor, LogAction.CREATE, decision, child_id=decision.child_id, detail=f"Afgørelse: {resource}")
        transaction.on_commit(lambda: _tell_leaders_decided(decision, submission))
    return decision


def _tell_leaders_decided(decision: Decision, submission: Submission) -> int:
    """The institution's leaders learn that the council has decided: in the app with the child's
    name and a link; the email names no child."""
    leaders = roles.leaders_of(decision.institution_id)
    subject = str(decision.child) if decision.child_id else "børnegruppen"
    return notify(leaders, key=f"afgoerelse-{decision.pk}",
                  subject=f"Distriktsrådet har truffet afgørelse om {subject}: {decision.resource_type}",
                  body=f"{submission.meeting}: {decision}",
                  url=reverse("districtcouncil:decision_detail", args=[decision.pk]),
                  email_template="districtcouncil/email/decision_made", context={"decision": decision})


def visitation_record(*, actor: Actor, child: Child, basis: str, data: dict) -> Decision:
    """The consultant's paths outside the council: §32 visitation and extra resources for chronic
    illness (e.g. diabetes, sight, Calvé-Perthes), with the same decision fields."""
    if basis not in (Decision.Basis.VISITATION_32, Decision.Basis.CHRONIC_ILLNESS):
        raise Refused("unknown_basis", "Ukendt grundlag.")
    if not roles.consults_for(actor.user, child.institution.district_id):
        raise Refused("not_consultant", "Kun distriktets pædagogiske konsulent kan visitere.")
    case = Case.objects.of_child(child)
    if case is None or not case.is_open:
        raise Refused("case_not_open", "Barnet har ingen åben sag. Institutionen opretter sagen.")
    resource: ResourceType = data["resource_type"]
    _check_decision_data(data, resource, basis=basis, municipality=child.institution.district.municipality)
    if refusal := refusal_reasoning(data):
        raise Refused(refusal)
    mellemform = data.get("mellemform")
    if mellemform and mellemform.district_id != child.institution.district_id:
        raise Refused("mellemform_other_district", "Mellemformen hører ikke til distriktet.")
    with transaction.atomic():
        decision = Decision.objects.create(basis=basis, institution=child.institution, child=child,
                                           decided_by=actor.user, **data)
        if case.state != CaseState.INDGRIBENDE:
            case_services.case_grant_intervention(actor=actor, case_id=case.pk, basis=basis,
                                                  reason=f"{resource}: {data.get('notes') or ''}".strip(": "))
        _store_letter(decision, Submission.Track.WITH_CPR)
        log_access(actor, LogAction.CREATE, decision, child_id=child.pk, detail=Decision.Basis(basis).label)
    return decision


def refusal_revisitation(user: User, decision: Decision) -> str | None:
    if decision.child_id is None:
        return Refusal("revisitation_needs_child", "Kun en afgørelse for et enkelt barn kan revisiteres.")
    if not roles.consults_for(user, decision.child.institution.district_id):
        return Refusal("not_consultant", "Kun distriktets pædagogiske konsulent kan revisitere.")
    if decision.reassessed_at:
        return Refusal("decision_reassessed", "Afgørelsen er allerede revurderet eller revisiteret.")
    case = Case.objects.of_child(decision.child_id)
    if case is None or not case.is_open:
        return Refusal("case_not_open", "Barnet har ingen åben sag.")
    return None


def revisitation_record(*, actor: Actor, decision: Decision, data: dict) -> Decision:
    """Re-visit an earlier decision or visitation (Ishøj, seeds/003: "systematiserede visitations-
    og revisitationsprocesser ... altid at iværksætte mindst indgribende tilbud"). Records the new
    offer and the less intrusive offer considered; the earlier decision is closed as re-assessed.
    An offer without a resource steps an intervening case down towards the general area."""
    refusal = refusal_revisitation(actor.user, decision)
    if refusal:
        raise Refused(refusal)
    considered = (data.get("least_intrusive_offer") or "").strip()
    if not considered:
        raise Refused("least_intrusive_missing", "Beskriv det mindst indgribende tilbud, der er overvejet, og hvorfor det (ikke) dækker behovet.")
    resource: ResourceType = data["resource_type"]
    child = decision.child
    mellemform = data.get("mellemform")
    if mellemform and mellemform.district_id != child.institution.district_id:
        raise Refused("mellemform_other_district", "Mellemformen hører ikke til distriktet.")
    _check_decision_data(data, resource, basis=Decision.Basis.REVISITATION,
                         municipality=child.institution.district.municipality)
    if refusal := refusal_reasoning(data):
        raise Refused(refusal)
    with transaction.atomic():
        earlier = Decision.objects.select_for_update().get(pk=decision.pk)
        if earlier.reassessed_at:
            raise Refused("decision_reassessed", "Afgørelsen er allerede revurderet eller revisiteret.")
        case = Case.objects.get(child_id=child.pk)
        if resource.grants_resource and case.state != CaseState.INDGRIBENDE:
            raise Refused("case_not_intervening", "Sagen er ikke på indgribende niveau; brug visitation eller distriktsrådet.")
        fields = {k: v for k, v in data.items() if k != "least_intrusive_offer"}
        new = Decision.objects.create(
            basis=Decision.Basis.REVISITATION, institution=child.institution, child=child, revisits=earlier,
            decided_by=actor.user, least_intrusive_offer=considered, **fields)
        earlier.reassessed_at = timezone.now()
        earlier.reassessment_outcome = (Decision.Outcome.RENEWED if resource.grants_resource
                                        else Decision.Outcome.STEPPED_DOWN)
        earlier.reassessment_notes = f"Revisiteret: {resource}. Overvejet: {considered}"[:2000]
        earlier.save(update_fields=["reassessed_at", "reassessment_outcome", "reassessment_notes"])
        if not resource.grants_resource and case.state == CaseState.INDGRIBENDE:
            case_services.case_de_escalate(actor=actor, case_id=case.pk, version=None, through_reassessment=True,
                                           reason=f"Revisitation: {resource}. Mindst indgribende: {considered}")
        else:
            case_services.record_event(case, actor.user, Event.REVISITATION, reason=f"Revisitation: {new}")
        _store_letter(new, Submission.Track.WITH_CPR)
        log_access(actor, LogAction.CREATE, new, child_id=child.pk, detail="Revisitation")
    return new


def _store_letter(decision: Decision, track: str) -> Letter:
    kind = Letter.Kind.ANSWER if track == Submission.Track.WITH_CPR else Letter.Kind.INFORMATION
    pdf = render_letter_pdf(decision, kind)
    return Letter.objects.create(decision=decision, kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())


def _store_reassessment_letter(decision: Decision, consultant: User) -> Letter:
    """The answer on a re-assessment that ends the resource, on the decision it ends."""
    pdf = render_letter_pdf(decision, Letter.Kind.REASSESSMENT, signed_by=consultant)
    return Letter.objects.create(decision=decision, kind=Letter.Kind.REASSESSMENT, pdf=pdf,
                                 sha256=hashlib.sha256(pdf).hexdigest())


def render_letter_pdf(decision: Decision, kind: str, signed_by: User | None = None) -> bytes:
    return render_pdf("districtcouncil/print/letter.html", {
        "decision": decision, "kind": kind, "answer": kind == Letter.Kind.ANSWER,
        "reassessment": kind == Letter.Kind.REASSESSMENT, "signed_by": signed_by or decision.decided_by,
        "child": decision.child, "institution": decision.institution,
        "wording": letter_wording(decision.institution.district.municipality),
        "meeting": decision.submission.meeting if decision.submission_id else None,
        "today": timezone.localdate(),
    })


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]  # "sendt med Digital Post": the name keeps its capitals


def refusal_letter_dispatch(user: User, letter: Letter) -> str | None:
    """Why this user cannot record the letter as sent or handed over, or None. The institution's
    leader or the district's consultant sends the letter; it is recorded once."""
    decision = letter.decision
    institution = decision.institution
    if not (roles.leads(user, institution)
            or roles.consults_for(user, institution.district_id)):
        return Refusal("not_leader_or_consultant", "Kun institutionens leder eller distriktets pædagogiske konsulent registrerer, at brevet er sendt.")
    if letter.dispatched_on:
        return Refusal("letter_dispatched", f"Brevet er allerede registreret: {_lower_first(letter.get_dispatch_method_display())} "
                f"{date_da(letter.dispatched_on)} af {letter.dispatched_by}.")
    return None


def letter_dispatch(*, actor: Actor, letter_id: int, method: str, sent_on: datetime.date) -> Letter:
    """Record how, when and by whom the letter was sent or handed over to the parents (forvaltnings-
    loven: a decision takes effect when it reaches them). Logged, and on the child's timeline."""
    if method not in Letter.Method.values:
        raise Refused("dispatch_method_missing", "Vælg, hvordan brevet er sendt eller udleveret.")
    with transaction.atomic():
        letter = Letter.objects.select_for_update(of=("self",)).select_related(
            "decision__institution__district", "dispatched_by").defer("pdf").get(pk=letter_id)
        if refusal := refusal_letter_dispatch(actor.user, letter):
            raise Refused(refusal)
        if sent_on > timezone.localdate():
            raise Refused("date_in_future", "Datoen ligger i fremtiden. Registrér afsendelsen, når brevet er sendt eller udleveret.")
        if sent_on < timezone.localtime(letter.created_at).date():
            raise Refused("date_before_letter", f"Brevet blev dannet {date_da(letter.created_at)}; det kan ikke være sendt før.")
        letter.dispatch_method, letter.dispatched_on = method, sent_on
        letter.dispatched_by, letter.dispatch_recorded_at = actor.user, timezone.now()
        letter.save(update_fields=["dispatch_method", "dispatched_on", "dispatched_by", "dispatch_recorded_at"])
        text = f"{letter.get_kind_display()}: {_lower_first(letter.get_dispatch_method_display())} {date_da(sent_on)}"
        case = Case.objects.of_child(letter.decision.child_id)
        if case:
            case_services.record_event(case, actor.user, Event.LETTER, reason=f"Brev til forældrene. {text}")
        log_access(actor, LogAction.UPDATE, letter, child_id=letter.decision.child_id, detail=f"Brev sendt: {text}")
    return letter


def render_agenda_pdf(meeting: CouncilMeeting, submissions) -> bytes:
    return render_pdf("districtcouncil/print/agenda.html", {"meeting": meeting, "submissions": submissions})


def decision_reassess(*, actor: Actor, decision: Decision, outcome: str, notes: str, data: dict | None = None) -> Decision:
    """At the period's end the goals are evaluated and the case re-assessed: renewed for a new
    period (the same checks as a grant: least intrusive option confirmed, period limit, follow-up
    within the period), or moved down towards the general area (mindst indgribende indsats)."""
    data = data or {}
    if decision.child_id is None or not roles.consults_for(actor.user, decision.child.institution.district_id):
        raise Refused("not_consultant", "Kun distriktets pædagogiske konsulent kan revurdere.")
    if decision.reassessed_at:
        raise Refused("decision_reassessed", "Afgørelsen er allerede revurderet.")
    if outcome not in Decision.Outcome.values:
        raise Refused("outcome_unknown", "Vælg forlængelse eller niveau ned.")
    if not (notes or "").strip():
        raise Refused("evaluation_missing", "Skriv evalueringen af målene for perioden.")
    municipality = decision.institution.district.municipality
    renewal = None
    if outcome == Decision.Outcome.RENEWED:
        start = decision.period_end
        end = data.get("period_end") or default_period(municipality, start)[1]
        renewal = {
            "resource_type": decision.resource_type, "amount_dkk": decision.amount_dkk, "hours": decision.hours,
            "mellemform": decision.mellemform, "period_start": start, "period_end": end,
            "goals": data.get("goals") or decision.goals,
            "follow_up_on": data.get("follow_up_on") or default_follow_up(municipality, start, end),
            "least_intrusive_discussed": bool(data.get("least_intrusive_discussed")), "notes": notes,
        }
        _check_decision_data(renewal, decision.resource_type, basis=decision.basis, municipality=municipality)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.reassessed_at:
            raise Refused("decision_reassessed", "Afgørelsen er allerede revurderet.")
        decision.reassessed_at = timezone.now()
        decision.reassessment_outcome = outcome
        decision.reassessment_notes = notes
        decision.save(update_fields=["reassessed_at", "reassessment_outcome", "reassessment_notes"])
        case = Case.objects.get(child_id=decision.child_id)
        # Renewed or ended, the parents get a written answer with begrundelse and klagevejledning
        # (forvaltningsloven §§ 22–25), as for the grant itself.
        if renewal is not None:
            new = Decision.objects.create(basis=decision.basis, institution=decision.institution, child=decision.child,
                                          decided_by=actor.user, renews=decision, **renewal)
            case_services.record_event(case, actor.user, Event.RENEWAL, reason=f"Ressource forlænget: {new}")
            _store_letter(new, Submission.Track.WITH_CPR)
        else:
            if case.state == CaseState.INDGRIBENDE:
                case_services.case_de_escalate(actor=actor, case_id=case.pk, version=None,
                                               through_reassessment=True, reason=f"Revurdering: {notes}")
            _store_reassessment_letter(decision, actor.user)
        log_access(actor, LogAction.UPDATE, decision, child_id=decision.child_id, detail="Revurdering")
    return decision


def agenda_submissions(meeting: CouncilMeeting) -> list[Submission]:
    """The meeting's agenda (the page and its PDF): its submitted and decided submissions, each with
    child, institution, decision and `latest_review` (the consultant's current recommendation, or
    None): two queries however long the agenda."""
    submissions = _agenda_of(meeting.pk)
    latest = {}
    for review in _reviews_on(meeting.pk):  # newest first: the first of each submission is its current one
        latest.setdefault(review.submission_id, review)
    for submission in submissions:
        submission.meeting = meeting
        submission.latest_review = latest.get(submission.pk)
    return submissions


@statement
def _agenda_of(meeting_id: int):
    return (Submission.objects.filter(meeting_id=meeting_id, state__in=[SubmissionState.INDSENDT,
                                                                        SubmissionState.AFGJORT])
            .select_related("child", "institution", "decision__resource_type"))


@statement
def _reviews_on(meeting_id: int):
    return (Review.objects.filter(submission__meeting_id=meeting_id, submission__state__in=[
        SubmissionState.INDSENDT, SubmissionState.AFGJORT]).select_related("recommended_resource", "consultant"))


def child_decisions(child_id: int) -> list[Decision]:
    """The child's decisions, newest first, with their resource type and `is_granted`; once per page
    (the case's granted resource and the council section both show them). A child has a handful."""
    return once(("decisions", child_id), lambda: _decisions_of_child(child_id))


@statement
def _decisions_of_child(child_id: int):
    return (Decision.objects.filter(child_id=child_id).marking_granted().select_related("resource_type")
            .order_by("-decided_at", "-pk"))


class CouncilPort:
    """The answer to the cases app's question "is a granted resource running for this child?"
    (cases.interfaces.CouncilPort; registered in DistrictcouncilConfig.ready)."""

    def grant_status(self, case) -> interfaces.GrantStatus | None:
        today = timezone.localdate()
        granted = [decision for decision in child_decisions(case.child_id) if decision.is_granted]
        decision = max(granted, key=lambda decision: (decision.period_end, decision.pk), default=None)
        if decision is None:
            return None
        return interfaces.GrantStatus(
            label=str(decision), period_end=decision.period_end,
            awaiting_reassessment=decision.is_awaiting_reassessment(today),
            url=reverse("districtcouncil:decision_detail", args=[decision.pk]))


# --- periodic jobs (called by Celery tasks and directly by tests) ------------------------------


def draft_reminders_send(now: datetime.datetime | None = None, remind_days: int = 3) -> int:
    """Remind leaders of drafts whose meeting deadline is within `remind_days`: the drafts of the
    meetings whose deadline is near (read in one query), a few queries per batch of drafts."""
    now = now or timezone.now()
    # The meetings whose deadline may fall in the window: per municipality a range of start times
    # (a day wider for a daylight-saving change), the deadline itself checked on each.
    starts = Q(pk__in=[])
    for municipality_id, days in Municipality.objects.values_list("pk", "submission_deadline_days"):
        starts |= Q(council__district__municipality_id=municipality_id,
                    starts_at__lte=now + datetime.timedelta(days=remind_days + days + 1))
    meetings = [meeting.pk for meeting in CouncilMeeting.objects.filter(starts, starts_at__gt=now)
                .select_related("council__district__municipality")
                if now <= meeting.deadline <= now + datetime.timedelta(days=remind_days)]
    drafts = Submission.objects.filter(state=SubmissionState.KLADDE, meeting__in=meetings).select_related(
        "meeting__council__district__municipality", "institution")
    sent = 0
    for batch in in_batches(drafts):
        leaders = roles.leaders_by_institution({submission.institution_id for submission in batch})
        sent += notify_many([Message(
            leaders.get(submission.institution_id, []), key=f"indstilling-kladde-{submission.pk}-{submission.meeting_id}",
            subject=f"Fristen for indstillinger til {submission.meeting} er {datetime_da(submission.meeting.deadline)}",
            body="Du har en indstilling som kladde. Send den inden fristen, ellers går den til næste møde.",
            url=reverse("districtcouncil:submission_detail", args=[submission.pk]),
            email_template="districtcouncil/email/draft_reminder",
            context={"meeting": submission.meeting, "deadline": submission.meeting.deadline}) for submission in batch])
    return sent


def agendas_close_due(*, actor: Actor, now: datetime.datetime | None = None) -> int:
    """At the deadline the agenda closes and the council's members are told it is ready.
    Idempotent: a closed agenda is skipped, and notices are keyed per meeting. The meetings due are
    closed together, in the same queries however many they are."""
    now = now or timezone.now()
    candidates = CouncilMeeting.objects.filter(agenda_closed_at__isnull=True, starts_at__gt=now - datetime.timedelta(days=1))
    due = [meeting.pk for meeting in candidates.select_related("council__district__municipality")
           if now >= meeting.deadline]
    return len(agendas_close(due, actor=actor, now=now)) if due else 0


def agenda_close(meeting_id: int, *, actor: Actor, now: datetime.datetime | None = None) -> int | None:
    """Close one meeting's agenda once its deadline has passed (the job, or a test)."""
    closed = agendas_close([meeting_id], actor=actor, now=now)
    return closed[0] if closed else None


def agendas_close(meeting_ids: list[int], *, actor: Actor, now: datetime.datetime | None = None) -> list[int]:
    """Close these meetings' agendas whose deadline has passed and that are still open (locked, so
    two workers close each once), log each, and tell each council's members after the commit.
    Returns the meetings closed now."""
    now = now or timezone.now()
    with transaction.atomic():
        meetings = [meeting for meeting in CouncilMeeting.objects.select_for_update(of=("self",))
                    .select_related("council__district__municipality")
                    .filter(pk__in=meeting_ids, agenda_closed_at__isnull=True).order_by("pk")
                    if now >= meeting.deadline]
        if not meetings:
            return []
        CouncilMeeting.objects.filter(pk__in=[meeting.pk for meeting in meetings]).update(agenda_closed_at=now)
        counts = dict(Submission.objects.filter(meeting__in=meetings, state=SubmissionState.INDSENDT)
                      .values_list("meeting").annotate(n=Count("pk")).values_list("meeting", "n"))
        submitted = {meeting.pk: f"{counts.get(meeting.pk, 0)} "
                                 f"{ngettext('indstilling', 'indstillinger', counts.get(meeting.pk, 0))}"
                     for meeting in meetings}
        log_access_each(actor, LogAction.UPDATE, meetings, detail=lambda meeting: f"Dagsorden lukket ({submitted[meeting.pk]})",
                        municipality_id=lambda meeting: meeting.council.district.municipality_id)
        members = roles.council_members_by_district([meeting.council.district for meeting in meetings])
        messages = [Message(
            members.get(meeting.council.district_id, []), key=f"dagsorden-klar-{meeting.pk}",
            subject=f"Dagsordenen til {meeting} er klar ({submitted[meeting.pk]})",
            url=reverse("districtcouncil:meeting_detail", args=[meeting.pk]),
            email_template="districtcouncil/email/agenda_ready",
            context={"meeting": meeting, "count": counts.get(meeting.pk, 0)}) for meeting in meetings]
        transaction.on_commit(lambda: notify_many(messages))
    return [meeting.pk for meeting in meetings]


def reassessments_notify_due(today: datetime.date | None = None) -> int:
    """When a granted resource's period nears its end, the leader and consultant get a task.
    A few queries per batch of decisions: their recipients, the notices, the emails, the mark."""
    today = today or timezone.localdate()
    sent = 0
    due = Decision.objects.filter(reassessment_notified_at__isnull=True, reassessed_at__isnull=True,
                                  resource_type__grants_resource=True, child__isnull=False,
                                  period_end__gte=today).select_related(*DECISION_RELATED)
    # Only the decisions inside their municipality's notice window are read: per municipality, a
    # date range, so a run with nothing new reads no decision.
    windows = Q(pk__in=[])
    for municipality_id, notice_days in Municipality.objects.values_list("pk", "reassessment_notice_days"):
        windows |= Q(institution__district__municipality_id=municipality_id,
                     period_end__lte=today + datetime.timedelta(days=notice_days))
    for batch in in_batches(due.filter(windows)):
        recipients = _leaders_and_consultants(batch)
        sent += notify_many([Message(
            recipients[decision.pk], key=f"revurdering-{decision.pk}",
            subject=f"Revurdering af {decision.child}: ressourceperioden slutter {date_da(decision.period_end)}",
            body="Målene for perioden evalueres, og sagen revurderes med tilbagevenden til det almene som mål.",
            url=reverse("districtcouncil:decision_detail", args=[decision.pk]),
            email_template="districtcouncil/email/reassessment_due", context={"decision": decision})
            for decision in batch])
        # Marked after the notices and their emails: a failed email raises before this, and the next
        # run finds the batch again (the notice keys keep anything from being sent twice).
        Decision.objects.filter(pk__in=[decision.pk for decision in batch], reassessment_notified_at__isnull=True
                                ).update(reassessment_notified_at=timezone.now())
    return sent


# What a job's decisions are read with: the notice's subject and the emails name these.
DECISION_RELATED = ("institution__district__municipality", "child", "resource_type")


def _leaders_and_consultants(decisions: list[Decision]) -> dict[int, list[User]]:
    """`roles.leaders_and_consultants_of` each decision's institution, for a batch, in two queries."""
    leaders = roles.leaders_by_institution({decision.institution_id for decision in decisions})
    consultants = roles.consultants_by_district({decision.institution.district_id for decision in decisions})
    return {decision.pk: leaders.get(decision.institution_id, []) + consultants.get(decision.institution.district_id, [])
            for decision in decisions}


def reassessments_remind_overdue(today: datetime.date | None = None) -> int:
    """When a granted period has ended without a re-assessment, the decision becomes "afventer
    revurdering" (flagged here; also true by date) and the leader and consultant are reminded once
    per the municipality's `reassessment_reminder_days`: the notice key carries the interval's
    number, so a job that runs twice in an interval reminds once. A few queries per batch."""
    today = today or timezone.localdate()
    sent = 0
    overdue = (Decision.objects.awaiting_reassessment(today)
               .filter(_overdue_reminder_due(today)).select_related(*DECISION_RELATED))
    for batch in in_batches(overdue):
        pks = [decision.pk for decision in batch]
        Decision.objects.filter(pk__in=pks, awaiting_reassessment_since__isnull=True).update(
            awaiting_reassessment_since=F("period_end"))
        recipients = _leaders_and_consultants(batch)
        intervals = {decision.pk: max(decision.institution.district.municipality.reassessment_reminder_days, 1)
                     for decision in batch}
        numbers = {decision.pk: max((today - decision.period_end).days, 0) // intervals[decision.pk]
                   for decision in batch}
        sent += notify_many([Message(
            recipients[decision.pk], key=f"revurdering-afventer-{decision.pk}-{numbers[decision.pk]}",
            subject=f"Afventer revurdering: {decision.child} – ressourceperioden sluttede "
                    f"{date_da(decision.period_end)}",
            body="Ressourceperioden er slut. Konsulenten revurderer afgørelsen: forlængelse eller et "
                 "niveau ned mod det almene.",
            url=reverse("districtcouncil:decision_detail", args=[decision.pk]),
            email_template="districtcouncil/email/reassessment_overdue", context={"decision": decision})
            for decision in batch])
        # After the notices: a failed email raises before this, and the next run tries again.
        Decision.objects.filter(pk__in=pks).update(
            next_overdue_reminder_on=DbCase(*[When(pk=decision.pk, then=Value(
                decision.period_end + datetime.timedelta(days=(numbers[decision.pk] + 1) * intervals[decision.pk])))
                for decision in batch]),
            overdue_reminder_interval=DbCase(*[When(pk=pk, then=Value(interval)) for pk, interval in intervals.items()]))
    return sent


def _overdue_reminder_due(today: datetime.date) -> Q:
    """Decisions whose next overdue reminder is due today, never reminded, or reminded by an interval
    their municipality has since changed."""
    due = Q(next_overdue_reminder_on__isnull=True) | Q(next_overdue_reminder_on__lte=today)
    for municipality_id, days in Municipality.objects.values_list("pk", "reassessment_reminder_days"):
        due |= Q(institution__district__municipality_id=municipality_id) & ~Q(overdue_reminder_interval=max(days, 1))
    return due


def follow_ups_remind_due(today: datetime.date | None = None) -> int:
    """On a decision's follow-up date the district's consultant is reminded, once (notice key and
    `follow_up_reminded_at`). Follow-ups of periods that have ended are left to the re-assessment.
    A few queries per batch of decisions."""
    today = today or timezone.localdate()
    sent = 0
    due = (Decision.objects.filter(follow_up_on__lte=today, period_end__gte=today, follow_up_reminded_at__isnull=True,
                                   reassessed_at__isnull=True)
           .select_related(*DECISION_RELATED))
    for batch in in_batches(due):
        consultants = roles.consultants_by_district({decision.institution.district_id for decision in batch})
        messages = []
        for decision in batch:
            subject = decision.child if decision.child_id else "børnegruppen i " + str(decision.institution)
            messages.append(Message(
                consultants.get(decision.institution.district_id, []), key=f"opfoelgning-{decision.pk}",
                subject=f"Opfølgning på afgørelsen om {subject} ({date_da(decision.follow_up_on)})",
                body=f"{decision}: følg op på målene for perioden.",
                url=reverse("districtcouncil:decision_detail", args=[decision.pk]),
                email_template="districtcouncil/email/follow_up_due", context={"decision": decision}))
        sent += notify_many(messages)
        # After the notices and their emails, as the re-assessment reminders.
        Decision.objects.filter(pk__in=[decision.pk for decision in batch], follow_up_reminded_at__isnull=True
                                ).update(follow_up_reminded_at=timezone.now())
    return sent


def meeting_series_create(*, council: Council, meeting_type, first: datetime.datetime, every_weeks: int, count: int,
                          location: str = "") -> list[CouncilMeeting]:
    """A recurring series of council meetings (the administrator's calendar)."""
    if count < 1 or count > 52 or every_weeks < 1:
        raise Refused("meeting_count_invalid", "Vælg mellem 1 og 52 møder med mindst en uges mellemrum.")
    local = timezone.localtime(first).replace(tzinfo=None)
    meetings = []
    with transaction.atomic():
        for n in range(count):
            starts_at = timezone.make_aware(local + datetime.timedelta(weeks=every_weeks * n))
            meetings.append(CouncilMeeting.objects.create(council=council, type=meeting_type, starts_at=starts_at,
                                                          location=location))
    return meetings
