"""The district council (distriktsråd): meetings, submissions (indstillinger), consultant review,
decisions on resources and the letters to parents. Replaces Haderslev's shared mailbox.

Source: seeds/000–001, "Distriktsrådene" and "Ressourcevurdering": a submission reaches the council
10 days before the meeting; the council always discusses the least intrusive option; resources
are granted for a period (half a year) with learning and development goals; with CPR the parents
sign and get a written answer, without CPR they get a high level of information.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import Basis, Case
from haandguide.lib import files
from haandguide.models import Child, District, Guardian, Institution, Municipality
from haandguide.lib.formats import date_da


class Council(models.Model):
    """One per district. Its members follow from the organisation (see services.council_members):
    the district's institution leaders, the consultants serving it and the head of daycare."""

    district = models.OneToOneField(District, on_delete=models.CASCADE, related_name="council")
    name = models.CharField("navn", max_length=100)

    class Meta:
        verbose_name = "distriktsråd"
        verbose_name_plural = "distriktsråd"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CouncilMeetingType(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="council_meeting_types")
    name = models.CharField("navn", max_length=100)

    class Meta:
        verbose_name = "mødetype (distriktsråd)"
        verbose_name_plural = "mødetyper (distriktsråd)"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="councilmeetingtype_unique")]

    def __str__(self) -> str:
        return self.name


class CouncilMeeting(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="meetings", verbose_name="distriktsråd")
    type = models.ForeignKey(CouncilMeetingType, on_delete=models.PROTECT, verbose_name="mødetype")
    starts_at = models.DateTimeField("mødetidspunkt")
    location = models.CharField("sted", max_length=200, blank=True)
    agenda_closed_at = models.DateTimeField("dagsorden lukket", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "distriktsrådsmøde"
        verbose_name_plural = "distriktsrådsmøder"
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["council", "starts_at"], name="councilmeeting_council_start")]

    def __str__(self) -> str:
        return f"{self.council} {date_da(self.starts_at)}"

    @property
    def municipality(self) -> Municipality:
        return self.council.district.municipality

    @property
    def deadline(self) -> datetime.datetime:
        """The last moment a submission reaches this meeting: `deadline_days` before it, at the same
        wall-clock time in Europe/Copenhagen (so a daylight-saving change in between moves nothing)."""
        local = timezone.localtime(self.starts_at)
        days = self.council.district.municipality.submission_deadline_days
        return timezone.make_aware(local.replace(tzinfo=None) - datetime.timedelta(days=days))


# The bases a resource type can be granted under (cases.models.Basis, which the case checks too).
GRANT_BASES = Basis.grants()


class ResourceType(models.Model):
    """What the council (or the consultant) can point to, least intrusive first. Data per municipality."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="resource_types")
    name = models.CharField("navn", max_length=100)
    description = models.TextField("beskrivelse", blank=True)
    grants_resource = models.BooleanField(
        "tildeler en ressource", default=True,
        help_text="Fra: sagen går til indgribende niveau. Sparring/vejledning og 'ingen ressource' tildeler intet.")
    has_amount = models.BooleanField("beløb i kr.", default=False)
    has_hours = models.BooleanField("timer", default=False)
    needs_mellemform = models.BooleanField("placering i mellemform", default=False)
    consultant_only = models.BooleanField(
        "kun konsulenten", default=False, help_text="§32-visitation og kronisk sygdom: uden om distriktsrådet.")
    order = models.PositiveSmallIntegerField("rækkefølge (mindst indgribende først)", default=0)
    active = models.BooleanField("aktiv", default=True)
    # 001: a § 32 offer is visited under Serviceloven § 32, extra resources for chronic illness under
    # their own basis, and the council's resources by the council; a basis and an offer must fit.
    bases = models.JSONField(
        "kan tildeles efter", default=list, blank=True,
        help_text="Grundlag, ressourcetypen kan tildeles efter (distriktsrådet, § 32-visitation, kronisk sygdom).")

    class Meta:
        verbose_name = "ressourcetype"
        verbose_name_plural = "ressourcetyper"
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="resourcetype_unique")]

    def __str__(self) -> str:
        return self.name


class Mellemform(models.Model):
    """A smaller learning community between the general and special provision, per district."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="mellemformer")
    name = models.CharField("navn", max_length=100)
    purpose = models.TextField("formål")
    content = models.TextField("indhold")
    method = models.TextField("metode")
    pedagogy = models.TextField("pædagogik")
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "mellemform"
        verbose_name_plural = "mellemformer"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubmissionState(models.TextChoices):
    KLADDE = "kladde", "Kladde"
    INDSENDT = "indsendt", "Indsendt"
    AFGJORT = "afgjort", "Afgjort"
    TRUKKET = "trukket", "Trukket tilbage"


