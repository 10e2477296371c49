"""Master data in: idempotent upserts keyed by the municipality's external ids, one code path for
the API (one row or a nightly batch) and the administrator's file import.

How a batch is applied (the documented contract, also in the OpenAPI description):
1. Every row is validated first, against the batch and the database: a bad row is refused with a
   code and a Danish reason and changes nothing.
2. `mode="rows"` (the default) applies the valid rows; `mode="all"` applies nothing if any row is
   refused. Either way the writes of a batch happen in one transaction, so a batch is never
   half-applied: if the database refuses (e.g. a parallel change) the whole batch is refused.
3. A row equal to what we hold changes nothing and writes no log row ("uaendret"), so running the
   same sync twice changes nothing.

Children are matched by external id, then by CPR number within the municipality (a child typed in
by hand before the integration was switched on is adopted, not duplicated). A move to another
institution only changes `Child.institution`: the case, the plan and the history belong to the
child and go with it. A leaving date starts the retention clock (haandguide/retention.py).
Custodians are matched by the keyed digest of their CPR number (`Guardian.cpr_digest`); the number
itself is never stored. Bulk queries per batch, so 300,000 children take minutes (bench/sync.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from haandguide import roles
from haandguide.access import Action
from haandguide.actors import Actor
from haandguide.lib import cpr as cprlib
from haandguide.models import AccessLog, Child, District, Guardian, Institution, Municipality, Role, User
from integrations.models import ExternalRef

Kind = ExternalRef.Kind

CREATED, CHANGED, UNCHANGED, REFUSED = "oprettet", "aendret", "uaendret", "afvist"
MODES = ("rows", "all")


@dataclass
class RowResult:
    row: int
    external_id: str = ""
    status: str = ""
    code: str = ""
    reason: str = ""
    id: int | None = None
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "external_id": self.external_id, "status": self.status, "code": self.code,
                "reason": self.reason, "changed": self.changed}


class RowRefused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


# --- field parsing (the API's schema has already typed them; a file gives strings) --------------------


def _text(row: dict, key: str, label: str, *, required: bool = True, max_length: int = 100) -> str:
    value = row.get(key)
    value = "" if value is None else str(value).strip()
    if any(ord(c) < 32 for c in value):  # a NUL byte cannot even be stored in PostgreSQL
        raise RowRefused("text_invalid", f"{label} indeholder kontroltegn.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RowRefused("text_invalid", f"{label} indeholder tegn, der ikke kan gemmes.") from None
    if required and not value:
        raise RowRefused("field_missing", f"{label} mangler.")
    if len(value) > max_length:
        raise RowRefused("field_too_long", f"{label} er længere end {max_length} tegn.")
    return value


def _date(row: dict, key: str, label: str, *, required: bool = False) -> datetime.date | None:
    value = row.get(key)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise RowRefused("field_missing", f"{label} mangler.")
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowRefused("date_invalid", f"{label} «{text[:20]}» er ikke en dato (åååå-mm-dd eller dd-mm-åååå).")


def _cpr(row: dict, key: str = "cpr") -> str:
    try:
        return cprlib.normalise(row.get(key))
    except ValidationError as error:
        raise RowRefused("cpr_invalid", error.messages[0]) from None


def _bool(row: dict, key: str, default: bool) -> bool:
    value = row.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "ja", "true", "j", "x", "yes"):
        return True
    if text in ("0", "nej", "false", "n", "no"):
        return False
    raise RowRefused("bool_invalid", f"«{text[:20]}» skal være ja eller nej.")


# --- the common run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one valid row will do: the object to save (new or changed) and what changed."""

    result: RowResult
    obj: object = None
    fields: list[str] = field(default_factory=list)
    after: Callable[[], None] | None = None


def _run(rows: list[dict], *, mode: str, plan_rows: Callable[[list[dict], list[RowResult]], list[Plan]],
         apply: Callable[[list[Plan]], None], dry_run: bool = False) -> list[RowResult]:
    if mode not in MODES:
        raise ValueError(mode)
    results = [RowResult(row=i + 1, external_id=str((r or {}).get("external_id") or "")[:64]) for i, r in enumerate(rows)]
    plans = plan_rows(rows, results)
    refused = any(r.status == REFUSED for r in results)
    if dry_run:
        return results
    if mode == "all" and refused:
        for r in results:
            if r.status != REFUSED:
                r.status, r.code, r.reason = REFUSED, "batch_refused", "Ikke anvendt: andre rækker i kørslen blev afvist."
        return results
    try:
        with transaction.atomic():
            apply([p for p in plans if p.result.status in (CREATED, CHANGED)])
    except IntegrityError:
        for r in results:
            if r.status != REFUSED:
                r.status, r.code = REFUSED, "conflict"
                r.reason = "Kørslen blev ikke anvendt: data blev ændret samtidig. Send den igen."
    return results


