"""The integration API, `/api/v1/`, on Django Ninja: typed schemas give the published OpenAPI 3
document (`/api/v1/openapi.json`) from the same code that validates the requests.

Each client authenticates with its key (`Authorization: Bearer hg_…`), is scoped to one
municipality and to the operations the administrator granted it, and acts as
`Actor.client(client)`: every change and every refusal is in the access log under its name.
Another municipality's external ids simply do not resolve (the row is refused as unknown, and the
refusal is logged), so nothing tells whether they exist elsewhere.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, NinjaAPI, Path, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator, StrictBool

from haandguide.access import Action
from haandguide.actors import Actor, ActorKind
from haandguide.models import AccessLog
from integrations import sync
from integrations.models import ApiClient, Operation

EXTERNAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
MAX_ROWS = 5000


def _real_date(value: str) -> str:
    datetime.date.fromisoformat(value)  # ValueError → 422, as the document's "format: date" says
    return value


# Dates as ISO strings that must be real dates: never a number read as a Unix time.
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"}),
                    AfterValidator(_real_date)]

DESCRIPTION = """Stamdata ind fra kommunens systemer (KMD Institution, IST, integrationsplatform).

**Idempotent:** hver operation er en upsert nøglet på kommunens eksterne id (børn også på CPR-nummer,
forældre på CPR-nummer pr. barn). Samme kald to gange ændrer intet anden gang (`status: uaendret`).

**Én række** (`PUT`): `200` med `status` oprettet/aendret/uaendret, eller `409` når rækken afvises
(kode og dansk begrundelse i svaret). **Kørsler (`/sync/…`):** alle rækker valideres først. En afvist række får en kode og en dansk
begrundelse og ændrer intet. `mode: rows` anvender de gyldige rækker, `mode: all` anvender intet,
hvis blot én række afvises. En kørsel skrives i én transaktion og er aldrig halvt anvendt.
Højst 5.000 rækker pr. kald; en natlig fuld synkronisering sendes i flere kald.

**Adgang:** `Authorization: Bearer <nøgle>`; nøglen oprettes og skiftes af kommunens administrator
og gælder én kommune og de operationer, administratoren har givet klienten.
"""


class ClientKey(HttpBearer):
    def authenticate(self, request, token):
        client = ApiClient.by_key(token)
        if client is None:
            return None
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        request.actor = Actor.client(client, path=request.path)
        return client


api = NinjaAPI(title="Haandguide integrations-API", version="1.0.0", description=DESCRIPTION,
               auth=ClientKey(), urls_namespace="api-v1", docs_url=None)


class Problem(Schema):
    detail: str


@api.exception_handler(AuthenticationError)
def refused_key(request, exc):
    """A missing, wrong or revoked key: 401, logged (the log has no client to name, so it keeps
    the address and the first characters of what was presented)."""
    header = request.headers.get("Authorization", "")
    shown = header.split(" ", 1)[-1][:9] if header else "(ingen)"
    AccessLog.written_by(Actor(kind=ActorKind.CLIENT, label="ukendt nøgle", path=request.path),
                         action=Action.DENIED, object_type="api", detail=f"Ugyldig API-nøgle: {shown}").save()
    return api.create_response(request, {"detail": "Manglende eller ugyldig API-nøgle."}, status=401)


@api.exception_handler(NinjaValidationError)
def invalid_request(request, exc):
    return api.create_response(request, {"detail": "Forespørgslen passer ikke til skemaet.", "errors": exc.errors},
                               status=422)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """Ninja's own refusals (400: a body that is not JSON), in Danish."""
    detail = "Forespørgslens indhold kan ikke læses som JSON." if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


class ValidationProblem(Schema):
    detail: str
    errors: list[dict]


def _require(request, operation: str):
    client: ApiClient = request.auth
    if not client.may(operation):
        return api.create_response(
            request, {"detail": f"Klienten har ikke adgang til operationen «{operation}»."}, status=403)
    return None


