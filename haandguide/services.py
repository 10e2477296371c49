"""Changes to organisation data that staff make in the app (children, guardians).

Each function: permission guard → atomic → optimistic version check → save → access-log row.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from haandguide.access import Action, log_access
from haandguide.exceptions import EditConflict, Refused
from haandguide.models import AccessLog, AccessLogChain, Child, Guardian, Role, User, chain_digest

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
    """Delete access-log rows older than ACCESS_LOG_RETENTION_DAYS. Each municipality's chain gets
    a purge record saying where it was cut (`AppendOnlyQuerySet.purge_older_than`)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    with transaction.atomic():
        return AccessLog.objects.purge_older_than(cutoff)


def accesslog_chain_problems(chain: int) -> list[str]:
    """Walk one municipality's chain (0: rows of no municipality) and say, in Danish, every row
    that was changed or removed other than by the purge. Reads the rows in order, in one pass."""
    rows = AccessLog.objects.filter(municipality_id=chain) if chain else \
        AccessLog.objects.filter(municipality_id__isnull=True)
    # Where purges cut the chain: the number of the last purged row → its hash.
    cuts = {int(object_id): anchor for object_id, anchor in rows.exclude(anchor="").filter(
        action=AccessLog.Action.DELETE, object_type="accesslog").values_list("object_id", "anchor")}
    problems, last_seq, last_hash = [], None, ""
    for row in rows.order_by("seq").iterator(chunk_size=2000):
        if row.seq is None or row.hash != chain_digest(row.prev_hash, row):
            problems.append(f"Række nr. {row.seq} er ændret efter den blev skrevet.")
        if last_seq is None:
            if row.seq != 1 and cuts.get(row.seq - 1) != row.prev_hash:
                problems.append(f"Række nr. 1–{row.seq - 1} er fjernet uden om sletningen efter opbevaringsperioden.")
            elif row.seq == 1 and row.prev_hash:
                problems.append("Række nr. 1 er ændret efter den blev skrevet.")
        elif row.seq != last_seq + 1:
            problems.append(f"Række nr. {last_seq + 1}–{row.seq - 1} er fjernet.")
        elif row.prev_hash != last_hash:
            problems.append(f"Række nr. {row.seq} passer ikke med række nr. {last_seq}.")
        last_seq, last_hash = row.seq, row.hash
    head = AccessLogChain.objects.filter(municipality_id=chain).first()
    if head is not None and head.seq != (last_seq or 0):
        problems.append(f"Række nr. {(last_seq or 0) + 1}–{head.seq} (de nyeste) er fjernet.")
    elif head is not None and head.head != last_hash:
        problems.append(f"Den nyeste række (nr. {last_seq}) er ændret efter den blev skrevet.")
    return problems


def accesslog_verify() -> dict[int, list[str]]:
    """The nightly check of every municipality's chain. Tells the municipality's administrators
    (superusers for the rows of no municipality) once per finding; returns the findings."""
    from haandguide.notify import notify

    chains = set(AccessLogChain.objects.values_list("municipality_id", flat=True))
    chains |= {m or 0 for m in AccessLog.objects.values_list("municipality_id", flat=True).distinct().order_by()}
    findings = {}
    for chain in sorted(chains):
        problems = accesslog_chain_problems(chain)
        if not problems:
            continue
        findings[chain] = problems
        admins = User.objects.filter(is_active=True)
        admins = admins.filter(role=Role.ADMINISTRATOR, municipality_id=chain) if chain else \
            admins.filter(is_superuser=True)
        fingerprint = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
        notify(admins, key=f"adgangslog-kaede-{chain}-{fingerprint}", subject="Adgangsloggen er ændret uden om appen",
               body="Kontrollen af adgangsloggens kæde fandt:\n" + "\n".join(problems[:50]),
               url=reverse("accesslog"), email_template="haandguide/email/accesslog_tampered",
               context={"problems": problems[:50]})
    return findings