def _refs(municipality: Municipality, kind: str, external_ids: Iterable[str]) -> dict[str, int]:
    ids = {e for e in external_ids if e}
    return dict(ExternalRef.objects.filter(municipality=municipality, kind=kind, external_id__in=ids)
                .values_list("external_id", "object_id"))


def _seen(seen: set, key, what: str) -> None:
    if key in seen:
        raise RowRefused("duplicate_in_batch", f"{what} står flere gange i kørslen.")
    seen.add(key)


def _each(rows: list[dict], results: list[RowResult], plan_row: Callable[[dict, RowResult], Plan]) -> list[Plan]:
    """`plan_row` for each row; a RowRefused marks that row refused and plans nothing for it."""
    plans = []
    for row, result in zip(rows, results):
        try:
            plans.append(plan_row(row if isinstance(row, dict) else {}, result))
        except RowRefused as refusal:
            result.status, result.code, result.reason = REFUSED, refusal.code, refusal.reason
    return plans


def _upsert(result: RowResult, obj, values: dict, new: Callable[[], object]) -> Plan:
    """Create (`new()`) when there is no object yet, else set `values` and note what changed."""
    if obj is None:
        result.status = CREATED
        return Plan(result, new())
    changed = [f for f, v in values.items() if getattr(obj, f) != v]
    result.id = obj.pk
    result.changed += changed
    result.status = CHANGED if result.changed else UNCHANGED
    for f, v in values.items():
        setattr(obj, f, v)
    return Plan(result, obj, changed)


