"""The parents' portal's actions. Each takes who acts (`actor`: a PARENT actor, `Actor.parent`, or
a staff member publishing a letter) and logs through haandguide/access.py like every other service.

Signing in starts a portal session in the given Django session (never a staff `User` login):
`sign_in_custodian` is the one call for the municipality's citizen login (OpenID Connect, the CPR
claim), `link_sign_in` for the embedded default, a one-time link sent by e-mail.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Consent, ConsentPurpose
from cases.services import record_event
from districtcouncil.models import Letter, Submission, SubmissionApproval, SubmissionState
from handleplan.content import new_version
from handleplan.models import EMPTY_TEXTS, Handleplan
from haandguide import roles
from haandguide.access import Action, log_access, rows_for_child
from haandguide.actors import Actor, ActorKind
from haandguide.exceptions import Refusal, Refused
from haandguide.lib import cpr as cprlib
from haandguide.lib.mail import absolute_url, send_templated
from haandguide.models import AccessLog, Child, Guardian, Municipality, Role
from portal.models import LetterDelivery, LetterReceipt, PortalSettings, SignInLink
from portal.scope import SESSION_KEY, Custodian, person_of

LINK_MINUTES = 15
# At most this many sign-in links per address and municipality an hour: the request form is open to
# anyone, so without a cap it could flood a parent's inbox (or the mail relay). Counted from the
# links themselves, so the cap holds across workers and restarts.
LINKS_PER_HOUR = 5
Event = CaseEvent.Action


# --- signing in -----------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_request(*, email: str, now: datetime.datetime | None = None) -> int:
    """Send a one-time sign-in link to `email` if it is a custodian's address on record (one link per
    municipality that knows it). The page says the same whatever the answer, so it is no oracle for
    who is registered. Returns the number of links sent (for tests)."""
    now = now or timezone.now()
    email = (email or "").strip().lower()
    if not email:
        return 0
    rows = list(Guardian.objects.filter(email__iexact=email, has_custody=True, child__anonymised_at__isnull=True)
                .select_related("child").order_by("pk"))
    sent = 0
    for municipality_id in sorted({g.child.municipality_id for g in rows if g.child.municipality_id}):
        guardian = next(g for g in rows if g.child.municipality_id == municipality_id)
        if _links_last_hour(municipality_id, email, now) >= LINKS_PER_HOUR:
            log_access(Actor.parent(guardian), Action.REFUSED, object_type="signinlink",
                       detail=f"Nægtet [link_rate]: højst {LINKS_PER_HOUR} login-links i timen til samme adresse")
            continue
        token = secrets.token_urlsafe(32)
        link = SignInLink.objects.create(municipality_id=municipality_id, guardian=guardian,
                                         token_hash=_token_hash(token), created_at=now,
                                         expires_at=now + datetime.timedelta(minutes=LINK_MINUTES))
        send_templated("portal/email/sign_in_link",
                       {"url": absolute_url(reverse("portal:link", args=[token])), "minutes": LINK_MINUTES},
                       [guardian.email])
        log_access(Actor.parent(guardian), Action.CREATE, object_type="signinlink", object_id=link.pk,
                   detail="Login-link til forældreportalen sendt pr. e-mail")
        sent += 1
    return sent


def _links_last_hour(municipality_id: int, email: str, now: datetime.datetime) -> int:
    return SignInLink.objects.filter(municipality_id=municipality_id, guardian__email__iexact=email,
                                     created_at__gt=now - datetime.timedelta(hours=1)).count()


def link_sign_in(session, *, token: str, now: datetime.datetime | None = None) -> Custodian:
    """Redeem a one-time link: valid `LINK_MINUTES`, usable once; then start the portal session."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (SignInLink.objects.select_for_update(of=("self",)).select_related("guardian__child")
                .filter(token_hash=_token_hash(token or "")).first())
        if link is None:
            raise Refused("link_unknown", "Linket er ikke gyldigt. Bed om et nyt link til forældreportalen.")
        if link.used_at is not None:
            raise Refused("link_used", "Linket er allerede brugt. Et link kan kun bruges én gang – bed om et nyt.")
        if now >= link.expires_at:
            raise Refused("link_expired", f"Linket er udløbet: det gælder i {LINK_MINUTES} minutter. Bed om et nyt.")
        link.used_at = now
        link.save(update_fields=["used_at"])
        custodian = _person(link.municipality_id, emails=[link.guardian.email], via="link")
        _start_session(session, custodian)
    return custodian


