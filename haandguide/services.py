"""Changes to organisation data that staff make in the app (children, guardians).

Each function: permission guard → atomic → optimistic version check → save → access-log row.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

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
    AccessLog, AccessLogChain, Child, ChildTransferRequest, Guardian, Institution, Municipality, User, chain_digest,
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


def _purge_cut(chain: int, seq: int) -> str | None:
    """The hash a purge record of this chain gives for its last purged row `seq` (None: no purge
    cut the chain there). One lookup in a small partial index (`accesslog_purge_cuts`)."""
    return (AccessLog.objects.of_chain(chain).sealed().exclude(anchor="")
            .filter(action=AccessLog.Action.DELETE, object_type="accesslog", object_id=str(seq))
            .values_list("anchor", flat=True).first())


@dataclass
class ChainWalk:
    """What one walk over a stretch of a chain found: the problems, in Danish, and where it ended."""

    problems: list[str] = field(default_factory=list)
    last_seq: int | None = None
    last_hash: str = ""
    rows: int = 0


def accesslog_chain_walk(chain: int, *, after: int = 0, through: int | None = None,
                         prev_hash: str | None = None) -> ChainWalk:
    """Walk the sealed rows of one chain numbered after `after`, up to `through`, in order, in one
    pass: each row's hash, its link to the row before and the numbers in between. `prev_hash` is
    the hash the first row must link to (None: not checked, the walk starts in the middle and the
    row before belongs to another walk). From the chain's start (`after=0`) the first row is number
    1 or follows a purge's cut."""
    rows = AccessLog.objects.of_chain(chain).sealed().filter(seq__gt=after)  # the unsealed tail is not yet in the chain
    if through is not None:
        rows = rows.filter(seq__lte=through)
    walk = ChainWalk()
    for row in rows.order_by("seq").iterator(chunk_size=2000):
        walk.rows += 1
        if row.hash != chain_digest(row.prev_hash, row):
            walk.problems.append(f"Række nr. {row.seq} er ændret efter den blev skrevet.")
        if walk.last_seq is None:  # the first row: where the walk starts, or where a purge cut the chain
            if row.seq != after + 1:
                if _purge_cut(chain, row.seq - 1) != row.prev_hash:
                    walk.problems.append(
                        f"Række nr. 1–{row.seq - 1} er fjernet uden om sletningen efter opbevaringsperioden."
                        if after == 0 else f"Række nr. {after + 1}–{row.seq - 1} er fjernet.")
            elif row.seq == 1 and row.prev_hash:
                walk.problems.append("Række nr. 1 er ændret efter den blev skrevet.")
            elif prev_hash is not None and row.prev_hash != prev_hash:
                walk.problems.append(f"Række nr. {row.seq} passer ikke med række nr. {after}.")
        elif row.seq != walk.last_seq + 1:
            walk.problems.append(f"Række nr. {walk.last_seq + 1}–{row.seq - 1} er fjernet.")
        elif row.prev_hash != walk.last_hash:
            walk.problems.append(f"Række nr. {row.seq} passer ikke med række nr. {walk.last_seq}.")
        walk.last_seq, walk.last_hash = row.seq, row.hash
    return walk


def _newest_problems(head: AccessLogChain | None, walk: ChainWalk, after: int, after_hash: str) -> list[str]:
    """The chain's head (number and hash of its newest sealed row) against where a walk to it ended."""
    last_seq = walk.last_seq if walk.last_seq is not None else after
    last_hash = walk.last_hash if walk.last_seq is not None else after_hash
    if head is None:
        return ["Kædens hoved (nummer og kontrolsum for den nyeste række) er fjernet."] if last_seq else []
    if head.seq != last_seq:
        first, last = sorted((last_seq + 1, head.seq))
        return [f"Række nr. {first}–{last} (de nyeste) er fjernet."]
    if head.head != last_hash:
        return [f"Den nyeste række (nr. {last_seq}) er ændret efter den blev skrevet."]
    return []


def accesslog_chain_problems(chain: int) -> list[str]:
    """Walk one municipality's whole chain (0: rows of no municipality) and say, in Danish, every
    row that was changed or removed other than by the purge. The nightly job walks only what is new
    and a slice of the rest (`accesslog_verify`); this is the whole walk, for tests and by hand."""
    head = AccessLogChain.objects.filter(municipality_id=chain).first()
    walk = accesslog_chain_walk(chain, through=head.seq if head else None)
    return walk.problems + _newest_problems(head, walk, 0, "")


def accesslog_chain_verify(chain: int, *, recheck_nights: int | None = None) -> ChainWalk:
    """One night's check of one chain: the rows sealed since the last check (from its verified
    mark to the head), then the next slice of the older rows, 1/`recheck_nights` of them, so that
    every row is walked again at least once in that many nights (ACCESS_LOG_RECHECK_NIGHTS).
    Moves the marks on; the problems are reported once (the notice is keyed by its text) and a
    changed old row is found again by each round of the re-check."""
    nights = recheck_nights or settings.ACCESS_LOG_RECHECK_NIGHTS
    head = AccessLogChain.objects.filter(municipality_id=chain).first()  # read first: the sealer moves it on
    after, after_hash = (head.verified_seq, head.verified_hash) if head else (0, "")
    if head is not None and head.seq < after:  # the head was moved back: the newest verified rows are gone
        new = ChainWalk(problems=[f"Række nr. {head.seq + 1}–{after} (de nyeste) er fjernet."])
    else:
        new = accesslog_chain_walk(chain, after=after, through=head.seq if head else None,
                                   prev_hash=after_hash if after else None)
        new.problems += _newest_problems(head, new, after, after_hash)
    if head is None:
        return new
    # The older rows, a slice a night, starting over at the chain's start after the last slice.
    first = (AccessLog.objects.of_chain(chain).sealed().filter(seq__lte=after).order_by("seq")
             .values_list("seq", flat=True).first())
    old = ChainWalk()
    if first is not None:
        start = head.rechecked_seq if first <= head.rechecked_seq < after else 0
        size = -(-(after - first + 1) // nights)
        through = min(after, max(start, first - 1) + size)
        anchor = (AccessLog.objects.of_chain(chain).filter(seq=start).values_list("hash", flat=True).first()
                  if start else None)
        old = accesslog_chain_walk(chain, after=start, through=through, prev_hash=anchor)
        if start and anchor is None:  # the row the last slice ended on
            old.problems.insert(0, f"Række nr. {start}–{start} er fjernet.")
        if (old.last_seq or start) < through:
            old.problems.append(f"Række nr. {(old.last_seq or start) + 1}–{through} er fjernet.")
        start = through if through < after else 0
        AccessLogChain.objects.filter(pk=head.pk).update(rechecked_seq=start)
    if new.last_seq is not None:
        AccessLogChain.objects.filter(pk=head.pk).update(verified_seq=new.last_seq, verified_hash=new.last_hash)
    problems = list(dict.fromkeys(new.problems + old.problems))
    return ChainWalk(problems=problems, last_seq=new.last_seq, last_hash=new.last_hash, rows=new.rows + old.rows)


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

    # Every chain with a head, and every municipality's even if its head row was removed (no
    # SELECT DISTINCT over the log: at national volume it holds billions of rows).
    chains = set(AccessLogChain.objects.values_list("municipality_id", flat=True))
    chains |= set(Municipality.objects.values_list("pk", flat=True)) | {0}
    findings = {}
    for chain in sorted(chains):
        problems = accesslog_chain_verify(chain).problems
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
