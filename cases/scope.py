"""Scope for the cases app: every lookup of a cases object by id goes through here.

Built on `haandguide.access` (the core: `Child.objects.visible_to`, `get_child_for_user`,
`get_in_scope`): an object of a child is found only under a child the user may see, an
institution's activity only in an institution the user serves, and anything else is the same
logged 404. Who serves which institution is asked of `haandguide.roles`.
"""

from __future__ import annotations

from django.http import Http404

from cases.models import (
    Attachment, Case, Consent, CounsellingSession, FamilyGroup, FamilyGroupSession, Meeting,
)
from haandguide import roles
from haandguide.access import get_child_for_user, get_in_scope
from haandguide.lib.ids import parse_id
from haandguide.lib.once import once
from haandguide.lib.statements import Rows, statement
from haandguide.models import Child, CounsellorAssignment, Institution

__all__ = [
    "get_child_for_user", "get_in_scope", "institutions_in_scope", "led_institutions", "institutions_served",
    "serves_institution", "case_of", "open_case_or_404",
]


# --- the child list ------------------------------------------------------------------------------

LIST_ORDER = ("first_name", "last_name", "pk")


def children_listed(user, data: dict):
    """The ids of the present children in the user's scope that the child list's filters keep
    (`data`: the ChildFilterForm's cleaned data, or {}), in the list's order, for `page_of_keys`.
    The level, TOPI and a chosen institution are a statement's arguments (compiled once per
    combination); a typed search or an institution name is read the ordinary way."""
    kind, scope_ids = roles.child_scope(user)
    institution, level = data.get("institution"), data.get("level")
    institution_id = parse_id(institution) if institution else None
    # The level kept on the child ("" without a case): an index range per institution.
    chosen = {"institution_id": institution_id, "case_state": ("" if level == "ingen" else level) if level else None,
              "latest_topi": data.get("topi") or None}
    chosen = {name: value for name, value in chosen.items() if value is not None}
    if data.get("q") or (institution and institution_id is None):
        children = Child.objects.in_scope(kind, scope_ids).present().search(data.get("q", ""))
        if institution and institution_id is None:  # a name, where the institutions are too many to choose from
            children = children.filter(institution__name__icontains=institution)
        return children.filter(**chosen).order_by(*LIST_ORDER)
    return Rows(_listed_ids, kind, tuple(chosen), scope_ids, *chosen.values())


@statement(shape=2)
def _listed_ids(kind: str, filters: tuple, scope_ids: tuple, *values):
    """The ids of the children of a scope that match the named filters (`Child` fields) in list order."""
    return (Child.objects.in_scope(kind, scope_ids).present().filter(**dict(zip(filters, values)))
            .order_by(*LIST_ORDER).values_list("pk", flat=True))


@statement
def children_with_institution(ids: tuple):
    """A page of the child list: the children with these ids, each with its institution."""
    return Child.objects.filter(pk__in=ids).select_related("institution")


# --- institutions ---------------------------------------------------------------------------------


def institutions_in_scope(user, first: int) -> list[Institution]:
    """The first `first` institutions by name of the children this user may see (the child list's
    filter): staff their own, a consultant their districts' (asked directly, not through every
    child in them), an external counsellor those of the children attached."""
    kind, scope_ids = roles.child_scope(user)
    return _institutions_of_scope(kind, first, scope_ids)


@statement(shape=2)
def _institutions_of_scope(kind: str, first: int, scope_ids: tuple):
    if kind == roles.SCOPE_COUNSELLOR:  # no institution of their own: those of the children attached
        institutions = Institution.objects.filter(pk__in=Child.objects.in_scope(kind, scope_ids).values("institution"))
    else:
        institutions = institutions_in(kind, scope_ids)
    return institutions.order_by("name", "pk")[:first]


def led_institutions(user):
    """The institutions this user leads (where children are registered and edited)."""
    if not roles.is_leader(user):
        return Institution.objects.none()
    return user.institutions.order_by("name")


def institutions_served(user):
    """The institutions whose open counselling and family groups this user works with: staff and
    leaders their own institutions, a consultant the institutions of their districts."""
    return institutions_in(*roles.child_scope(user))


def institutions_in(kind: str, ids: tuple):
    """The institutions a scope (`roles.child_scope`) serves; none for an external counsellor."""
    if kind == roles.SCOPE_INSTITUTIONS:
        return Institution.objects.filter(pk__in=ids)
    if kind == roles.SCOPE_DISTRICTS:
        return Institution.objects.filter(district__in=ids)
    return Institution.objects.none()


def serves_institution(user, institution) -> bool:
    return institutions_served(user).filter(pk=getattr(institution, "pk", institution)).exists()


def feature_institutions(user, flag: str):
    """The served institutions whose municipality uses an activity (a profile flag)."""
    return institutions_served(user).filter(**{f"district__municipality__{flag}": True}).order_by("name")


def require_feature(user, flag: str):
    """Where the municipality does not use the activity, its pages do not exist (404)."""
    institutions = feature_institutions(user, flag)
    if not institutions.exists():
        raise Http404("Siden findes ikke.")
    return institutions


def children_of(user, institution):
    """The present children of an institution that this user may see."""
    return Child.objects.visible_to(user).present().filter(institution=institution).order_by("first_name", "last_name")


# --- the child's case and what hangs under the child ------------------------------------------------


def case_of(child) -> Case | None:
    """The child's case, if any (the child is already in scope). A child read together with its
    case (`get_child_for_user(..., related=("case",))`, the child page) hands over that case, read
    in the same query; within one page (`haandguide.lib.once`) it is read once for every asker."""
    def read():
        if Child.case.is_cached(child):
            case = Child.case.related.get_cached_value(child)
            if case is not None:
                case.child = child
            return case
        return Case.objects.of_child(child)
    return once(("case", child.pk), read)


def open_case_or_404(child) -> Case:
    case = case_of(child)
    if case is None:
        raise Http404("Barnet har ingen sag.")
    return case


def get_attachment(child, pk) -> Attachment:
    return get_in_scope(Attachment.objects.select_related("observation").filter(observation__child=child),
                        "attachment", pk, child_id=child.pk)


def get_consent(child, pk) -> Consent:
    return get_in_scope(Consent.objects.filter(child=child), "consent", pk, child_id=child.pk)


def get_meeting(child, pk) -> Meeting:
    return get_in_scope(Meeting.objects.select_related("type", "created_by").filter(case__child=child), "meeting",
                        pk, child_id=child.pk)


def get_counsellor_assignment(child, pk) -> CounsellorAssignment:
    return get_in_scope(CounsellorAssignment.objects.filter(child=child), "counsellorassignment", pk,
                        child_id=child.pk)


# --- Aabenraa's activities, per institution ---------------------------------------------------------


def get_counselling_session_for_user(request, pk) -> CounsellingSession:
    sessions = CounsellingSession.objects.filter(
        institution__in=feature_institutions(request.user, "open_counselling_enabled"))
    return get_in_scope(sessions.select_related("institution__district__municipality", "created_by"),
                        "counsellingsession", pk)


def get_family_group_for_user(request, pk) -> FamilyGroup:
    groups = FamilyGroup.objects.filter(institution__in=feature_institutions(request.user, "family_groups_enabled"))
    return get_in_scope(groups.select_related("institution__district__municipality"), "familygroup", pk)


def get_family_group_session(group, pk) -> FamilyGroupSession:
    return get_in_scope(FamilyGroupSession.objects.filter(group=group), "family_group_session", pk)