def sign_in_custodian(session, *, municipality: Municipality | int, cpr: str, via: str = "oidc") -> Custodian:
    """The citizen login's one call (OpenID Connect, MitID through NemLog-in): the CPR claim is
    compared as the keyed hash `Guardian.cpr_digest`, never stored, logged or put in a URL. Starts
    the portal session in `session` (the request's) and logs it; refuses someone without custody."""
    try:
        digest = cprlib.digest(cpr)
    except ValidationError:
        raise Refused("cpr_invalid", "Login-tjenesten sendte ikke et gyldigt CPR-nummer.") from None
    custodian = _person(getattr(municipality, "pk", municipality), cpr_digests=[digest], via=via)
    _start_session(session, custodian)
    return custodian


def _person(municipality_id: int, *, cpr_digests=(), emails=(), via: str) -> Custodian:
    rows = list(roles.custody_rows_of_person(municipality_id, cpr_digests=cpr_digests, emails=emails)
                .select_related("child").order_by("pk"))
    if not rows:
        raise Refused("not_custodian", "Du er ikke registreret med forældremyndighed over et barn i kommunens dagtilbud. "
                      "Kontakt dit barns institution.")
    first = person_of(rows, via=via)
    # One step further: a row with only the CPR digest or only the e-mail is the same person.
    rows = list(roles.custody_rows_of_person(municipality_id, cpr_digests=first.cpr_digests, emails=first.emails)
                .select_related("child").order_by("pk"))
    return person_of(rows, via=via)


def _start_session(session, custodian: Custodian) -> None:
    if session.get("_auth_user_id"):
        raise Refused("staff_session", "Du er logget ind som medarbejder. Log ud, før du bruger forældreportalen.")
    session.cycle_key()  # a new session id at sign-in (session fixation)
    session[SESSION_KEY] = custodian.to_session()
    guardian = Guardian.objects.select_related("child").get(pk=custodian.guardian_id)
    how = "login-link" if custodian.via == "link" else "kommunens borgerlogin"
    log_access(Actor.parent(guardian), Action.CREATE, object_type="portalsession", object_id=guardian.pk,
               detail=f"Logget ind i forældreportalen ({how})")


def sign_out(session, *, actor: Actor) -> None:
    log_access(actor, Action.UPDATE, object_type="portalsession", object_id=getattr(actor.party, "pk", ""),
               detail="Logget ud af forældreportalen")
    session.flush()


# --- consent ---------------------------------------------------------------------------------------


def _own_row(*, actor: Actor, guardian: Guardian, child) -> None:
    """The guardian row is the acting person's own, with custody of this child (the portal's scope
    finds it; this guards a service called from elsewhere)."""
    if actor.kind != ActorKind.PARENT or guardian is None or not roles.is_custodian_of(guardian, child):
        raise Refused("not_custodian", "Kun en forælder med forældremyndighed kan give eller trække samtykke tilbage.")


def purposes_for(child: Child) -> QuerySet[ConsentPurpose]:
    return ConsentPurpose.objects.filter(municipality_id=child.municipality_id, active=True).order_by("name")


def consent_give(*, actor: Actor, child: Child, guardian: Guardian, purpose: ConsentPurpose) -> Consent:
    """A custodian gives consent to one purpose online; effective at once for the rules that read
    consent (`cases.services.refusal_consent`)."""
    _own_row(actor=actor, guardian=guardian, child=child)
    if purpose.municipality_id != child.municipality_id or not purpose.active:
        raise Refused("consent_purpose_unknown", "Samtykkeformålet findes ikke.")
    with transaction.atomic():
        Guardian.objects.select_for_update().filter(pk=guardian.pk).first()  # one give at a time per person
        if Consent.objects.active().filter(guardian=guardian, purpose=purpose).exists():
            raise Refused("consent_exists", f"Du har allerede givet samtykke til «{purpose.name}».")
        consent = Consent.objects.create(child=child, guardian=guardian, purpose=purpose,
                                         given_on=timezone.localdate(), form="skriftligt",
                                         channel=Consent.Channel.PORTAL, recorded_by=None)
        case = Case.objects.of_child(child)
        if case:
            record_event(case, None, Event.CONSENT_GIVEN, reason=f"{guardian.name} (forældreportalen): {purpose.name}")
        log_access(actor, Action.CREATE, consent, detail=f"Samtykke givet i forældreportalen: {purpose.name}")
    return consent


