"""The parents' portal's pages: thin views over portal/scope.py (what a parent may see) and
portal/services.py (what they do). A parent never has a staff login: these views are open to the
login middleware (`login_not_required`) and admit only a portal session (`parent_view`); a staff
member's session is refused here, and a parent's session opens no staff URL (no `User`)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import Consent
from districtcouncil import scope as council_scope
from haandguide.access import NewestFirst, log_children_listed
from haandguide.actors import Actor, ActorKind
from haandguide.exceptions import Refused
from haandguide.lib.pages import page_of, page_without_count
from haandguide.models import Guardian
from portal import scope, services
from portal.forms import LinkRequestForm, PerspectiveForm
from portal.models import LetterReceipt, SignInLink


def _staff_refused(request):
    return render(request, "portal/staff_refused.html", status=403)


def parent_view(view):
    """A portal page: a signed-in custodian (`request.custodian`, `request.actor` a PARENT actor),
    otherwise the sign-in page; a staff session is refused (403, logged)."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return _staff_refused(request)
        custodian = scope.custodian_of(request)
        guardian = None
        if custodian is not None:
            guardian = (Guardian.objects.select_related("child").filter(pk=custodian.guardian_id).first()
                        or custodian.rows().select_related("child").first())
        if guardian is None:  # not signed in, or the person no longer has custody of any child
            request.session.pop(scope.SESSION_KEY, None)
            return redirect("portal:sign_in")
        request.custodian = custodian
        request.actor = Actor.parent(guardian, path=request.path)
        return view(request, *args, **kwargs)

    return wrapper


@parent_view
def home(request):
    children = list(scope.children_of(request.custodian))
    log_children_listed(request.actor, children, detail="Forældreportalen: mine børn")
    return render(request, "portal/home.html", {"children": children})


def sign_in_citizen(request, provider, verified):
    """The citizen login's handler (`sso.handlers`, registered for `Audience.CITIZEN` in
    `PortalConfig.ready`): the provider's verified CPR claim signs the custodian in through
    `services.sign_in_custodian`; a refusal goes back to the sign-in view as `SignInRefused`."""
    from sso.handlers import SignInRefused

    if request.user.is_authenticated:
        raise SignInRefused("staff_session", "Du er logget ind som medarbejder. Log ud, før du bruger forældreportalen.")
    cpr = str(verified.claims.get(provider.cpr_claim) or "") if provider.cpr_claim else ""
    try:
        services.sign_in_custodian(request.session, municipality=provider.municipality_id, cpr=cpr)
    except Refused as refusal:
        raise SignInRefused(refusal.code, refusal.reason) from None
    return redirect("portal:home")


def citizen_providers():
    """The municipalities' citizen logins (MitID through NemLog-in), offered on the sign-in page."""
    from sso.models import Audience, IdentityProvider

    return (IdentityProvider.objects.filter(active=True, audience=Audience.CITIZEN)
            .select_related("municipality").order_by("municipality__name", "name"))


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated:
        return _staff_refused(request)
    if scope.custodian_of(request) is not None:
        return redirect("portal:home")
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.link_request(email=form.cleaned_data["email"])
        return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"],
                                                         "minutes": services.LINK_MINUTES})
    return render(request, "portal/sign_in.html", {"form": form, "providers": citizen_providers()},
                  status=400 if form.errors else 200)


@login_not_required
@require_http_methods(["GET", "POST"])
def link(request, token):
    """GET asks to confirm (so a mail scanner that follows links does not use the link up); POST signs in."""
    if request.user.is_authenticated:
        return _staff_refused(request)
    if request.method == "GET":
        return render(request, "portal/link_confirm.html", {"token": token})
    known = SignInLink.objects.select_related("guardian__child").filter(token_hash=services._token_hash(token)).first()
    # A refusal is logged as the portal, under the municipality the link belongs to (when known).
    request.actor = (Actor.parent(known.guardian, path=request.path) if known
                     else Actor(kind=ActorKind.PARENT, label="(ukendt forælder)", path=request.path))
    try:
        services.link_sign_in(request.session, token=token)
    except Refused as refusal:
        return render(request, "portal/link_refused.html", {"reason": refusal.message, "code": refusal.code},
                      status=400)
    return redirect("portal:home")


@parent_view
@require_POST
def sign_out(request):
    services.sign_out(request.session, actor=request.actor)
    messages.success(request, "Du er logget ud af forældreportalen.")
    return redirect("portal:sign_in")


@parent_view
def child_detail(request, child_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk)
    submissions = list(scope.submissions_to_approve(child))
    for submission in submissions:
        submission.approved_by_me = any(a.guardian_id == guardian.pk for a in submission.approvals.all())
    letters = list(scope.letters_of(child).defer("pdf"))
    read = set(guardian_receipts(guardian, letters))
    for letter in letters:
        letter.read_by_me = letter.pk in read
    return render(request, "portal/child.html", {
        "child": child, "guardian": guardian, "shared": scope.shared_plan(child),
        "meetings": scope.coming_meetings(child), "decisions": scope.decisions_of(child),
        "letters": letters, "submissions": submissions,
    })


