"""The learning community first (issue 20; the guide's "fokus på fællesskabet fremfor individet").

- `ChildGroup`: a group (stue) of an institution and the children in it.
- `GroupPlan`: the learning community's mål- og indsatsplan, versioned and frozen with the child's
  handleplan's own machinery (`handleplan.models.ImmutableModel`, `content_hash`, `FrozenPlan`, the
  plan sections partial), so the council reads a group's plan as it reads a child's.
- `TopiRound` / `TopiRating`: screening rounds; at least two staff rate each child independently
  before the joint rating (DOMAIN.md, "Practice around TOPI").
- `ReflectiveEvaluation`: the institution's evaluation of its learning environments with the leader
  ("Evalueringskultur i Dagtilbud").
- `SparringSession`: Køge's family-centre counsellors give advice without a child record.
- `CounsellorProposal`: an attached counsellor proposes a change to the child's plan; only staff
  accepting it makes a plan version.
- `BookingInvitation`: Aabenraa's parents book åben rådgivning with a one-time code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import CounsellingSession, TopiPosition
from haandguide.lib.formats import date_da, datetime_da
from haandguide.models import Child, Institution, Municipality
from handleplan.models import ContentVersion, FrozenPlan, Handleplan, ImmutableModel, PlanVersion


class ChildGroup(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="child_groups",
                                    verbose_name="institution")
    name = models.CharField("navn", max_length=100, help_text="Fx stuens navn.")
    children = models.ManyToManyField(Child, blank=True, related_name="child_groups", verbose_name="børn")
    active = models.BooleanField("aktiv", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "stue/børnegruppe"
        verbose_name_plural = "stuer/børnegrupper"
        ordering = ["institution", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="childgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


# --- the learning community's plan -----------------------------------------------------------------

EMPTY_GROUP_TEXTS: dict = {
    "goals_community": [],
    "signs": "",
    "efforts": [],           # [{"name", "carried_out_by", "evaluation_date"}]
    "evaluation_tool": "",
    "staff_meeting_on": None,  # the figure in 001: staff meet, choose efforts and evaluation tool
    "staff_meeting_participants": "",
    "evaluation": "",
    "children": [],          # ids of the children the plan concerns (names shown only to staff)
}


class GroupPlan(models.Model):
    group = models.OneToOneField(ChildGroup, on_delete=models.PROTECT, related_name="plan", verbose_name="stue")
    current = models.ForeignKey("GroupPlanVersion", on_delete=models.PROTECT, null=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "mål- og indsatsplan for læringsfællesskabet"
        verbose_name_plural = "mål- og indsatsplaner for læringsfællesskaber"

    def __str__(self) -> str:
        return f"Plan for {self.group}"

    @property
    def version(self) -> int:
        return self.current.number if self.current_id else 0

    @property
    def texts(self) -> dict:
        return {**EMPTY_GROUP_TEXTS, **(self.current.content.get("texts", {}) if self.current_id else {})}


class GroupPlanVersion(ContentVersion):
    plan = models.ForeignKey(GroupPlan, on_delete=models.CASCADE, related_name="versions")

    class Meta(ContentVersion.Meta):
        verbose_name = "version af plan for læringsfællesskabet"
        verbose_name_plural = "versioner af planer for læringsfællesskaber"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="groupplanversion_unique_number")]


class GroupPlanSnapshot(FrozenPlan):
    """The group's plan as it was sent to the district council. Its `content` is shaped like a
    child's frozen plan (texts, efforts), so `FrozenPlan` and the plan sections partial read it."""

    plan = models.ForeignKey(GroupPlan, on_delete=models.PROTECT, related_name="snapshots")
    version = models.ForeignKey(GroupPlanVersion, on_delete=models.PROTECT, related_name="snapshots")

    class Meta(FrozenPlan.Meta):
        verbose_name = "frosset plan for læringsfællesskabet"
        verbose_name_plural = "frosne planer for læringsfællesskaber"

    def __str__(self) -> str:
        return f"Plan for læringsfællesskabet frosset {datetime_da(self.created_at)}"


# --- TOPI rounds ----------------------------------------------------------------------------------


class TopiSchedule(models.Model):
    """When the municipality holds its screening rounds (commonly twice a year); admin-edited."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="topi_schedules",
                                     verbose_name="kommune")
    name = models.CharField("runde", max_length=60, help_text="Fx Forårsrunde.")
    month = models.PositiveSmallIntegerField("måned", help_text="1–12")

    class Meta:
        verbose_name = "TOPI-runde i årshjulet"
        verbose_name_plural = "TOPI-runder i årshjulet"
        ordering = ["municipality", "month"]

    def __str__(self) -> str:
        return self.name


class TopiCriterion(models.Model):
    """What a position means, shown beside the rating (TOPI's criteria per position)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="topi_criteria",
                                     verbose_name="kommune")
    position = models.CharField("position", max_length=5, choices=TopiPosition.choices)
    text = models.TextField("kriterier")

    class Meta:
        verbose_name = "TOPI-kriterie"
        verbose_name_plural = "TOPI-kriterier"
        ordering = ["municipality", "position"]
        constraints = [models.UniqueConstraint(fields=["municipality", "position"], name="topicriterion_unique")]

    def __str__(self) -> str:
        return self.get_position_display()


