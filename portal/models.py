"""The parents' portal: sign-in links, the municipality's portal settings, letters published to the
portal and their read receipts. Consent (cases), approvals of a submission (districtcouncil) and the
parents' perspective (a handleplan version) live with what they belong to; the portal writes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from districtcouncil.models import Letter
from haandguide.models import Guardian, Municipality


class PortalSettings(models.Model):
    """What a municipality decides about its portal (edited by its administrator)."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="portal_settings")
    show_staff_names = models.BooleanField(
        "vis medarbejdernes navne i indsigten", default=False,
        help_text="Ellers ser forældrene kun medarbejdernes rolle (fx «Pædagog») i oversigten over, "
                  "hvem der har set barnets oplysninger.")

    class Meta:
        verbose_name = "indstilling for forældreportalen"
        verbose_name_plural = "indstillinger for forældreportalen"

    def __str__(self) -> str:
        return f"Forældreportalen i {self.municipality}"


class SignInLink(models.Model):
    """A one-time sign-in link sent by e-mail (the embedded default; production signs in through
    the municipality's citizen login). Only the token's sha256 is stored, so the table holds no
    usable link; valid `LINK_MINUTES`, used once."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "login-link til forældreportalen"
        verbose_name_plural = "login-links til forældreportalen"

    @property
    def child_id(self):
        return self.guardian.child_id


class LetterDelivery(models.Model):
    """A letter made visible in the portal to the child's custodians (`services.publish_letter`)."""

    letter = models.OneToOneField(Letter, on_delete=models.CASCADE, related_name="portal_delivery")
    published_at = models.DateTimeField("lagt i forældreportalen", default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="lagt af")

    class Meta:
        verbose_name = "brev i forældreportalen"
        verbose_name_plural = "breve i forældreportalen"


class LetterReceipt(models.Model):
    """Who read a letter in the portal, and when it was first opened (the leader's read receipt)."""

    delivery = models.ForeignKey(LetterDelivery, on_delete=models.CASCADE, related_name="receipts")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+", verbose_name="forælder")
    read_at = models.DateTimeField("læst", default=timezone.now)

    class Meta:
        verbose_name = "kvittering for læst brev"
        verbose_name_plural = "kvitteringer for læste breve"
        ordering = ["read_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["delivery", "guardian"], name="one_receipt_per_guardian")]
