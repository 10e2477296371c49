"""The parent's scope: the one module that decides what a custodian signed in to the portal sees.

A parent is a person, not a row: the municipality keeps one `Guardian` row per child, so the rows
that share the person's CPR digest or e-mail address are the same person (`roles.custody_rows_of_person`).
They see the children of those rows that have custody — asked anew on every request, so custody
removed or a child moved out of the municipality is effective at once — and of each child only
what the institution shares. Every lookup by id goes through here and answers the same logged 404
outside it as the staff side does (`access.OutOfScope`), so an id of another family's child, letter
or submission is indistinguishable from a missing one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case, Consent, ConsentPurpose, Meeting
from districtcouncil.models import Decision, Letter, Submission, SubmissionState
from handleplan.models import Effort, Handleplan
from haandguide import roles
from haandguide.access import Action, OutOfScope, get_in_scope, log_access
from haandguide.models import Child, Guardian

SESSION_KEY = "portal_custodian"


@dataclass(frozen=True)
class Custodian:
    """The person signed in to the portal (kept in the session, never their CPR number)."""

    municipality_id: int
    guardian_id: int  # the row they signed in as (the access log's party)
    name: str
    cpr_digests: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    via: str = ""  # "link" or "oidc"

    def rows(self) -> QuerySet[Guardian]:
        """The person's guardian rows with custody, one per child."""
        return roles.custody_rows_of_person(self.municipality_id, cpr_digests=self.cpr_digests, emails=self.emails)

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data) -> Custodian | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(municipality_id=int(data["municipality_id"]), guardian_id=int(data["guardian_id"]),
                       name=str(data["name"]), cpr_digests=tuple(data.get("cpr_digests") or ()),
                       emails=tuple(data.get("emails") or ()), via=str(data.get("via", "")))
        except (KeyError, TypeError, ValueError):
            return None


def person_of(rows: list[Guardian], *, via: str) -> Custodian:
    """The person behind one or more matched rows: every CPR digest and e-mail they carry, so a
    row recorded with only one of the two (a second child) is found too."""
    first = rows[0]
    return Custodian(
        municipality_id=first.child.municipality_id, guardian_id=first.pk, name=first.name,
        cpr_digests=tuple(sorted({g.cpr_digest for g in rows if g.cpr_digest})),
        emails=tuple(sorted({g.email.strip().lower() for g in rows if g.email})), via=via)


def custodian_of(request) -> Custodian | None:
    return Custodian.from_session(request.session.get(SESSION_KEY))


def children_of(custodian: Custodian) -> QuerySet[Child]:
    """The children the person holds custody of, in their municipality."""
    return (Child.objects.filter(guardians__in=custodian.rows(), anonymised_at__isnull=True)
            .select_related("institution").distinct().order_by("first_name", "last_name", "pk"))


def get_child_for_parent(request, pk, *, action: str = Action.VIEW, detail: str = "") -> tuple[Child, Guardian]:
    """The child with this id and the person's guardian row for it, logged; otherwise a logged 404."""
    child = get_in_scope(children_of(request.custodian), "child", pk, child_id=None)
    guardian = request.custodian.rows().filter(child=child).first()
    log_access(request.actor, action, child, detail=detail or "Forældreportalen")
    return child, guardian


# --- what the institution shares with the parents -------------------------------------------------


def shared_plan(child: Child) -> dict:
    """The plan as the parents see it: goals and signs only when the plan is shared, the shared
    efforts with their evaluations, and their own perspective. Never staff notes, the child's voice
    as staff wrote it, observations or unshared efforts."""
    case = Case.objects.of_child(child)
    plan = Handleplan.objects.filter(case=case).select_related("current").first() if case else None
    if plan is None:
        return {"plan": None, "texts": None, "efforts": []}
    texts = plan.texts
    efforts = list(Effort.objects.filter(plan=plan, shared_with_parents=True).prefetch_related("evaluations")
                   .order_by("started_on", "pk"))
    return {"plan": plan, "texts": texts if plan.shared_with_parents else None, "efforts": efforts,
            "parents": texts.get("parents", "")}


def coming_meetings(child: Child) -> QuerySet[Meeting]:
    """Meetings the parents take part in, from today (type and date; never the minutes)."""
    return (Meeting.objects.filter(case__child=child, type__parents_take_part=True,
                                   held_on__gte=timezone.localdate()).select_related("type").order_by("held_on"))


def decisions_of(child: Child) -> QuerySet[Decision]:
    return Decision.objects.filter(child=child).select_related("resource_type").order_by("-decided_at")


def letters_of(child: Child) -> QuerySet[Letter]:
    """Letters published to the portal for this child."""
    return (Letter.objects.filter(decision__child=child, portal_delivery__isnull=False)
            .select_related("portal_delivery", "decision").order_by("-portal_delivery__published_at"))


def submissions_to_approve(child: Child) -> QuerySet[Submission]:
    """With-CPR drafts for this child: what the custodians approve online."""
    return (Submission.objects.filter(child=child, track=Submission.Track.WITH_CPR, state=SubmissionState.KLADDE)
            .select_related("meeting").prefetch_related("approvals").order_by("pk"))


def get_letter_for_parent(child: Child, pk) -> Letter:
    return get_in_scope(letters_of(child), "letter", pk, child_id=child.pk)


def get_submission_for_parent(child: Child, pk) -> Submission:
    return get_in_scope(submissions_to_approve(child), "submission", pk, child_id=child.pk)


def get_purpose_for_parent(child: Child, pk) -> ConsentPurpose:
    """A consent purpose of the child's municipality (another municipality's is a logged 404)."""
    purposes = ConsentPurpose.objects.filter(municipality_id=child.municipality_id, active=True)
    return get_in_scope(purposes, "consentpurpose", pk, child_id=child.pk)


def get_consent_for_parent(child: Child, guardian: Guardian, pk) -> Consent:
    """One of the person's own consents for this child (never the other custodian's)."""
    return get_in_scope(Consent.objects.filter(child=child, guardian=guardian).select_related("purpose"),
                        "consent", pk, child_id=child.pk)