# --- schemas ---------------------------------------------------------------------------------------------

Text = Field(..., min_length=1, max_length=100)


class InstitutionIn(Schema):
    name: str = Field(..., min_length=1, max_length=150)
    district: str = Field(..., min_length=1, max_length=100, description="Distriktets navn, fx «Nord».")
    kind: Literal["daginstitution", "dagpleje"] = "daginstitution"


class ChildIn(Schema):
    cpr: str = Field(..., max_length=11, description="10 cifre, evt. med bindestreg.")
    first_name: str = Text
    last_name: str = Text
    institution: str = Field(..., pattern=EXTERNAL_ID, description="Institutionens eksterne id.")
    started_at: IsoDate = Field(..., description="Indskrivningsdato.")
    left_at: IsoDate | None = Field(None, description="Ophørsdato; starter opbevaringsfristen.")


class CustodyIn(Schema):
    cpr: str = Field(..., max_length=11, description="Forælderens CPR-nummer; gemmes kun som nøglet hash.")
    name: str = Field(..., min_length=1, max_length=150)
    relation: Literal["mor", "far", "vaerge"] = "vaerge"
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    has_custody: StrictBool = True


class StaffIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    role: Literal["paedagog", "leder"]
    institutions: list[Annotated[str, Field(pattern=EXTERNAL_ID)]] = Field(
        default_factory=list, max_length=50, description="Institutionernes eksterne id'er.")
    active: StrictBool = True


class RowOut(Schema):
    row: int
    external_id: str
    status: Literal["oprettet", "aendret", "uaendret", "afvist"]
    code: str = Field("", description="Stabil kode for en afvisning, fx `cpr_invalid`.")
    reason: str = Field("", description="Dansk begrundelse for en afvisning.")
    changed: list[str]


class BatchOut(Schema):
    applied: bool
    counts: dict[str, int]
    results: list[RowOut]


class InstitutionRow(InstitutionIn):
    external_id: str = Field(..., pattern=EXTERNAL_ID)


class ChildRow(ChildIn):
    external_id: str = Field(..., pattern=EXTERNAL_ID)


class CustodyRow(CustodyIn):
    child: str = Field(..., pattern=EXTERNAL_ID, description="Barnets eksterne id.")


class StaffRow(StaffIn):
    external_id: str = Field(..., pattern=EXTERNAL_ID)


Mode = Literal["rows", "all"]


class InstitutionBatch(Schema):
    mode: Mode = "rows"
    rows: list[InstitutionRow] = Field(..., max_length=MAX_ROWS)


class ChildBatch(Schema):
    mode: Mode = "rows"
    rows: list[ChildRow] = Field(..., max_length=MAX_ROWS)


class CustodyBatch(Schema):
    mode: Mode = "rows"
    rows: list[CustodyRow] = Field(..., max_length=MAX_ROWS)


class StaffBatch(Schema):
    mode: Mode = "rows"
    rows: list[StaffRow] = Field(..., max_length=MAX_ROWS)


ERRORS = {400: Problem, 401: Problem, 403: Problem, 422: ValidationProblem}
# 409: the request was well-formed, but the row is refused against what the municipality holds
# (an unknown institution, an invalid CPR number, a CPR number of another child …): code and reason.
SINGLE = {200: RowOut, 409: RowOut, **ERRORS}
BATCH = {200: BatchOut, **ERRORS}


# --- running an operation -------------------------------------------------------------------------------


def _log_refused(request, kind: str, results) -> None:
    rows = [AccessLog.written_by(request.actor, action=Action.REFUSED, object_type=f"api:{kind}",
                                 object_id=r.external_id, detail=f"Nægtet [{r.code}]: række {r.row}: {r.reason}")
            for r in results if r.status == sync.REFUSED]
    if rows:
        AccessLog.objects.bulk_create(rows)


