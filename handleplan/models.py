"""The individual handleplan – "fokuspunkter i Hjernen og Hjertet" (Haderslev, seeds/001).

One plan per case. The design, kept deliberately small:

- `Handleplan` is the row that is locked (`select_for_update`) by every change; `current` points
  at its latest `PlanVersion`.
- `PlanVersion` is the history: every change to the plan – its texts, an effort added or changed,
  an evaluation recorded – writes a new, immutable row holding the *complete* plan as JSON with a
  sha256 hash. Nothing is overwritten; the version list and the diff read only these rows.
- The texts (mål, tegn, barnets stemme, forældrenes perspektiv, period) live only in the
  versions: the current text is `plan.current.content["texts"]`.
- `Effort` and `Evaluation` are rows as well, because they need stable ids (an evaluation and a
  reminder point at an effort) and because the case's readiness rule and the reminder job query
  them. An effort's fields may change (next evaluation date, ended); each such change also writes a
  version, so its history is in the versions. Evaluations are append-only.
- `PlanSnapshot` freezes a plan as it was when it was sent to the district council.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case, CaseState
from haandguide.models import Municipality
from haandguide.lib.formats import date_da, datetime_da
from haandguide.lib.kept import kept

# The four statements that frame the child's voice (Tønnesvang 2015, Haderslev's Børne- og
# Ungepolitik). The keys are stored in the plan's JSON; the labels are shown.
VOICE_STATEMENTS = [
    ("se_mig", "Se mig, som den jeg er"),
    ("hoere_til", "Lad mig høre til ligesom dig"),
    ("udfordringer", "Giv mig passende udfordringer"),
    ("blive", "Vis mig hvem jeg kan blive"),
]

EMPTY_TEXTS: dict = {
    "period_start": None,
    "period_end": None,
    "goals_community": [],
    "goals_child": [],
    "signs": "",
    "voice": {key: "" for key, _ in VOICE_STATEMENTS},
    "parents": "",
}


def content_hash(content: dict) -> str:
    """sha256 of a canonical JSON form (sorted keys), so the hash survives a JSONB round trip."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Rækken kan ikke ændres: historikken overskrives aldrig.")

    def delete(self):
        raise PermissionError("Rækken kan ikke slettes: historikken overskrives aldrig.")

    # GDPR retention (handleplan/retention.py) is the one reason history is removed or blanked.
    def erase(self):
        return super().delete()

    def erase_text(self, **blank_fields):
        return super().update(**blank_fields)


class ImmutableModel(models.Model):
    """Rows that are written once. Deleting the case still cascades (GDPR erasure), because the
    collector deletes without going through these methods."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Rækken kan ikke ændres: historikken overskrives aldrig.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Rækken kan ikke slettes: historikken overskrives aldrig.")


class EffortCatalogueEntry(models.Model):
    """The municipality's table of efforts per level (Haderslev: seeds/001, "Pædagogiske
    indsatser"). Edited by an administrator; the plan copies the name, so renaming an entry never
    changes a plan already written."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="effort_catalogue",
                                     verbose_name="kommune")
    level = models.CharField("niveau", max_length=20, choices=CaseState.level_choices()[:2], default=CaseState.FOREBYGGENDE)
    name = models.CharField("indsats", max_length=120)
    description = models.CharField("beskrivelse", max_length=255, blank=True)
    active = models.BooleanField("aktiv", default=True)
    order = models.PositiveSmallIntegerField("rækkefølge", default=0)

    class Meta:
        verbose_name = "indsats i indsatskataloget"
        verbose_name_plural = "indsatskatalog"
        ordering = ["municipality", "level", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "level", "name"], name="effortcatalogue_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display().lower()})"


class Handleplan(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="handleplan", verbose_name="sag")
    current = models.ForeignKey("PlanVersion", on_delete=models.PROTECT, null=True, related_name="+",
                                verbose_name="gældende version")
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the parents' portal shows: the goals and signs only once the institution shares them.
    shared_with_parents = models.BooleanField("mål og tegn delt med forældre", default=False)

    class Meta:
        verbose_name = "handleplan"
        verbose_name_plural = "handleplaner"

    def __str__(self) -> str:
        return f"Handleplan for {self.case.child}"

    @property
    def child_id(self) -> int:
        return self.case.child_id

    @property
    def version(self) -> int:
        return self.current.number if self.current_id else 0

    @property
    def texts(self) -> dict:
        return {**EMPTY_TEXTS, **(self.current.content.get("texts", {}) if self.current_id else {})}