def consent_withdraw(*, actor: Actor, consent: Consent, guardian: Guardian) -> Consent:
    """A custodian withdraws their own consent online; the next action that needs it is blocked at once."""
    _own_row(actor=actor, guardian=guardian, child=consent.child)
    if consent.guardian_id != guardian.pk:
        raise Refused("not_own_consent", "Du kan kun trække dit eget samtykke tilbage.")
    with transaction.atomic():
        consent = Consent.objects.select_for_update(of=("self",)).select_related("purpose").get(pk=consent.pk)
        if consent.withdrawn_at:
            raise Refused("consent_withdrawn", "Samtykket er allerede trukket tilbage.")
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_channel = Consent.Channel.PORTAL
        consent.save(update_fields=["withdrawn_at", "withdrawn_channel"])
        case = Case.objects.of_child(consent.child_id)
        if case:
            record_event(case, None, Event.CONSENT_WITHDRAWN,
                         reason=f"{guardian.name} (forældreportalen): {consent.purpose.name}")
        log_access(actor, Action.UPDATE, consent, detail=f"Samtykke trukket tilbage i forældreportalen: {consent.purpose.name}")
    return consent


# --- the with-CPR submission's signature ----------------------------------------------------------


def submission_approve(*, actor: Actor, submission: Submission, guardian: Guardian) -> SubmissionApproval:
    """A custodian approves a with-CPR submission online: the signature the CPR track needs. When
    every custodian has approved, the leader can send it without a scanned declaration."""
    _own_row(actor=actor, guardian=guardian, child=submission.child_id)
    if submission.child_id != guardian.child_id or submission.track != Submission.Track.WITH_CPR:
        raise Refused("not_for_approval", "Indstillingen skal ikke godkendes af dig.")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state != SubmissionState.KLADDE:
            raise Refused("submission_sent", "Indstillingen er allerede sendt og kan ikke længere godkendes.")
        if SubmissionApproval.objects.filter(submission=submission, guardian=guardian).exists():
            raise Refused("already_approved", "Du har allerede godkendt indstillingen.")
        approval = SubmissionApproval.objects.create(submission=submission, guardian=guardian)
        case = Case.objects.of_child(submission.child_id)
        if case:
            record_event(case, None, Event.CONSENT_GIVEN,
                         reason=f"{guardian.name} godkendte indstillingen i forældreportalen")
        log_access(actor, Action.CREATE, approval, child_id=submission.child_id,
                   detail="Indstilling med CPR godkendt (underskrevet) i forældreportalen")
    return approval


# --- the parents' perspective ---------------------------------------------------------------------


def perspective_write(*, actor: Actor, child: Child, guardian: Guardian, text: str, version: int) -> Handleplan:
    """Write the parents' perspective into the plan as a new version attributed to the custodian.
    `version` is the plan version the form was opened at: a version saved meanwhile that changed
    the perspective refuses (nothing silently overwritten), the typed text is shown again."""
    _own_row(actor=actor, guardian=guardian, child=child)
    text = (text or "").strip()
    if not text:
        raise Refused("perspective_empty", "Skriv jeres perspektiv, før I gemmer.")
    if len(text) > 5000:
        raise Refused("perspective_too_long", "Perspektivet må højst være 5.000 tegn.")
    case = Case.objects.of_child(child)
    if case is None or not Handleplan.objects.filter(case=case).exists():
        raise Refused("no_plan", "Institutionen har endnu ikke lavet en handleplan for barnet.")
    if not case.is_open:
        raise Refused("case_not_open", "Sagen er afsluttet; handleplanen kan ikke længere ændres.")
    with transaction.atomic():
        plan = Handleplan.objects.select_for_update(of=("self",)).select_related("current").get(case=case)
        texts = {**EMPTY_TEXTS, **plan.texts}
        if version != plan.version:
            based_on = plan.versions.filter(number=version).first()
            before = (based_on.content.get("texts", {}) if based_on else {}).get("parents", "")
            if before != texts.get("parents", ""):
                raise Refused("perspective_conflict", "Forældrenes perspektiv er ændret, mens du skrev. Se den nye tekst "
                              "nedenfor og gem igen – din tekst står stadig i feltet.")
        if texts.get("parents", "") == text:
            return plan
        texts["parents"] = text
        new = new_version(plan, None, "Forældrenes perspektiv skrevet i forældreportalen", texts=texts,
                          guardian=guardian)
        record_event(case, None, Event.HANDLEPLAN,
                     reason=f"Forældrenes perspektiv skrevet af {guardian.name} (version {new.number})")
        log_access(actor, Action.UPDATE, plan, child_id=child.pk,
                   detail=f"Forældrenes perspektiv, handleplan version {new.number}")
    return plan


