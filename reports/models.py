"""A statistics report as a stored PDF: requested on the page, built by a Celery task.

Only aggregates are stored (no names, no CPR numbers); the PDF is frozen with its sha256 so the
figures handed to the municipality's politicians can be shown to be the ones generated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from haandguide.models import District, Institution, Municipality


class ScopeKind(models.TextChoices):
    MUNICIPALITY = "kommune", "Kommune"
    DISTRICT = "distrikt", "Distrikt"
    INSTITUTION = "institution", "Institution"


class Report(models.Model):
    class Status(models.TextChoices):
        PENDING = "afventer", "Afventer"
        RUNNING = "koerer", "Dannes"
        DONE = "faerdig", "Færdig"
        FAILED = "fejlet", "Fejlet"

    scope_kind = models.CharField("område", max_length=12, choices=ScopeKind.choices)
    # The municipality is always set (it is the scope, or the scope's municipality), so reports can
    # be listed per municipality; district/institution narrow the scope.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+", verbose_name="kommune")
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="distrikt")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name="institution")
    period_start = models.DateField("periode fra")
    period_end = models.DateField("periode til")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="bestilt af")
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("fremdrift (%)", default=0)
    error = models.CharField("fejl", max_length=255, blank=True)
    pdf = models.BinaryField("PDF", null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField("bestilt", default=timezone.now)
    started_at = models.DateTimeField("startet", null=True, blank=True)
    finished_at = models.DateTimeField("færdig", null=True, blank=True)

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapporter"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "scope_kind", "status", "-created_at"], name="report_scope")]

    def __str__(self) -> str:
        return f"Statistik {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y} ({self.get_status_display()})"

    @property
    def scope_pk(self) -> int:
        if self.scope_kind == ScopeKind.INSTITUTION:
            return self.institution_id
        if self.scope_kind == ScopeKind.DISTRICT:
            return self.district_id
        return self.municipality_id

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def filename(self) -> str:
        return f"statistik-{self.scope_kind}-{self.scope_pk}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}.pdf"
