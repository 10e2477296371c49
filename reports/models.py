"""A statistics report as a stored PDF: requested on the page, built by a Celery task.

Only aggregates are stored (no names, no CPR numbers); the PDF is frozen with its sha256 so the
figures handed to the municipality's politicians can be shown to be the ones generated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from haandguide.models import District, Institution, Municipality
from haandguide.lib.formats import date_da


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
        return f"Statistik {date_da(self.period_start)}–{date_da(self.period_end)} ({self.get_status_display()})"

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


class Measure(models.Model):
    """One of the municipality's own measures on the statistics page, beside the common figures.

    Which measures a municipality has is data (seeded from its profile, edited by its
    administrator); `kind` names the computation in `reports.selectors.measure_figures`.
    """

    class Kind(models.TextChoices):
        YELLOW_BRIEF = "yellow_brief", "Kort tid i gul position (antal dage)"
        PREVENTIVE_VS_INTERVENING = "preventive_vs_intervening", "Forebyggende frem for indgribende (udvikling)"
        MEETINGS_OF_TYPE = "meetings_of_type", "Møder af en type pr. måned"
        OPEN_COUNSELLING = "open_counselling", "Åben rådgivning og familiegrupper"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="measures",
                                     verbose_name="kommune")
    kind = models.CharField("beregning", max_length=30, choices=Kind.choices)
    title = models.CharField("titel", max_length=150)
    description = models.TextField("beskrivelse", blank=True)
    threshold_days = models.PositiveSmallIntegerField(
        "grænse (dage)", null=True, blank=True, help_text="Kort tid i gul position: højst så mange dage.")
    meeting_type = models.ForeignKey("cases.MeetingType", on_delete=models.PROTECT, null=True, blank=True,
                                     verbose_name="mødetype", help_text="Møder af en type: hvilken.")
    order = models.PositiveSmallIntegerField("rækkefølge", default=0)
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "kommunens mål"
        verbose_name_plural = "kommunens mål"
        ordering = ["municipality", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["municipality", "title"], name="measure_unique_title")]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.YELLOW_BRIEF and not self.threshold_days:
            raise ValidationError({"threshold_days": "Angiv grænsen i dage."})
        if self.kind == self.Kind.MEETINGS_OF_TYPE:
            if not self.meeting_type_id:
                raise ValidationError({"meeting_type": "Vælg mødetypen."})
            if self.meeting_type.municipality_id != self.municipality_id:
                raise ValidationError({"meeting_type": "Mødetypen hører til en anden kommune."})


# --- the statistics' running figures (reports.aggregates keeps them; never edited by hand) --------


class MonthFigure(models.Model):
    """A count kept per calendar month for an institution, and summed upward for its district and
    its municipality (`kind`, `scope_pk`: the same scope as the statistics page's), kept by
    `reports.aggregates` from the source rows in the same transaction as the change. A page reads
    the few rows of its own scope, never the events. `figure` says what is counted:

    - "level": ladder events; `source` the case's level before (the previous ladder event's
      to_state), `target` after. Cases at a level at a month's end are the running sum of
      +target / −source up to that month.
    - "opened", "reopened", "up", "down", "closed": the moves shown on the page, `source` → `target`
      as recorded on the event; `returned` the closed cases that returned to the general environment.
    - "evaluation": evaluations done in the month, `source` on_time / late / unplanned.
    - "refleval", "topirunde": reflective evaluations and TOPI rounds held in the month;
      "topi": joint TOPI ratings given in the month's rounds, `source` the position.
    """

    kind = models.CharField(max_length=12, choices=ScopeKind.choices)
    scope_pk = models.IntegerField()
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    figure = models.CharField(max_length=12)
    source = models.CharField(max_length=20, blank=True)
    target = models.CharField(max_length=20, blank=True)
    count = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "scope_pk", "month", "figure", "source", "target"],
                                               name="monthfigure_unique")]
        indexes = [models.Index(fields=["municipality", "kind"], name="monthfigure_municipality")]


class _Placed(models.Model):
    """Where a kept row counts: the child's institution, with its district and municipality copied
    so that a scope's filter needs no join."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class LevelStay(_Placed):
    """A case's time at one level: from a ladder event to the case's next one (open: `ended_at`
    null). The durations are quartiles over these rows, so no window over all events is needed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)
    days = models.FloatField(null=True)  # ended_at − started_at, for the quartiles' sort

    class Meta:
        # By scope, level and end, then the days: the quartiles read the index alone, in level order.
        indexes = [models.Index(fields=["municipality", "level", "ended_at", "days"],
                                name="levelstay_municipality"),
                   models.Index(fields=["district", "level", "ended_at", "days"], name="levelstay_district"),
                   models.Index(fields=["institution", "level", "ended_at", "days"],
                                name="levelstay_institution"),
                   models.Index(fields=["case"], name="levelstay_case")]


class YellowRun(_Placed):
    """A run of a child's yellow TOPI positions: from the first yellow observation to the next
    observation with another position (open: `ended_on` null)."""

    child = models.ForeignKey("haandguide.Child", on_delete=models.CASCADE, related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "ended_on", "started_on"], name="yellowrun_municipality"),
                   models.Index(fields=["district", "ended_on", "started_on"], name="yellowrun_district"),
                   models.Index(fields=["institution", "ended_on", "started_on"], name="yellowrun_institution"),
                   models.Index(fields=["child"], name="yellowrun_child")]


class EffortDue(_Placed):
    """An effort's next evaluation date and the first evaluation on or after it: whether the
    evaluation was overdue on any day is a filter on this row alone (no join up to the
    institution, no search among the evaluations)."""

    effort = models.OneToOneField("handleplan.Effort", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    started_on = models.DateField()
    ended_on = models.DateField(null=True)
    evaluated_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "due_on", "started_on", "ended_on", "evaluated_on"],
                                name="effortdue_municipality"),
                   models.Index(fields=["district", "due_on", "started_on", "ended_on", "evaluated_on"],
                                name="effortdue_district"),
                   models.Index(fields=["institution", "due_on"], name="effortdue_institution")]


class DirtyMonth(models.Model):
    """An institution's month whose figures a write that bypassed the signals (bulk_create,
    QuerySet.update) may have made stale; the warm-up job rebuilds it (`month` null: all months)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(null=True)
    marked_at = models.DateTimeField(default=timezone.now)
