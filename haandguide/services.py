"""Changes to organisation data that staff make in the app (children, guardians).

Each function: permission guard → atomic → optimistic version check → save → access-log row.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from haandguide import roles
from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.exceptions import EditConflict, Refused
from haandguide.models import (
    AccessLog, AccessLogChain, Child, ChildTransferRequest, Guardian, Institution, User, chain_digest,
    municipality_id_of, seal_access_log,
)
from haandguide.notify import notify
from haandguide.lib import cpr as cprlib
from haandguide.lib.formats import date_da

CHILD_FIELDS = ("institution", "first_name", "last_name", "cpr", "started_at", "left_at")


def can_edit_child_records(user: User, institution) -> bool:
    return roles.leads(user, institution)


class TransferRequested(Refused):
    """The CPR number belongs to a child of another institution in the municipality: nothing is
    saved, the administrator has been asked to move that child here."""


DUPLICATE_IN_SCOPE = "Der findes allerede et barn med dette CPR-nummer i din institution."
TRANSFER_REQUESTED = (
    "Barnet med dette CPR-nummer er allerede indskrevet i kommunen. Der er sendt en anmodning til "
    "administratoren om at flytte barnet til {institution}; du får besked, når det er sket. Intet er gemt."
)


def _refuse_cpr_collision(*, actor: Actor, cpr: str, institution: Institution, editing: Child | None = None) -> None:
    """A CPR number is unique within the municipality only, and only the municipality is asked:
    another municipality's children are never looked at, so its numbers cannot be probed from here
    (the child is registered as with any free number). Inside the municipality: a child the user
    already sees is named as a duplicate; any other becomes a logged request to the administrator,
    and the user learns nothing of the other institution."""
    existing = Child.objects.filter(municipality_id=municipality_id_of(institution.pk), cpr=cpr)
    if editing is not None:
        existing = existing.exclude(pk=editing.pk)
    existing = existing.first()
    if existing is None:
        return
    if Child.objects.visible_to(actor.user).filter(pk=existing.pk).exists():
        log_access(actor, Action.DENIED, existing, detail="CPR-nummeret findes allerede i brugerens institution")
        raise Refused("cpr_duplicate", DUPLICATE_IN_SCOPE)
    transfer, created = ChildTransferRequest.objects.get_or_create(
        child=existing, to_institution=institution, status=ChildTransferRequest.Status.PENDING,
        defaults={"requested_by": actor.user})
    log_access(actor, Action.CREATE, transfer, child_id=existing.pk,
               detail=f"Anmodning om flytning til institution {institution.pk} sendt til administrator")
    if created:
        administrators = roles.administrators_of(existing.municipality_id)
        notify(administrators, key=f"child-transfer-{transfer.pk}", subject="Anmodning om at flytte et barn",
               body=f"{actor.user} beder om at få et barn flyttet til {institution}.",
               url=reverse("admin:haandguide_childtransferrequest_change", args=[transfer.pk]))
    raise TransferRequested("transfer_requested", TRANSFER_REQUESTED.format(institution=institution))


def child_create(*, actor: Actor, data: dict) -> Child:
    """Register a child in one of the leader's institutions. A CPR number another institution of
    the municipality holds becomes a request to the administrator (TransferRequested)."""
    if not can_edit_child_records(actor.user, data["institution"]):
        raise Refused("not_leader", "Kun institutionens leder kan oprette børn i institutionen.")
    _refuse_cpr_collision(actor=actor, cpr=data["cpr"], institution=data["institution"])
    try:
        with transaction.atomic():
            child = Child(**{f: data.get(f) for f in CHILD_FIELDS if f in data})
            child.save()
            log_access(actor, Action.CREATE, child, detail="Barn oprettet")
    except IntegrityError:  # registered in parallel: answer as if it had been there first
        _refuse_cpr_collision(actor=actor, cpr=data["cpr"], institution=data["institution"])
        raise
    return child


def child_update(*, actor: Actor, child: Child, data: dict, version: int) -> Child:
    """Change a child's master data. Refuses if someone saved in between (version check)."""
    if not can_edit_child_records(actor.user, child.institution):
        raise Refused("not_leader", "Kun institutionens leder kan rette barnets stamdata.")
    if not can_edit_child_records(actor.user, data.get("institution", child.institution)):
        raise Refused("not_leader", "Barnet kan kun flyttes til en institution, du er leder af.")
    if "cpr" in data:
        _refuse_cpr_collision(actor=actor, cpr=data["cpr"], institution=data.get("institution", child.institution),
                              editing=child)
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
        log_access(actor, Action.UPDATE, child, detail="Ændrede felter: " + (", ".join(changed_fields) or "ingen"))
    return child


