"""District council pages: meetings and agendas, submissions, review, decisions, letters."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from community.scope import group_plans_led_by
from districtcouncil import delivery, scope, services
from districtcouncil.forms import (
    DecisionForm, LetterDispatchForm, MeetingSeriesForm, OverviewForm, ReassessForm, ReviewForm, SubmissionDraftForm,
    SubmissionForm,
)
from districtcouncil.models import (
    CouncilMeeting, Decision, Review, Submission, SubmissionState,
)
from haandguide import roles
from haandguide.access import Action, log_access, log_children_listed, note_refused
from haandguide.exceptions import Refused
from haandguide.lib.formats import date_da
from haandguide.lib.ids import parse_id
from haandguide.lib.pages import page_of, page_of_keys, page_without_count
from haandguide.models import Child


def council_home(request):
    user = request.user
    councils = scope.councils_for(user)
    _council_member(user)
    now = timezone.now()
    upcoming = CouncilMeeting.objects.filter(council__in=councils, starts_at__gte=now).select_related(
        "council__district__municipality", "type").annotate(
        on_agenda=Count("submissions", filter=Q(submissions__state=SubmissionState.INDSENDT)))[:12]
    past = CouncilMeeting.objects.filter(council__in=councils, starts_at__lt=now).select_related(
        "council", "type").order_by("-starts_at")[:6]
    own = Submission.objects.none()
    if roles.is_leader(user):
        own = (scope.own_submissions(user)
               .select_related("meeting__council__district__municipality", "child", "institution")
               .order_by("-created_at")[:20])
        log_children_listed(request.actor, [s.child for s in own if s.child_id], detail="Institutionens indstillinger")
    return render(request, "districtcouncil/home.html", {
        "upcoming": upcoming, "past": past, "own": own, "is_leader": roles.is_leader(user),
        "is_consultant": roles.is_consultant(user),
    })


def _council_member(user) -> None:
    if not roles.takes_part_in_councils(user):
        raise PermissionDenied("Din rolle deltager ikke i distriktsrådet.")


@transaction.non_atomic_requests  # reads; its access-log row stands on its own (as the child page)
def meeting_archive(request):
    """Every meeting of the councils the user takes part in, newest first."""
    _council_member(request.user)
    # A municipality's archive holds tens of thousands of meetings: the page's ids are ordered and
    # counted from the meetings alone, then only the page's rows are read with their joins (the
    # deadline column reads council → district → municipality) and their submissions counted.
    meetings = CouncilMeeting.objects.filter(council__in=scope.councils_for(request.user)).order_by("-starts_at", "-pk")
    page = page_of_keys(meetings, request.GET.get("side"), lambda ids: (
        CouncilMeeting.objects.filter(pk__in=ids).select_related("council__district__municipality", "type")
        .annotate(on_agenda=Count("submissions", filter=Q(submissions__state__in=[
            SubmissionState.INDSENDT, SubmissionState.AFGJORT])))))
    return render(request, "districtcouncil/meeting_archive.html", {"page": page})


# The consultant's work lists: submissions waiting for a review or for the council's decision, and
# decisions whose period has ended without a re-assessment.
WORK_LISTS = {
    "vurdering": "Afventer vurdering",
    "afgoerelse": "Afventer afgørelse",
    "revurdering": "Afventer revurdering",
}


@transaction.non_atomic_requests  # reads; its access-log row stands on its own (as the child page)
def submission_list(request):
    """The submissions the user may see (a leader: the institution's, drafts included), by state,
    or one of the work lists (`liste`)."""
    _council_member(request.user)
    state = request.GET.get("status", "")
    work_list = request.GET.get("liste", "")
    if work_list not in WORK_LISTS:
        work_list = ""
    context = {"state": state, "states": SubmissionState.choices, "work_lists": WORK_LISTS, "work_list": work_list,
               "decisions": None}
    if work_list == "revurdering":
        decisions = (scope.decisions_in_scope(request.user).awaiting_reassessment()
                     .select_related("child", "institution", "resource_type").order_by("period_end", "pk"))
        page = page_of(decisions, request.GET.get("side"))
        log_children_listed(request.actor, [d.child for d in page.object_list], detail="Afventer revurdering")
        return render(request, "districtcouncil/submission_list.html", {
            **context, "page": page, "decisions": page.object_list, "query": "liste=revurdering"})
    submissions = scope.submissions_visible_to(request.user)
    if work_list:
        reviewed = Exists(Review.objects.filter(submission=OuterRef("pk")))
        submissions = submissions.filter(state=SubmissionState.INDSENDT).annotate(reviewed=reviewed).filter(
            reviewed=(work_list == "afgoerelse"))
    elif state in SubmissionState.values:
        submissions = submissions.filter(state=state)
    submissions = submissions.select_related("meeting__council", "child", "institution").order_by("-created_at", "-pk")
    page = page_of(submissions, request.GET.get("side"))
    log_children_listed(request.actor, [s.child for s in page.object_list if s.child_id], detail="Indstillinger")
    query = f"liste={work_list}" if work_list else (f"status={state}" if state in SubmissionState.values else "")
    return render(request, "districtcouncil/submission_list.html", {**context, "page": page, "query": query})


@transaction.non_atomic_requests  # reads; its access-log row stands on its own (as the child page)
def meeting_detail(request, pk):
    meeting = scope.get_meeting_for_user(request, pk)
    submissions = services.agenda_submissions(meeting)
    log_children_listed(request.actor, [s.child for s in submissions if s.child_id], detail=f"Dagsorden {meeting}")
    return render(request, "districtcouncil/meeting_detail.html", {
        "meeting": meeting, "submissions": submissions,
        "is_consultant": scope.serves(request.user, meeting.council),
    })


def agenda_pdf(request, pk):
    meeting = scope.get_meeting_for_user(request, pk)
    submissions = services.agenda_submissions(meeting)
    for submission in submissions:
        log_access(request.actor, Action.EXPORT, submission, child_id=submission.child_id, detail="Dagsorden som PDF")
    response = HttpResponse(services.render_agenda_pdf(meeting, submissions), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dagsorden-{meeting.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def submission_create(request):
    user = request.user
    if not roles.is_leader(user):
        raise PermissionDenied("Kun institutionsledere udarbejder indstillinger.")
    children = Child.objects.visible_to(user).present().filter(case__isnull=False).order_by("first_name", "last_name")
    meetings = services.open_meetings(scope.councils_for(user))
    initial = {}
    if request.GET.get("barn"):
        initial["child"] = children.filter(pk=parse_id(request.GET["barn"])).first()
    if request.GET.get("gruppeplan"):
        initial["group_plan"] = group_plans_led_by(user).filter(pk=parse_id(request.GET["gruppeplan"])).first()
    form = SubmissionForm(request.POST or None, request.FILES or None, children=children, meetings=meetings,
                          initial=initial, group_plans=group_plans_led_by(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = data.pop("child")
        signed_form, document = data.pop("signed_form"), data.pop("document")
        try:
            submission = services.submission_create(
                actor=request.actor, child=child, data=data, signed_form=signed_form,
                documents=[document] if document else [])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Indstillingen er gemt som kladde. Send den, når den er klar.")
            return redirect("districtcouncil:submission_detail", pk=submission.pk)
    if not meetings:
        messages.info(request, "Der er ingen kommende møder med åben frist. Kontakt administrationen om mødekalenderen.")
    return render(request, "districtcouncil/submission_form.html", {"form": form})


def _draft_form(request, submission, data=None, files=None) -> SubmissionDraftForm:
    """The edit form of a draft; the draft's own meeting stays a choice even after its deadline."""
    meetings = services.open_meetings([submission.meeting.council_id])
    if submission.meeting not in meetings:
        meetings.insert(0, submission.meeting)
    return SubmissionDraftForm(data, files, instance=copy.copy(submission), meetings=meetings,
                               group_plans=group_plans_led_by(request.user))


def _submission_page(request, submission, *, status=200, forms=None, error=None):
    forms = forms or {}
    user = request.user
    council = submission.meeting.council
    municipality = council.district.municipality
    is_consultant = scope.serves(user, council)
    may_edit = services.refusal_draft_edit(user, submission) is None
    decision = getattr(submission, "decision", None) if submission.state == SubmissionState.AFGJORT else None
    reviews = list(submission.reviews.select_related("recommended_resource", "consultant"))
    review = reviews[0] if reviews else None
    context = {
        "submission": submission, "snapshot": submission.snapshot, "group_snapshot": submission.group_snapshot, "documents": list(submission.documents.all()),
        "review": review, "reviews": reviews, "decision": decision, "error": error,
        "refusal_decision": (services.refusal_decision(user, submission)
                             if is_consultant and submission.state == SubmissionState.INDSENDT else None),
        "refusal_submit": services.refusal_submission(user, submission) if submission.state == SubmissionState.KLADDE else None,
        "can_withdraw": services.refusal_withdraw(user, submission) is None,
        "is_consultant": is_consultant,
        "child_page_open": scope.child_page_open_to(user, submission.child_id),
        "draft_form": forms.get("draft") or (_draft_form(request, submission) if may_edit else None),
        "review_form": forms.get("review") or (ReviewForm(resource_types=services.resource_types_for(municipality, services.PATH_COUNCIL), initial={
            "notes": review.notes, "recommendation": review.recommendation,
            "recommended_resource": review.recommended_resource_id} if review else None) if is_consultant else None),
        "now": timezone.now(),
    }
    return render(request, "districtcouncil/submission_detail.html", context, status=status)


def submission_detail(request, pk):
    return _submission_page(request, scope.get_submission_for_user(request, pk))


@require_POST
def submission_submit(request, pk):
    submission = scope.get_submission_for_user(request, pk)
    chosen = submission.meeting
    try:
        submission = services.submission_submit(actor=request.actor, submission_id=submission.pk,
                                                version=parse_id(request.POST.get("version")))
    except Refused as refusal:
        return _submission_page(request, submission, status=400, error=refusal.message)
    if submission.rolled_over_from_id:
        messages.warning(request, f"Fristen for {chosen} var overskredet. Indstillingen er sat på dagsordenen "
                                  f"til næste møde: {submission.meeting}.")
    else:
        frozen = (" Handleplanen er frosset." if submission.snapshot_id else
                  " Læringsfællesskabets plan er frosset." if submission.group_snapshot_id else "")
        messages.success(request, f"Indstillingen er sendt til {submission.meeting}.{frozen}")
    return redirect("districtcouncil:submission_detail", pk=submission.pk)


@require_POST
def submission_edit(request, pk):
    """Complete a draft where the refusal on sending points: its fields and the signed declaration."""
    submission = scope.get_submission_for_user(request, pk)
    form = _draft_form(request, submission, request.POST, request.FILES)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("child", "signed_form", "document")}
        document = form.cleaned_data["document"]
        try:
            services.submission_update(actor=request.actor, submission_id=submission.pk,
                                       version=parse_id(request.POST.get("version")), data=data,
                                       signed_form=form.cleaned_data["signed_form"],
                                       documents=[document] if document else [])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Kladden er gemt.")
            return redirect("districtcouncil:submission_detail", pk=submission.pk)
    return _submission_page(request, submission, status=400, forms={"draft": form},
                            error=" ".join(form.non_field_errors()) or "Ret fejlene i kladden.")


