"""The child's case: the effort ladder as a state machine, and the data logged on the way.

Source: Haderslev, *Strategisk handleguide for dagtilbud* (seeds/000, 001): forebyggende →
foregribende → indgribende, one level at a time, each level's efforts described and evaluated in
the handleplan before the next; indgribende only through the district council or the consultant.

Transition methods hold guards and field updates only. Every call goes through a service in
`cases/services.py`, which locks, checks the rules with a Danish reason, saves and writes a
`CaseEvent` row.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from haandguide.lib import files
from haandguide.models import Child, Guardian, Institution, Municipality
from haandguide.lib.formats import date_da, datetime_da


class CaseState(models.TextChoices):
    """The ladder's one type: its three levels, least intrusive first, and the closed case. A
    handleplan's effort or catalogue entry has a level (`ladder()`, `level_choices()`), a case a state."""

    FOREBYGGENDE = "forebyggende", "Forebyggende"
    FOREGRIBENDE = "foregribende", "Foregribende"
    INDGRIBENDE = "indgribende", "Indgribende"
    LUKKET = "lukket", "Lukket"

    @classmethod
    def ladder(cls) -> list[CaseState]:
        """The levels in order; also the open states."""
        return [cls.FOREBYGGENDE, cls.FOREGRIBENDE, cls.INDGRIBENDE]

    @classmethod
    def level_choices(cls) -> list[tuple[str, str]]:
        return [(level.value, level.label) for level in cls.ladder()]

    @classmethod
    def rank(cls, state: str) -> int:
        """0, 1, 2 up the ladder; -1 for a closed case."""
        return cls.ladder().index(state) if state in cls.ladder() else -1


class CloseReason(models.TextChoices):
    RETURNED = "tilbage_i_almen", "Tilbage i det almene læringsmiljø"
    MOVED = "flyttet", "Flyttet til anden kommune/institution"
    LEFT = "ophoert", "Ophørt i dagtilbud"


class Basis(models.TextChoices):
    """What a resource is granted on, and so how a case becomes indgribende (never by hand). One
    type: the district council's Decision stores it, the case's transition checks it."""

    COUNCIL = "distriktsraad", "Distriktsrådets afgørelse"
    VISITATION_32 = "visitation_32", "Visitation efter Serviceloven § 32"
    CHRONIC_ILLNESS = "kronisk_sygdom", "Ekstra ressourcer ved kronisk sygdom"
    REVISITATION = "revisitation", "Revisitation"

    @classmethod
    def grants(cls) -> list[Basis]:
        """The bases that grant (and make a case indgribende); a re-visitation or a renewal
        re-grants an offer that was granted under one of these."""
        return [cls.COUNCIL, cls.VISITATION_32, cls.CHRONIC_ILLNESS]


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(state=CaseState.LUKKET)

    def of_child(self, child: "Child | int | None") -> "Case | None":
        """The child's case (a child has at most one), or None; takes a child, its id or None."""
        if child is None:
            return None
        case = self.filter(child=child).first()
        if case is not None and isinstance(child, models.Model):
            # The child the caller holds (institution and district loaded by the page): the guards
            # that follow `case.child` ask no query for it. The case itself is always read fresh:
            # a case kept on the child went stale when a service escalated it meanwhile.
            case.child = child
        return case


