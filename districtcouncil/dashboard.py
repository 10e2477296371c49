"""The district council's panel on the home page: the next deadline, the institution's drafts and the
decisions awaiting re-assessment (a period ended without one)."""

from django.utils import timezone

from districtcouncil.models import SubmissionState
from districtcouncil.scope import (
    council_scope, decision_scope, decisions_in, meetings_in, own_institution_ids, submissions_of,
)
from haandguide import roles
from haandguide.dashboard import Panel
from haandguide.lib.statements import statement


def council_panel(request) -> Panel | None:
    user = request.user
    if not roles.takes_part_in_councils(user):
        return None
    upcoming = _next_meeting.first(*council_scope(user), timezone.now())  # the deadline
    drafts = None
    if roles.is_leader(user):
        drafts = _drafts_of.count(own_institution_ids(user))
    awaiting = None
    if roles.is_leader(user) or roles.is_consultant(user):
        awaiting = _awaiting_in.count(*decision_scope(user), timezone.localdate())
    return Panel("districtcouncil/includes/council_panel.html",
                 {"upcoming": upcoming, "drafts": drafts, "awaiting_reassessment": awaiting}, order=30)


@statement(shape=1)
def _next_meeting(kind: str, council_ids: tuple, now):
    return (meetings_in(kind, council_ids).filter(starts_at__gte=now).select_related("council__district__municipality")
            .order_by("starts_at")[:1])


@statement
def _drafts_of(institution_ids: tuple):
    return submissions_of(institution_ids).filter(state=SubmissionState.KLADDE)


@statement(shape=1)
def _awaiting_in(kind: str, ids: tuple, today):
    return decisions_in(kind, ids).awaiting_reassessment(today)
