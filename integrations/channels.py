"""The adapter boundary: one class per outbound channel. An adapter gets the outbox item (whose
`key` is the idempotency key) and the document, delivers it, and returns a receipt. It must be
safe to call again with the same key after a worker died mid-send: the folder adapters find the
file already written under the key and deliver nothing twice; the portal's publishing runs in the
outbox transaction, so it commits together with "sent" or not at all.

Channels (registered by name, chosen per municipality in `ChannelSetting`):
- letters to the parents: `portal` (the parents' portal; wired to `portal.services.publish_letter`),
  `email` (a notice that a letter is waiting, never its content), `digital_post` (a MeMo message
  written to a folder that the municipality's Digital Post gateway collects);
- the records system (journalisering): `folder` (the document and a metadata JSON in a folder that
  the ESDH's import (SBSYS, Acadré, KMD Nova) collects).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from haandguide import roles

MEMO_NS = "https://DigitalPost.dk/MeMo-1"


class ChannelError(Exception):
    """A delivery failed in a way a retry may fix (the folder is not mounted, the mail server is down)."""


class Permanent(ChannelError):
    """A delivery that can never succeed (no recipient); not retried."""


def message_uuid(key: str) -> str:
    # The same key always gives the same MessageUUID, which Digital Post refuses to deliver twice.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"haandguide:{key}"))


def _folder(setting, default: str) -> Path:
    folder = Path(setting.folder) if setting is not None and setting.folder else Path(settings.OUTBOX_ROOT) / default
    return folder


def _write_once(target: Path, write) -> bool:
    """Write `target` atomically (a temporary file or folder renamed into place) unless it exists.
    Returns False if it was already there: the earlier attempt delivered it."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        write(tmp)
        payload = tmp / target.name if (tmp / target.name).is_file() else tmp
        os.replace(payload, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


class Channel:
    name = ""
    label = ""
    purpose = ""

    def send(self, item, doc, *, actor, setting=None) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class EmailChannel(Channel):
    """A notice to each custodian with an e-mail address that a letter is waiting (in Digital Post or
    the portal). Never the letter or the decision itself, nor the child's name (an e-mail is not a
    secure channel). The Message-ID is the idempotency key, so a mail journal can drop a repeat."""

    name, label, purpose = "email", "E-mail (besked om brev)", "brev"

    def send(self, item, doc, *, actor, setting=None) -> str:
        if doc.child is None:
            raise Permanent("Brevet angår ikke ét barn; ingen forældre at give besked.")
        to = sorted({g.email for g in roles.custodians_of(doc.child) if g.email})
        if not to:
            return "Ingen forældre med forældremyndighed og e-mail"
        message = EmailMessage(
            subject=f"Brev fra {doc.municipality.name} om dit barn",
            body=(f"{doc.municipality.name} har sendt dig et brev om dit barn i dagtilbud.\n\n"
                  "Du kan læse brevet i Digital Post eller i forældreportalen.\n\n"
                  "Denne e-mail indeholder ikke brevets indhold. Du kan ikke svare på den."),
            to=to, headers={"Message-ID": f"<{item.key}@haandguide>"})
        try:
            message.send()
        except OSError as error:
            raise ChannelError(f"Mailserveren svarede ikke: {error}") from None
        return f"E-mail sendt til {len(to)} modtager(e)"


def memo_xml(item, doc, sender_id: str) -> str:
    """The letter as a MeMo 1.x message (Digitaliseringsstyrelsen's message format for Digital
    Post): header with a MessageUUID derived from the idempotency key, the municipality as sender
    (CVR), the child as recipient (CPR: Digital Post delivers a child's post to the custodians),
    and the PDF as the main document."""
    now = timezone.now().replace(microsecond=0).isoformat()
    content = base64.b64encode(doc.pdf).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<memo:Message xmlns:memo="{MEMO_NS}" memoVersion="1.1" memoSchVersion="1.1.0">
  <memo:MessageHeader>
    <memo:messageType>DIGITALPOST</memo:messageType>
    <memo:messageUUID>{message_uuid(item.key)}</memo:messageUUID>
    <memo:messageID>{escape(item.key)}</memo:messageID>
    <memo:label>{escape(doc.title)}</memo:label>
    <memo:mandatory>false</memo:mandatory>
    <memo:legalNotification>false</memo:legalNotification>
    <memo:Sender>
      <memo:senderID>{escape(sender_id)}</memo:senderID>
      <memo:idType>CVR</memo:idType>
      <memo:label>{escape(doc.municipality.name)}</memo:label>
    </memo:Sender>
    <memo:Recipient>
      <memo:recipientID>{escape(doc.child.cpr or "")}</memo:recipientID>
      <memo:idType>CPR</memo:idType>
    </memo:Recipient>
  </memo:MessageHeader>
  <memo:MessageBody>
    <memo:createdDateTime>{now}</memo:createdDateTime>
    <memo:MainDocument>
      <memo:mainDocumentID>{escape(item.key)}</memo:mainDocumentID>
      <memo:label>{escape(doc.title)}</memo:label>
      <memo:File>
        <memo:encodingFormat>application/pdf</memo:encodingFormat>
        <memo:filename>{escape(doc.filename)}</memo:filename>
        <memo:language>da</memo:language>
        <memo:content>{content}</memo:content>
      </memo:File>
    </memo:MainDocument>
  </memo:MessageBody>
</memo:Message>
"""


class DigitalPostChannel(Channel):
    """Digital Post through the municipality's gateway (e.g. KOMBIT's Beskedfordeler/SF1601, or a
    print-and-post provider's folder): Haandguide writes one MeMo file per letter, named by the
    idempotency key, into the configured folder; the gateway collects it."""

    name, label, purpose = "digital_post", "Digital Post (MeMo-fil)", "brev"

    def send(self, item, doc, *, actor, setting=None) -> str:
        if doc.child is None or not doc.child.cpr:
            raise Permanent("Brevet har intet barn med CPR-nummer at sende til.")
        sender = setting.sender_id if setting is not None and setting.sender_id else ""
        if not sender:
            raise Permanent("Kommunen har ikke angivet sit CVR-nummer som afsender (udgående kanaler).")
        target = _folder(setting, "digital_post") / f"{item.key}.xml"
        xml = memo_xml(item, doc, sender)
        written = _write_once(target, lambda tmp: (tmp / target.name).write_text(xml, encoding="utf-8"))
        return f"MeMo {message_uuid(item.key)}" + ("" if written else " (fandtes allerede)")


class PortalChannel(Channel):
    """The parents' portal: the letter is published there and the custodians are told by e-mail
    that a letter is waiting (both done by the portal's own service). Runs inside the outbox
    transaction, so publishing commits together with "sent"."""

    name, label, purpose = "portal", "Forældreportalen", "brev"

    def send(self, item, doc, *, actor, setting=None) -> str:
        from haandguide.exceptions import Refused
        from portal.services import publish_letter  # the parents' portal (issue 18)

        try:
            publish_letter(doc.obj, actor=actor)
        except Refused as refused:
            if refused.code == "letter_published":  # a leader published it already: delivered
                return "Lå allerede i forældreportalen"
            raise Permanent(refused.reason) from None
        return "Lagt i forældreportalen"


class FolderRecordsChannel(Channel):
    """Journalisering by folder drop, the default adapter for any ESDH: a folder per document,
    named by the idempotency key, holding the document and `metadata.json` (what it is, the
    child's CPR as the case party, dates, sha256), renamed into place in one step so the
    ESDH's import never sees half a document."""

    name, label, purpose = "folder", "Journalisering: mappe med metadata", "journal"

    def send(self, item, doc, *, actor, setting=None) -> str:
        target = _folder(setting, "records") / item.key

        def write(tmp: Path) -> None:
            (tmp / doc.filename).write_bytes(doc.pdf if doc.pdf is not None else doc.json.encode())
            (tmp / "metadata.json").write_text(json.dumps(doc.metadata(item), ensure_ascii=False, indent=2),
                                               encoding="utf-8")

        written = _write_once(target, write)
        return f"Lagt i {target.name}" + ("" if written else " (fandtes allerede)")


CHANNELS: dict[str, Channel] = {c.name: c for c in (EmailChannel(), DigitalPostChannel(), PortalChannel(),
                                                     FolderRecordsChannel())}


def choices(purpose: str) -> list[tuple[str, str]]:
    return [(c.name, c.label) for c in CHANNELS.values() if c.purpose == purpose]
