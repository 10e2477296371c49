"""Integrations: who may call the API, how external ids map to ours, files imported by hand, and
the outbox through which letters and frozen documents leave Haandguide."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from haandguide.lib.files import RandomName
from haandguide.models import Municipality


class Operation(models.TextChoices):
    """What a client may do; each API operation names the one it needs."""

    INSTITUTIONS = "institutions", "Institutioner"
    CHILDREN = "children", "Børn (indskrivning og ophør)"
    CUSTODY = "custody", "Forældremyndighed"
    MEMBERSHIPS = "memberships", "Medarbejdere og tilknytninger"


def _key_hash(secret: str) -> str:
    # The secret has 256 bits of entropy, so a plain sha256 is as good as a slow password hash
    # here, and lets every API call check its key in one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiClient(models.Model):
    """An integration platform (KMD Institution, IST, a municipal integration broker …) that calls
    the API for one municipality and for named operations. Its key is shown once when created or
    rotated; only its sha256 is kept. It is an actor (`Actor.client`), never a staff login."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="api_clients",
                                     verbose_name="kommune")
    name = models.CharField("navn", max_length=100)
    operations = models.JSONField("må", default=list, blank=True,
                                  help_text="De operationer klienten må kalde.")
    key_prefix = models.CharField("nøgle (begyndelse)", max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    active = models.BooleanField("aktiv", default=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now, editable=False)
    rotated_at = models.DateTimeField("nøgle skiftet", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("sidst brugt", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "integrationsklient"
        verbose_name_plural = "integrationsklienter"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="apiclient_unique_name")]

    def __str__(self) -> str:
        return self.name

    def new_key(self) -> str:
        """A fresh key (`hg_<prefix>_<secret>`); the caller shows it once. Not saved here."""
        self.key_prefix = secrets.token_hex(5)
        secret = secrets.token_urlsafe(32)
        self.key_hash = _key_hash(secret)
        return f"hg_{self.key_prefix}_{secret}"

    @classmethod
    def by_key(cls, key: str) -> ApiClient | None:
        parts = (key or "").split("_", 2)
        if len(parts) != 3 or parts[0] != "hg":
            return None
        client = cls.objects.filter(key_prefix=parts[1][:12], active=True).select_related("municipality").first()
        if client is None or not secrets.compare_digest(client.key_hash, _key_hash(parts[2])):
            return None
        return client

    def may(self, operation: str) -> bool:
        return operation in (self.operations or [])


class ExternalRef(models.Model):
    """An id in the municipality's own systems mapped to our row. Kept beside the organisation's
    tables (not a column on them) so the core models stay unaware of any integration."""

    class Kind(models.TextChoices):
        INSTITUTION = "institution", "Institution"
        CHILD = "child", "Barn"
        STAFF = "staff", "Medarbejder"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    external_id = models.CharField("eksternt id", max_length=64)
    object_id = models.BigIntegerField()

    class Meta:
        verbose_name = "eksternt id"
        verbose_name_plural = "eksterne id'er"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "external_id"], name="externalref_unique"),
            models.UniqueConstraint(fields=["municipality", "kind", "object_id"], name="externalref_unique_object"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"


class ImportFile(models.Model):
    """A CSV or Excel file the administrator imported, kept for the record with what it did."""

    class Status(models.TextChoices):
        PREVIEWED = "forhaandsvist", "Forhåndsvist"
        APPLIED = "anvendt", "Anvendt"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+",
                                     verbose_name="kommune")
    file = models.FileField("fil", upload_to=RandomName("imports"))
    original_name = models.CharField("filnavn", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="indlæst af")
    uploaded_at = models.DateTimeField("indlæst", default=timezone.now)
    status = models.CharField("status", max_length=15, choices=Status.choices, default=Status.PREVIEWED)
    applied_at = models.DateTimeField("anvendt", null=True, blank=True)
    report = models.JSONField("rapport", default=dict, blank=True)

    class Meta:
        verbose_name = "filimport"
        verbose_name_plural = "filimporter"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ChannelSetting(models.Model):
    """Which outbound channels a municipality uses, as data: letters to the parents (portal,
    e-mail notice, Digital Post) and the records system (ESDH) that frozen documents are filed to."""

    class Purpose(models.TextChoices):
        LETTER = "brev", "Breve til forældre"
        RECORDS = "journal", "Journalisering"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="channel_settings",
                                     verbose_name="kommune")
    purpose = models.CharField("formål", max_length=10, choices=Purpose.choices)
    channel = models.CharField("kanal", max_length=20)
    active = models.BooleanField("aktiv", default=True)
    folder = models.CharField("mappe", max_length=255, blank=True,
                              help_text="For Digital Post og mappe-journalisering: hvor filerne lægges. "
                                        "Tom: standardmappen under OUTBOX_ROOT.")
    sender_id = models.CharField("afsender-id (CVR/SE)", max_length=20, blank=True,
                                 help_text="Digital Post: kommunens CVR-nummer som afsender.")

    class Meta:
        verbose_name = "udgående kanal"
        verbose_name_plural = "udgående kanaler"
        ordering = ["purpose", "channel"]
        constraints = [models.UniqueConstraint(fields=["municipality", "purpose", "channel"],
                                               name="channelsetting_unique")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.channel}"


class OutboxItem(models.Model):
    """One document to one channel: a letter to the parents by Digital Post, a decision filed in
    the records system … Claimed by a worker under a row lock, sent with its `key` as the
    idempotency key the channel honours, marked sent; retried on failure."""

    class Status(models.TextChoices):
        PENDING = "afventer", "Afventer afsendelse"
        SENDING = "sendes", "Sendes"
        SENT = "sendt", "Sendt"
        FAILED = "fejlet", "Fejlet, prøves igen"
        GAVE_UP = "opgivet", "Opgivet efter gentagne fejl"

    class Document(models.TextChoices):
        LETTER = "brev", "Brev til forældrene"
        DECISION = "afgoerelse", "Afgørelse"
        PLAN = "handleplan", "Handleplan som sendt til distriktsrådet"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=ChannelSetting.Purpose.choices)
    channel = models.CharField("kanal", max_length=20)
    document = models.CharField("dokument", max_length=12, choices=Document.choices)
    document_id = models.BigIntegerField()
    child_id = models.BigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=100, unique=True)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("forsøg", default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField("sendt", null=True, blank=True)
    receipt = models.CharField("kvittering", max_length=255, blank=True)
    last_error = models.CharField("seneste fejl", max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "udgående forsendelse"
        verbose_name_plural = "udgående forsendelser"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created"),
                   models.Index(fields=["document", "document_id"], name="outbox_document")]

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.document_id} → {self.channel}"