def child_transfer_apply(*, actor: Actor, transfer: ChildTransferRequest) -> Child:
    """The administrator moves the child to the institution that asked; the case and its history
    stay with the child. The leader who asked is told."""
    with transaction.atomic():
        transfer = ChildTransferRequest.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status != ChildTransferRequest.Status.PENDING:
            raise Refused("transfer_decided", "Anmodningen er allerede behandlet.")
        child = Child.objects.select_for_update().get(pk=transfer.child_id)
        if child.municipality_id != municipality_id_of(transfer.to_institution_id):
            raise Refused("other_municipality", "Barnet kan kun flyttes inden for kommunen.")
        from_institution = child.institution_id
        child.institution = transfer.to_institution
        child.version += 1
        child.save()
        transfer.status, transfer.decided_by, transfer.decided_at = (
            ChildTransferRequest.Status.MOVED, actor.user, timezone.now())
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        log_access(actor, Action.UPDATE, child,
                   detail=f"Flyttet fra institution {from_institution} til {child.institution_id} efter anmodning")
        notify([transfer.requested_by], key=f"child-transfer-done-{transfer.pk}",
               subject=f"{child} er flyttet til {child.institution}",
               url=reverse("cases:child_detail", args=[child.pk]))
    return child


def child_transfer_decline(*, actor: Actor, transfer: ChildTransferRequest) -> None:
    """The administrator declines; the leader who asked is told, without the other institution."""
    with transaction.atomic():
        transfer = ChildTransferRequest.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status != ChildTransferRequest.Status.PENDING:
            raise Refused("transfer_decided", "Anmodningen er allerede behandlet.")
        transfer.status, transfer.decided_by, transfer.decided_at = (
            ChildTransferRequest.Status.DECLINED, actor.user, timezone.now())
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        log_access(actor, Action.UPDATE, transfer, child_id=transfer.child_id, detail="Anmodning om flytning afvist")
        notify([transfer.requested_by], key=f"child-transfer-declined-{transfer.pk}",
               subject=f"Anmodningen om at flytte et barn til {transfer.to_institution} er afvist",
               body="Kontakt administratoren, hvis barnet skal indskrives hos jer.")


def guardian_add(*, actor: Actor, child: Child, data: dict) -> Guardian:
    if not can_edit_child_records(actor.user, child.institution):
        raise Refused("not_leader", "Kun institutionens leder kan tilføje forældre.")
    data = dict(data)
    cpr = data.pop("cpr", "")
    if cpr:  # only the keyed hash is kept (lib/cpr.py), so the portal can recognise the custodian
        data["cpr_digest"] = cprlib.digest(cpr)
    with transaction.atomic():
        guardian = Guardian.objects.create(child=child, **data)
        log_access(actor, Action.CREATE, guardian, detail="Forælder/værge tilføjet")
    return guardian


def accesslog_purge(*, actor: Actor, now=None) -> int:
    """Delete access-log rows older than ACCESS_LOG_RETENTION_DAYS. Each municipality's chain gets
    a purge record saying where it was cut (`AppendOnlyQuerySet.purge_older_than`), written as
    `actor` (the nightly job, `Actor.job("accesslog_purge")`)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    with transaction.atomic():
        return AccessLog.objects.purge_older_than(cutoff, actor=actor)


def accesslog_chain_problems(chain: int) -> list[str]:
    """Walk one municipality's chain (0: rows of no municipality) and say, in Danish, every row
    that was changed or removed other than by the purge. Reads the rows in order, in one pass."""
    rows = AccessLog.objects.of_chain(chain).sealed()  # the unsealed tail is not yet in the chain
    # Where purges cut the chain: the number of the last purged row → its hash.
    cuts = {int(object_id): anchor for object_id, anchor in rows.exclude(anchor="").filter(
        action=AccessLog.Action.DELETE, object_type="accesslog").values_list("object_id", "anchor")}
    problems, last_seq, last_hash = [], None, ""
    for row in rows.order_by("seq").iterator(chunk_size=2000):
        if row.hash != chain_digest(row.prev_hash, row):
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


def accesslog_seal() -> int:
    """Every minute (and before each verification and purge): chain the rows written since the
    last run, so writers never wait for one another (`models.seal_access_log`)."""
    return seal_access_log()


def accesslog_partitions_ensure(*, now=None, ahead: int = 3) -> list[str]:
    """Daily: the access log's month partitions for this month and `ahead` more (PostgreSQL)."""
    from haandguide import accesslog_partitions

    return accesslog_partitions.ensure_months(now or timezone.now(), ahead)


def accesslog_verify() -> dict[int, list[str]]:
    """The nightly check of every municipality's chain. Tells the municipality's administrators
    (superusers for the rows of no municipality) once per finding; returns the findings. The log is
    sealed first, so the check covers every row written until then."""
    from haandguide.notify import notify

    seal_access_log()

    chains = set(AccessLogChain.objects.values_list("municipality_id", flat=True))
    chains |= {m or 0 for m in AccessLog.objects.values_list("municipality_id", flat=True).distinct().order_by()}
    findings = {}
    for chain in sorted(chains):
        problems = accesslog_chain_problems(chain)
        if not problems:
            continue
        findings[chain] = problems
        admins = roles.administrators_of(chain) if chain else User.objects.filter(is_active=True, is_superuser=True)
        fingerprint = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
        notify(admins, key=f"adgangslog-kaede-{chain}-{fingerprint}", subject="Adgangsloggen er ændret uden om appen",
               body="Kontrollen af adgangsloggens kæde fandt:\n" + "\n".join(problems[:50]),
               url=reverse("accesslog"), email_template="haandguide/email/accesslog_tampered",
               context={"problems": problems[:50]})
    return findings