def _log_rows(plans: list[Plan], object_type: str, child_of: Callable[[object], int | None], *, actor: Actor) -> None:
    rows = [
        AccessLog.written_by(
            actor, action=Action.CREATE if p.result.status == CREATED else Action.UPDATE, object_type=object_type,
            object_id=str(p.obj.pk), child_id=child_of(p.obj),
            detail=("Oprettet" if p.result.status == CREATED else "Ændrede felter: " + ", ".join(p.fields))
            + f" (eksternt id {p.result.external_id})")
        for p in plans
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


# --- institutions --------------------------------------------------------------------------------------


def _save_with_refs(plans: list[Plan], municipality: Municipality, kind: str) -> None:
    """Save each planned object (a few rows a night: institutions, staff) and map a new one's external id."""
    for p in plans:
        p.obj.save()
        if p.after:
            p.after()
        p.result.id = p.obj.pk
        if p.result.status == CREATED and kind:
            ExternalRef.objects.create(municipality=municipality, kind=kind, external_id=p.result.external_id,
                                       object_id=p.obj.pk)


def institutions_upsert(rows: list[dict], *, actor: Actor, municipality: Municipality,
                        mode: str = "rows", dry_run: bool = False) -> list[RowResult]:
    def plan_rows(rows, results):
        refs = _refs(municipality, Kind.INSTITUTION, (str(r.get("external_id") or "") for r in rows))
        existing = Institution.objects.in_bulk(refs.values())
        districts = {d.name.lower(): d for d in District.objects.filter(municipality=municipality)}
        seen = set()

        def plan_row(row, result):
            ext = _text(row, "external_id", "Eksternt id", max_length=64)
            _seen(seen, ext, "Det eksterne id")
            name = _text(row, "name", "Navn", max_length=150)
            kind = _text(row, "kind", "Type", required=False) or Institution.Kind.DAGINSTITUTION
            if kind not in Institution.Kind.values:
                raise RowRefused("kind_unknown", "Typen skal være daginstitution eller dagpleje.")
            district = districts.get(_text(row, "district", "Distrikt").lower())
            if district is None:
                raise RowRefused("district_unknown", "Distriktet findes ikke i kommunen.")
            values = {"name": name, "kind": kind, "district_id": district.pk}
            return _upsert(result, existing.get(refs.get(ext)), values, lambda: Institution(**values))

        return _each(rows, results, plan_row)

    def apply(plans):
        _save_with_refs(plans, municipality, Kind.INSTITUTION)
        _log_rows(plans, "institution", lambda obj: None, actor=actor)

    return _run(rows, mode=mode, plan_rows=plan_rows, apply=apply, dry_run=dry_run)


# --- children -------------------------------------------------------------------------------------------

CHILD_SYNC_FIELDS = ["institution_id", "first_name", "last_name", "cpr", "started_at", "left_at"]


def children_upsert(rows: list[dict], *, actor: Actor, municipality: Municipality,
                    mode: str = "rows", dry_run: bool = False) -> list[RowResult]:
    """Children with enrolment (`started_at`) and leaving (`left_at`) dates, keyed by external id."""

    def plan_rows(rows, results):
        refs = _refs(municipality, Kind.CHILD, (str(r.get("external_id") or "") for r in rows))
        inst_refs = _refs(municipality, Kind.INSTITUTION, (str(r.get("institution") or "") for r in rows))
        cprs = {cprlib.normalise(r.get("cpr")) for r in rows if cprlib.is_valid(r.get("cpr"))}
        children = {c.pk: c for c in Child.objects.filter(municipality=municipality).filter(
            Q(pk__in=list(refs.values())) | Q(cpr__in=list(cprs)))}
        by_cpr = {c.cpr: c for c in children.values() if c.cpr}
        ref_of = dict(ExternalRef.objects.filter(municipality=municipality, kind=Kind.CHILD,
                                                 object_id__in=children.keys()).values_list("object_id", "external_id"))
        seen_ext, seen_cpr = set(), set()

        def plan_row(row, result):
            ext = _text(row, "external_id", "Eksternt id", max_length=64)
            _seen(seen_ext, ext, "Det eksterne id")
            cpr = _cpr(row)
            _seen(seen_cpr, cpr, "CPR-nummeret")
            inst_ext = _text(row, "institution", "Institution (eksternt id)", max_length=64)
            if inst_ext not in inst_refs:
                raise RowRefused("institution_unknown", "Institutionen (eksternt id) findes ikke i kommunen.")
            values = {"institution_id": inst_refs[inst_ext],
                      "first_name": _text(row, "first_name", "Fornavn"),
                      "last_name": _text(row, "last_name", "Efternavn"),
                      "cpr": cpr,
                      "started_at": _date(row, "started_at", "Startdato", required=True),
                      "left_at": _date(row, "left_at", "Ophørsdato")}
            if values["left_at"] and values["left_at"] < values["started_at"]:
                raise RowRefused("left_before_start", "Ophørsdatoen ligger før startdatoen.")
            child = children.get(refs.get(ext))
            holder = by_cpr.get(cpr)
            if child is None and holder is not None:
                if holder.pk in ref_of:
                    raise RowRefused("cpr_other_external_id", "CPR-nummeret hører til et barn med et andet eksternt id.")
                child = holder  # typed in by hand before the integration: adopted, not duplicated
                result.changed.append("external_id")
            elif child is not None and holder is not None and holder.pk != child.pk:
                raise RowRefused("cpr_other_child", "CPR-nummeret hører til et andet barn i kommunen.")
            if child is not None and child.anonymised_at:
                raise RowRefused("child_anonymised", "Barnets oplysninger er slettet efter opbevaringsperioden.")
            values["birth_date"] = cprlib.birth_date(cpr)
            return _upsert(result, child, values, lambda: Child(municipality_id=municipality.pk, **values))

        return _each(rows, results, plan_row)

    def apply(plans):
        new = [p for p in plans if p.result.status == CREATED]
        Child.objects.bulk_create([p.obj for p in new], batch_size=2000)
        old = [p for p in plans if p.result.status == CHANGED]
        now = timezone.now()
        for p in old:
            p.obj.version = F("version") + 1
            p.obj.updated_at = now
        if old:
            Child.objects.bulk_update([p.obj for p in old], [*CHILD_SYNC_FIELDS, "birth_date", "version", "updated_at"],
                                      batch_size=2000)
        ExternalRef.objects.bulk_create(
            [ExternalRef(municipality=municipality, kind=Kind.CHILD, external_id=p.result.external_id, object_id=p.obj.pk)
             for p in plans if p.result.status == CREATED or "external_id" in p.result.changed], batch_size=2000)
        for p in new:
            p.result.id = p.obj.pk
        _log_rows(plans, "child", lambda obj: obj.pk, actor=actor)

    return _run(rows, mode=mode, plan_rows=plan_rows, apply=apply, dry_run=dry_run)


# --- custody -------------------------------------------------------------------------------------------


def custody_upsert(rows: list[dict], *, actor: Actor, municipality: Municipality,
                   mode: str = "rows", dry_run: bool = False) -> list[RowResult]:
    """A custodian of a child, matched by the keyed digest of their CPR number. `has_custody`
    false keeps the person as a parent without custody: consent is then no longer theirs to give
    (cases.services.refusal_consent asks `roles.custodians_of`), nor are letters addressed to them."""

    def plan_rows(rows, results):
        refs = _refs(municipality, Kind.CHILD, (str(r.get("child") or "") for r in rows))
        guardians = {(g.child_id, g.cpr_digest): g
                     for g in Guardian.objects.filter(child_id__in=refs.values()).exclude(cpr_digest="")}
        seen = set()

        def plan_row(row, result):
            child_ext = _text(row, "child", "Barn (eksternt id)", max_length=64)
            result.external_id = child_ext
            if child_ext not in refs:
                raise RowRefused("child_unknown", "Barnet (eksternt id) findes ikke i kommunen.")
            digest = cprlib.digest(_cpr(row, "cpr"))
            child_id = refs[child_ext]
            _seen(seen, (child_id, digest), "Forælderen til barnet")
            relation = _text(row, "relation", "Relation", required=False) or Guardian.Relation.VAERGE
            if relation not in Guardian.Relation.values:
                raise RowRefused("relation_unknown", "Relationen skal være mor, far eller vaerge.")
            email = _text(row, "email", "E-mail", required=False, max_length=254)
            if email and "@" not in email:
                raise RowRefused("email_invalid", "E-mailadressen er ikke gyldig.")
            values = {"name": _text(row, "name", "Navn", max_length=150), "relation": relation, "email": email,
                      "phone": _text(row, "phone", "Telefon", required=False, max_length=30),
                      "has_custody": _bool(row, "has_custody", True)}
            return _upsert(result, guardians.get((child_id, digest)), values,
                           lambda: Guardian(child_id=child_id, cpr_digest=digest, **values))

        return _each(rows, results, plan_row)

    def apply(plans):
        _save_with_refs(plans, municipality, "")
        _log_rows(plans, "guardian", lambda obj: obj.child_id, actor=actor)

    return _run(rows, mode=mode, plan_rows=plan_rows, apply=apply, dry_run=dry_run)


# --- staff memberships ----------------------------------------------------------------------------------

STAFF_ROLES = {"paedagog": Role.PAEDAGOG, "leder": Role.LEDER}


def memberships_upsert(rows: list[dict], *, actor: Actor, municipality: Municipality,
                       mode: str = "rows", dry_run: bool = False) -> list[RowResult]:
    """Staff (pædagoger and leaders) and the institutions they work at. An integration never
    makes a consultant or an administrator, and never sets a password: staff sign in through the
    municipality's identity provider."""

    def plan_rows(rows, results):
        refs = _refs(municipality, Kind.STAFF, (str(r.get("external_id") or "") for r in rows))
        inst_ext = {str(i) for r in rows if isinstance(r.get("institutions"), list) for i in r["institutions"]}
        inst_refs = _refs(municipality, Kind.INSTITUTION, inst_ext)
        users = User.objects.in_bulk(refs.values())
        usernames = {r.get("username") for r in rows if isinstance(r.get("username"), str)}
        taken = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        current = {}
        for user_id, inst_id in User.institutions.through.objects.filter(user_id__in=refs.values()).values_list(
                "user_id", "institution_id"):
            current.setdefault(user_id, set()).add(inst_id)
        seen = set()

        def plan_row(row, result):
            ext = _text(row, "external_id", "Eksternt id", max_length=64)
            _seen(seen, ext, "Det eksterne id")
            username = _text(row, "username", "Brugernavn", max_length=150)
            role = STAFF_ROLES.get(_text(row, "role", "Rolle").lower())
            if role is None:
                raise RowRefused("role_not_allowed", "Rollen skal være paedagog eller leder.")
            wanted = row.get("institutions") or []
            if not isinstance(wanted, list) or any(str(i) not in inst_refs for i in wanted):
                raise RowRefused("institution_unknown", "En institution (eksternt id) findes ikke i kommunen.")
            institutions = {inst_refs[str(i)] for i in wanted}
            values = {"username": username, "first_name": _text(row, "first_name", "Fornavn", required=False),
                      "last_name": _text(row, "last_name", "Efternavn", required=False),
                      "email": _text(row, "email", "E-mail", required=False, max_length=254),
                      "role": role, "is_active": _bool(row, "active", True)}
            user = users.get(refs.get(ext))
            if taken.get(username) not in (None, getattr(user, "pk", None)):
                raise RowRefused("username_taken", "Brugernavnet er allerede i brug.")
            if user is not None and not roles.is_institution_staff(user):
                raise RowRefused("role_not_allowed", "Brugeren har en rolle, som integrationen ikke styrer.")
            if user is not None and current.get(user.pk, set()) != institutions:
                result.changed.append("institutions")

            def new():
                created = User(municipality_id=municipality.pk, **values)
                created.set_unusable_password()
                return created

            plan = _upsert(result, user, values, new)
            plan.after = lambda u=plan.obj: u.institutions.set(institutions)
            return plan

        return _each(rows, results, plan_row)

    def apply(plans):
        _save_with_refs(plans, municipality, Kind.STAFF)
        _log_rows(plans, "user", lambda obj: None, actor=actor)

    return _run(rows, mode=mode, plan_rows=plan_rows, apply=apply, dry_run=dry_run)


UPSERTS = {"institutions": institutions_upsert, "children": children_upsert, "custody": custody_upsert,
           "memberships": memberships_upsert}
