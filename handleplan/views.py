"""Thin views. Every view starts with `get_child_for_user` (scope + logged read; a logged 404
outside it) and reaches the plan only through that child's case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haandguide import roles
from haandguide.access import log_access, log_children_listed
from haandguide.access import Action as LogAction
from haandguide.exceptions import Refused
from haandguide.keep_typed import keeps_typed
from haandguide.lib.ids import parse_id
from haandguide.lib.pages import page_of
from haandguide.models import Child
from handleplan import diff, formdata, levels, pdf, reminders, scope, services
from handleplan.catalogue import catalogue_for
from handleplan.forms import EffortForm, EffortUpdateForm, EvaluationForm, PlanForm
from handleplan.models import VOICE_STATEMENTS, PlanVersion
from handleplan.permissions import may_write


def _require_writer(request, child: Child) -> None:
    if not may_write(request.user, child):
        raise PermissionDenied("Du kan læse handleplanen, men ikke skrive i den.")


@transaction.non_atomic_requests  # reads; its access-log row stands on its own (as the child page)
def plan_detail(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Handleplan", related=("case",))
    case = scope.case_of(child)
    plan = scope.plan_of_case(case)
    context = {"child": child, "case": case, "plan": plan, "can_write": may_write(request.user, child)}
    if plan:
        efforts = services.plan_efforts(plan.pk)
        texts = plan.texts
        context.update({
            "texts": texts, **formdata.period(texts),
            "voice": [(label, texts["voice"].get(key, "")) for key, label in VOICE_STATEMENTS],
            "efforts": efforts,
            "effort_groups": levels.effort_groups(efforts, case.state),
            "editable": context["can_write"] and case.is_open,
            "today": timezone.localdate(),
            "snapshots": services.recent_snapshots(plan.pk),
            "parents_version": _parents_written_by(plan, texts),
        })
    return render(request, "handleplan/plan_detail.html", context)


def _parents_written_by(plan, texts) -> PlanVersion | None:
    """The version in which a custodian wrote the parents' perspective shown now, if they did (staff
    see it as the parents' own words); one query."""
    version = services.latest_by_parents.first(plan.pk)
    if version and version.content.get("texts", {}).get("parents", "") == texts.get("parents", ""):
        return version
    return None


@require_POST
def plan_share(request, child_pk):
    """Mark what the parents' portal shows: the goals and signs, and each effort ("delt med forældre")."""
    child = scope.get_child_for_user(request, child_pk, detail="Deling med forældre")
    plan = scope.plan_of_case(scope.case_of(child))
    if plan is None:
        messages.error(request, "Der er ingen handleplan at dele.")
        return redirect("handleplan:plan_detail", child_pk=child.pk)
    effort_ids = [number for number in (parse_id(v) for v in request.POST.getlist("efforts")) if number is not None]
    try:
        services.plan_share(actor=request.actor, plan=plan, goals_and_signs=bool(request.POST.get("goals_and_signs")),
                            effort_ids=effort_ids)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Det er gemt, hvad forældrene kan se i forældreportalen.")
    return redirect("handleplan:plan_detail", child_pk=child.pk)


