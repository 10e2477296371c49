"""The outbox: letters to the parents and frozen documents to the records system leave through
one pattern. A row per document per channel (`OutboxItem`, unique `key`) is written in the same
transaction as the document; a Celery task sends it after the commit; a periodic sweep picks up
anything whose task was lost.

Exactly once: `outbox_send` claims the row with `SELECT … FOR UPDATE SKIP LOCKED` and keeps the
lock while the channel delivers, then marks it sent in the same transaction. A second worker skips
the locked row; a worker that dies mid-send releases the lock with its connection and its
transaction rolls back, so the row is pending again, and the retry hands the channel the same
`key`, which the channel honours (a file already written under the key is not written again; see
channels.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from integrations.channels import CHANNELS, ChannelError, Permanent
from integrations.models import ChannelSetting, OutboxItem

MAX_ATTEMPTS = 8
Status = OutboxItem.Status
Document = OutboxItem.Document


@dataclass
class Doc:
    """A document as the channels see it."""

    kind: str
    obj: object
    child: object
    municipality: object
    title: str
    filename: str
    pdf: bytes | None = None
    json: str | None = None
    created_at: object = None

    def metadata(self, item) -> dict:
        body = self.pdf if self.pdf is not None else (self.json or "").encode()
        return {"dokumenttype": self.kind, "titel": self.title, "fil": self.filename,
                "sha256": hashlib.sha256(body).hexdigest(), "oprettet": self.created_at.isoformat(),
                "kommune": self.municipality.name, "institution": getattr(self.institution, "name", ""),
                "part_cpr": getattr(self.child, "cpr", None) or "", "haandguide_id": self.obj.pk,
                "idempotensnoegle": item.key}

    @property
    def institution(self):
        return getattr(self.child, "institution", None) or getattr(self.obj, "institution", None)


def load(document: str, document_id: int) -> Doc:
    """The document behind an outbox row, read when it is sent (so the row stays small)."""
    if document == Document.LETTER:
        from districtcouncil.models import Letter

        letter = Letter.objects.select_related("decision__child__institution",
                                               "decision__institution__district__municipality").get(pk=document_id)
        decision = letter.decision
        return Doc(document, letter, decision.child, decision.institution.district.municipality,
                   letter.get_kind_display(), f"brev-{letter.pk}.pdf", pdf=bytes(letter.pdf),
                   created_at=letter.created_at)
    if document == Document.DECISION:
        from districtcouncil.models import Decision

        decision = Decision.objects.select_related("child__institution", "resource_type",
                                                   "institution__district__municipality").get(pk=document_id)
        content = {"afgoerelse": decision.pk, "grundlag": decision.get_basis_display(),
                   "ressource": str(decision.resource_type), "beloeb_kr": str(decision.amount_dkk or ""),
                   "timer": str(decision.hours or ""), "periode_fra": decision.period_start.isoformat(),
                   "periode_til": decision.period_end.isoformat(), "maal": decision.goals,
                   "opfoelgning": decision.follow_up_on.isoformat(), "begrundelse": decision.notes,
                   "afgjort": decision.decided_at.isoformat()}
        return Doc(document, decision, decision.child, decision.institution.district.municipality,
                   f"Afgørelse: {decision.resource_type}", f"afgoerelse-{decision.pk}.json",
                   json=json.dumps(content, ensure_ascii=False, indent=2), created_at=decision.decided_at)
    from handleplan.models import PlanSnapshot

    snapshot = PlanSnapshot.objects.select_related("plan__case__child__institution__district__municipality").get(
        pk=document_id)
    child = snapshot.plan.case.child
    return Doc(document, snapshot, child, child.institution.district.municipality,
               "Handleplan som sendt til distriktsrådet", f"handleplan-{snapshot.pk}.json",
               json=json.dumps({"sha256": snapshot.content_hash, "indhold": snapshot.content},
                               ensure_ascii=False, indent=2, default=str), created_at=snapshot.created_at)


def outbox_enqueue(document: str, document_id: int, *, municipality_id: int, child_id: int | None) -> list[OutboxItem]:
    """A row for each active channel of the municipality that carries this kind of document
    (letters: the letter channels; every frozen document: the records system). Idempotent."""
    purposes = [ChannelSetting.Purpose.RECORDS] + ([ChannelSetting.Purpose.LETTER] if document == Document.LETTER else [])
    items = []
    for setting in ChannelSetting.objects.filter(municipality_id=municipality_id, purpose__in=purposes, active=True):
        item, _ = OutboxItem.objects.get_or_create(
            key=f"{document}-{document_id}-{setting.purpose}-{setting.channel}",
            defaults={"municipality_id": municipality_id, "purpose": setting.purpose, "channel": setting.channel,
                      "document": document, "document_id": document_id, "child_id": child_id})
        items.append(item)
    if items:
        from haandguide.lib.queue import enqueue
        from integrations.tasks import send_outbox_item

        for item in items:
            enqueue(send_outbox_item, item.pk)
    return items


def outbox_send(item_id: int, *, actor: Actor) -> str | None:
    """Deliver one outbox row through its channel, at most once at a time and exactly once in
    the end. Returns the row's status afterwards, or None if another worker holds it or it is done."""
    with transaction.atomic():
        item = (OutboxItem.objects.select_for_update(skip_locked=True)
                .filter(pk=item_id, status__in=[Status.PENDING, Status.FAILED]).first())
        if item is None:
            return None
        channel = CHANNELS.get(item.channel)
        setting = ChannelSetting.objects.filter(municipality_id=item.municipality_id, purpose=item.purpose,
                                                channel=item.channel).first()
        item.attempts += 1
        try:
            if channel is None:
                raise Permanent(f"Kanalen «{item.channel}» findes ikke.")
            doc = load(item.document, item.document_id)
            # The lock is held across the delivery on purpose: see the module's docstring.
            receipt = channel.send(item, doc, actor=actor, setting=setting)
        except ChannelError as error:
            item.last_error = str(error)[:255]
            item.status = Status.GAVE_UP if isinstance(error, Permanent) or item.attempts >= MAX_ATTEMPTS else Status.FAILED
            item.save(update_fields=["attempts", "last_error", "status"])
            log_access(actor, Action.REFUSED, object_type=f"udgaaende:{item.document}", object_id=item.document_id,
                       child_id=item.child_id, municipality_id=item.municipality_id,
                       detail=f"{channel.label if channel else item.channel}: {item.last_error}")
            return item.status
        item.status, item.sent_at, item.receipt, item.last_error = Status.SENT, timezone.now(), receipt[:255], ""
        item.save(update_fields=["attempts", "status", "sent_at", "receipt", "last_error"])
        log_access(actor, Action.EXPORT, object_type=f"udgaaende:{item.document}", object_id=item.document_id,
                   child_id=item.child_id, municipality_id=item.municipality_id,
                   detail=f"{doc.title} sendt via {channel.label}: {receipt}")
        return item.status


