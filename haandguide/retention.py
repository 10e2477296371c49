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
from django.db.models import QuerySet
from django.utils import timezone

from haandguide.models import AccessLog, Child, Municipality, Notice

_anonymisers: list[Callable[[Child], None]] = []


def register(anonymiser: Callable[[Child], None]) -> None:
    """Called from an app's ready(): `anonymiser(child)` removes that app's personal data."""
    if anonymiser not in _anonymisers:
        _anonymisers.append(anonymiser)


def candidates(municipality: Municipality, today: datetime.date | None = None) -> QuerySet[Child]:
    """Children whose data is due for anonymisation: left more than retention_months ago."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(months=municipality.retention_months)
    return Child.objects.filter(institution__district__municipality=municipality, anonymised_at__isnull=True,
                                left_at__isnull=False, left_at__lte=cutoff).select_related("institution")


def anonymise(child: Child) -> None:
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        if child.anonymised_at:
            return
        # Apps to the right first: their rows point at the rows of the apps to their left
        # (a council submission protects the handleplan snapshot it carries).
        for anonymiser in reversed(_anonymisers):
            anonymiser(child)
        child.guardians.all().delete()
        Notice.objects.filter(child=child).delete()  # e.g. evaluation reminders naming an effort
        child.first_name, child.last_name, child.cpr = "Anonymiseret", f"barn {child.pk}", None
        child.anonymised_at = timezone.now()
        child.save()
        AccessLog.objects.create(username="(system)", action=AccessLog.Action.DELETE, object_type="child",
                                 object_id=str(child.pk), child_id=child.pk,
                                 municipality_id=child.institution.district.municipality_id,
                                 detail="Personoplysninger anonymiseret efter opbevaringsperioden")


def run(today: datetime.date | None = None) -> int:
    """The periodic job: anonymise every due child in every municipality. Idempotent."""
    done = 0
    for municipality in Municipality.objects.all():
        for child in candidates(municipality, today):
            anonymise(child)
            done += 1
    return done