class TopiRound(models.Model):
    group = models.ForeignKey(ChildGroup, on_delete=models.PROTECT, related_name="topi_rounds", verbose_name="stue")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="topi_rounds", editable=False)
    name = models.CharField("runde", max_length=60)
    held_on = models.DateField("dato", default=timezone.localdate)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "TOPI-runde"
        verbose_name_plural = "TOPI-runder"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["institution", "held_on"], name="topiround_inst_date")]

    def __str__(self) -> str:
        return f"{self.name} {date_da(self.held_on)}"


class TopiRating(ImmutableModel):
    """One rating of one child in a round: independent (one per rater) or the joint one."""

    round = models.ForeignKey(TopiRound, on_delete=models.CASCADE, related_name="ratings")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="topi_ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joint = models.BooleanField("fælles vurdering", default=False)
    position = models.CharField("position", max_length=5, choices=TopiPosition.choices)
    note = models.TextField("begrundelse", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "TOPI-vurdering"
        verbose_name_plural = "TOPI-vurderinger"
        ordering = ["round", "child", "joint", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "child", "rater"], condition=Q(joint=False),
                                    name="topirating_one_per_rater"),
            models.UniqueConstraint(fields=["round", "child"], condition=Q(joint=True), name="topirating_one_joint"),
        ]


# --- evaluation culture, sparring, counsellors' proposals, booking codes ----------------------------


class ReflectiveEvaluation(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="reflective_evaluations",
                                    verbose_name="institution")
    group = models.ForeignKey(ChildGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="stue")
    held_on = models.DateField("dato", default=timezone.localdate)
    theme = models.CharField("læringsmiljø/tema", max_length=150)
    participants = models.CharField("deltagere", max_length=255)
    findings = models.TextField("hvad så vi")
    next_steps = models.TextField("hvad gør vi nu", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "evaluering af læringsmiljøet"
        verbose_name_plural = "evalueringer af læringsmiljøet"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["institution", "held_on"], name="refleval_inst_date")]

    def __str__(self) -> str:
        return f"{self.theme} {date_da(self.held_on)}"


class SparringSession(models.Model):
    """Anonymous advice from a family-centre counsellor to the staff (Køge, seeds/004): no child."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="sparring_sessions",
                                    verbose_name="institution")
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="rådgiver")
    held_on = models.DateField("dato", default=timezone.localdate)
    topic = models.TextField("emne (uden navne)")
    advice = models.TextField("rådgivning", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "anonym sparring"
        verbose_name_plural = "anonym sparring"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Sparring {date_da(self.held_on)}"


class CounsellorProposal(models.Model):
    class State(models.TextChoices):
        PENDING = "afventer", "Afventer personalet"
        ACCEPTED = "accepteret", "Taget ind i planen"
        DECLINED = "afvist", "Afvist"

    class Field(models.TextChoices):
        GOALS_COMMUNITY = "goals_community", "Mål for læringsfællesskabet"
        GOALS_CHILD = "goals_child", "Mål for barnet"
        SIGNS = "signs", "Tegn"

    plan = models.ForeignKey(Handleplan, on_delete=models.CASCADE, related_name="proposals")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+", editable=False)
    base_version = models.PositiveIntegerField("forslag til version")
    field = models.CharField("afsnit", max_length=20, choices=Field.choices)
    text = models.TextField("foreslået tekst")
    reason = models.TextField("begrundelse", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField("status", max_length=12, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)
    decline_reason = models.TextField("begrundelse for afvisning", blank=True)
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, null=True, related_name="+",
                                verbose_name="blev til version")

    class Meta:
        verbose_name = "rådgivers forslag til handleplanen"
        verbose_name_plural = "rådgiveres forslag til handleplaner"
        ordering = ["-created_at", "-pk"]


class BookingInvitation(models.Model):
    """A one-time code with which parents book a slot of åben rådgivning (Aabenraa, seeds/002) until
    the parents' portal exists. Only the code's sha256 is stored."""

    session = models.ForeignKey(CounsellingSession, on_delete=models.CASCADE, related_name="invitations")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "bookinglink til åben rådgivning"
        verbose_name_plural = "bookinglinks til åben rådgivning"
