"""Changes to organisation data that staff make in the app (children, guardians).

Each function: permission guard → atomic → optimistic version check → save → access-log row.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from haandguide.access import Action, log_access
from haandguide.exceptions import EditConflict, Refused
from haandguide.models import AccessLog, Child, Guardian, Role, User
from haandguide.lib.formats import date_da

CHILD_FIELDS = ("institution", "first_name", "last_name", "cpr", "started_at", "left_at")


def can_edit_child_records(user: User, institution) -> bool:
    return user.role == Role.LEDER and user.institutions.filter(pk=institution.pk).exists()


def child_create(*, request, data: dict) -> Child:
    """Register a child in one of the leader's institutions."""
    if not can_edit_child_records(request.user, data["institution"]):
        raise Refused("Kun institutionens leder kan oprette børn i institutionen.")
    with transaction.atomic():
        child = Child(**{f: data.get(f) for f in CHILD_FIELDS if f in data})
        child.save()
        log_access(request, Action.CREATE, child, detail="Barn oprettet")
    return child


def child_update(*, request, child: Child, data: dict, version: int) -> Child:
    """Change a child's master data. Refuses if someone saved in between (version check)."""
    if not can_edit_child_records(request.user, child.institution):
        raise Refused("Kun institutionens leder kan rette barnets stamdata.")
    if not can_edit_child_records(request.user, data.get("institution", child.institution)):
        raise Refused("Barnet kan kun flyttes til en institution, du er leder af.")
    with transaction.atomic():
        changed = Child.objects.filter(pk=child.pk, version=version).update(version=F("version") + 1)
        if not changed:
            raise EditConflict(
                "En anden har gemt ændringer i barnets stamdata, mens du redigerede. "
                "Dine indtastninger står herunder; sammenlign med de nye oplysninger og gem igen."
            )
        child.refresh_from_db(fields=["version"])
        changed_fields = [f for f in CHILD_FIELDS if f in data and getattr(child, f) != data[f]]
        for field in CHILD_FIELDS:
            if field in data:
                setattr(child, field, data[field])
        child.save()
        log_access(request, Action.UPDATE, child, detail="Ændrede felter: " + (", ".join(changed_fields) or "ingen"))
    return child


def guardian_add(*, request, child: Child, data: dict) -> Guardian:
    if not can_edit_child_records(request.user, child.institution):
        raise Refused("Kun institutionens leder kan tilføje forældre.")
    with transaction.atomic():
        guardian = Guardian.objects.create(child=child, **data)
        log_access(request, Action.CREATE, guardian, detail="Forælder/værge tilføjet")
    return guardian


def accesslog_purge(now=None) -> int:
    """Delete access-log rows older than ACCESS_LOG_RETENTION_DAYS; the purge itself is logged."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    with transaction.atomic():
        count = AccessLog.objects.purge_older_than(cutoff)
        if count:
            AccessLog.objects.create(username="(system)", action=AccessLog.Action.DELETE, object_type="accesslog",
                                     detail=f"{count} {ngettext('række', 'rækker', count)} ældre end {date_da(cutoff)} slettet (opbevaringsperiode)")
    return count
