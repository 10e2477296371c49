"""Scope for the district council app: every lookup of a meeting, a submission, a decision, a
letter or a document by id goes through here, and answers a logged 404 outside it.

Built on `haandguide.access`: a decision of a child is visible to whoever sees the child
(`Child.objects.visible_to`), and the agenda to the council's members. Who sits on which council is
asked of `haandguide.roles`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from districtcouncil.models import (
    Council, CouncilMeeting, Decision, Letter, Submission, SubmissionDocument, SubmissionState,
)
from haandguide import roles
from haandguide.access import Action, OutOfScope, get_child_for_user, get_in_scope, log_access
from haandguide.lib.ids import parse_id
from haandguide.lib.statements import statement
from haandguide.models import Child, User

__all__ = ["get_child_for_user", "councils_for", "submissions_visible_to", "decisions_in_scope", "serves",
           "get_meeting_for_user", "get_submission_for_user", "get_decision_for_user"]


COUNCILS_NONE, COUNCILS_OF_DISTRICTS, COUNCILS_OF_MUNICIPALITY = "none", "districts", "municipality"


def council_scope(user: User) -> tuple[str, tuple]:
    """The councils whose agendas this user may read, the ones the user sits on, as (kind, ids): a
    leader's own institutions' districts, a consultant's districts, the head of daycare's
    municipality. Memberships are the ones `roles` remembers for the request (ids, not subqueries)."""
    if roles.is_leader(user):
        return COUNCILS_OF_DISTRICTS, tuple(sorted(set(roles.institution_ids(user).values())))
    if roles.is_consultant(user):
        return COUNCILS_OF_DISTRICTS, roles.sorted_district_ids(user)
    if roles.is_head_of_daycare(user):
        return COUNCILS_OF_MUNICIPALITY, (user.municipality_id,)
    return COUNCILS_NONE, ()


def _councils_q(kind: str, ids: tuple, prefix: str = "") -> Q | None:
    if kind == COUNCILS_OF_DISTRICTS:
        return Q(**{f"{prefix}district_id__in": ids})
    if kind == COUNCILS_OF_MUNICIPALITY:
        return Q(**{f"{prefix}district__municipality_id__in": ids})
    return None


def councils_in(kind: str, ids: tuple) -> QuerySet[Council]:
    condition = _councils_q(kind, ids)
    return Council.objects.none() if condition is None else Council.objects.filter(condition)


def councils_for(user: User) -> QuerySet[Council]:
    """The councils the user sits on (`council_scope`)."""
    return councils_in(*council_scope(user))


def meetings_in(kind: str, ids: tuple) -> QuerySet[CouncilMeeting]:
    condition = _councils_q(kind, ids, "council__")
    return CouncilMeeting.objects.none() if condition is None else CouncilMeeting.objects.filter(condition)


def submission_scope(user: User) -> tuple[str, tuple, tuple]:
    """(council kind, council ids, own institution ids): what `submissions_in` filters on. A leader
    sees the own institutions' submissions, drafts included, and what is on the agenda of the own
    district's council; consultants and the head of daycare see the agendas they serve."""
    return *council_scope(user), own_institution_ids(user)


def submissions_in(kind: str, council_ids: tuple, own_institution_ids: tuple) -> QuerySet[Submission]:
    councils = _councils_q(kind, council_ids, "meeting__council__")
    if councils is None:
        return Submission.objects.none()
    on_agenda = Q(state__in=[SubmissionState.INDSENDT, SubmissionState.AFGJORT]) & councils
    if own_institution_ids:
        return Submission.objects.filter(Q(institution_id__in=own_institution_ids) | on_agenda)
    return Submission.objects.filter(on_agenda)


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    return submissions_in(*submission_scope(user))


def own_institution_ids(user: User) -> tuple:
    """The institutions this user leads, sorted (none unless a leader): their submissions, drafts
    included, and decisions are the leader's own."""
    return roles.sorted_institution_ids(user) if roles.is_leader(user) else ()


def submissions_of(institution_ids: tuple) -> QuerySet[Submission]:
    return Submission.objects.filter(institution_id__in=institution_ids)


def own_submissions(user: User) -> QuerySet[Submission]:
    """The submissions of the institutions this user leads (drafts included)."""
    return submissions_of(own_institution_ids(user))


DECISIONS_NONE, DECISIONS_OF_INSTITUTIONS, DECISIONS_OF_DISTRICTS = "none", "institutions", "districts"