def _single(request, operation: str, kind: str, row: dict):
    if (refused := _require(request, operation)) is not None:
        return refused
    result = sync.UPSERTS[kind]([row], actor=request.actor, municipality=request.auth.municipality)[0]
    _log_refused(request, kind, [result])
    return Status(409 if result.status == sync.REFUSED else 200, result.as_dict())


def _batch(request, operation: str, kind: str, batch):
    if (refused := _require(request, operation)) is not None:
        return refused
    results = sync.UPSERTS[kind]([r.dict() for r in batch.rows], actor=request.actor,
                                 municipality=request.auth.municipality, mode=batch.mode)
    _log_refused(request, kind, results)
    counts = {s: 0 for s in (sync.CREATED, sync.CHANGED, sync.UNCHANGED, sync.REFUSED)}
    for r in results:
        counts[r.status] += 1
    applied = counts[sync.CREATED] + counts[sync.CHANGED] + counts[sync.UNCHANGED] > 0
    return Status(200, {"applied": applied, "counts": counts, "results": [r.as_dict() for r in results]})


ExternalId = Path(..., pattern=EXTERNAL_ID)


@api.put("/institutions/{external_id}", response=SINGLE, tags=["institutioner"], operation_id="institution_upsert")
def institution_upsert(request, external_id: str = ExternalId, data: InstitutionIn = ...):
    """Opret eller ret en institution (kræver operationen `institutions`)."""
    return _single(request, Operation.INSTITUTIONS, "institutions", {**data.dict(), "external_id": external_id})


@api.put("/children/{external_id}", response=SINGLE, tags=["børn"], operation_id="child_upsert")
def child_upsert(request, external_id: str = ExternalId, data: ChildIn = ...):
    """Opret eller ret et barn med indskrivning og evt. ophør (kræver `children`). Et barn, der
    flytter institution, beholder sin sag og historik."""
    return _single(request, Operation.CHILDREN, "children", {**data.dict(), "external_id": external_id})


@api.put("/children/{external_id}/custody", response=SINGLE, tags=["forældremyndighed"], operation_id="custody_upsert")
def custody_upsert(request, external_id: str = ExternalId, data: CustodyIn = ...):
    """Opret eller ret en forælder til barnet, nøglet på forælderens CPR-nummer (kræver `custody`)."""
    return _single(request, Operation.CUSTODY, "custody", {**data.dict(), "child": external_id})


@api.put("/staff/{external_id}", response=SINGLE, tags=["medarbejdere"], operation_id="staff_upsert")
def staff_upsert(request, external_id: str = ExternalId, data: StaffIn = ...):
    """Opret eller ret en medarbejder (pædagog eller leder) og de institutioner, personen er
    tilknyttet (kræver `memberships`). Ingen adgangskode: personalet logger ind via kommunens IdP."""
    return _single(request, Operation.MEMBERSHIPS, "memberships", {**data.dict(), "external_id": external_id})


@api.post("/sync/institutions", response=BATCH, tags=["kørsler"], operation_id="institutions_sync")
def institutions_sync(request, batch: InstitutionBatch):
    return _batch(request, Operation.INSTITUTIONS, "institutions", batch)


@api.post("/sync/children", response=BATCH, tags=["kørsler"], operation_id="children_sync")
def children_sync(request, batch: ChildBatch):
    """Den natlige fulde synkronisering af børn, i kald af højst 5.000 rækker."""
    return _batch(request, Operation.CHILDREN, "children", batch)


@api.post("/sync/custody", response=BATCH, tags=["kørsler"], operation_id="custody_sync")
def custody_sync(request, batch: CustodyBatch):
    return _batch(request, Operation.CUSTODY, "custody", batch)


@api.post("/sync/staff", response=BATCH, tags=["kørsler"], operation_id="staff_sync")
def staff_sync(request, batch: StaffBatch):
    return _batch(request, Operation.MEMBERSHIPS, "memberships", batch)


def urlpatterns():
    """The API's URLs, exempt from the staff login (a client is never a staff login; every
    operation demands its key)."""
    patterns = api.urls[0]
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns
