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
from haandguide.models import Child, User

__all__ = ["get_child_for_user", "councils_for", "submissions_visible_to", "decisions_in_scope", "serves",
           "get_meeting_for_user", "get_submission_for_user", "get_decision_for_user"]


def councils_for(user: User) -> QuerySet[Council]:
    """The councils whose agendas this user may read: the ones the user sits on. Memberships are
    the ones `roles` remembers for the request (ids, not subqueries: one query, asked once)."""
    if roles.is_leader(user):
        return Council.objects.filter(district_id__in=set(roles.institution_ids(user).values()))
    if roles.is_consultant(user):
        return Council.objects.filter(district_id__in=list(roles.district_ids(user)))
    if roles.is_head_of_daycare(user):
        return Council.objects.filter(district__municipality_id=user.municipality_id)
    return Council.objects.none()


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """A leader sees the own institution's submissions, drafts included, and what is on the agenda
    of the own district's council; consultants and the head of daycare see the agendas they serve."""
    on_agenda = Q(state__in=[SubmissionState.INDSENDT, SubmissionState.AFGJORT],
                  meeting__council__in=councils_for(user))
    if roles.is_leader(user):
        return Submission.objects.filter(Q(institution_id__in=list(roles.institution_ids(user))) | on_agenda)
    if roles.takes_part_in_councils(user):
        return Submission.objects.filter(on_agenda)
    return Submission.objects.none()


def own_submissions(user: User) -> QuerySet[Submission]:
    """The submissions of the institutions this user leads (drafts included)."""
    if not roles.is_leader(user):
        return Submission.objects.none()
    return Submission.objects.filter(institution_id__in=list(roles.institution_ids(user)))


def decisions_in_scope(user: User) -> QuerySet[Decision]:
    """Decisions a leader (the own institutions') or a consultant (the own districts') works on."""
    if roles.is_leader(user):
        return Decision.objects.filter(institution_id__in=list(roles.institution_ids(user)))
    if roles.is_consultant(user):
        return Decision.objects.filter(institution__district_id__in=list(roles.district_ids(user)))
    return Decision.objects.none()


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


def get_meeting_for_user(request, pk) -> CouncilMeeting:
    meeting = (CouncilMeeting.objects.filter(council__in=councils_for(request.user), pk=pk)
               .select_related("council__district__municipality", "type").first())
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
