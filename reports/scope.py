"""Who sees which statistics: the one place that decides a report's scope.

- administrator and dagtilbudschef: their municipality, and any district or institution in it;
- pædagogisk konsulent: the districts they serve and their institutions;
- institutionsleder: their own institution(s);
- pædagog and ekstern rådgiver: no statistics (403).

A scope outside the user's answers 404 through `OutOfScope`, which is logged, as for a child.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from haandguide.access import OutOfScope
from haandguide import roles
from haandguide.lib.ids import parse_id
from haandguide.models import District, Institution, Municipality, User
from reports.models import Report, ScopeKind
from haandguide.lib.formats import date_da

@dataclass(frozen=True)
class Scope:
    kind: str
    pk: int
    label: str
    municipality_id: int
    district_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    def get_kind_display(self) -> str:
        return ScopeKind(self.kind).label

    def q(self, institution_path: str) -> Q:
        """A filter for rows whose institution (reached by `institution_path`) lies in the scope."""
        if self.kind == ScopeKind.INSTITUTION:
            return Q(**{institution_path: self.pk})
        if self.kind == ScopeKind.DISTRICT:
            return Q(**{f"{institution_path}__district": self.pk})
        return Q(**{f"{institution_path}__district__municipality": self.pk})

    def report_fields(self) -> dict:
        """The Report model's scope columns."""
        return {
            "scope_kind": self.kind,
            "municipality_id": self.municipality_id,
            "district_id": self.district_id,
            "institution_id": self.pk if self.kind == ScopeKind.INSTITUTION else None,
        }


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def label(self) -> str:
        return f"{date_da(self.start)}–{date_da(self.end)}"

    @property
    def long_label(self) -> str:
        """As a reader writes it: "1. januar 2026 – 31. marts 2026"."""
        return f"{date_da(self.start)} – {date_da(self.end)}"


def may_see_statistics(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and roles.sees_statistics(user))


def _municipalities(user: User) -> QuerySet[Municipality]:
    if roles.sees_municipality(user):
        if user.municipality_id:
            return Municipality.objects.filter(pk=user.municipality_id)
        return Municipality.objects.all() if roles.is_operator(user) else Municipality.objects.none()
    return Municipality.objects.none()


def _districts(user: User) -> QuerySet[District]:
    if roles.sees_municipality(user):
        return District.objects.filter(municipality__in=_municipalities(user))
    if roles.is_consultant(user):
        return District.objects.filter(pk__in=user.districts.values("pk"))
    return District.objects.none()


def _institutions(user: User) -> QuerySet[Institution]:
    if roles.is_leader(user):
        return Institution.objects.filter(pk__in=user.institutions.values("pk"))
    return Institution.objects.filter(district__in=_districts(user))


def scope_of(obj) -> Scope:
    """The scope of a municipality, district or institution (no access check: callers decide)."""
    if isinstance(obj, Institution):
        return Scope(ScopeKind.INSTITUTION, obj.pk, obj.name, obj.district.municipality_id, obj.district_id)
    if isinstance(obj, District):
        return Scope(ScopeKind.DISTRICT, obj.pk, str(obj), obj.municipality_id, obj.pk)
    return Scope(ScopeKind.MUNICIPALITY, obj.pk, obj.name, obj.pk)


# A picker lists every institution only up to this many (a leader's, a consultant's districts);
# beyond it, the institutions of the district in view, and a search finds the rest.
PICKER_INSTITUTIONS = 60


def scopes_for(user: User, current: Scope | None = None) -> list[Scope]:
    """The scopes the picker offers, widest first: the municipality, the districts, and the
    institutions – all of them if few, else those of the district in view (`current`); the search
    (`search_scopes`) finds any other. A fixed few queries and a small page at any size."""
    if not may_see_statistics(user):
        return []
    # Institutions as plain values: a municipality's chief picks among hundreds of them on every view.
    # Whether they are few is asked unordered (the database stops at the 61st row; ordered by name it
    # sorted all 10,000 of a national municipality on every view); only a few are then read in order.
    institutions = _institutions(user).order_by("name")
    columns = ("pk", "name", "district__municipality_id", "district_id")
    few = len(institutions.order_by().values_list("pk", flat=True)[:PICKER_INSTITUTIONS + 1]) <= PICKER_INSTITUTIONS
    district = current.district_id if current is not None else None
    if few:
        listed = list(institutions.values_list(*columns))
    else:
        listed = list(institutions.filter(district_id=district).values_list(*columns)) if district else []
    return (
        [scope_of(m) for m in _municipalities(user)]
        + [scope_of(d) for d in _districts(user).select_related("municipality").order_by("name")]
        + [Scope(ScopeKind.INSTITUTION, *row) for row in listed]
    )


def search_scopes(user: User, text: str):
    """The districts and institutions in the user's scope whose name contains `text` (districts
    first), for the picker's search; the caller pages it."""
    text = text.strip()[:100]
    if not text or not may_see_statistics(user):
        return []
    districts = [scope_of(d) for d in _districts(user).filter(name__icontains=text)
                 .select_related("municipality").order_by("name")[:PICKER_INSTITUTIONS]]
    institutions = (_institutions(user).filter(name__icontains=text).order_by("name", "pk")
                    .values_list("pk", "name", "district__municipality_id", "district_id"))
    return _Chained(districts, institutions)


class _Chained:
    """Districts (a short list) then institutions (a queryset), sliceable and countable for
    `page_of` without loading every institution."""

    def __init__(self, first: list[Scope], rest):
        self.first, self.rest = first, rest

    def count(self) -> int:
        return len(self.first) + self.rest.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        start, stop = index.start or 0, index.stop
        head = self.first[start:stop]
        rest_start = max(0, start - len(self.first))
        rest_stop = None if stop is None else max(0, stop - len(self.first))
        tail = [Scope(ScopeKind.INSTITUTION, *row) for row in self.rest[rest_start:rest_stop]] \
            if rest_stop is None or rest_stop > rest_start else []
        return head + tail


def widest_scope(user: User) -> Scope | None:
    """The first scope of the picker: the municipality, else the first district or institution."""
    scopes = scopes_for(user)
    return scopes[0] if scopes else None


def allowed(user: User, kind: str, pk) -> Scope | None:
    """The scope if this user may see it, else None."""
    pk = parse_id(pk)
    if pk is None:
        return None
    if not may_see_statistics(user):
        return None
    if kind == ScopeKind.MUNICIPALITY:
        obj = _municipalities(user).filter(pk=pk).first()
    elif kind == ScopeKind.DISTRICT:
        obj = _districts(user).filter(pk=pk).first()
    elif kind == ScopeKind.INSTITUTION:
        obj = _institutions(user).filter(pk=pk).select_related("district").first()
    else:
        obj = None
    return scope_of(obj) if obj is not None else None


def get_scope_for_user(request, kind: str, pk) -> Scope:
    """403 for a role without statistics; a logged 404 for a scope outside the user's."""
    if not may_see_statistics(request.user):
        raise PermissionDenied("Din rolle har ikke adgang til statistik.")
    scope = allowed(request.user, kind, pk)
    if scope is None:
        raise OutOfScope(f"statistik:{kind}"[:50], pk)
    return scope


def get_report_for_user(request, pk) -> Report:
    """The report if its scope is within the user's; otherwise a logged 404."""
    report = Report.objects.filter(pk=parse_id(pk)).first() if parse_id(pk) else None
    if report is None or allowed(request.user, report.scope_kind, report.scope_pk) is None:
        raise OutOfScope("report", pk)
    return report