class ContentVersion(ImmutableModel):
    """One saved version of a plan: the whole plan as JSON with its sha256, written once. The
    child's `PlanVersion` and the learning community's (community.GroupPlanVersion) are these."""

    number = models.PositiveIntegerField("version")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="gemt af")
    created_at = models.DateTimeField("gemt", default=timezone.now)
    summary = models.CharField("ændring", max_length=255, blank=True)
    content = models.JSONField("indhold")
    content_hash = models.CharField(max_length=64)

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Version {self.number}"

    @property
    def author_name(self) -> str:
        """Who saved it, as staff see it."""
        return str(self.author)

    def save(self, *args, **kwargs):
        self.content_hash = content_hash(self.content)
        super().save(*args, **kwargs)


class PlanVersion(ContentVersion):
    plan = models.ForeignKey(Handleplan, on_delete=models.CASCADE, related_name="versions")
    # A version the parents wrote in the portal (their perspective) has a custodian, not a staff author.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="gemt af", null=True, blank=True)
    author_guardian = models.ForeignKey("haandguide.Guardian", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name="skrevet af forælder")

    @property
    def author_name(self) -> str:
        """Who saved it, as staff see it: the staff member, or the custodian who wrote in the portal."""
        if self.author_guardian_id:
            return f"{self.author_guardian} via forældreportalen"
        return str(self.author) if self.author_id else "forælder (slettet)"

    class Meta(ContentVersion.Meta):
        verbose_name = "version af handleplan"
        verbose_name_plural = "versioner af handleplaner"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number")]


class FrozenPlan(ImmutableModel):
    """A plan frozen as it was sent: the child's `PlanSnapshot` and the learning community's
    (community.GroupPlanSnapshot) are these, so the plan sections partial reads both alike. The
    hash is taken once, when the row is written."""

    purpose = models.CharField("formål", max_length=150, blank=True)
    content = models.JSONField("indhold")
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("frosset", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.content_hash = content_hash(self.content)
        super().save(*args, **kwargs)

    def verify(self) -> bool:
        """True if the stored content still has the hash it was frozen with."""
        return content_hash(self.content) == self.content_hash

    @property
    def efforts_for_display(self) -> list[dict]:
        """The frozen efforts for a page, shaped like `Effort` rows for the plan partial the plan
        page shares: the JSON keeps codes and ISO dates, a reader wants "ikke nået" and a date."""
        results, levels = dict(Evaluation.Result.choices), dict(CaseState.level_choices())
        parse = lambda value: datetime.date.fromisoformat(value) if value else None  # noqa: E731
        efforts = []
        for effort in self.content.get("efforts", []):
            evaluations = [{**ev, "evaluated_on": parse(ev.get("evaluated_on")),
                            "result_label": results.get(ev.get("result"), ev.get("result"))}
                           for ev in effort.get("evaluations", [])]
            efforts.append({
                **effort, "level_label": levels.get(effort.get("level"), effort.get("level")),
                "started_on": parse(effort.get("started_on")), "evaluation_date": parse(effort.get("evaluation_date")),
                "ended_on": parse(effort.get("ended_on")), "is_active": not effort.get("ended_on"),
                "evaluations": evaluations, "evaluation_list": evaluations,
            })
        return efforts

    @property
    def effort_groups(self) -> list[dict]:
        from handleplan.levels import effort_groups

        return effort_groups(self.efforts_for_display, self.content.get("case_level", ""))

    @property
    def period_for_display(self) -> dict:
        from handleplan.formdata import period  # it imports these models

        return period(self.content.get("texts", {}))

    @property
    def voice_for_display(self) -> list[tuple[str, str]]:
        voice = self.content.get("texts", {}).get("voice", {})
        return [(label, voice.get(key, "")) for key, label in VOICE_STATEMENTS]


class PlanSnapshot(FrozenPlan):
    """The plan frozen as it was when it was sent (guide: "a plan sent to the district council is
    frozen as it was when sent"). `content` also names the child and institution at that time."""

    plan = models.ForeignKey(Handleplan, on_delete=models.CASCADE, related_name="snapshots")
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="snapshots")

    class Meta(FrozenPlan.Meta):
        verbose_name = "frosset handleplan"
        verbose_name_plural = "frosne handleplaner"

    def __str__(self) -> str:
        return f"Handleplan frosset {datetime_da(self.created_at)}"


