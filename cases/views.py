"""The child's pages: list, child page with the case, and the forms for what staff log.

Every view that shows a child's data starts with `get_child_for_user` (scope + access log) and
calls one service to change anything; a refused action is shown with its reason, and whatever the
user typed is rendered back.
"""

from functools import cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from cases import interfaces, scope, services
from cases.forms import (
    CaseTransitionForm, ChildFilterForm, ChildForm, ConsentForm, CounsellingBookingForm, CounsellingSessionForm,
    CounsellorForm, FamilyGroupAttendanceForm, FamilyGroupForm, FamilyGroupParticipantForm, FamilyGroupSessionForm,
    GuardianForm, MeetingForm, NotificationForm, ObservationForm, ReferralForm,
)
from cases.models import CounsellingSession, FamilyGroup
from haandguide import services as org_services
from haandguide import roles
from haandguide.access import Action, log_children_listed
from haandguide.exceptions import Refused
from haandguide.keep_typed import keeps_typed
from haandguide.lib import typed_search
from haandguide.lib.once import one_page
from haandguide.lib.pages import page_of, page_of_keys
from haandguide.models import Child


def _municipality_id(child):
    return child.institution.district.municipality_id


SEARCH_TOKEN = "soegning"


@transaction.non_atomic_requests  # reads (a search POST keeps the typed text in the session only)
@require_http_methods(["GET", "POST"])
def child_list(request):
    """The children in scope, filtered and paged. The typed search (a name, or a CPR number that
    finds exactly that child) is POSTed and kept out of the address: the result's address carries
    an opaque token instead (haandguide.lib.typed_search), so paging and going back still work."""
    institutions = scope.institutions_in_scope(request.user, ChildFilterForm.MAX_CHOICES + 1)
    expired = False
    if request.method == "POST":
        form = ChildFilterForm(request.POST, institutions=institutions)
        if form.is_valid():
            return redirect(_child_list_address(request.session, form.cleaned_data))
    else:
        chosen = request.GET.copy()
        chosen.pop("q", None)  # a search typed into an address is not read: it would sit in logs and history
        if token := chosen.get(SEARCH_TOKEN):
            typed = typed_search.recall(request.session, token)
            expired = typed is None
            chosen["q"] = typed or ""
        form = ChildFilterForm(chosen or None, institutions=institutions)
    # A consultant's districts hold thousands of children: the ids are ordered and paged from the
    # index of present children per institution and name, then only the page's rows are read.
    # A row shows its case's level only: the level kept on the child (`case_state`), not a Case
    # object per row, and a child without a case raises nothing in the template.
    children = scope.children_listed(request.user, form.cleaned_data if form.is_valid() else {})
    page = page_of_keys(children, request.GET.get("side"), lambda ids: scope.children_with_institution(tuple(ids)))
    log_children_listed(request.actor, page.object_list, detail="Børneliste")
    query = request.GET.copy()
    query.pop("side", None)
    query.pop("q", None)
    return render(request, "cases/child_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "search_expired": expired,
        "can_create": roles.is_leader(request.user),
    })


def _child_list_address(session, data) -> str:
    """The list's address for the filters chosen; the typed text is kept in the session."""
    query = {name: data[name] for name in ("institution", "level", "topi") if data.get(name)}
    if data["q"]:
        query[SEARCH_TOKEN] = typed_search.keep(session, data["q"])
    return reverse("cases:child_list") + (f"?{urlencode(query)}" if query else "")


def _child_page(request, child, *, status=200, forms=None, error=None):
    """The child page. `forms` carries bound forms back after a refusal so nothing typed is lost.

    The page changes nothing, so what several services ask (the case, the plan and its efforts,
    the child's decisions) is read once for the page (`one_page`), and the case comes with the
    child where the caller read them together."""
    with one_page():
        return render(request, "cases/child_detail.html", _child_page_context(request, child, forms or {}, error),
                      status=status)