def decision_scope(user: User) -> tuple[str, tuple]:
    """The decisions a leader (the own institutions') or a consultant (the own districts') works
    on, as (kind, ids)."""
    if roles.is_leader(user):
        return DECISIONS_OF_INSTITUTIONS, own_institution_ids(user)
    if roles.is_consultant(user):
        return DECISIONS_OF_DISTRICTS, roles.sorted_district_ids(user)
    return DECISIONS_NONE, ()


def decisions_in(kind: str, ids: tuple) -> QuerySet[Decision]:
    if kind == DECISIONS_OF_INSTITUTIONS:
        return Decision.objects.filter(institution_id__in=ids)
    if kind == DECISIONS_OF_DISTRICTS:
        return Decision.objects.filter(institution__district_id__in=ids)
    return Decision.objects.none()


def decisions_in_scope(user: User) -> QuerySet[Decision]:
    return decisions_in(*decision_scope(user))


def granted_in_scope(user: User) -> QuerySet[Decision]:
    """The resource overview's decisions: the municipality's, a consultant's own districts only."""
    if not roles.sees_resource_overview(user):
        return Decision.objects.none()
    decisions = Decision.objects.filter(institution__district__municipality_id=user.municipality_id,
                                        resource_type__grants_resource=True)
    if roles.is_consultant(user):
        decisions = decisions.filter(institution__district_id__in=list(roles.district_ids(user)))
    return decisions


def serves(user: User, council: Council) -> bool:
    """The consultant serving the council's district (reviews, decisions)."""
    return roles.consults_for(user, council.district_id)


@statement(shape=1)
def _meeting_in(kind: str, council_ids: tuple, pk: int):
    return (meetings_in(kind, council_ids).filter(pk=pk).select_related("council__district__municipality", "type")
            .order_by("pk")[:1])


@statement(shape=1)
def child_submissions(kind: str, council_ids: tuple, own_institution_ids: tuple, child_id: int):
    """The child page's newest 20 submissions of the child that the user may see (`submission_scope`)."""
    return (submissions_in(kind, council_ids, own_institution_ids).filter(child_id=child_id)
            .select_related("meeting__council").order_by("-created_at", "-pk")[:20])


def get_meeting_for_user(request, pk) -> CouncilMeeting:
    meeting_pk = parse_id(pk)
    meeting = None if meeting_pk is None else _meeting_in.first(*council_scope(request.user), meeting_pk)
    if meeting is None:
        raise OutOfScope("councilmeeting", pk)
    return meeting


def get_submission_for_user(request, pk) -> Submission:
    submission = (submissions_visible_to(request.user).filter(pk=pk)
                  .select_related("meeting__council__district__municipality", "child", "institution__district",
                                  "snapshot", "rolled_over_from", "created_by").first())
    if submission is None:
        raise OutOfScope("submission", pk)
    log_access(request.actor, Action.VIEW, submission, child_id=submission.child_id)
    return submission


def submission_visible(user: User, submission_id: int | None) -> bool:
    return bool(submission_id) and submissions_visible_to(user).filter(pk=submission_id).exists()


def child_page_open_to(user: User, child_id: int | None) -> bool:
    """Whether a submission's or decision's page may link to the child's own page: the head of
    daycare and the administrator see the council's papers but no child records (a link would
    answer them 404)."""
    return bool(child_id) and roles.works_with_children(user) and Child.objects.visible_to(user).filter(pk=child_id).exists()


def get_decision_for_user(request, pk) -> Decision:
    decision = (Decision.objects.filter(pk=pk).select_related(
        "submission__meeting__council", "institution__district__municipality", "child", "resource_type", "mellemform")
        .first())
    allowed = decision is not None and (
        submission_visible(request.user, decision.submission_id)
        or (decision.child_id and Child.objects.visible_to(request.user).filter(pk=decision.child_id).exists()))
    if not allowed:
        raise OutOfScope("decision", pk)
    log_access(request.actor, Action.VIEW, decision, child_id=decision.child_id)
    return decision


def get_letter(decision: Decision, pk, *, with_pdf: bool = True) -> Letter:
    letters = Letter.objects.filter(decision=decision)
    if not with_pdf:
        letters = letters.defer("pdf")
    return get_in_scope(letters, "letter", pk, child_id=decision.child_id)


def get_document(submission: Submission, pk) -> SubmissionDocument:
    return get_in_scope(SubmissionDocument.objects.filter(submission=submission), "submissiondocument", pk,
                        child_id=submission.child_id)
