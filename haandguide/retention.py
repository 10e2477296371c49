"""Retention: a child's personal data is anonymised a configurable time after the child has left
daycare (Municipality.retention_months). Each app registers how its own data about a child is
removed (the core cannot import the apps to its right); the case's events stay as anonymous
counts, so the statistics do not change.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from haandguide.access import log_access_each
from haandguide.actors import Actor
from haandguide.lib.batches import BATCH_SIZE, in_batches
from haandguide.models import AccessLog, Child, Guardian, Municipality, Notice

_anonymisers: list[Callable[[list[Child]], None]] = []


def register(anonymiser: Callable[[list[Child]], None]) -> None:
    """Called from an app's ready(): `anonymiser(children)` removes that app's personal data about
    a batch of children, in the same few queries whatever the batch's size."""
    if anonymiser not in _anonymisers:
        _anonymisers.append(anonymiser)


def _due(today: datetime.date | None = None) -> Q:
    """Left more than their municipality's retention_months ago: per municipality a date, one filter."""
    today = today or timezone.localdate()
    due = Q(pk__in=[])
    for municipality_id, months in Municipality.objects.values_list("pk", "retention_months"):
        due |= Q(institution__district__municipality_id=municipality_id,
                 left_at__lte=today - relativedelta(months=months))
    return due


def candidates(municipality: Municipality, today: datetime.date | None = None) -> QuerySet[Child]:
    """Children whose data is due for anonymisation: left more than retention_months ago."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(months=municipality.retention_months)
    return Child.objects.filter(institution__district__municipality=municipality, anonymised_at__isnull=True,
                                left_at__isnull=False, left_at__lte=cutoff).select_related("institution")


def anonymise(child: Child, *, actor: Actor) -> None:
    anonymise_many([child], actor=actor)


def anonymise_many(children: list[Child], *, actor: Actor) -> int:
    """Anonymise these children (those not done already), in the same queries whatever their number.
    Returns how many were anonymised now."""
    with transaction.atomic():
        children = list(Child.objects.select_for_update(of=("self",)).select_related("institution__district")
                        .filter(pk__in=[child.pk for child in children], anonymised_at__isnull=True).order_by("pk"))
        if not children:
            return 0
        # Apps to the right first: their rows point at the rows of the apps to their left
        # (a council submission protects the handleplan snapshot it carries).
        for anonymiser in reversed(_anonymisers):
            anonymiser(children)
        Guardian.objects.filter(child__in=children).delete()
        Notice.objects.filter(child__in=children).delete()  # e.g. evaluation reminders naming an effort
        now = timezone.now()
        for child in children:
            child.first_name, child.last_name, child.cpr = "Anonymiseret", f"barn {child.pk}", None
            child.anonymised_at = now
        # One update for the batch, without Child.save()'s signals: a name or CPR number is in no
        # statistic (reports.cache watches children for the institution they are counted in).
        Child.objects.bulk_update(children, ["first_name", "last_name", "cpr", "anonymised_at"])
        log_access_each(actor, AccessLog.Action.DELETE, children,
                        detail=lambda child: "Personoplysninger anonymiseret efter opbevaringsperioden",
                        municipality_id=lambda child: child.institution.district.municipality_id)
    return len(children)


def run(*, actor: Actor, today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """The periodic job: anonymise every due child in every municipality, a batch at a time (the
    same queries per batch whatever the backlog). Idempotent."""
    due = Child.objects.filter(_due(today), anonymised_at__isnull=True, left_at__isnull=False).only("pk")
    return sum(anonymise_many(batch, actor=actor) for batch in in_batches(due, batch_size))