def outbox_send_due(*, actor: Actor, limit: int = 500) -> int:
    """The sweep: every pending or failed row (a lost task message, a retry after an outage)."""
    ids = list(OutboxItem.objects.filter(status__in=[Status.PENDING, Status.FAILED])
               .order_by("created_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if outbox_send(pk, actor=actor) == Status.SENT)


def deliveries_of_letters(letter_ids: list[int]) -> dict[int, list[OutboxItem]]:
    """Each letter's outbox rows (letter channels and the records system), for the letter's page."""
    result: dict[int, list[OutboxItem]] = {}
    for item in OutboxItem.objects.filter(document=Document.LETTER, document_id__in=letter_ids).order_by("pk"):
        item.channel_label = CHANNELS[item.channel].label if item.channel in CHANNELS else item.channel
        result.setdefault(item.document_id, []).append(item)
    return result


# --- what is filed: the frozen documents, as they are created ------------------------------------------


def _on_letter(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        decision = instance.decision
        outbox_enqueue(Document.LETTER, instance.pk, municipality_id=decision.institution.district.municipality_id,
                       child_id=decision.child_id)


def _on_decision(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        outbox_enqueue(Document.DECISION, instance.pk,
                       municipality_id=instance.institution.district.municipality_id, child_id=instance.child_id)


def _on_snapshot(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        child = instance.plan.case.child
        outbox_enqueue(Document.PLAN, instance.pk, municipality_id=child.institution.district.municipality_id,
                       child_id=child.pk)


def connect() -> None:
    from districtcouncil import delivery
    from districtcouncil.models import Decision, Letter
    from handleplan.models import PlanSnapshot

    post_save.connect(_on_letter, sender=Letter, dispatch_uid="outbox_letter")
    post_save.connect(_on_decision, sender=Decision, dispatch_uid="outbox_decision")
    post_save.connect(_on_snapshot, sender=PlanSnapshot, dispatch_uid="outbox_snapshot")
    delivery.register(deliveries_of_letters)