@require_POST
def plan_start(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Start handleplan")
    case = scope.case_of(child)
    if case is None:
        messages.error(request, "Barnet har ingen sag endnu. Opret sagen på barnets side først.")
        return redirect("cases:child_detail", pk=child.pk)
    try:
        services.plan_start(actor=request.actor, case=case)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Handleplanen er startet. Skriv mål og tegn, og tilføj indsatser.")
    return redirect("handleplan:plan_detail", child_pk=child.pk)


@keeps_typed
@require_http_methods(["GET", "POST"])
def plan_edit(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Ret handleplan")
    plan = scope.plan_for_child(child)
    _require_writer(request, child)
    if request.method == "GET":
        form = PlanForm(initial={"version": plan.version, **formdata.texts_as_form_initial(plan.texts)})
        return render(request, "handleplan/plan_form.html", {"child": child, "plan": plan, "form": form})
    form = PlanForm(request.POST, other=_author(plan.current))
    if form.is_valid():
        try:
            saved = services.plan_save(actor=request.actor, plan=plan, data=form.cleaned_data,
                                       version=form.cleaned_data["version"], keep_theirs=form.keep_theirs())
        except services.PlanConflict as conflict:
            return _conflict(request, child, conflict)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Handleplanen er gemt.")
            if saved.merged_from_theirs:
                labels = ", ".join(f"«{form.fields[name].label}»" for name in saved.merged_from_theirs)
                messages.info(request, f"En anden havde imens ændret {labels}. De ændringer er bevaret og "
                                       "flettet med dine.")
            return redirect("handleplan:plan_detail", child_pk=child.pk)
    return render(request, "handleplan/plan_form.html", {"child": child, "plan": plan, "form": form})


def _author(version: PlanVersion | None) -> str:
    return version.author_name if version else "den anden"


def _conflict(request, child: Child, conflict: services.PlanConflict) -> HttpResponse:
    """Only the fields both people changed, side by side, each with a choice; every other field is
    already merged (the other person's changes kept, this person's too). The form is based on the
    latest version, so saving it is a merge against that version."""
    latest = conflict.latest
    other = _author(latest)
    merged = formdata.texts_as_form_initial(conflict.merge.texts)
    theirs = formdata.texts_as_form_initial(latest.content.get("texts", {}))
    data = dict(merged)
    data.update({"version": str(latest.number), "conflicts": ",".join(conflict.merge.conflicts)})
    # Unbound: the choices are asked, not shown as errors before the person has made them.
    form = PlanForm(initial=data, conflicts=conflict.merge.conflicts, other=other)
    return render(request, "handleplan/plan_conflict.html", {
        "child": child, "plan": latest.plan, "latest": latest, "other": other, "form": form,
        "fields": [{"name": name, "label": form.fields[name].label, "theirs": theirs.get(name) or "",
                    "yours": merged.get(name) or ""} for name in conflict.merge.conflicts],
        "from_theirs": [form.fields[name].label for name in conflict.merge.from_theirs],
    }, status=409)


@keeps_typed
@require_http_methods(["GET", "POST"])
def effort_add(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Ny indsats")
    plan = scope.plan_for_child(child)
    _require_writer(request, child)
    form = EffortForm(request.POST or None, child=child, catalogue=catalogue_for(plan.case))
    if request.method == "POST" and form.is_valid():
        try:
            services.effort_add(actor=request.actor, plan=plan, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Indsatsen er tilføjet handleplanen.")
            return redirect("handleplan:plan_detail", child_pk=child.pk)
    return render(request, "handleplan/effort_form.html", {"child": child, "plan": plan, "form": form,
                                                           "title": "Ny indsats"})


@keeps_typed
@require_http_methods(["GET", "POST"])
def effort_edit(request, child_pk, effort_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Ret indsats")
    effort = scope.effort_for_child(child, effort_pk)
    _require_writer(request, child)
    form = EffortUpdateForm(request.POST or None, effort=effort)
    if request.method == "POST" and form.is_valid():
        try:
            services.effort_update(actor=request.actor, effort=effort, data=form.cleaned_data,
                                   version=form.cleaned_data["version"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Indsatsen er gemt.")
            return redirect("handleplan:plan_detail", child_pk=child.pk)
    return render(request, "handleplan/effort_form.html", {"child": child, "plan": effort.plan, "form": form,
                                                           "effort": effort, "title": f"Ret indsatsen «{effort}»"})


@keeps_typed
@require_http_methods(["GET", "POST"])
def evaluation_add(request, child_pk, effort_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Ny evaluering")
    effort = scope.effort_for_child(child, effort_pk)
    _require_writer(request, child)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_add(actor=request.actor, effort=effort, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Evalueringen af «{effort}» er gemt.")
            return redirect("handleplan:plan_detail", child_pk=child.pk)
    return render(request, "handleplan/evaluation_form.html", {"child": child, "effort": effort, "form": form})


@require_GET
def version_list(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Handleplanens versioner")
    plan = scope.plan_for_child(child)
    versions = (PlanVersion.objects.filter(plan=plan).select_related("author", "author_guardian")
                .only("number", "created_at", "summary", "author__first_name", "author__last_name",
                      "author__username", "plan_id", "author_guardian__name", "author_guardian__relation")
                .order_by("-number"))
    page = page_of(versions, request.GET.get("side"))
    return render(request, "handleplan/version_list.html", {"child": child, "plan": plan, "page": page})


@require_GET
def version_diff(request, child_pk, a, b):
    child = scope.get_child_for_user(request, child_pk, detail=f"Handleplan: forskel mellem version {a} og {b}")
    plan = scope.plan_for_child(child)
    old = scope.version_of(plan, min(a, b))
    new = scope.version_of(plan, max(a, b))
    rows = diff.version_diff(old, new)
    return render(request, "handleplan/version_diff.html", {
        "child": child, "plan": plan, "old": old, "new": new, "rows": rows,
        "changed": any(row["kind"] != "equal" for row in rows),
    })


@require_GET
def plan_pdf(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Handleplan som PDF")
    plan = scope.plan_for_child(child)
    document = pdf.render_handleplan_pdf(plan)
    log_access(request.actor, LogAction.EXPORT, plan, child_id=child.pk, detail=f"Handleplan PDF, version {plan.version}")
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="handleplan-{child.pk}-v{plan.version}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- reminders and overdue evaluations -----------------------------------------------------------


@require_GET
def reminder_list(request):
    """The old "Påmindelser" page: evaluation reminders are messages in Beskeder now."""
    return redirect("notice_list", permanent=True)


@require_GET
def overdue_list(request):
    """A leader's overdue evaluations, for the institution(s) they lead only."""
    if not roles.is_leader(request.user):
        raise PermissionDenied("Listen over forfaldne evalueringer er for institutionsledere.")
    today = timezone.localdate()
    efforts = (reminders.overdue_efforts(scope.led_institution_ids(request.user), today)
               .select_related("responsible", "plan__case__child__institution").order_by("evaluation_date", "pk"))
    page = page_of(efforts, request.GET.get("side"))
    log_children_listed(request.actor, [e.plan.case.child for e in page.object_list], detail="Forfaldne evalueringer")
    return render(request, "handleplan/overdue_list.html", {"page": page, "today": today})