def _child_page_context(request, child, forms, error) -> dict:
    user = request.user
    case = scope.case_of(child)
    is_leader = roles.leads(user, child.institution_id)
    municipality_id = _municipality_id(child)
    consents = services.child_consents(child.pk)
    meeting_types = cache(lambda: services.active_meeting_types(municipality_id))  # a query only where shown
    counsellors, counsellor_choices = services.counsellors_of(child, municipality_id,
                                                              with_choices=bool(is_leader and case and case.is_open))
    context = {
        "child": child,
        "case": case,
        "guardians": services.child_guardians(child.pk),
        "can_edit": org_services.can_edit_child_records(user, child.institution),
        "can_log": services.refusal_works_on(user, child, case) is None,
        "is_leader": is_leader,
        "is_consultant": roles.consults_for(user, child.institution.district_id),
        "observations": services.latest_observations(child),
        "consents": consents,
        "meetings_needing_consent": [] if consents else services.meetings_needing_consent(municipality_id,
                                                                                          meeting_types()),
        "referral_hint": (services.referral_hint(municipality_id, meeting_types())
                          if case and case.is_open and is_leader else ""),
        "actions": services.available_actions(user, child, case),
        "transition_form": forms.get("transition") or CaseTransitionForm(initial={"version": case.version if case else None}),
        "transition_action": forms.get("transition_action"),
        "referral_form": forms.get("referral") or (ReferralForm() if is_leader and case and case.is_open else None),
        "counsellors": counsellors,
        "counsellor_choices": counsellor_choices,
        "error": error,
        "handleplan_summary": interfaces.handleplan_summary(case),
        "grant": interfaces.grant_status(case) if case and case.is_open else None,
        "sections": interfaces.child_sections(request, child),
        "events": [],
        "meetings": [],
    }
    if case:
        context["events"] = services.case_events_latest(case.pk)
        context["meetings"] = services.case_meetings_latest(case.pk)
    return context


# Outside the request's transaction: the page reads, and its one write, the access-log row, stands
# on its own (a BEGIN and a COMMIT less; on SQLite no write lock held while the page renders).
@transaction.non_atomic_requests
def child_detail(request, pk):
    return _child_page(request, scope.get_child_for_user(request, pk, related=("case",)))


TRANSITIONS = {
    "open": lambda request, case, child, data: services.case_open(actor=request.actor, child=child, reason=data["reason"]),
    "escalate": lambda request, case, child, data: services.case_escalate(
        actor=request.actor, case_id=case.pk, version=data["version"], reason=data["reason"]),
    "de_escalate": lambda request, case, child, data: services.case_de_escalate(
        actor=request.actor, case_id=case.pk, version=data["version"], reason=data["reason"]),
    "close": lambda request, case, child, data: services.case_close(
        actor=request.actor, case_id=case.pk, version=data["version"], close_reason=data["close_reason"],
        reason=data["reason"]),
    "reopen": lambda request, case, child, data: services.case_reopen(
        actor=request.actor, case_id=case.pk, version=data["version"], reason=data["reason"]),
}
DONE = {"open": "Sagen er oprettet.", "escalate": "Sagen er flyttet et niveau op.",
        "de_escalate": "Sagen er flyttet et niveau ned.", "close": "Sagen er lukket.", "reopen": "Sagen er genåbnet."}


@require_POST
def case_transition(request, pk, action):
    child = scope.get_child_for_user(request, pk)
    if action not in TRANSITIONS:
        raise Http404
    form = CaseTransitionForm(request.POST)
    case = scope.case_of(child)
    if form.is_valid() and (case or action == "open"):
        try:
            TRANSITIONS[action](request, case, child, form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, DONE[action])
            return redirect("cases:child_detail", pk=child.pk)
    elif case is None:
        form.add_error(None, "Barnet har ingen sag.")
    return _child_page(request, child, status=400,
                       forms={"transition": form, "transition_action": action},
                       error=" ".join(form.non_field_errors()) or "Ret fejlene i formularen.")


