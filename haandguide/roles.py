"""Who a person is: the one module that reads `User.role`.

Everything else asks a question here — "does this person lead this institution, consult for this
district, sit on this council, hold custody of this child?" — never `user.role == …`
(`tests/test_roles.py` scans the source for such comparisons). A new role (a deputy leader, say)
is one change in this module: the services, the views, the navigation, the dashboards and the
templates then agree, because they all ask the same functions.

Three kinds of question:
- *what someone is* in general (`is_leader`, `takes_part_in_councils` …): the navigation, the
  dashboards and the pages that list "my" things;
- *who someone is to something* (`leads(user, institution)`, `consults_for(user, district)`,
  `is_attached_to(user, child)`, `sits_on_council(user, district)`, `heads_daycare(user,
  municipality)`, `administers(user, municipality)`, `is_custodian_of(guardian, child)`): the
  guards in the services;
- *who holds a relationship* (`leaders_of(institution)`, `council_members_of(district)` …): the
  recipients of a notice, the choices in a form.

Objects or ids are accepted alike, so a caller that already holds `child.institution_id` asks
without loading the institution. Each relationship costs at most one indexed query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from haandguide.lib.statements import statement
from haandguide.models import CounsellorAssignment, Guardian, Role, User

_STAFF = (Role.PAEDAGOG, Role.LEDER)
_COUNCIL = (Role.LEDER, Role.KONSULENT, Role.CHEF)


def _pk(obj_or_id) -> int | None:
    return getattr(obj_or_id, "pk", obj_or_id)


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "role", None)


# --- what someone is ------------------------------------------------------------------------------


def is_institution_staff(user) -> bool:
    """A pædagog or a leader: works with the children of their own institution(s)."""
    return _role(user) in _STAFF


def is_leader(user) -> bool:
    return _role(user) == Role.LEDER


def is_consultant(user) -> bool:
    return _role(user) == Role.KONSULENT


def is_head_of_daycare(user) -> bool:
    return _role(user) == Role.CHEF


def is_external_counsellor(user) -> bool:
    return _role(user) == Role.EKSTERN


def is_administrator(user) -> bool:
    """The municipality's administrator (or the installation's superuser)."""
    return bool(getattr(user, "is_superuser", False)) or _role(user) == Role.ADMINISTRATOR


def is_operator(user) -> bool:
    """The installation's operator: a superuser who belongs to no municipality (sees every one)."""
    return bool(getattr(user, "is_superuser", False)) and getattr(user, "municipality_id", None) is None


def has_administrator_role(role: str) -> bool:
    """For `User.save`: the role (not a separate flag) decides who reaches Django's admin."""
    return role == Role.ADMINISTRATOR


def may_have_counsellor_kind(role: str) -> bool:
    return role == Role.EKSTERN


def works_with_children(user) -> bool:
    """Sees child records at all (the child list): staff, consultants, attached counsellors."""
    return _role(user) in (*_STAFF, Role.KONSULENT, Role.EKSTERN)


def serves_institutions(user) -> bool:
    """Works with institutions' plans, reminders, open counselling and family groups."""
    return _role(user) in (*_STAFF, Role.KONSULENT)


def organises_activities(user) -> bool:
    """Creates open-counselling sessions and family groups: a leader or a consultant."""
    return _role(user) in (Role.LEDER, Role.KONSULENT)


def takes_part_in_councils(user) -> bool:
    """A member of some district council: leaders, consultants, the head of daycare."""
    return _role(user) in _COUNCIL


def sees_statistics(user) -> bool:
    return takes_part_in_councils(user) or is_administrator(user)


def sees_municipality(user) -> bool:
    """Works with the whole municipality's figures: the head of daycare and the administrator."""
    return is_head_of_daycare(user) or is_administrator(user)


def sees_resource_overview(user) -> bool:
    return is_consultant(user) or sees_municipality(user)


# --- who someone is to something ------------------------------------------------------------------


@statement
def _institutions_of(user_id: int):
    return User.institutions.through.objects.filter(user_id=user_id).values_list("institution_id",
                                                                                 "institution__district_id")


@statement
def _districts_of(user_id: int):
    return User.districts.through.objects.filter(user_id=user_id).values_list("district_id", flat=True)


def institution_ids(user) -> dict[int, int]:
    """The institutions this user is attached to, as {institution id: district id}: one query per
    request, remembered on the user object (a page asks `works_at`/`leads` several times). The
    memo is dropped when the user's institutions change (`forget_memberships`)."""
    memo = getattr(user, "_roles_institutions", None)
    if memo is None:
        memo = dict(_institutions_of(user.pk)) if user.pk else {}
        user._roles_institutions = memo
    return memo


