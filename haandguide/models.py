"""Organisation and access: kommune → distrikter → institutioner → børn, users and the access log.

Everything a municipality configures (deadline days, resource period, …) is a field here with
Haderslev's value as the default, edited by an administrator; nothing of it is a constant in code.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import ngettext

from haandguide.actors import ActorKind
from haandguide.lib import cpr as cprlib
from haandguide.lib.idlist import IdListField
from haandguide.lib.formats import date_da


class Municipality(models.Model):
    name = models.CharField("navn", max_length=100, unique=True)
    submission_deadline_days = models.PositiveSmallIntegerField(
        "frist for indstilling (dage før mødet)",
        default=10,
        help_text="Haderslev: indstillingen skal være distriktsrådet i hænde 10 dage før mødet.",
    )
    resource_period_months = models.PositiveSmallIntegerField(
        "ressourceperiode (måneder)", default=6, help_text="Tildelte ressourcer gælder som udgangspunkt et halvt år."
    )
    evaluation_reminder_days = models.PositiveSmallIntegerField(
        "påmindelse om evaluering (dage før)", default=7
    )
    reassessment_notice_days = models.PositiveSmallIntegerField(
        "varsel før ressourceperiodens udløb (dage)", default=30
    )
    reassessment_reminder_days = models.PositiveSmallIntegerField(
        "påmindelse om manglende revurdering (hver n'te dag)", default=14,
        validators=[MinValueValidator(1)],
        help_text="Når en ressourceperiode er slut uden revurdering, mindes leder og konsulent én gang pr. interval.")
    follow_up_weeks = models.PositiveSmallIntegerField(
        "opfølgning (uger efter periodens start)", default=12, validators=[MinValueValidator(1)],
        help_text="Forslag til opfølgningsdato på en afgørelse: så mange uger efter periodens start "
                  "(aldrig før afgørelsen og aldrig efter periodens slutning).")
    retention_months = models.PositiveSmallIntegerField(
        "opbevaring efter ophør (måneder)", default=24,
        help_text="Så længe efter barnet er stoppet i dagtilbud, gemmes sagens personoplysninger; "
                  "derefter anonymiseres de. Statistikken bevares.")
    profile = models.CharField(
        "profil", max_length=20, blank=True, editable=False,
        help_text="Den profil (manage.py load_profile), kommunens opsætning blev indlæst fra.")
    open_counselling_enabled = models.BooleanField(
        "åben rådgivning i dagtilbud", default=False,
        help_text="Aabenraa: personale og forældre booker tid hos sundhedspleje, Tidlig Forebyggelse og PPR.")
    family_groups_enabled = models.BooleanField(
        "familiegrupper i dagtilbud", default=False,
        help_text="Aabenraa: forældregrupper med forløb, temaer og fremmøde.")

    class Meta:
        verbose_name = "kommune"
        verbose_name_plural = "kommuner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # the head of its access-log chain, so no request pays for creating it
            AccessLogChain.objects.get_or_create(municipality_id=self.pk)


class District(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="districts", verbose_name="kommune")
    name = models.CharField("navn", max_length=100)

    class Meta:
        verbose_name = "distrikt"
        verbose_name_plural = "distrikter"
        ordering = ["municipality__name", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name")]

    def __str__(self) -> str:
        return f"Distrikt {self.name}"


class Institution(models.Model):
    class Kind(models.TextChoices):
        DAGINSTITUTION = "daginstitution", "Daginstitution"
        DAGPLEJE = "dagpleje", "Dagpleje"

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="institutions", verbose_name="distrikt")
    name = models.CharField("navn", max_length=150)
    kind = models.CharField("type", max_length=20, choices=Kind.choices, default=Kind.DAGINSTITUTION)

    class Meta:
        verbose_name = "institution"
        verbose_name_plural = "institutioner"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="institution_unique_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PAEDAGOG = "paedagog", "Pædagog"
    LEDER = "leder", "Institutionsleder"
    KONSULENT = "konsulent", "Pædagogisk konsulent"
    CHEF = "chef", "Dagtilbudschef"
    EKSTERN = "ekstern", "Ekstern rådgiver"
    ADMINISTRATOR = "administrator", "Administrator"


class CounsellorKind(models.TextChoices):
    PRAKSISVEJLEDER = "praksisvejleder", "Praksisvejleder"
    PSYKOLOG = "psykolog", "Psykolog (Det Rådgivende Team)"
    FAMILIERAADGIVER = "familieraadgiver", "Familierådgiver (Familierådgivningen)"
    # Køge: forebyggende rådgivere fra familiecentret (FCK) er tilknyttet alle dagtilbud.
    FAMILIECENTER = "familiecenter", "Forebyggende rådgiver (familiecenter)"


class User(AbstractUser):
    role = models.CharField("rolle", max_length=20, choices=Role.choices, default=Role.PAEDAGOG)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="kommune"
    )
    institutions = models.ManyToManyField(
        Institution, blank=True, related_name="staff", verbose_name="institutioner",
        help_text="Pædagoger og ledere ser børnene i de institutioner, de er knyttet til.",
    )
    districts = models.ManyToManyField(
        District, blank=True, related_name="consultants", verbose_name="distrikter",
        help_text="Pædagogiske konsulenter betjener distrikternes distriktsråd.",
    )
    counsellor_kind = models.CharField(
        "rådgivertype", max_length=20, choices=CounsellorKind.choices, blank=True,
        help_text="Kun for eksterne rådgivere.",
    )

    objects = UserManager()

    class Meta:
        verbose_name = "bruger"
        verbose_name_plural = "brugere"
        ordering = ["first_name", "last_name", "username"]
        # A municipality's users of one role (its external counsellors, administrators, leaders):
        # 30,000 staff nationally, a few hundred of a role in a municipality.
        indexes = [models.Index(fields=["municipality", "role"], name="user_municipality_role")]

    def save(self, *args, **kwargs):
        # Only administrators reach Django's admin; the role decides, not a separate flag.
        from haandguide import roles
        self.is_staff = self.is_superuser or roles.has_administrator_role(self.role)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        from haandguide import roles
        if self.counsellor_kind and not roles.may_have_counsellor_kind(self.role):
            raise ValidationError({"counsellor_kind": "Rådgivertype gælder kun eksterne rådgivere."})

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        from haandguide import roles
        return roles.is_administrator(self)

    @property
    def role_label(self) -> str:
        from haandguide import roles
        if self.counsellor_kind and roles.may_have_counsellor_kind(self.role):
            return self.get_counsellor_kind_display()
        return self.get_role_display()


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChildQuerySet":
        """The children this user may see. Deny by default: an unknown role sees nothing.

        - pædagog, leder: the children of their own institution(s);
        - konsulent: the children of the districts they serve;
        - ekstern rådgiver: only children whose case they are attached to, while attached;
        - dagtilbudschef, administrator: no child records (they work with submissions and
          anonymous statistics; the council app grants them what is on their agenda).
        """
        from haandguide import roles
        return self.in_scope(*roles.child_scope(user))

    def in_scope(self, kind: str, ids: tuple[int, ...]) -> "ChildQuerySet":
        """The children of a scope as `roles.child_scope` states it (kind, ids): what `visible_to`
        filters on, and what a statement compiles once per kind (haandguide.lib.statements)."""
        from haandguide import roles
        if kind == roles.SCOPE_NONE:
            return self.none()
        self = self.filter(anonymised_at__isnull=True)
        if kind == roles.SCOPE_INSTITUTIONS:
            return self.filter(institution__in=ids)
        if kind == roles.SCOPE_DISTRICTS:
            return self.filter(institution__district__in=ids)
        if kind == roles.SCOPE_COUNSELLOR:
            active = CounsellorAssignment.objects.active().filter(child=OuterRef("pk"), counsellor__in=ids)
            return self.filter(Exists(active))
        raise ValueError(f"unknown child scope {kind!r}")

    def search(self, query: str) -> "ChildQuerySet":
        query = (query or "").strip()
        if not query:
            return self
        if cprlib.is_valid(query):  # a CPR number typed into the search: exactly that child (in scope)
            return self.filter(cpr=cprlib.normalise(query))
        condition = Q()
        for word in query.split()[:5]:
            condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.filter(condition)

    def present(self) -> "ChildQuerySet":
        return self.filter(left_at__isnull=True, anonymised_at__isnull=True)


class Child(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="children", verbose_name="institution")
    first_name = models.CharField("fornavn", max_length=100)
    last_name = models.CharField("efternavn", max_length=100)
    # Null only once the child's data has been anonymised under the retention rules. Unique per
    # municipality, not per installation: a uniqueness check across municipalities would tell one
    # municipality's staff which CPR numbers another holds (issue 14). Inside the municipality a
    # collision becomes a ChildTransferRequest to the administrator.
    cpr = models.CharField("CPR-nummer", max_length=10, null=True, blank=False)
    # Derived from the institution on every save; the CPR constraint and the admin's changelist
    # order (haandguide.admin.ChildAdmin) read it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True, editable=False,
                                     related_name="+", verbose_name="kommune")
    birth_date = models.DateField("fødselsdato", editable=False)
    started_at = models.DateField("startdato", default=timezone.localdate)
    left_at = models.DateField("ophørt", null=True, blank=True)
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    updated_at = models.DateTimeField("ændret", auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    anonymised_at = models.DateTimeField("anonymiseret", null=True, blank=True, editable=False)
    # The child's latest TOPI position, kept by the one service that records a TOPI observation
    # (cases.services.observation_add), so the child list shows and filters it without computing
    # it for every row. Never written by a form or a plain save (see save()).
    latest_topi = models.CharField("seneste TOPI-position", max_length=5, blank=True, default="", editable=False)
    latest_topi_on = models.DateField("seneste TOPI-dato", null=True, blank=True, editable=False)
    # The level of the child's case ("" without one), kept by Case.save wherever the level changes, so
    # the child list filters by level from the child's own row and index (not a join per child).
    case_state = models.CharField("sagens niveau", max_length=20, blank=True, default="", editable=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = "barn"
        verbose_name_plural = "børn"
        ordering = ["first_name", "last_name", "pk"]
        indexes = [models.Index(fields=["institution", "first_name", "last_name"], name="child_inst_name"),
                   models.Index(fields=["cpr"], name="child_cpr"),  # the search by CPR, in any scope
                   # The child list's ids in name order for any set of institutions, from the index
                   # alone (cases.views.child_list pages over it: a deep page costs as the first).
                   models.Index(fields=["institution", "first_name", "last_name", "id"], name="child_present_inst_name",
                                condition=Q(left_at__isnull=True, anonymised_at__isnull=True)),
                   # The list filtered by TOPI position or by level: per institution an index range of
                   # just those children, in name order (without them, every child in scope was read,
                   # or its case looked up, to test it).
                   models.Index(fields=["institution", "latest_topi", "first_name", "last_name", "id"],
                                name="child_present_inst_topi",
                                condition=Q(left_at__isnull=True, anonymised_at__isnull=True)),
                   models.Index(fields=["institution", "case_state", "first_name", "last_name", "id"],
                                name="child_present_inst_level",
                                condition=Q(left_at__isnull=True, anonymised_at__isnull=True)),
                   # The admin's changelist of a municipality's children in name order, a page at a time.
                   models.Index(fields=["municipality", "first_name", "last_name", "id"], name="child_municipality_name"),
                   # The retention job's candidates (haandguide.retention.run): a nightly run with
                   # nothing due reads this small index, not every child.
                   models.Index(fields=["left_at"], name="child_left_to_anonymise",
                                condition=Q(left_at__isnull=False, anonymised_at__isnull=True))]
        constraints = [models.UniqueConstraint(fields=["municipality", "cpr"], name="child_cpr_unique_per_municipality")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        child = super().from_db(db, field_names, values, **kwargs)
        child._loaded_institution_id = child.__dict__.get("institution_id")
        return child

    def clean(self):
        super().clean()
        try:
            self.cpr = cprlib.normalise(self.cpr)
        except ValidationError as error:
            raise ValidationError({"cpr": error.messages})

    DERIVED_FIELDS = ("latest_topi", "latest_topi_on", "case_state")

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # An edit saves what the person changed, never the derived TOPI position this object
            # may hold from before an observation recorded meanwhile.
            kwargs["update_fields"] = {f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name not in self.DERIVED_FIELDS}
        if self.anonymised_at is None:
            self.cpr = cprlib.normalise(self.cpr)
            self.birth_date = cprlib.birth_date(self.cpr)
        if self.municipality_id is None or getattr(self, "_loaded_institution_id", None) != self.institution_id:
            self.municipality_id = municipality_id_of(self.institution_id)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "institution" in update_fields:
                kwargs["update_fields"] = {*update_fields, "municipality"}
        super().save(*args, **kwargs)
        self._loaded_institution_id = self.institution_id

    @property
    def masked_cpr(self) -> str:
        return cprlib.mask(self.cpr)

    @property
    def age_label(self) -> str:
        today = timezone.localdate()
        months = (today.year - self.birth_date.year) * 12 + today.month - self.birth_date.month
        if today.day < self.birth_date.day:
            months -= 1
        if months < 24:
            return f"{max(months, 0)} mdr."
        return f"{months // 12} år"


def municipality_id_of(institution_id) -> int | None:
    return District.objects.filter(institutions=institution_id).values_list("municipality_id", flat=True).first()


class Guardian(models.Model):
    class Relation(models.TextChoices):
        MOR = "mor", "Mor"
        FAR = "far", "Far"
        VAERGE = "vaerge", "Anden værge"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardians", verbose_name="barn")
    name = models.CharField("navn", max_length=150)
    relation = models.CharField("relation", max_length=10, choices=Relation.choices)
    phone = models.CharField("telefon", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    has_custody = models.BooleanField("forældremyndighed", default=True)
    # A keyed hash of the guardian's CPR number (haandguide.lib.cpr.digest), never the number:
    # how the parents' portal recognises a custodian by the CPR claim and an integration matches.
    cpr_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = "forælder/værge"
        verbose_name_plural = "forældre/værger"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display().lower()})"

    @property
    def municipality_id(self) -> int | None:
        """The municipality whose records hold this guardian (a parent's access-log rows go there)."""
        return self.child.municipality_id


class CounsellorAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class CounsellorAssignment(models.Model):
    """An external counsellor attached to a child's case; they see the child only while attached."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="counsellor_assignments")
    counsellor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments", verbose_name="rådgiver")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="tilknyttet af")
    assigned_at = models.DateTimeField("tilknyttet", default=timezone.now)
    ended_at = models.DateTimeField("afsluttet", null=True, blank=True)

    objects = CounsellorAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "tilknyttet rådgiver"
        verbose_name_plural = "tilknyttede rådgivere"
        constraints = [
            models.UniqueConstraint(
                fields=["child", "counsellor"], condition=Q(ended_at__isnull=True), name="one_active_assignment"
            )
        ]


class ChildTransferRequest(models.Model):
    """A leader registered (or corrected) a child whose CPR number another institution of the same
    municipality already holds. The leader is told only that the administrator has been asked; the
    administrator moves the existing child (case and history stay with it) or declines."""

    class Status(models.TextChoices):
        PENDING = "afventer", "Afventer administrator"
        MOVED = "flyttet", "Barnet er flyttet"
        DECLINED = "afvist", "Afvist"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="transfer_requests", verbose_name="barn")
    to_institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+",
                                       verbose_name="ønsket institution")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="anmodet af")
    created_at = models.DateTimeField("anmodet", default=timezone.now)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name="behandlet af")
    decided_at = models.DateTimeField("behandlet", null=True, blank=True)

    class Meta:
        verbose_name = "anmodning om flytning af barn"
        verbose_name_plural = "anmodninger om flytning af børn"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(
            fields=["child", "to_institution"], condition=Q(status="afventer"), name="one_pending_transfer")]

    def __str__(self) -> str:
        return f"Flytning af {self.child} til {self.to_institution}"


def chain_digest(prev_hash: str, row) -> str:
    """sha256 over the previous row's hash and this row's canonical content.

    `user_id` is left out on purpose: deleting a user sets it to NULL (the username stays in the
    row and is hashed), and that must not look like tampering."""
    at = row.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    content = [row.seq, at, row.username, row.role, row.action, row.object_type, row.object_id, row.child_id,
               row.municipality_id, row.detail, row.path, row.anchor]
    # Rows written before the actor was recorded (and migration 0007's historical rows) hash as they did.
    actor = [getattr(row, "actor_kind", ""), getattr(row, "actor_label", "")]
    children = list(getattr(row, "child_ids", None) or [])
    if any(actor) or children:
        content += actor
    if children:  # a list row: the children it showed (rows of one child hash as before)
        content.append(children)
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


class AccessLogChain(models.Model):
    """The head of one municipality's hash chain (municipality 0: rows of no municipality).

    Writers do not touch it: a row is appended unsealed (no number, no hash), and the sealing job
    (`seal_access_log`, every minute and before each verification) takes this row's lock, numbers
    and hashes the unsealed rows in order and moves the head. Only sealers queue on it."""

    municipality_id = models.BigIntegerField(unique=True)
    seq = models.BigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)
    # The nightly verification (`services.accesslog_verify`) walks only what was sealed since its
    # last run: rows up to `verified_seq` (whose hash is `verified_hash`) were found intact. Older
    # rows are walked again in slices, `rechecked_seq` being where the next slice starts.
    verified_seq = models.BigIntegerField("kontrolleret til og med nr.", default=0)
    verified_hash = models.CharField(max_length=64, blank=True)
    rechecked_seq = models.BigIntegerField("genkontrolleret til og med nr.", default=0)

    class Meta:
        verbose_name = "adgangslogkæde"
        verbose_name_plural = "adgangslogkæder"

    def __str__(self) -> str:
        return f"Kæde {self.municipality_id}: {self.seq}"


SEAL_BATCH = 5000


def _store_seals(rows: list) -> None:
    """Write the numbers and hashes of sealed rows in one statement (the app's own update() is
    refused: this is the only change a row ever gets, and only while it is unsealed)."""
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    values = ", ".join(["(CAST(%s AS bigint), CAST(%s AS bigint), %s, %s)"] * len(rows))
    params = [value for row in rows for value in (row.pk, row.seq, row.prev_hash, row.hash)]
    # The bounds on `at` let PostgreSQL touch only the month partitions these rows live in.
    adapt = connection.ops.adapt_datetimefield_value
    params += [adapt(min(row.at for row in rows)), adapt(max(row.at for row in rows))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, seq, prev_hash, hash) AS (VALUES {values}) "
            f"UPDATE {table} SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash FROM v "
            f"WHERE {table}.id = v.id AND {table}.seq IS NULL AND {table}.at BETWEEN %s AND %s", params)


def seal_chain_batch(key: int, batch_size: int = SEAL_BATCH) -> int:
    """Number and hash the oldest unsealed rows of chain `key` (at most `batch_size`), in the order
    they were written, onto the end of the chain. One transaction holding the chain's head row."""
    with transaction.atomic():
        AccessLogChain.objects.get_or_create(municipality_id=key)
        head = AccessLogChain.objects.select_for_update().get(municipality_id=key)
        rows = list(AccessLog.objects.of_chain(key).filter(seq__isnull=True).order_by("at", "pk")[:batch_size])
        if not rows:
            return 0
        seq, prev = head.seq, head.head
        for row in rows:
            seq += 1
            row.seq, row.prev_hash = seq, prev
            row.hash = prev = chain_digest(prev, row)
        _store_seals(rows)
        AccessLogChain.objects.filter(pk=head.pk).update(seq=seq, head=prev)
    return len(rows)


def seal_access_log(batch_size: int = SEAL_BATCH) -> int:
    """Seal every unsealed row of every chain; returns how many. Concurrent sealers of one chain
    queue on its head; a row committed while a sealer runs is sealed by the next run."""
    keys = {m or 0 for m in AccessLog.objects.filter(seq__isnull=True)
            .values_list("municipality_id", flat=True).distinct().order_by()}
    sealed = 0
    for key in sorted(keys):
        while True:
            done = seal_chain_batch(key, batch_size)
            sealed += done
            if done < batch_size:
                break
    return sealed


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Adgangsloggen kan ikke ændres.")

    def delete(self):
        raise PermissionError("Adgangsloggen kan ikke slettes fra appen.")

    def bulk_create(self, objs, *args, **kwargs):
        """Rows in one insert, unsealed: the sealing job chains them (no lock on the writer's path)."""
        objs = list(objs)
        for row in objs:
            row.normalise()
        return super().bulk_create(objs, *args, **kwargs)

    def of_chain(self, key: int) -> AppendOnlyQuerySet:
        """The rows of one municipality's chain (0: the rows of no municipality)."""
        return self.filter(municipality_id=key) if key else self.filter(municipality_id__isnull=True)

    def for_children(self, child_ids) -> AppendOnlyQuerySet:
        """Every row about any of these children: their own rows (`child_id`) and the list views
        that showed them (`child_ids`, a GIN index on PostgreSQL)."""
        child_ids = [int(c) for c in child_ids]
        if not child_ids:
            return self.none()
        return self.filter(Q(child_id__in=child_ids) | Q(child_ids__overlaps=child_ids))

    def for_child(self, child_id: int) -> AppendOnlyQuerySet:
        return self.for_children([child_id])

    def sealed(self) -> AppendOnlyQuerySet:
        return self.filter(seq__isnull=False)

    def unsealed(self) -> AppendOnlyQuerySet:
        return self.filter(seq__isnull=True)

    def purge_older_than(self, cutoff, *, actor) -> int:
        """The one way rows leave the log: the retention job, for rows older than the period.

        The log is sealed first. Each municipality's chain is cut after its last row older than the
        cutoff (everything before it goes, so the cut is clean), and a purge record in that chain
        carries the last purged row's hash (`anchor`) and number, so verification starts from
        there. On PostgreSQL whole month partitions are dropped (`accesslog_partitions`): the
        cutoff is rounded down to the start of its month, so a row is kept until its whole month is
        past the period, and a purge deletes no rows one by one beyond the few a cut leaves behind."""
        from haandguide import accesslog_partitions as partitions

        seal_access_log()
        horizon = partitions.purge_horizon(cutoff)
        cuts = []
        for cut in list(self.sealed().filter(at__lt=horizon).values("municipality_id")
                        .annotate(through=Max("seq")).order_by()):
            chain = self.of_chain(cut["municipality_id"] or 0)
            last = chain.get(seq=cut["through"])
            cuts.append((cut["municipality_id"], last, chain.filter(seq__lte=last.seq).count()))
        partitions.drop_older_than(horizon)
        count = 0
        for municipality_id, last, removed in cuts:
            chain = self.of_chain(municipality_id or 0)
            models.QuerySet.delete(chain.filter(seq__lte=last.seq))  # what no dropped partition held
            count += removed
            AccessLog.written_by(
                actor, action=AccessLog.Action.DELETE, object_type="accesslog",
                object_id=str(last.seq), municipality_id=municipality_id, anchor=last.hash,
                detail=f"{removed} {ngettext('række', 'rækker', removed)} ældre end {date_da(horizon)} slettet (opbevaringsperiode), "
                       f"til og med nr. {last.seq}").save()
        return count


class AccessLog(models.Model):
    """Append-only record of every read of a child's data and every change (GDPR art. 9).

    child_id is a plain number, not a foreign key: the log must outlive the child's record
    (a citizen's access request asks who looked, also after deletion). A list view is one row
    whose `child_ids` holds every child it showed; `AccessLog.objects.for_child` finds both kinds.
    """

    class Action(models.TextChoices):
        VIEW = "vis", "Visning"
        LIST = "liste", "Vist i liste"
        CREATE = "opret", "Oprettelse"
        UPDATE = "ret", "Ændring"
        DELETE = "slet", "Sletning"
        DENIED = "afvist", "Afvist adgang"
        REFUSED = "naegtet", "Handling nægtet"  # a workflow rule refused the action (with its reason)
        SEARCH = "soeg", "Søgning"
        EXPORT = "eksport", "Udskrift/eksport"

    at = models.DateTimeField("tidspunkt", default=timezone.now)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    username = models.CharField("bruger", max_length=150)
    role = models.CharField("rolle", max_length=20, blank=True)
    action = models.CharField("handling", max_length=10, choices=Action.choices)
    object_type = models.CharField("objekttype", max_length=50)
    object_id = models.CharField("objekt-id", max_length=50, blank=True)
    child_id = models.BigIntegerField("barn-id", null=True, blank=True)
    # A list view: the children it showed (bigint[] with a GIN index on PostgreSQL).
    child_ids = IdListField("børn i listen", editable=False)
    municipality_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField("detaljer", max_length=255, blank=True)
    path = models.CharField("adresse", max_length=255, blank=True)
    # The municipality's hash chain (chain_digest): number, the previous row's hash, this row's.
    # Empty until the sealing job has chained the row.
    seq = models.BigIntegerField("nr.", null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    # A purge record only: the hash of the last row the purge removed, where the chain now starts.
    anchor = models.CharField(max_length=64, blank=True, editable=False)
    # Through what the action came (haandguide/actors.py), and a job's or client's name.
    actor_kind = models.CharField("via", max_length=12, blank=True, choices=ActorKind.choices)
    actor_label = models.CharField("aktør", max_length=100, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "adgangslog"
        verbose_name_plural = "adgangslog"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["child_id", "-at"], name="accesslog_child_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["-at"], name="accesslog_at"),
            # A municipality's log newest first (the search page and the admin's changelist): read
            # from each month's index in order, not filtered out of every municipality's rows.
            models.Index(fields=["municipality_id", "-at", "-id"], name="accesslog_municipality_at"),
            # Not unique: on PostgreSQL the table is partitioned by `at`, and a unique index must
            # include it. Only the sealer numbers rows, under the chain's lock; verification finds a
            # number twice.
            models.Index(fields=["municipality_id", "seq"], name="accesslog_chain_seq_idx"),
            models.Index(fields=["municipality_id", "at"], condition=Q(seq__isnull=True), name="accesslog_unsealed"),
            # Where the purges cut each chain: verification looks a cut up by its number.
            models.Index(fields=["municipality_id", "object_id"], condition=Q(action="slet", object_type="accesslog"),
                         name="accesslog_purge_cuts"),
        ]

    @classmethod
    def written_by(cls, actor, **fields) -> AccessLog:
        """An unsaved row as `actor` (haandguide.actors.Actor) writes it: who, in which role and
        municipality, through what. `fields` may override the municipality (a denial, a job)."""
        row = {"user": actor.user if actor.is_authenticated else None, "username": actor.name, "role": actor.role,
               "municipality_id": actor.municipality_id, "actor_kind": actor.kind, "actor_label": actor.label,
               "path": actor.path}
        return cls(**(row | fields))

    @property
    def via(self) -> str:
        """"Planlagt job: agendas_close_due", "Medarbejder i browseren", … (empty for older rows)."""
        kind = self.get_actor_kind_display() if self.actor_kind else ""
        return f"{kind}: {self.actor_label}" if kind and self.actor_label else kind

    def normalise(self) -> None:
        """What is stored (and hashed): no CPR number in free text, every field within its length."""
        self.username = self.username[:150]
        self.actor_label = self.actor_label[:100]
        self.object_type = self.object_type[:50]
        self.object_id = self.object_id[:50]
        self.detail = cprlib.scrub(self.detail)[:255]
        self.path = cprlib.scrub(self.path)[:255]

    def save(self, *args, **kwargs):
        """One plain insert, unsealed: the sealing job numbers and hashes it within a minute."""
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Adgangsloggen kan ikke ændres.")
        self.normalise()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Adgangsloggen kan ikke slettes fra appen.")

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.username} {self.get_action_display()} {self.object_type} {self.object_id}"


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user) -> "NoticeQuerySet":
        """The user's own messages; one about a child only while the child is in the user's scope
        (a child moved to another institution takes its evaluation reminders with it)."""
        from haandguide import roles
        return self.for_scope(*roles.child_scope(user), user.pk)

    def for_scope(self, kind: str, ids: tuple, user_id: int) -> "NoticeQuerySet":
        """`for_user` with the user's child scope spelled out (`roles.child_scope`)."""
        return self.filter(user_id=user_id).filter(
            models.Q(child__isnull=True) | models.Q(child__in=Child.objects.in_scope(kind, ids)))


class Notice(models.Model):
    """An in-app message to one user: agenda ready, draft deadline near, re-assessment due,
    evaluation due or overdue. The one message store of every app (`haandguide.notify.notify`).

    `key` makes sending idempotent: a job that runs twice finds the row and sends nothing twice.
    `child` is set when the message is about one child, so retention removes it with the child's
    data and the list hides it when the child leaves the user's scope; the text never names the child.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=200)
    subject = models.CharField("emne", max_length=200)
    body = models.TextField("besked", blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "besked"
        verbose_name_plural = "beskeder"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_once_per_key")]
        indexes = [models.Index(fields=["user", "seen_at", "-created_at"], name="notice_user_unseen")]

    objects = NoticeQuerySet.as_manager()

    def __str__(self) -> str:
        return self.subject

    @property
    def link(self) -> str:
        """Where the message leads, if it is a path in this app (never another site)."""
        url = self.url or ""
        return url if url.startswith("/") and not url.startswith("//") else ""