@keeps_typed
@require_http_methods(["GET", "POST"])
def observation_create(request, pk):
    child = scope.get_child_for_user(request, pk)
    form = ObservationForm(request.POST or None, request.FILES or None, municipality=_municipality_id(child))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [data["attachment"]] if data.get("attachment") else []
        try:
            services.observation_add(actor=request.actor, child=child, data=data, files=files)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Observationen er gemt.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/observation_form.html", {"form": form, "child": child})


def observation_list(request, pk):
    child = scope.get_child_for_user(request, pk)
    observations = child.observations.select_related("type", "author").prefetch_related("attachments")
    page = page_of(observations, request.GET.get("side"))
    return render(request, "cases/observation_list.html", {"child": child, "page": page, "query": ""})


def attachment_download(request, pk, attachment_pk):
    child = scope.get_child_for_user(request, pk, action=Action.EXPORT, detail="Bilag hentet")
    attachment = scope.get_attachment(child, attachment_pk)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def consent_page(request, pk):
    child = scope.get_child_for_user(request, pk)
    form = ConsentForm(request.POST or None, child=child)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consent_record(actor=request.actor, child=child, **form.cleaned_data)
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Samtykket er registreret.")
                return redirect("cases:consents", pk=child.pk)
    consents = child.consents.select_related("guardian", "purpose", "recorded_by", "withdrawn_by")
    return render(request, "cases/consents.html", {
        "child": child, "form": form, "consents": consents, "is_leader": roles.leads(request.user, child.institution_id),
    })


@require_POST
def consent_withdraw(request, pk, consent_pk):
    child = scope.get_child_for_user(request, pk)
    consent = scope.get_consent(child, consent_pk)
    try:
        services.consent_withdraw(actor=request.actor, consent=consent)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Samtykket er registreret som trukket tilbage.")
    return redirect("cases:consents", pk=child.pk)


@keeps_typed
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk):
    child = scope.get_child_for_user(request, pk)
    case = scope.open_case_or_404(child)
    form = MeetingForm(request.POST or None, municipality=_municipality_id(child))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(actor=request.actor, case=case, data=form.meeting_data(), agreements=form.agreements())
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Mødet er registreret.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/meeting_form.html", {"form": form, "child": child})


def meeting_detail(request, pk, meeting_pk):
    child = scope.get_child_for_user(request, pk)
    meeting = scope.get_meeting(child, meeting_pk)
    return render(request, "cases/meeting_detail.html", {
        "child": child, "meeting": meeting, "agreements": meeting.agreements.all(),
    })