def guardian_receipts(guardian, letters):
    return LetterReceipt.objects.filter(guardian=guardian, delivery__letter__in=letters).values_list(
        "delivery__letter_id", flat=True)


def _consent_page(request, child, guardian, status=200, error=""):
    purposes = list(services.purposes_for(child))
    mine = {c.purpose_id: c for c in Consent.objects.active().filter(child=child, guardian=guardian)}
    for purpose in purposes:
        purpose.my_consent = mine.get(purpose.pk)
    history = Consent.objects.filter(child=child, guardian=guardian).select_related("purpose").order_by("-recorded_at")
    return render(request, "portal/consents.html", {
        "child": child, "guardian": guardian, "purposes": purposes, "history": page_of(history, request.GET.get("side")),
        "error": error}, status=status)


@parent_view
def consents(request, child_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: samtykker")
    return _consent_page(request, child, guardian)


def _consent_change(request, child, guardian, change, done: str):
    """Give or withdraw (one service call each): the consent page again with the reason if refused."""
    try:
        change()
    except Refused as refusal:
        return _consent_page(request, child, guardian, status=400, error=refusal.message)
    messages.success(request, f"{done} Det gælder fra nu.")
    return redirect("portal:consents", child_pk=child.pk)


@parent_view
@require_POST
def consent_give(request, child_pk, purpose_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: samtykker")
    purpose = scope.get_purpose_for_parent(child, purpose_pk)
    return _consent_change(
        request, child, guardian,
        lambda: services.consent_give(actor=request.actor, child=child, guardian=guardian, purpose=purpose),
        f"Du har givet samtykke til «{purpose.name}».")


@parent_view
@require_POST
def consent_withdraw(request, child_pk, consent_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: samtykker")
    consent = scope.get_consent_for_parent(child, guardian, consent_pk)
    return _consent_change(
        request, child, guardian,
        lambda: services.consent_withdraw(actor=request.actor, consent=consent, guardian=guardian),
        f"Du har trukket dit samtykke til «{consent.purpose.name}» tilbage.")


@parent_view
@require_POST
def submission_approve(request, child_pk, submission_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: indstilling")
    submission = scope.get_submission_for_parent(child, submission_pk)
    try:
        services.submission_approve(actor=request.actor, submission=submission, guardian=guardian)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Tak. Du har godkendt indstillingen til distriktsrådet.")
    return redirect("portal:child", child_pk=child.pk)


@parent_view
@require_http_methods(["GET", "POST"])
def perspective(request, child_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: forældrenes perspektiv")
    shared = scope.shared_plan(child)
    plan = shared["plan"]
    current = plan.version if plan else 0
    form = PerspectiveForm(request.POST or None, initial={"text": shared.get("parents", ""), "version": current})
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.perspective_write(actor=request.actor, child=child, guardian=guardian,
                                           text=form.cleaned_data["text"], version=form.cleaned_data["version"])
            except Refused as refusal:
                error, status = refusal.message, 400
                if refusal.code == "perspective_conflict":  # keep what they typed, base it on the new version
                    data = request.POST.copy()
                    data["version"] = str(current)
                    form = PerspectiveForm(data)
                    form.is_valid()
            else:
                messages.success(request, "Jeres perspektiv er gemt i handleplanen. Institutionen kan nu læse det.")
                return redirect("portal:child", child_pk=child.pk)
        else:
            status = 400
    return render(request, "portal/perspective.html", {
        "child": child, "form": form, "shared": shared, "error": error}, status=status)


@parent_view
def letter(request, child_pk, letter_pk):
    child, guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: brev")
    letter = scope.get_letter_for_parent(child, letter_pk)
    services.letter_read(actor=request.actor, letter=letter, guardian=guardian)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="brev-{letter.pk}.pdf"'
    return response


@parent_view
def access_overview(request, child_pk):
    child, _guardian = scope.get_child_for_parent(request, child_pk, detail="Forældreportalen: indsigt")
    page = page_without_count(NewestFirst(services.access_rows(child)), request.GET.get("side"))
    names = services.shows_staff_names(child.municipality_id)
    rows = [{"at": row.at, "who": services.who_label(row, names=names), "what": row.get_action_display(),
             "via": row.get_actor_kind_display() if row.actor_kind else ""} for row in page]
    return render(request, "portal/access.html", {"child": child, "page": page, "rows": rows, "names": names})


# --- staff -----------------------------------------------------------------------------------------


@require_POST
def letter_publish(request, pk, letter_pk):
    """The leader's "Send til forældreportalen" on the decision page."""
    decision = council_scope.get_decision_for_user(request, pk)
    letter = council_scope.get_letter(decision, letter_pk, with_pdf=False)
    try:
        services.publish_letter(letter, actor=request.actor)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Brevet ligger nu i forældreportalen, og forældrene har fået besked pr. e-mail.")
    return redirect("districtcouncil:decision_detail", pk=decision.pk)
