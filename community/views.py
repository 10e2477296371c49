"""The learning community's pages: thin views, every lookup through community.scope (or the
child's scope for a counsellor's proposals), every change through community.services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import CounsellingSession, TopiPosition
from cases.scope import feature_institutions, get_counselling_session_for_user
from community import scope, services
from community.forms import (
    BookingForm, DeclineForm, GroupPlanForm, ProposalForm, ReflectiveEvaluationForm, RatingForm, RoundForm, SparringForm,
)
from community.models import GroupPlan, TopiCriterion, TopiSchedule
from haandguide import roles
from haandguide.access import Action, log_access, log_children_listed
from haandguide.actors import Actor, ActorKind
from haandguide.exceptions import EditConflict, Refused
from haandguide.lib.pages import page_of


def _require_served(request):
    if not roles.serves_institutions(request.user):
        raise PermissionDenied("Læringsfællesskabets sider er for institutionernes personale og konsulenten.")


def home(request):
    _require_served(request)
    groups = scope.groups_for(request.user).annotate(
        size=Count("children", distinct=True), rounds=Count("topi_rounds", distinct=True))
    page = page_of(groups, request.GET.get("side"))
    schedule = TopiSchedule.objects.filter(municipality_id=request.user.municipality_id)
    # Aabenraa: the coming open-counselling sessions, for which staff send the parents a booking link.
    sessions = (CounsellingSession.objects.filter(institution__in=feature_institutions(request.user, "open_counselling_enabled"),
                                                  starts_at__gt=timezone.now())
                .select_related("institution").order_by("starts_at")[:5])
    return render(request, "community/home.html", {"page": page, "schedule": schedule, "sessions": sessions})


def _group_page(request, group, form=None, round_form=None, status=200):
    plan = GroupPlan.objects.select_related("current__author").filter(group=group).first()
    children = list(group.children.order_by("first_name", "last_name"))
    log_children_listed(request.actor, children, detail=f"Stue {group}")
    texts = plan.texts if plan else None
    rounds = group.topi_rounds.annotate(
        yellow=Count("ratings", filter=Q(ratings__joint=True, ratings__position=TopiPosition.YELLOW)),
        red=Count("ratings", filter=Q(ratings__joint=True, ratings__position=TopiPosition.RED)),
        joint=Count("ratings", filter=Q(ratings__joint=True)))
    started = plan.current.created_at.date() if plan and plan.current_id else None
    efforts = [{**e, "level": "forebyggende", "is_active": True, "evaluation_list": [], "started_on": started}
               for e in (texts or {}).get("efforts", [])]
    from handleplan.levels import effort_groups

    return render(request, "community/group_detail.html", {
        "group": group, "plan": plan, "texts": texts, "children": children,
        "named": [c for c in children if texts and c.pk in texts.get("children", [])],
        "effort_groups": effort_groups(efforts, "forebyggende"), "rounds": rounds,
        "round_form": round_form or RoundForm(initial={"held_on": timezone.localdate()}),
        "may_write": services.refusal_group_write(request.user, group) is None,
        "leads": roles.leads(request.user, group.institution_id),
    }, status=status)


def group_detail(request, pk):
    _require_served(request)
    group = scope.get_group_for_user(request, pk)
    log_access(request.actor, Action.VIEW, group, detail=f"Stue {group} ({group.institution})")
    return _group_page(request, group)


@require_http_methods(["GET", "POST"])
def group_plan_edit(request, pk):
    _require_served(request)
    group = scope.get_group_for_user(request, pk)
    plan = GroupPlan.objects.select_related("current").filter(group=group).first()
    texts = plan.texts if plan else {}
    initial = {"version": plan.version if plan else 0}
    if texts:
        initial.update({key: "\n".join(texts[key]) if key == "goals_community" else texts[key]
                        for key in ("goals_community", "signs", "evaluation_tool", "staff_meeting_on",
                                    "staff_meeting_participants", "evaluation")})
        initial["efforts"] = "\n".join(e["name"] for e in texts["efforts"])
        first = texts["efforts"][0] if texts["efforts"] else {}
        initial["carried_out_by"], initial["evaluation_date"] = first.get("carried_out_by", ""), first.get("evaluation_date")
        initial["children"] = texts["children"]
    elif round_pk := request.GET.get("runde"):
        # Written from a TOPI round: the children rated yellow or red are proposed.
        topi_round = scope.get_round_of_group(group, round_pk)
        initial["children"] = [row["child"].pk for row in services.round_overview(topi_round)
                               if row["joint"] in (TopiPosition.YELLOW, TopiPosition.RED)]
    form = GroupPlanForm(request.POST or None, initial=initial, children=group.children.order_by("first_name"))
    conflict_texts = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.group_plan_save(actor=request.actor, group=group, data=data, version=data["version"])
        except EditConflict as conflict:
            # A colleague saved meanwhile: keep what this person typed, show the saved version
            # beside it, and let the next save be made knowingly on top of it.
            plan = GroupPlan.objects.select_related("current__author").get(group=group)
            data = request.POST.copy()
            data["version"] = plan.version
            form = GroupPlanForm(data, children=group.children.order_by("first_name"))
            form.is_valid()
            form.add_error(None, conflict.message)
            conflict_texts = plan.texts
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Planen for læringsfællesskabet er gemt.")
            return redirect("community:group_detail", pk=group.pk)
    log_access(request.actor, Action.VIEW, group, detail=f"Plan for stue {group}")
    return render(request, "community/group_plan_form.html", {"form": form, "group": group, "plan": plan,
                                                              "conflict_texts": conflict_texts},
                  status=400 if form.errors else 200)


@require_POST
def round_open(request, pk):
    _require_served(request)
    group = scope.get_group_for_user(request, pk)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            topi_round = services.round_open(actor=request.actor, group=group, name=form.cleaned_data["name"],
                                             held_on=form.cleaned_data["held_on"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("community:round_detail", pk=topi_round.pk)
    return _group_page(request, group, round_form=form, status=400)


def _round_page(request, topi_round, errors=None, status=200):
    rows = services.round_overview(topi_round)
    log_children_listed(request.actor, [row["child"] for row in rows], detail=f"TOPI-runde {topi_round}")
    labels = dict(TopiPosition.choices)
    errors = {str(key): value for key, value in (errors or {}).items()}
    staff = roles.works_at(request.user, topi_round.institution_id)
    for row in rows:
        row["mine"] = request.user.pk in row["raters"]
        row["error"] = errors.get(str(row["child"].pk), "")
        row["independent_labels"] = [labels[p] for p in row["independent_positions"]]
        row["suggestion"] = (services.suggestion_for(row["child"], row["joint"], row["has_open_case"])
                             if row["joint"] in (TopiPosition.YELLOW, TopiPosition.RED) else "")
        row["joint_refusal"] = None if row["joint"] else services.joint_refusal(False, row["independent"])
    criteria = TopiCriterion.objects.filter(municipality_id=topi_round.institution.district.municipality_id)
    return render(request, "community/round_detail.html", {
        "round": topi_round, "rows": rows, "criteria": criteria, "positions": TopiPosition.choices,
        "staff": staff,
        "done": bool(rows) and all(row["joint"] for row in rows),
    }, status=status)


def round_detail(request, pk):
    _require_served(request)
    topi_round = scope.get_round_for_user(request, pk)
    log_access(request.actor, Action.VIEW, topi_round, detail=f"TOPI-runde {topi_round}")
    return _round_page(request, topi_round)


@require_POST
def round_rate(request, pk):
    _require_served(request)
    topi_round = scope.get_round_for_user(request, pk)
    form = RatingForm(request.POST)
    errors = {}
    if form.is_valid():
        child = scope.get_child_of_round(topi_round, form.cleaned_data["child"])
        add = services.joint_rating_add if form.cleaned_data["joint"] else services.rating_add
        try:
            add(actor=request.actor, topi_round=topi_round, child=child, position=form.cleaned_data["position"],
                note=form.cleaned_data["note"])
        except Refused as refusal:
            errors[child.pk] = refusal.message
        else:
            messages.success(request, f"Vurderingen af {child} er gemt.")
            return redirect("community:round_detail", pk=topi_round.pk)
    else:
        errors[request.POST.get("child")] = "Vælg grøn, gul eller rød."
    return _round_page(request, topi_round, errors=errors, status=400)


@require_http_methods(["GET", "POST"])
def evaluations(request):
    _require_served(request)
    institutions = scope.led_institutions(request.user)
    form = None
    if institutions.exists():
        form = ReflectiveEvaluationForm(request.POST or None, institutions=institutions,
                                        groups=scope.groups_for(request.user).filter(institution__in=institutions),
                                        initial={"held_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
            try:
                services.reflective_evaluation_add(actor=request.actor, institution=form.cleaned_data["institution"], data=data)
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Evalueringen af læringsmiljøet er gemt.")
                return redirect("community:evaluations")
    elif request.method == "POST":
        raise PermissionDenied("Evalueringen registreres af institutionens leder.")
    page = page_of(scope.evaluations_for(request.user), request.GET.get("side"))
    return render(request, "community/evaluations.html", {"page": page, "form": form},
                  status=400 if form is not None and form.errors else 200)


@require_http_methods(["GET", "POST"])
def sparring(request):
    _require_served(request)
    institutions = scope.institutions_served(request.user).filter(pk__in=request.user.institutions.values("pk"))
    first = institutions.select_related("district").first()
    counsellors = services.sparring_counsellors(first) if first else None
    form = None
    if first is not None and counsellors.exists():
        form = SparringForm(request.POST or None, institutions=institutions, counsellors=counsellors,
                            initial={"held_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
            try:
                services.sparring_add(actor=request.actor, institution=form.cleaned_data["institution"], data=data)
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Sparringen er gemt – uden barnets navn.")
                return redirect("community:sparring")
    page = page_of(scope.sparring_for(request.user), request.GET.get("side"))
    return render(request, "community/sparring.html", {"page": page, "form": form},
                  status=400 if form is not None and form.errors else 200)


# --- a counsellor's proposals on the child's plan ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def proposals(request, child_pk):
    child = scope.get_child_for_user(request, child_pk, detail="Forslag til handleplanen")
    plan = scope.plan_for_child(child)
    propose = services.refusal_propose(request.user, plan) is None
    form = ProposalForm(request.POST or None) if propose else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Kun en tilknyttet rådgiver kan foreslå ændringer.")
        if form.is_valid():
            try:
                services.proposal_add(actor=request.actor, plan=plan, **form.cleaned_data)
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Forslaget er sendt til personalet. Planen ændres først, når de tager det ind.")
                return redirect("community:proposals", child_pk=child.pk)
    items = page_of(plan.proposals.select_related("author", "decided_by", "version"), request.GET.get("side"))
    from handleplan.permissions import may_write

    return render(request, "community/proposals.html", {
        "child": child, "plan": plan, "page": items, "form": form, "decline_form": DeclineForm(),
        "decides": may_write(request.user, child),
    }, status=400 if form is not None and form.errors else 200)


@require_POST
def proposal_decide(request, child_pk, pk):
    child = scope.get_child_for_user(request, child_pk, action=Action.UPDATE, detail="Forslag til handleplanen behandlet")
    plan = scope.plan_for_child(child)
    proposal = scope.get_proposal(plan, pk)
    try:
        if request.POST.get("accept"):
            services.proposal_accept(actor=request.actor, proposal=proposal)
            messages.success(request, "Forslaget er taget ind i handleplanen som en ny version.")
        else:
            form = DeclineForm(request.POST)
            services.proposal_decline(actor=request.actor, proposal=proposal,
                                      reason=form.data.get("reason", "")[:2000])
            messages.success(request, "Forslaget er afvist; planen er uændret.")
    except Refused as refusal:
        messages.error(request, refusal.message)
    return redirect("community:proposals", child_pk=child.pk)


# --- Aabenraa: the parents' one-time booking link ---------------------------------------------------


@require_POST
def invitation_create(request, session_pk):
    session = get_counselling_session_for_user(request, session_pk)
    try:
        code = services.invitation_create(actor=request.actor, session=session)
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect("cases:counselling_detail", pk=session.pk)
    link = request.build_absolute_uri(reverse("community:book") + "?" + urlencode({"kode": code}))
    return render(request, "community/invitation.html", {"session": session, "link": link})


@login_not_required
@require_http_methods(["GET", "POST"])
def book(request):
    """Parents book with the link's one-time code; no login (the code is the key, spent on use).
    The code travels as a parameter, not in the path, so no URL of the app names an id openly."""
    code = (request.POST.get("kode") or request.GET.get("kode") or "")[:64]
    invitation = services.invitation_for_code(code)
    if invitation is None:
        return render(request, "community/book.html", {"invalid": True}, status=404 if request.method == "GET" else 400)
    session = invitation.session
    slots = [(n, session.slot_start(n)) for n in services.free_slots(session)]
    form = BookingForm(request.POST or None, initial={"kode": code}, slots=[(n, timezone.localtime(at).strftime("%H.%M")) for n, at in slots])
    if request.method == "POST" and form.is_valid():
        actor = Actor(kind=ActorKind.PARENT, label="Forælder med engangskode", path=request.path[:20])
        try:
            data = {k: v for k, v in form.cleaned_data.items() if k != "kode"}
            booking = services.invitation_book(actor=actor, code=code, **data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            return render(request, "community/book.html", {"booked": booking, "session": session})
    return render(request, "community/book.html", {"form": form, "session": session, "code": code},
                  status=400 if form.errors else 200)