def district_ids(user) -> frozenset[int]:
    """The districts this user serves as consultant: one query per request, remembered likewise."""
    memo = getattr(user, "_roles_districts", None)
    if memo is None:
        memo = frozenset(_districts_of(user.pk)) if user.pk else frozenset()
        user._roles_districts = memo
    return memo


def sorted_institution_ids(user) -> tuple[int, ...]:
    """`institution_ids` as a sorted tuple: a scope as statements take it (haandguide/lib/statements.py)."""
    return tuple(sorted(institution_ids(user)))


def sorted_district_ids(user) -> tuple[int, ...]:
    """`district_ids` as a sorted tuple, likewise."""
    return tuple(sorted(district_ids(user)))


SCOPE_NONE, SCOPE_INSTITUTIONS, SCOPE_DISTRICTS, SCOPE_COUNSELLOR = "none", "institutions", "districts", "counsellor"


def child_scope(user) -> tuple[str, tuple[int, ...]]:
    """Which children the user may see, as (kind, sorted ids): the institutions a pædagog or leader
    works at, the districts a consultant serves, the external counsellor themself (the children
    they are attached to); nothing for anyone else or anyone signed out or deactivated.
    `Child.objects.visible_to` filters on it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SCOPE_NONE, ()
    if is_institution_staff(user):
        return SCOPE_INSTITUTIONS, sorted_institution_ids(user)
    if is_consultant(user):
        return SCOPE_DISTRICTS, sorted_district_ids(user)
    if is_external_counsellor(user):
        return SCOPE_COUNSELLOR, (user.pk,)
    return SCOPE_NONE, ()


def forget_memberships(user) -> None:
    """Drop the remembered institutions and districts (called when they change)."""
    user.__dict__.pop("_roles_institutions", None)
    user.__dict__.pop("_roles_districts", None)


def works_at(user, institution) -> bool:
    """A pædagog or leader attached to this institution."""
    return is_institution_staff(user) and _pk(institution) in institution_ids(user)


def leads(user, institution) -> bool:
    """The leader of this institution."""
    return is_leader(user) and _pk(institution) in institution_ids(user)


def consults_for(user, district) -> bool:
    """The pedagogical consultant serving this district."""
    return is_consultant(user) and _pk(district) in district_ids(user)


def is_attached_to(user, child) -> bool:
    """An external counsellor attached to this child's case, while attached."""
    return (is_external_counsellor(user)
            and CounsellorAssignment.objects.active().filter(child_id=_pk(child), counsellor=user).exists())


def sits_on_council(user, district) -> bool:
    """Member of the district's council: a leader of one of its institutions, its consultant, or the
    municipality's head of daycare."""
    role = _role(user)
    if role == Role.LEDER:
        return _pk(district) in institution_ids(user).values()
    if role == Role.KONSULENT:
        return consults_for(user, district)
    if role == Role.CHEF:
        return _district_municipality(district) == user.municipality_id
    return False


def _district_municipality(district) -> int | None:
    if hasattr(district, "municipality_id"):
        return district.municipality_id
    from haandguide.models import District
    return District.objects.filter(pk=district).values_list("municipality_id", flat=True).first()


def heads_daycare(user, municipality) -> bool:
    return is_head_of_daycare(user) and user.municipality_id == _pk(municipality)


def administers(user, municipality) -> bool:
    """Administrator of this municipality; the superuser without a municipality administers all."""
    if is_operator(user):
        return True
    return is_administrator(user) and user.municipality_id == _pk(municipality)


def is_custodian_of(guardian: Guardian, child) -> bool:
    """A guardian holding custody of this child (the parents' portal will sign a guardian in).
    Custody, not merely being recorded as a parent, is what consent and letters need."""
    return guardian.child_id == _pk(child) and guardian.has_custody


def custodians_of(child) -> QuerySet[Guardian]:
    return Guardian.objects.filter(child_id=_pk(child), has_custody=True)


def custody_rows_of_person(municipality, *, cpr_digests=(), emails=()) -> QuerySet[Guardian]:
    """One person's guardian rows with custody in one municipality (a row per child): the rows that
    carry one of the person's CPR digests or e-mail addresses. The parents' portal signs a person
    in with these; losing custody of a child removes the row from the answer at once."""
    match = Q(pk__in=[])
    for digest in {d for d in cpr_digests if d}:
        match |= Q(cpr_digest=digest)
    for email in {e.strip().lower() for e in emails if e and e.strip()}:
        match |= Q(email__iexact=email)
    return Guardian.objects.filter(match, child__municipality_id=_pk(municipality), has_custody=True)


# --- the same relationships as querysets ----------------------------------------------------------


def staff_q(prefix: str = "") -> Q:
    """A queryset filter for users who are staff (pædagog or leder); `prefix` for a related user."""
    return Q(**{f"{prefix}role__in": _STAFF})