class Case(ConcurrentTransitionMixin, models.Model):
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="case", verbose_name="barn")
    state = FSMField("niveau", default=CaseState.FOREBYGGENDE, choices=CaseState.choices, protected=True)
    state_changed_at = models.DateTimeField("niveau siden", default=timezone.now)
    close_reason = models.CharField("lukket fordi", max_length=20, choices=CloseReason.choices, blank=True)
    opened_at = models.DateTimeField("oprettet", default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "sag"
        verbose_name_plural = "sager"
        indexes = [models.Index(fields=["state"], name="case_state")]

    def __str__(self) -> str:
        return f"Sag for {self.child}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The child list filters by level from the child's row (Child.case_state): kept here, where
        # every opening and change of level is saved, in the same transaction.
        Child.objects.filter(pk=self.child_id).exclude(case_state=self.state).update(case_state=self.state)

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.LUKKET

    def _moved(self):
        self.state_changed_at = timezone.now()
        self.version += 1

    # Up one level by hand: only forebyggende → foregribende. The step to indgribende is
    # `grant_intervention`, called by the district council's decision or the consultant.
    @transition(field=state, source=CaseState.FOREBYGGENDE, target=CaseState.FOREGRIBENDE)
    def escalate(self):
        self._moved()

    @transition(field=state, source=CaseState.FOREGRIBENDE, target=CaseState.INDGRIBENDE)
    def grant_intervention(self):
        self._moved()

    @transition(field=state, source=CaseState.INDGRIBENDE, target=CaseState.FOREGRIBENDE)
    def de_escalate_to_foregribende(self):
        self._moved()

    @transition(field=state, source=CaseState.FOREGRIBENDE, target=CaseState.FOREBYGGENDE)
    def de_escalate_to_forebyggende(self):
        self._moved()

    @transition(field=state, source=CaseState.ladder(), target=CaseState.LUKKET)
    def close(self, reason: str):
        self.close_reason = reason
        self._moved()

    @transition(field=state, source=CaseState.LUKKET, target=CaseState.FOREBYGGENDE)
    def reopen(self):
        self.close_reason = ""
        self._moved()


class CaseEvent(models.Model):
    """One row per change to a case: the timeline and the statistics are built from these."""

    class Action(models.TextChoices):
        OPENED = "oprettet", "Sag oprettet"
        ESCALATED = "op", "Niveau op"
        INTERVENTION = "indgribende", "Indgribende indsats tildelt"
        DE_ESCALATED = "ned", "Niveau ned"
        CLOSED = "lukket", "Sag lukket"
        REOPENED = "genaabnet", "Sag genåbnet"
        OBSERVATION = "iagttagelse", "Observation registreret"
        CONSENT_GIVEN = "samtykke", "Samtykke givet"
        CONSENT_WITHDRAWN = "samtykke_tilbage", "Samtykke trukket tilbage"
        MEETING = "moede", "Møde afholdt"
        REFERRAL = "henvisning", "Henvisning"
        UNDERRETNING = "underretning", "Underretning"
        COUNSELLOR_ATTACHED = "raadgiver_til", "Rådgiver tilknyttet"
        COUNSELLOR_DETACHED = "raadgiver_fra", "Rådgiver afsluttet"
        HANDLEPLAN = "handleplan", "Handleplan"
        # One action per kind of district-council event (they were all "indstilling" before
        # cases/migrations/0005_names_underretning_event_actions.py sorted the old rows).
        SUBMISSION = "indstilling", "Indstilling sendt"
        DECISION = "afgoerelse", "Distriktsrådets afgørelse"
        RENEWAL = "forlaenget", "Ressource forlænget"
        REVISITATION = "revisitation", "Revisitation"
        LETTER = "brev", "Brev til forældrene"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("tidspunkt", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField("hændelse", max_length=20, choices=Action.choices)
    from_state = models.CharField("fra", max_length=20, blank=True)
    to_state = models.CharField("til", max_length=20, blank=True)
    reason = models.TextField("begrundelse", blank=True)

    class Meta:
        verbose_name = "hændelse"
        verbose_name_plural = "hændelser"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-at"], name="caseevent_case_at"),
            models.Index(fields=["action", "at"], name="caseevent_action_at"),
            # The admin's changelist, newest first: a page of 1.5 M events without sorting them all.
            models.Index(fields=["at", "id"], name="caseevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {date_da(self.at)}"


# --- Observations -----------------------------------------------------------------------------


class ObservationType(models.Model):
    """Kinds of data the staff log; an administrator edits them per municipality."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="observation_types")
    name = models.CharField("navn", max_length=100)
    description = models.CharField("beskrivelse", max_length=255, blank=True)
    has_topi_position = models.BooleanField(
        "har TOPI-position", default=False, help_text="Registreringen angiver grøn, gul eller rød position."
    )
    active = models.BooleanField("aktiv", default=True)
    order = models.PositiveSmallIntegerField("rækkefølge", default=0)

    class Meta:
        verbose_name = "observationstype"
        verbose_name_plural = "observationstyper"
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="observationtype_unique")]

    def __str__(self) -> str:
        return self.name


class TopiPosition(models.TextChoices):
    GREEN = "groen", "Grøn"
    YELLOW = "gul", "Gul"
    RED = "roed", "Rød"


class Observation(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="observations")
    type = models.ForeignKey(ObservationType, on_delete=models.PROTECT, verbose_name="type")
    observed_on = models.DateField("dato", default=timezone.localdate)
    text = models.TextField("iagttagelse")
    topi_position = models.CharField("TOPI-position", max_length=5, choices=TopiPosition.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "observation"
        verbose_name_plural = "observationer"
        ordering = ["-observed_on", "-pk"]
        indexes = [
            models.Index(fields=["child", "-observed_on"], name="observation_child_date"),
            models.Index(fields=["child", "topi_position", "-observed_on"], name="observation_child_topi"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {date_da(self.observed_on)}"


def _attachment_path(instance: "Attachment", filename: str) -> str:
    """Named by migration 0001 only; the field now uses the one helper, files.RandomName."""
    return files.RandomName("observations")(instance, filename)


class Attachment(models.Model):
    """A file on an observation. Stored under MEDIA_ROOT (outside the web root), served only by
    `cases.views.attachment_download`, which checks the user's scope first."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=files.RandomName("observations"))
    original_name = models.CharField("filnavn", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bilag"
        verbose_name_plural = "bilag"

    @property
    def child_id(self):
        return self.observation.child_id


# --- Consent ----------------------------------------------------------------------------------


class ConsentPurpose(models.Model):
    """What the parents consent to. Data per municipality; `code` lets rules refer to a purpose
    (a meeting type or referral names the purpose it needs) without naming it in code."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="consent_purposes")
    code = models.SlugField("kode", max_length=40)
    name = models.CharField("formål", max_length=150)
    description = models.TextField("beskrivelse", blank=True)
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "samtykkeformål"
        verbose_name_plural = "samtykkeformål"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="consentpurpose_unique_code")]

    def __str__(self) -> str:
        return self.name


class ConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """One guardian's consent to one purpose. Withdrawing sets withdrawn_at; nothing is deleted."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="consents", verbose_name="forælder")
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, verbose_name="formål")
    given_on = models.DateField("givet den", default=timezone.localdate)
    form = models.CharField(
        "form", max_length=20, default="skriftligt",
        choices=[("skriftligt", "Skriftligt"), ("mundtligt", "Mundtligt, noteret")],
    )
    class Channel(models.TextChoices):
        STAFF = "personale", "Registreret af institutionen"
        PORTAL = "portal", "Af forælderen i forældreportalen"

    # Who registered it: a staff member, or nobody but the guardian (`guardian`) in the portal.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField("kanal", max_length=12, choices=Channel.choices, default=Channel.STAFF)
    withdrawn_at = models.DateTimeField("trukket tilbage", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_channel = models.CharField("trukket tilbage via", max_length=12, choices=Channel.choices, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "samtykke"
        verbose_name_plural = "samtykker"
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "purpose"], condition=Q(withdrawn_at__isnull=True), name="one_active_consent"
            )
        ]


# --- Meetings, agreements, referrals, underretninger -------------------------------------------


class MeetingType(models.Model):
    """Meeting forms in the cross-disciplinary flow, as data (Køge adds ressourceteam, …)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="meeting_types")
    name = models.CharField("navn", max_length=100)
    description = models.TextField("beskrivelse", blank=True)
    requires_consent = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, null=True, blank=True, verbose_name="kræver samtykke til",
        help_text="Fx arbejdsmøde: kun med forældrenes samtykke.",
    )
    parents_take_part = models.BooleanField(
        "forældre deltager", default=False,
        help_text="Aftaler med forældrene (fx om PPV/VISO eller indstilling) kan kun indgås på sådanne møder.",
    )
    # Haderslev: PPV and VISO only after agreement with the parents at a netværksmøde (not at a
    # forældresamtale). Which meeting types allow which referral is the municipality's data.
    allows_ppv_referral = models.BooleanField(
        "PPV kan aftales her", default=False,
        help_text="En aftale med forældrene på denne mødetype giver grundlag for en henvisning til PPV.")
    allows_viso_referral = models.BooleanField(
        "VISO kan aftales her", default=False,
        help_text="En aftale med forældrene på denne mødetype giver grundlag for en henvisning til VISO.")
    order = models.PositiveSmallIntegerField("rækkefølge", default=0)
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "mødetype"
        verbose_name_plural = "mødetyper"
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="meetingtype_unique")]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, verbose_name="mødetype")
    held_on = models.DateField("dato", default=timezone.localdate)
    participants = models.TextField("deltagere", help_text="Navne og funktioner, én pr. linje.")
    minutes = models.TextField("referat", blank=True)
    follow_up_on = models.DateField("opfølgning", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "møde"
        verbose_name_plural = "møder"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {date_da(self.held_on)}"

    @property
    def child_id(self):
        return self.case.child_id


class AgreementKind(models.TextChoices):
    PPV = "ppv", "Henvisning til PPV (pædagogisk-psykologisk vurdering)"
    VISO = "viso", "Henvisning til VISO"
    SUBMISSION = "indstilling", "Indstilling til distriktsrådet"
    OTHER = "andet", "Anden aftale"


class Agreement(models.Model):
    """What was agreed at a meeting, e.g. with the parents at a netværksmøde to refer to PPV."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField("aftale om", max_length=20, choices=AgreementKind.choices)
    text = models.TextField("aftalen")
    with_parents = models.BooleanField("aftalt med forældrene", default=False)

    class Meta:
        verbose_name = "aftale"
        verbose_name_plural = "aftaler"


class Referral(models.Model):
    """PPV or VISO referral: only after agreement with the parents at a meeting with them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField("henvisning", max_length=20, choices=[(AgreementKind.PPV, "PPV"), (AgreementKind.VISO, "VISO")])
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="referrals")
    note = models.TextField("bemærkning", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "henvisning"
        verbose_name_plural = "henvisninger"


class Underretning(models.Model):
    """Underretning to social services: a legal duty that needs no consent. (Not a notice to a
    user: those are haandguide.Notice.)"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="underretninger")
    text = models.TextField("underretningen")
    legal_basis = models.CharField(
        "retsgrundlag", max_length=200, default="Barnets lov § 133 (skærpet underretningspligt for offentligt ansatte)"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "underretning"
        verbose_name_plural = "underretninger"


# --- Aabenraa: åben rådgivning and familiegrupper in the daycare (seeds/002) --------------------
# Enabled per municipality (Municipality.open_counselling_enabled / family_groups_enabled, set by
# the profile); hidden elsewhere.


class CounsellingProfessional(models.TextChoices):
    SUNDHEDSPLEJE = "sundhedspleje", "Sundhedsplejen"
    TIDLIG_FOREBYGGELSE = "tidlig_forebyggelse", "Tidlig Forebyggelse"
    PPR_PSYKOLOG = "ppr_psykolog", "PPR: psykolog"
    PPR_FYSIOTERAPEUT = "ppr_fysioterapeut", "PPR: børnefysioterapeut"
    PPR_TALE_HOERE = "ppr_tale_hoere", "PPR: tale/høre-konsulent"


class CounsellingSession(models.Model):
    """A time when the health visitor, Tidlig Forebyggelse and PPR hold open counselling in the
    daycare; staff and parents book one of its slots."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="counselling_sessions",
                                    verbose_name="institution")
    starts_at = models.DateTimeField("starter")
    slots = models.PositiveSmallIntegerField("antal samtaler", default=6)
    slot_minutes = models.PositiveSmallIntegerField("minutter pr. samtale", default=30)
    professionals = models.CharField(
        "fagpersoner til stede", max_length=255,
        help_text="Fx sundhedsplejerske, Tidlig Forebyggelse, PPR-psykolog, børnefysioterapeut, tale/høre-konsulent.")
    location = models.CharField("sted", max_length=150, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "åben rådgivning"
        verbose_name_plural = "åben rådgivning"
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["institution", "-starts_at"], name="counselling_inst_start")]

    def __str__(self) -> str:
        return f"Åben rådgivning {datetime_da(self.starts_at)}"

    def slot_start(self, slot: int):
        return self.starts_at + datetime.timedelta(minutes=(slot - 1) * self.slot_minutes)


class CounsellingBooking(models.Model):
    """One booked slot: a member of staff (about the children's group or a child) or parents
    (registered by the staff on their behalf) about their child."""

    class Booker(models.TextChoices):
        STAFF = "medarbejder", "Medarbejder"
        PARENTS = "foraeldre", "Forældre"

    session = models.ForeignKey(CounsellingSession, on_delete=models.CASCADE, related_name="bookings")
    slot = models.PositiveSmallIntegerField("samtale nr.")
    booker = models.CharField("booket af", max_length=12, choices=Booker.choices)
    professional = models.CharField("med", max_length=30, choices=CounsellingProfessional.choices)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, null=True, blank=True, related_name="counselling_bookings",
                              verbose_name="barn")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name="forælder")
    topic = models.TextField("emne")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "booking i åben rådgivning"
        verbose_name_plural = "bookinger i åben rådgivning"
        ordering = ["session", "slot"]
        constraints = [models.UniqueConstraint(fields=["session", "slot"], name="counselling_one_booking_per_slot")]

    @property
    def starts_at(self):
        return self.session.slot_start(self.slot)


class FamilyGroup(models.Model):
    """A parent group in the daycare: sessions with themes and activities, and the families taking part."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="family_groups",
                                    verbose_name="institution")
    name = models.CharField("navn", max_length=150)
    purpose = models.TextField("formål", help_text="Fx styrke forælderrollen og forældrenetværket.")
    facilitators = models.CharField("tovholdere", max_length=255, blank=True)
    active = models.BooleanField("aktiv", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "familiegruppe"
        verbose_name_plural = "familiegrupper"
        ordering = ["-active", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="familygroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class FamilyGroupParticipant(models.Model):
    group = models.ForeignKey(FamilyGroup, on_delete=models.CASCADE, related_name="participants")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="family_groups", verbose_name="barn")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name="forælder")
    joined_on = models.DateField("startet", default=timezone.localdate)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "deltager i familiegruppe"
        verbose_name_plural = "deltagere i familiegrupper"
        ordering = ["child__first_name", "child__last_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "child"], name="familygroup_one_child")]

    def __str__(self) -> str:
        return f"{self.guardian.name if self.guardian else 'Familien'} ({self.child})"


class FamilyGroupSession(models.Model):
    group = models.ForeignKey(FamilyGroup, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("dato")
    theme = models.CharField("tema", max_length=150)
    activity = models.TextField("aktiviteter", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attendance_recorded_at = models.DateTimeField("fremmøde registreret", null=True, blank=True)

    class Meta:
        verbose_name = "gang i familiegruppe"
        verbose_name_plural = "gange i familiegrupper"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.theme} {date_da(self.held_on)}"


class FamilyGroupAttendance(models.Model):
    session = models.ForeignKey(FamilyGroupSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(FamilyGroupParticipant, on_delete=models.CASCADE, related_name="attendance")

    class Meta:
        verbose_name = "fremmøde"
        verbose_name_plural = "fremmøde"
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="familygroup_attend_once")]