@require_POST
def referral_create(request, pk):
    child = scope.get_child_for_user(request, pk)
    case = scope.open_case_or_404(child)
    form = ReferralForm(request.POST)
    if form.is_valid():
        try:
            services.referral_create(actor=request.actor, case=case, **form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Henvisningen er registreret.")
            return redirect("cases:child_detail", pk=child.pk)
    return _child_page(request, child, status=400, forms={"referral": form},
                       error=" ".join(form.non_field_errors()) or "Ret fejlene i henvisningen.")


@require_http_methods(["GET", "POST"])
def underretning_create(request, pk):
    child = scope.get_child_for_user(request, pk)
    case = scope.open_case_or_404(child)
    form = NotificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.underretning_record(actor=request.actor, case=case, text=form.cleaned_data["text"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Underretningen er registreret.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/underretning_form.html", {"form": form, "child": child})


@require_POST
def counsellor_attach(request, pk):
    child = scope.get_child_for_user(request, pk)
    case = scope.open_case_or_404(child)
    form = CounsellorForm(request.POST, municipality=_municipality_id(child))
    if form.is_valid():
        try:
            services.counsellor_attach(actor=request.actor, case=case, counsellor=form.cleaned_data["counsellor"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Rådgiveren er tilknyttet sagen.")
            return redirect("cases:child_detail", pk=child.pk)
    return _child_page(request, child, status=400, error=" ".join(form.non_field_errors()) or "Vælg en rådgiver.")


@require_POST
def counsellor_detach(request, pk, assignment_pk):
    child = scope.get_child_for_user(request, pk)
    assignment = scope.get_counsellor_assignment(child, assignment_pk)
    try:
        services.counsellor_detach(actor=request.actor, assignment=assignment)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Rådgiverens tilknytning er afsluttet.")
    return redirect("cases:child_detail", pk=child.pk)


# --- master data ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def child_create(request):
    institutions = scope.led_institutions(request.user)
    form = ChildForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            child = org_services.child_create(actor=request.actor, data=form.cleaned_data)
        except org_services.TransferRequested as sent:
            messages.info(request, sent.message)
            return redirect("cases:child_list")
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"{child} er oprettet.")
            return redirect("cases:child_detail", pk=child.pk)
    if not institutions.exists():
        messages.info(request, "Kun institutionsledere kan oprette børn.")
    return render(request, "cases/child_form.html", {"form": form, "title": "Nyt barn"})


@require_http_methods(["GET", "POST"])
def child_edit(request, pk):
    child = scope.get_child_for_user(request, pk)
    if not org_services.can_edit_child_records(request.user, child.institution):
        raise PermissionDenied("Kun institutionens leder kan rette barnets stamdata.")
    form = ChildForm(request.POST or None, instance=child, institutions=scope.led_institutions(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            org_services.child_update(actor=request.actor, child=Child.objects.get(pk=child.pk), data=form.cleaned_data,
                                      version=form.cleaned_data.get("version") or 0)
        except org_services.TransferRequested as sent:
            messages.info(request, sent.message)
            return redirect("cases:child_detail", pk=child.pk)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Barnets stamdata er gemt.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/child_form.html", {"form": form, "child": child, "title": f"Ret {child}"})


@require_http_methods(["GET", "POST"])
def guardian_add(request, pk):
    child = scope.get_child_for_user(request, pk)
    if not org_services.can_edit_child_records(request.user, child.institution):
        raise PermissionDenied("Kun institutionens leder kan tilføje forældre.")
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org_services.guardian_add(actor=request.actor, child=child, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Forælder/værge er tilføjet.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/guardian_form.html", {"form": form, "child": child})



# --- Aabenraa: åben rådgivning and familiegrupper -----------------------------------------------
# Only where the municipality uses them (a profile flag); elsewhere the pages do not exist (404).


def counselling_list(request):
    institutions = scope.require_feature(request.user, "open_counselling_enabled")
    sessions = (CounsellingSession.objects.filter(institution__in=institutions).select_related("institution")
                .annotate(booked=Count("bookings")).order_by("-starts_at", "-pk"))
    page = page_of(sessions, request.GET.get("side"))
    return render(request, "cases/counselling_list.html", {
        "page": page, "query": "",
        "can_create": roles.organises_activities(request.user),
    })


@require_http_methods(["GET", "POST"])
def counselling_create(request):
    institutions = scope.require_feature(request.user, "open_counselling_enabled")
    form = CounsellingSessionForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
        try:
            session = services.counselling_session_create(actor=request.actor, institution=form.cleaned_data["institution"],
                                                          data=data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Den åbne rådgivning er oprettet.")
            return redirect("cases:counselling_detail", session_pk=session.pk)
    return render(request, "cases/counselling_form.html", {"form": form})


def _counselling_page(request, session, form=None, status=200):
    bookings = list(session.bookings.select_related("child", "guardian", "booked_by"))
    log_children_listed(request.actor, [b.child for b in bookings if b.child_id], detail=f"Åben rådgivning {session.pk}")
    children = scope.children_of(request.user, session.institution)
    form = form or CounsellingBookingForm(session=session, children=children)
    return render(request, "cases/counselling_detail.html", {
        "session": session, "bookings": bookings, "form": form,
        "free": len(form.fields["slot"].choices),
    }, status=status)


def counselling_detail(request, session_pk):
    return _counselling_page(request, scope.get_counselling_session_for_user(request, session_pk))


@require_POST
def counselling_book(request, session_pk):
    session = scope.get_counselling_session_for_user(request, session_pk)
    children = scope.children_of(request.user, session.institution)
    form = CounsellingBookingForm(request.POST, session=session, children=children)
    if form.is_valid():
        try:
            services.counselling_book(actor=request.actor, session=session, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Tiden er booket.")
            return redirect("cases:counselling_detail", session_pk=session.pk)
    return _counselling_page(request, session, form=form, status=400)


def family_group_list(request):
    institutions = scope.require_feature(request.user, "family_groups_enabled")
    groups = (FamilyGroup.objects.filter(institution__in=institutions).select_related("institution")
              .annotate(families=Count("participants", distinct=True), held=Count("sessions", distinct=True))
              .order_by("-active", "name", "pk"))
    page = page_of(groups, request.GET.get("side"))
    return render(request, "cases/family_group_list.html", {
        "page": page, "query": "", "can_create": roles.organises_activities(request.user),
    })


@require_http_methods(["GET", "POST"])
def family_group_create(request):
    institutions = scope.require_feature(request.user, "family_groups_enabled")
    form = FamilyGroupForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
        try:
            group = services.family_group_create(actor=request.actor, institution=form.cleaned_data["institution"], data=data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Familiegruppen er oprettet.")
            return redirect("cases:family_group_detail", group_pk=group.pk)
    return render(request, "cases/family_group_form.html", {"form": form})


def _family_group_page(request, group, *, participant_form=None, session_form=None, status=200):
    participants = list(group.participants.select_related("child", "guardian"))
    log_children_listed(request.actor, [p.child for p in participants], detail=f"Familiegruppe {group.pk}")
    sessions = group.sessions.annotate(present=Count("attendance")).order_by("-held_on", "-pk")
    page = page_of(sessions, request.GET.get("side"))
    return render(request, "cases/family_group_detail.html", {
        "group": group, "participants": participants, "page": page, "query": "",
        "participant_form": participant_form or FamilyGroupParticipantForm(
            children=scope.children_of(request.user, group.institution).exclude(family_groups__group=group)),
        "session_form": session_form or FamilyGroupSessionForm(initial={"held_on": timezone.localdate()}),
    }, status=status)


def family_group_detail(request, group_pk):
    return _family_group_page(request, scope.get_family_group_for_user(request, group_pk))


@require_POST
def family_group_participant_add(request, group_pk):
    group = scope.get_family_group_for_user(request, group_pk)
    form = FamilyGroupParticipantForm(request.POST, children=scope.children_of(request.user, group.institution))
    if form.is_valid():
        try:
            services.family_group_participant_add(actor=request.actor, group=group, child=form.cleaned_data["child"],
                                                  guardian=form.cleaned_data.get("guardian"))
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Familien er tilføjet gruppen.")
            return redirect("cases:family_group_detail", group_pk=group.pk)
    return _family_group_page(request, group, participant_form=form, status=400)


@require_POST
def family_group_session_add(request, group_pk):
    group = scope.get_family_group_for_user(request, group_pk)
    form = FamilyGroupSessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.family_group_session_add(actor=request.actor, group=group, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Gangen er oprettet.")
            return redirect("cases:family_group_attendance", group_pk=group.pk, session_pk=session.pk)
    return _family_group_page(request, group, session_form=form, status=400)


@require_http_methods(["GET", "POST"])
def family_group_attendance(request, group_pk, session_pk):
    group = scope.get_family_group_for_user(request, group_pk)
    session = scope.get_family_group_session(group, session_pk)
    present = list(session.attendance.values_list("participant_id", flat=True))
    form = FamilyGroupAttendanceForm(request.POST or None, group=group, initial={"participants": present})
    log_children_listed(request.actor, [p.child for p in form.fields["participants"].queryset],
                        detail=f"Fremmøde familiegruppe {group.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            services.family_group_attendance_record(actor=request.actor, session=session,
                                                    participants=form.cleaned_data["participants"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Fremmødet er gemt.")
            return redirect("cases:family_group_detail", group_pk=group.pk)
    return render(request, "cases/family_group_attendance.html", {"group": group, "session": session, "form": form},
                  status=400 if request.method == "POST" else 200)