# --- letters ----------------------------------------------------------------------------------------


def publish_letter_refusal(letter: Letter, *, actor: Actor) -> Refusal | None:
    """The institution's leader publishes by hand; the municipality's outbox (integrations, a job
    actor) publishes each letter when the municipality has the portal channel switched on."""
    if actor.kind != ActorKind.JOB and not roles.leads(actor.user, letter.decision.institution_id):
        return Refusal("not_leader", "Kun institutionens leder kan sende brevet til forældreportalen.")
    if letter.decision.child_id is None:
        return Refusal("no_child", "Brevet gælder en børnegruppe og har ingen forældre at sende til.")
    if LetterDelivery.objects.filter(letter=letter).exists():
        return Refusal("letter_published", "Brevet er allerede sendt til forældreportalen.")
    return None


def publish_letter(letter: Letter, *, actor: Actor) -> LetterDelivery:
    """Make a letter visible in the portal to the child's custodians and tell each by e-mail that a
    letter is waiting (never its content). The leader then sees who read it, and when."""
    refusal = publish_letter_refusal(letter, actor=actor)
    if refusal:
        raise Refused(refusal)
    with transaction.atomic():
        Letter.objects.select_for_update().filter(pk=letter.pk).defer("pdf").first()  # two leaders at once
        if LetterDelivery.objects.filter(letter=letter).exists():
            raise Refused("letter_published", "Brevet er allerede sendt til forældreportalen.")
        delivery = LetterDelivery.objects.create(letter=letter, published_by=actor.user)
        child_id = letter.decision.child_id
        recipients = [g.email for g in roles.custodians_of(child_id) if g.email]
        case = Case.objects.of_child(child_id)
        if case:
            record_event(case, actor.user, Event.LETTER,
                         reason="Brev lagt i forældreportalen")
        log_access(actor, Action.CREATE, delivery, child_id=child_id, detail="Brev lagt i forældreportalen")
        url = absolute_url(reverse("portal:home"))
        for recipient in recipients:  # one e-mail each: a parent never sees the other's address
            transaction.on_commit(lambda to=recipient: send_templated("portal/email/letter_waiting", {"url": url}, [to]))
    return delivery


def letter_custodians(letter: Letter) -> list[Guardian]:
    """The custodians a published letter is for (the receipts the leader sees are per custodian)."""
    return list(roles.custodians_of(letter.decision.child_id).order_by("pk")) if letter.decision.child_id else []


def letter_read(*, actor: Actor, letter: Letter, guardian: Guardian) -> LetterReceipt:
    """The custodian opened the letter: the first opening is the read receipt the leader sees."""
    _own_row(actor=actor, guardian=guardian, child=letter.decision.child_id)
    receipt, created = LetterReceipt.objects.get_or_create(delivery=letter.portal_delivery, guardian=guardian)
    log_access(actor, Action.VIEW, letter, child_id=letter.decision.child_id,
               detail="Brev læst i forældreportalen" + (" (første gang)" if created else ""))
    return receipt


# --- indsigt: who accessed the child's data -------------------------------------------------------


def access_rows(child: Child) -> QuerySet[AccessLog]:
    """The access log's rows about this child, newest first, its list views included: the one
    function indsigt reads through (`access.rows_for_child`), in the child's municipality."""
    return rows_for_child(child.pk, municipality_id=child.municipality_id)


def shows_staff_names(municipality_id: int) -> bool:
    settings_row = PortalSettings.objects.filter(municipality_id=municipality_id).first()
    return bool(settings_row and settings_row.show_staff_names)


def who_label(row: AccessLog, *, names: bool) -> str:
    """Who accessed, as the parents see it: a staff member by name or by role (the municipality's
    choice), a parent as "Forælder", a job as "Systemet"."""
    if row.actor_kind == ActorKind.PARENT:
        return f"Forælder ({row.actor_label})" if row.actor_label else "Forælder"
    if row.actor_kind == ActorKind.JOB:
        return "Systemet (planlagt job)"
    role = dict(Role.choices).get(row.role) or "Medarbejder"
    return f"{row.username} ({role})" if names and row.username else role