class Effort(models.Model):
    """An effort (indsats/tiltag) in the plan. `level` is the case's level when it was added."""

    plan = models.ForeignKey(Handleplan, on_delete=models.CASCADE, related_name="efforts")
    catalogue = models.ForeignKey(EffortCatalogueEntry, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="fra kataloget")
    name = models.CharField("indsats", max_length=120)
    level = models.CharField("niveau", max_length=20, choices=CaseState.level_choices())
    description = models.TextField("beskrivelse", blank=True)
    carried_out_by = models.CharField("udføres af", max_length=255, blank=True)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="ansvarlig")
    started_on = models.DateField("start", default=timezone.localdate)
    evaluation_date = models.DateField("næste evaluering", null=True, blank=True)
    ended_on = models.DateField("afsluttet", null=True, blank=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    # The parents' portal shows the effort and its evaluations only when shared.
    shared_with_parents = models.BooleanField("delt med forældre", default=False)
    # The evaluation reminder job's mark: the evaluation date it last reminded of, and whether as
    # overdue. A daily run skips the efforts already reminded in SQL, so a run with nothing new
    # reads no effort at all (handleplan/reminders.py).
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    reminded_overdue = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = "indsats"
        verbose_name_plural = "indsatser"
        ordering = ["started_on", "pk"]
        indexes = [models.Index(fields=["evaluation_date"], name="effort_evaluation_date")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def evaluation_list(self) -> list:
        """The evaluations (prefetched), named like a frozen effort's for the shared plan partial."""
        return list(self.evaluations.all())

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_active and self.evaluation_date is not None and self.evaluation_date < today


class Evaluation(ImmutableModel):
    class Result(models.TextChoices):
        REACHED = "naaet", "Nået"
        PARTLY = "delvist", "Delvist nået"
        NOT_REACHED = "ikke_naaet", "Ikke nået"

    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_on = models.DateField("evalueret", default=timezone.localdate)
    planned_for = models.DateField("planlagt til", null=True, blank=True)
    result = models.CharField("resultat", max_length=12, choices=Result.choices)
    seen = models.TextField("hvad så vi")
    next_step = models.TextField("næste skridt", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "evaluering"
        verbose_name_plural = "evalueringer"
        ordering = ["evaluated_on", "pk"]

    def __str__(self) -> str:
        return f"Evaluering {date_da(self.evaluated_on)}: {self.get_result_display()}"

    @property
    def result_label(self) -> str:
        return self.get_result_display()


class ReadinessRule(models.Model):
    """What the handleplan must hold before a level counts as described and evaluated (the case
    moves up, the council assesses), per municipality and level. Seeded from the profile
    (Haderslev: goals with signs; every effort described, with who carries it out, an evaluation
    date and an evaluation; the child's voice and the parents' perspective written), edited by the
    administrator. Goals and at least one evaluated effort are always required: that is the
    guide's rule itself ("beskrevet og evalueret"); the rest is the municipality's choice."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="readiness_rules",
                                     verbose_name="kommune")
    level = models.CharField("niveau", max_length=20, choices=CaseState.level_choices()[:2], default=CaseState.FOREBYGGENDE)
    require_signs = models.BooleanField("tegn på at målene nås", default=True)
    require_voice = models.BooleanField("barnets stemme", default=True,
                                        help_text="Mindst ét af de fire udsagn er beskrevet.")
    require_parents = models.BooleanField("forældrenes perspektiv", default=True)
    require_effort_description = models.BooleanField("hver indsats er beskrevet", default=True)
    require_effort_carried_out_by = models.BooleanField(
        "hver indsats har en, der udfører den", default=True, help_text="Udføres af eller en ansvarlig.")
    require_effort_evaluation_date = models.BooleanField("hver indsats har en evalueringsdato", default=True)

    class Meta:
        verbose_name = "krav før niveauskift"
        verbose_name_plural = "krav før niveauskift"
        ordering = ["municipality", "level"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "level"], name="readinessrule_unique_level"),
        ]

    def __str__(self) -> str:
        return f"Krav på {self.get_level_display().lower()} niveau"

    @classmethod
    def for_level(cls, municipality_id: int, level: str) -> "ReadinessRule":
        """The municipality's rule for the level; without one, Haderslev's (every field's default).
        The rules are kept between requests until one is edited (haandguide.lib.kept)."""
        rules = kept("readiness_rules", municipality_id,
                     lambda: {rule.level: rule for rule in cls.objects.filter(municipality_id=municipality_id)})
        return rules.get(level) or cls(municipality_id=municipality_id, level=level)