def leaders_of(institution) -> QuerySet[User]:
    return User.objects.filter(role=Role.LEDER, institutions=_pk(institution), is_active=True)


def plan_staff_of(institution) -> QuerySet[User]:
    """Who may carry out an effort in the plan: the institution's pædagoger and leaders."""
    return User.objects.filter(role__in=_STAFF, institutions=_pk(institution), is_active=True)


def consultants_of(district) -> QuerySet[User]:
    return User.objects.filter(role=Role.KONSULENT, districts=_pk(district), is_active=True)


def administrators_of(municipality) -> QuerySet[User]:
    return User.objects.filter(role=Role.ADMINISTRATOR, municipality_id=_pk(municipality), is_active=True)


def external_counsellors_in(municipality) -> QuerySet[User]:
    return User.objects.filter(role=Role.EKSTERN, municipality=_pk(municipality), is_active=True)


def leaders_and_consultants_of(institution) -> QuerySet[User]:
    """Who works on an institution's decisions: its leaders and its district's consultants."""
    from haandguide.models import Institution
    district_id = getattr(institution, "district_id", None)
    if district_id is None:
        district_id = Institution.objects.filter(pk=_pk(institution)).values_list("district_id", flat=True).first()
    return User.objects.filter(
        Q(role=Role.LEDER, institutions=_pk(institution)) | Q(role=Role.KONSULENT, districts=district_id),
        is_active=True,
    ).distinct()


def council_members_of(district) -> QuerySet[User]:
    """The district's institution leaders, the consultants serving it and the head of daycare."""
    return User.objects.filter(
        Q(role=Role.LEDER, institutions__district=_pk(district))
        | Q(role=Role.KONSULENT, districts=_pk(district))
        | Q(role=Role.CHEF, municipality_id=_district_municipality(district)),
        is_active=True,
    ).distinct()


def leaders_by_institution(institution_ids: Iterable[int]) -> dict[int, list[User]]:
    """`leaders_of` for many institutions at once, in one query: a job's batch of recipients."""
    return _holders_by(User.institutions.through, "institution_id", institution_ids, Role.LEDER)


def consultants_by_district(district_ids: Iterable[int]) -> dict[int, list[User]]:
    """`consultants_of` for many districts at once, in one query."""
    return _holders_by(User.districts.through, "district_id", district_ids, Role.KONSULENT)


def council_members_by_district(districts) -> dict[int, list[User]]:
    """`council_members_of` many districts (objects with `municipality_id`) at once, in three queries."""
    members: dict[int, dict[int, User]] = defaultdict(dict)
    leaders = (User.institutions.through.objects.filter(institution__district__in=[d.pk for d in districts],
                                                        user__role=Role.LEDER, user__is_active=True)
               .select_related("user", "institution"))
    for row in leaders:
        members[row.institution.district_id][row.user_id] = row.user
    for district_id, consultants in consultants_by_district([d.pk for d in districts]).items():
        members[district_id].update((user.pk, user) for user in consultants)
    heads = User.objects.filter(role=Role.CHEF, municipality__in={d.municipality_id for d in districts}, is_active=True)
    for head in heads:
        for district in districts:
            if district.municipality_id == head.municipality_id:
                members[district.pk][head.pk] = head
    return {district_id: list(users.values()) for district_id, users in members.items()}


def _holders_by(membership, field: str, ids: Iterable[int], role: str) -> dict[int, list[User]]:
    holders: dict[int, list[User]] = defaultdict(list)
    rows = (membership.objects.filter(**{f"{field}__in": set(ids)}, user__role=role, user__is_active=True)
            .select_related("user").order_by("user_id"))
    for row in rows:
        holders[getattr(row, field)].append(row.user)
    return holders


# --- for templates --------------------------------------------------------------------------------


def flags(user) -> dict[str, bool]:
    """What someone is, precomputed for templates (no query: only the role is read)."""
    return {
        "is_leader": is_leader(user),
        "is_consultant": is_consultant(user),
        "is_institution_staff": is_institution_staff(user),
        "is_head_of_daycare": is_head_of_daycare(user),
        "is_external_counsellor": is_external_counsellor(user),
        "is_administrator": is_administrator(user),
        "serves_institutions": serves_institutions(user),
    }


def watch_memberships() -> None:
    """Forget a user's remembered memberships when `user.institutions`/`user.districts` change
    (from the user's side; from the institution's side every User instance in memory is stale, so
    those paths are rare admin edits that reload the user anyway)."""
    from django.db.models.signals import m2m_changed

    def changed(sender, instance, action, **kwargs):
        if action.startswith("post_") and isinstance(instance, User):
            forget_memberships(instance)

    for through in (User.institutions.through, User.districts.through):
        m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"roles-memberships-{through.__name__}")