class Submission(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        SPARRING = "sparring", "Sparring/vejledning om læringsfællesskabet"
        RESSOURCEVURDERING = "ressourcevurdering", "Ressourcevurdering"

    class Track(models.TextChoices):
        WITH_CPR = "med_cpr", "Med CPR (forældrenes underskrift, skriftligt svar)"
        WITHOUT_CPR = "uden_cpr", "Uden CPR (højt informationsniveau til forældrene)"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="submissions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions",
                              verbose_name="barn")
    group_description = models.TextField(
        "børnegruppe/læringsfællesskab", blank=True,
        help_text="Når indstillingen gælder en børnegruppe: gruppen og målene for læringsmiljøet (uden CPR).")
    kind = models.CharField("indstillingen beder om", max_length=20, choices=Kind.choices)
    track = models.CharField("spor", max_length=10, choices=Track.choices)
    description = models.TextField("lederens beskrivelse")
    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.PROTECT, related_name="submissions",
                                verbose_name="møde")
    rolled_over_from = models.ForeignKey(CouncilMeeting, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="rolled_over_submissions", editable=False)
    state = FSMField("status", default=SubmissionState.KLADDE, choices=SubmissionState.choices, protected=True)
    snapshot = models.ForeignKey("handleplan.PlanSnapshot", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="submissions", editable=False)
    # A group submission names the learning community's plan and carries it frozen when sent.
    group_plan = models.ForeignKey("community.GroupPlan", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="submissions", verbose_name="plan for læringsfællesskabet")
    group_snapshot = models.ForeignKey("community.GroupPlanSnapshot", on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="submissions", editable=False)
    signed_form = models.FileField("underskrevet samtykkeerklæring", upload_to=files.RandomName("submissions"),
                                   blank=True)
    signed_form_name = models.CharField("filnavn", max_length=255, blank=True, editable=False)
    signed_form_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    submitted_at = models.DateTimeField("indsendt", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "indstilling"
        verbose_name_plural = "indstillinger"
        ordering = ["meeting__starts_at", "pk"]
        indexes = [models.Index(fields=["meeting", "state"], name="submission_meeting_state"),
                   # The submission lists' order (newest first): the first page without sorting them all.
                   models.Index(fields=["-created_at", "-id"], name="submission_newest")]

    def __str__(self) -> str:
        subject = str(self.child) if self.child_id else "Børnegruppe"
        return f"Indstilling: {subject} ({self.institution})"

    @property
    def subject_label(self) -> str:
        if self.child_id is None:
            return "Børnegruppe/læringsfællesskab"
        if self.track == self.Track.WITHOUT_CPR:
            return f"Barn, {self.child.age_label} (uden CPR)"
        return f"{self.child} ({self.child.masked_cpr})"

    @transition(field=state, source=SubmissionState.KLADDE, target=SubmissionState.INDSENDT)
    def submit(self, meeting: CouncilMeeting, rolled_over_from: CouncilMeeting | None, snapshot):
        self.meeting = meeting
        self.rolled_over_from = rolled_over_from
        self.snapshot = snapshot
        self.submitted_at = timezone.now()
        self.version += 1

    @transition(field=state, source=SubmissionState.INDSENDT, target=SubmissionState.AFGJORT)
    def decide(self):
        self.version += 1

    @transition(field=state, source=[SubmissionState.KLADDE, SubmissionState.INDSENDT], target=SubmissionState.TRUKKET)
    def withdraw(self):
        self.version += 1


class SubmissionDocument(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=files.RandomName("submissions"))
    original_name = models.CharField("filnavn", max_length=255)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    @property
    def child_id(self):
        return self.submission.child_id


class Review(models.Model):
    """The consultant's notes and recommendation before the meeting. Every save is a new row: the
    history of reviews is kept (who, when, what); the newest is the current one."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField("noter")
    recommended_resource = models.ForeignKey(ResourceType, on_delete=models.PROTECT, null=True, blank=True,
                                             verbose_name="anbefalet ressource")
    recommendation = models.TextField("anbefaling")
    updated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "vurdering"
        verbose_name_plural = "vurderinger"
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["submission", "-updated_at"], name="review_submission_time")]

    @property
    def child_id(self):
        return self.submission.child_id


# Decisions for one child that grant a resource and are not re-assessed yet.
GRANTED = models.Q(child__isnull=False, resource_type__grants_resource=True, reassessed_at__isnull=True)


class DecisionQuerySet(models.QuerySet):
    def granted(self):
        """Decisions for one child that grant a resource and are not re-assessed yet."""
        return self.filter(GRANTED)

    def marking_granted(self):
        """Every decision, each with `is_granted` (what `granted()` would keep)."""
        return self.annotate(is_granted=models.ExpressionWrapper(GRANTED, output_field=models.BooleanField()))

    def awaiting_reassessment(self, today: datetime.date | None = None):
        """The period has ended (by date, or flagged by the job) and nobody has re-assessed it."""
        today = today or timezone.localdate()
        return self.granted().filter(models.Q(period_end__lte=today) | models.Q(awaiting_reassessment_since__isnull=False))

    def running(self, today: datetime.date | None = None):
        """A granted period that is running today."""
        today = today or timezone.localdate()
        return self.granted().filter(period_start__lte=today, period_end__gt=today,
                                     awaiting_reassessment_since__isnull=True)


class SubmissionApproval(models.Model):
    """A custodian's approval of a with-CPR submission, given online in the parents' portal: the
    signature the CPR track needs ("forældrenes underskrift"), without a scanned declaration. One
    per custodian and submission, never changed."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="approvals")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="submission_approvals",
                                 verbose_name="forælder")
    approved_at = models.DateTimeField("godkendt", default=timezone.now)

    class Meta:
        verbose_name = "forældregodkendelse af indstilling"
        verbose_name_plural = "forældregodkendelser af indstillinger"
        ordering = ["approved_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["submission", "guardian"], name="one_approval_per_custodian")]

    @property
    def child_id(self):
        return self.submission.child_id


class Decision(models.Model):
    """The council's decision on a submission, or the consultant's §32 / chronic-illness grant."""

    Basis = Basis

    class Outcome(models.TextChoices):
        RENEWED = "forlaenget", "Forlænget"
        STEPPED_DOWN = "ned", "Niveau ned mod det almene"

    basis = models.CharField("grundlag", max_length=20, choices=Basis.choices)
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="decision")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="decisions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    resource_type = models.ForeignKey(ResourceType, on_delete=models.PROTECT, verbose_name="ressource")
    amount_dkk = models.DecimalField("beløb (kr.)", max_digits=10, decimal_places=2, null=True, blank=True)
    hours = models.DecimalField("timer", max_digits=7, decimal_places=1, null=True, blank=True)
    mellemform = models.ForeignKey(Mellemform, on_delete=models.PROTECT, null=True, blank=True)
    period_start = models.DateField("periode fra")
    period_end = models.DateField("periode til")
    goals = models.TextField("lærings- og udviklingsmål", blank=True)
    follow_up_on = models.DateField("opfølgning")
    least_intrusive_discussed = models.BooleanField("mindst indgribende indsats drøftet", default=False)
    notes = models.TextField("begrundelse", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    renews = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals")
    # Ishøj (seeds/003): visitation and re-visitation always start the least intrusive offer for the
    # need; a re-visitation names the earlier decision and the less intrusive offer it considered.
    revisits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisitations",
                                 verbose_name="revisitation af")
    least_intrusive_offer = models.TextField(
        "mindst indgribende tilbud overvejet", blank=True,
        help_text="Hvilket mindre indgribende tilbud er overvejet, og hvorfor dækker det (ikke) behovet?")
    reassessment_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by the daily job when the period has ended without a re-assessment; `awaiting_reassessment`
    # is also true by date, so a job that did not run hides nothing.
    awaiting_reassessment_since = models.DateField("afventer revurdering siden", null=True, blank=True,
                                                   editable=False)
    follow_up_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The overdue re-assessment job's due date: the day the next reminder falls due, by the interval
    # then set. The daily run reads only the decisions whose day has come, or whose municipality
    # has changed its interval since (services.reassessments_remind_overdue).
    next_overdue_reminder_on = models.DateField(null=True, blank=True, editable=False)
    overdue_reminder_interval = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    reassessed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reassessment_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, editable=False)
    reassessment_notes = models.TextField(blank=True, editable=False)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "afgørelse"
        verbose_name_plural = "afgørelser"
        ordering = ["-decided_at"]
        indexes = [
            models.Index(fields=["period_end"], name="decision_period_end"),
            models.Index(fields=["institution", "period_start"], name="decision_inst_period"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {date_da(self.period_start)}–{date_da(self.period_end)}"

    def is_awaiting_reassessment(self, today: datetime.date | None = None) -> bool:
        """The period of a granted resource has ended and nobody has re-assessed it."""
        today = today or timezone.localdate()
        return (self.child_id is not None and self.reassessed_at is None and self.resource_type.grants_resource
                and (self.awaiting_reassessment_since is not None or self.period_end <= today))

    @property
    def case(self) -> Case | None:
        return Case.objects.of_child(self.child_id)


class LetterWording(models.Model):
    """The municipality's standing text in a decision letter to the parents. Forvaltningsloven
    § 22–24: a written decision carries its reasoning, naming the rules it rests on (the council's
    own begrundelse of the specific decision is `Decision.notes`); § 25: it tells how to complain.
    Seeded from the profile (Haderslev's wording by default), then edited by the administrator."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="letter_wording")
    legal_basis = models.TextField(
        "regelgrundlag", help_text="Står under afgørelsens begrundelse: de regler og hensyn, afgørelsen bygger på.")
    appeal_guidance = models.TextField("klagevejledning", help_text="Hvordan og hvornår forældrene kan klage.")

    class Meta:
        verbose_name = "brevtekst (afgørelser)"
        verbose_name_plural = "brevtekster (afgørelser)"

    def __str__(self) -> str:
        return f"Brevtekster for {self.municipality}"


class Letter(models.Model):
    """A letter to the parents, stored as the PDF that was sent, with its content hash, and how,
    when and by whom it was sent or handed over (recorded once, by `letter_dispatch`)."""

    class Kind(models.TextChoices):
        ANSWER = "svar", "Skriftligt svar på afgørelsen"
        INFORMATION = "information", "Information til forældrene"
        REASSESSMENT = "revurdering", "Skriftligt svar på revurderingen"

    class Method(models.TextChoices):
        MEETING = "moede", "Udleveret på et møde"
        POST = "post", "Sendt med post"
        DIGITAL_POST = "digital_post", "Sendt med Digital Post"
        EMAIL = "email", "Sendt med e-mail"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatch_method = models.CharField("sendt hvordan", max_length=15, choices=Method.choices, blank=True,
                                       editable=False)
    dispatched_on = models.DateField("sendt/udleveret den", null=True, blank=True, editable=False)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", editable=False, verbose_name="sendt af")
    dispatch_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "brev"
        verbose_name_plural = "breve"
        ordering = ["created_at", "pk"]

    @property
    def child_id(self):
        return self.decision.child_id