@require_POST
def submission_withdraw(request, pk):
    submission = scope.get_submission_for_user(request, pk)
    try:
        services.submission_withdraw(actor=request.actor, submission=submission)
    except Refused as refusal:
        return _submission_page(request, submission, status=400, error=refusal.message)
    messages.success(request, "Indstillingen er trukket tilbage.")
    return redirect("districtcouncil:submission_detail", pk=submission.pk)


@require_POST
def review_save(request, pk):
    submission = scope.get_submission_for_user(request, pk)
    form = ReviewForm(request.POST, resource_types=services.resource_types_for(
        submission.meeting.council.district.municipality, services.PATH_COUNCIL))
    if form.is_valid():
        try:
            services.review_save(actor=request.actor, submission=submission, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Vurderingen er gemt.")
            return redirect("districtcouncil:submission_detail", pk=submission.pk)
    return _submission_page(request, submission, status=400, forms={"review": form},
                            error=" ".join(form.non_field_errors()) or "Ret fejlene i vurderingen.")


@require_http_methods(["GET", "POST"])
def decision_create(request, pk):
    submission = scope.get_submission_for_user(request, pk)
    council = submission.meeting.council
    if not scope.serves(request.user, council):
        raise PermissionDenied("Kun distriktets pædagogiske konsulent registrerer afgørelsen.")
    refusal = services.refusal_decision(request.user, submission)
    if refusal:
        note_refused(refusal, code=getattr(refusal, "code", ""))
        messages.error(request, refusal)
        return redirect("districtcouncil:submission_detail", pk=submission.pk)
    form = DecisionForm(request.POST or None, district=council.district,
                        resource_types=services.resource_types_for(council.district.municipality, services.PATH_COUNCIL),
                        initial=services.decision_defaults(submission))
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_record(actor=request.actor, submission_id=submission.pk, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Afgørelsen er registreret, og brevet til forældrene er dannet.")
            return redirect("districtcouncil:decision_detail", pk=decision.pk)
    return render(request, "districtcouncil/decision_form.html", {"form": form, "submission": submission})


@require_http_methods(["GET", "POST"])
def visitation_create(request, child_pk):
    child = scope.get_child_for_user(request, child_pk)
    if not roles.consults_for(request.user, child.institution.district_id):
        raise PermissionDenied("Kun distriktets pædagogiske konsulent kan visitere.")
    resource_types = services.resource_types_for(child.institution.district.municipality, services.PATH_VISITATION)
    # A link may preselect the basis (?grundlag=); the form validates the choice.
    initial = {**services.visitation_defaults(child), "basis": request.GET.get("grundlag")}
    form = DecisionForm(request.POST or None, district=child.institution.district, resource_types=resource_types,
                        consultant_only=True, bases=services.VISITATION_BASES, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        basis = data.pop("basis")
        try:
            decision = services.visitation_record(actor=request.actor, child=child, basis=basis, data=data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Visitationen er registreret.")
            return redirect("districtcouncil:decision_detail", pk=decision.pk)
    return render(request, "districtcouncil/visitation_form.html", {"form": form, "child": child})


def _letters(request, decision, *, dispatch_form=None, dispatch_letter_pk=None):
    """The decision's letters, each with the dispatch form where this user may record it."""
    letters = list(decision.letters.defer("pdf").select_related("dispatched_by"))
    for letter in letters:
        letter.decision = decision
        letter.refusal_dispatch = services.refusal_letter_dispatch(request.user, letter)
        letter.dispatch_form = None
        if letter.refusal_dispatch is None:
            letter.dispatch_form = (dispatch_form if letter.pk == dispatch_letter_pk else None) or LetterDispatchForm(
                prefix=f"brev{letter.pk}")
    delivery.attach(letters)
    return letters


def _decision_page(request, decision, *, status=200, reassess_form=None, dispatch_form=None, dispatch_letter_pk=None,
                   error=None):
    may_reassess = decision.child_id and roles.consults_for(request.user, decision.child.institution.district_id)
    if reassess_form is None and may_reassess and not decision.reassessed_at:
        reassess_form = ReassessForm(decision=decision)
    return render(request, "districtcouncil/decision_detail.html", {
        "decision": decision, "error": error, "awaiting_reassessment": decision.is_awaiting_reassessment(),
        "submission_visible": scope.submission_visible(request.user, decision.submission_id),
        "child_page_open": scope.child_page_open_to(request.user, decision.child_id),
        "letters": _letters(request, decision, dispatch_form=dispatch_form, dispatch_letter_pk=dispatch_letter_pk),
        "reassess_form": reassess_form,
        "may_revisit": services.refusal_revisitation(request.user, decision) is None,
        "revisitations": decision.revisitations.select_related("resource_type"),
    }, status=status)


def decision_detail(request, pk):
    return _decision_page(request, scope.get_decision_for_user(request, pk))


@require_POST
def letter_dispatch(request, pk, letter_pk):
    """Record that the letter was sent or handed over: how, when, by whom."""
    decision = scope.get_decision_for_user(request, pk)
    letter = scope.get_letter(decision, letter_pk, with_pdf=False)
    form = LetterDispatchForm(request.POST, prefix=f"brev{letter.pk}")
    if form.is_valid():
        try:
            services.letter_dispatch(actor=request.actor, letter_id=letter.pk, method=form.cleaned_data["method"],
                                     sent_on=form.cleaned_data["sent_on"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Det er registreret, at brevet er sendt til forældrene.")
            return redirect("districtcouncil:decision_detail", pk=decision.pk)
    return _decision_page(request, decision, status=400, dispatch_form=form, dispatch_letter_pk=letter.pk,
                          error=" ".join(form.non_field_errors()) or "Ret fejlene i registreringen af brevet.")


@require_http_methods(["GET", "POST"])
def revisitation_create(request, pk):
    """Re-visit a decision or visitation: the new offer and the least intrusive offer considered."""
    decision = scope.get_decision_for_user(request, pk)
    refusal = services.refusal_revisitation(request.user, decision)
    if refusal:
        raise PermissionDenied(refusal)
    child = decision.child
    resource_types = services.resource_types_for(child.institution.district.municipality,
                                                 services.PATH_REVISITATION)
    form = DecisionForm(request.POST or None, district=child.institution.district, resource_types=resource_types,
                        revisitation=True, initial=services.revisitation_defaults(decision))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.revisitation_record(actor=request.actor, decision=decision, data=form.cleaned_data)
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Revisitationen er registreret, og brevet til forældrene er dannet.")
            return redirect("districtcouncil:decision_detail", pk=new.pk)
    return render(request, "districtcouncil/revisitation_form.html", {"form": form, "decision": decision, "child": child},
                  status=400 if request.method == "POST" else 200)


@require_POST
def decision_reassess(request, pk):
    decision = scope.get_decision_for_user(request, pk)
    form = ReassessForm(request.POST, decision=decision)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            services.decision_reassess(actor=request.actor, decision=decision, outcome=outcome,
                                       notes=form.cleaned_data["notes"], data=form.renewal_data())
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            if outcome == Decision.Outcome.RENEWED:
                renewal = decision.renewals.order_by("-pk").first()
                messages.success(request, f"Revurderingen er registreret: ressourcen er forlænget til "
                                          f"{date_da(renewal.period_end)}.")
                return redirect("districtcouncil:decision_detail", pk=renewal.pk)
            messages.success(request, "Revurderingen er registreret: niveau ned mod det almene.")
            return redirect("districtcouncil:decision_detail", pk=decision.pk)
    messages.error(request, "Revurderingen er ikke registreret. Ret fejlene nedenfor.")
    return _decision_page(request, decision, reassess_form=form, status=400)


def letter_pdf(request, pk, letter_pk):
    decision = scope.get_decision_for_user(request, pk)
    letter = scope.get_letter(decision, letter_pk)
    log_access(request.actor, Action.EXPORT, letter, child_id=decision.child_id, detail=letter.get_kind_display())
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="brev-{letter.pk}.pdf"'
    return response


def document_download(request, pk, document_pk):
    submission = scope.get_submission_for_user(request, pk)
    document = scope.get_document(submission, document_pk)
    log_access(request.actor, Action.EXPORT, document, child_id=submission.child_id, detail="Dokument hentet")
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                        content_type=document.content_type)


@transaction.non_atomic_requests  # reads; its access-log row stands on its own (as the child page)
def overview(request):
    """Resources granted per district and institution in a period (consultant, head, administrator)."""
    user = request.user
    if not roles.sees_resource_overview(user):
        raise PermissionDenied("Oversigten er for konsulenter, dagtilbudschefen og administrationen.")
    form = OverviewForm(request.GET or None)
    decisions = scope.granted_in_scope(user)
    if form.is_valid():
        if form.cleaned_data["date_from"]:
            decisions = decisions.filter(period_end__gte=form.cleaned_data["date_from"])
        if form.cleaned_data["date_to"]:
            decisions = decisions.filter(period_start__lte=form.cleaned_data["date_to"])
    rows = (decisions.values("institution__district__name", "institution__name", "resource_type__name")
            .annotate(count=Count("pk"), amount=Sum("amount_dkk"), hours=Sum("hours"))
            .order_by("institution__district__name", "institution__name", "resource_type__name"))
    totals = decisions.aggregate(count=Count("pk"), amount=Sum("amount_dkk"), hours=Sum("hours"))
    # Thousands of institution rows at national size: the page is read without counting the groups
    # (a COUNT over the grouping cost more than the page); the caption carries the totals.
    page = page_without_count(rows, request.GET.get("side"))
    # The page links keep the period the user filtered on.
    query = urlencode({key: form.data[key] for key in ("date_from", "date_to") if form.is_bound and form.data.get(key)})
    return render(request, "districtcouncil/overview.html", {
        "form": form, "page": page, "totals": totals, "query": query, "filtered": bool(query)})


@require_http_methods(["GET", "POST"])
def meeting_series(request):
    if not roles.is_administrator(request.user):
        raise PermissionDenied("Kun administratorer redigerer mødekalenderen.")
    form = MeetingSeriesForm(request.POST or None, municipality=request.user.municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meetings = services.meeting_series_create(council=data["council"], meeting_type=data["meeting_type"],
                                                      first=form.first(), every_weeks=data["every_weeks"],
                                                      count=data["count"], location=data["location"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            log_access(request.actor, Action.CREATE, object_type="councilmeeting", detail=f"{len(meetings)} {ngettext('møde', 'møder', len(meetings))} oprettet")
            messages.success(request, f"{len(meetings)} {ngettext('møde', 'møder', len(meetings))} er oprettet i kalenderen.")
            return redirect("districtcouncil:meeting_series")
    meetings = CouncilMeeting.objects.filter(council__district__municipality=request.user.municipality,
                                             starts_at__gte=timezone.now()).select_related("council", "type")
    page = page_of(meetings, request.GET.get("side"))
    return render(request, "districtcouncil/meeting_series.html", {"form": form, "page": page, "query": ""})
