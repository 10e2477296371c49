from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cases.forms import ChildForm, ChildSearchForm, GuardianForm
from haandguide import services
from haandguide.access import get_child_for_user, log_children_listed
from haandguide.exceptions import Refused
from haandguide.models import Child, Institution, Role


def _scope_institutions(user):
    visible = Child.objects.visible_to(user).values("institution")
    return Institution.objects.filter(pk__in=visible).order_by("name")


def _led_institutions(user):
    return user.institutions.order_by("name") if user.role == Role.LEDER else Institution.objects.none()


def child_list(request):
    form = ChildSearchForm(request.GET or None, institutions=_scope_institutions(request.user))
    children = Child.objects.visible_to(request.user).present().select_related("institution")
    if form.is_valid():
        children = children.search(form.cleaned_data["q"])
        if form.cleaned_data["institution"]:
            children = children.filter(institution=form.cleaned_data["institution"])
    page = Paginator(children.order_by("first_name", "last_name", "pk"), 25).get_page(request.GET.get("side"))
    log_children_listed(request, page.object_list, detail="Børneliste")
    query = request.GET.copy()
    query.pop("side", None)
    return render(request, "cases/child_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_create": request.user.role == Role.LEDER,
    })


def child_detail(request, pk):
    child = get_child_for_user(request, pk)
    guardians = list(child.guardians.all())
    return render(request, "cases/child_detail.html", {
        "child": child, "guardians": guardians,
        "can_edit": services.can_edit_child_records(request.user, child.institution),
    })


@require_http_methods(["GET", "POST"])
def child_create(request):
    institutions = _led_institutions(request.user)
    form = ChildForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.child_create(request=request, data=form.cleaned_data)
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
    child = get_child_for_user(request, pk)
    if not services.can_edit_child_records(request.user, child.institution):
        raise PermissionDenied("Kun institutionens leder kan rette barnets stamdata.")
    form = ChildForm(request.POST or None, instance=child, institutions=_led_institutions(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.child_update(request=request, child=Child.objects.get(pk=child.pk), data=form.cleaned_data,
                                  version=form.cleaned_data.get("version") or 0)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Barnets stamdata er gemt.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/child_form.html", {"form": form, "child": child, "title": f"Ret {child}"})


@require_http_methods(["GET", "POST"])
def guardian_add(request, pk):
    child = get_child_for_user(request, pk)
    if not services.can_edit_child_records(request.user, child.institution):
        raise PermissionDenied("Kun institutionens leder kan tilføje forældre.")
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_add(request=request, child=child, data=form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Forælder/værge er tilføjet.")
            return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/guardian_form.html", {"form": form, "child": child})
