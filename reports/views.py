"""Statistics pages: thin views over `presentation.build` (figures), `services` (PDF reports) and
`csv_export`. Scope is decided by `reports.scope` only."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from haandguide.access import Action, log_access
from reports import cache, presentation, privacy, services
from reports.forms import PeriodForm
from reports.models import Report
from reports.scope import (
    Scope, allowed, get_report_for_user, get_scope_for_user, may_see_statistics, scopes_for, search_scopes, widest_scope,
)
from haandguide.lib.formats import date_da
from haandguide.lib.pages import page_of


def _period_query(period) -> str:
    return urlencode({"fra": period.start.isoformat(), "til": period.end.isoformat()})


def _scope_url(scope: Scope, period=None) -> str:
    url = reverse("reports:statistics", args=[scope.kind, scope.pk])
    return f"{url}?{_period_query(period)}" if period else url


def _reports_for(scope: Scope):
    return Report.objects.filter(**scope.report_fields()).select_related("requested_by").defer("pdf")


def index(request):
    """The user's widest scope, or the one chosen in the scope picker; with `soeg`, the districts
    and institutions whose name matches, a page at a time."""
    if not may_see_statistics(request.user):
        raise PermissionDenied("Din rolle har ikke adgang til statistik.")
    period = PeriodForm(request.GET or None).period
    text = request.GET.get("soeg", "").strip()
    if text:
        page = page_of(search_scopes(request.user, text), request.GET.get("side"))
        return render(request, "reports/scope_search.html", {
            "page": page, "text": text, "period_query": _period_query(period),
            "search_query": f"{urlencode({'soeg': text})}&{_period_query(period)}"})
    kind, _, pk = request.GET.get("omraade", "").partition("-")
    chosen = allowed(request.user, kind, pk) if pk else None
    chosen = chosen or widest_scope(request.user)
    if chosen is None:
        raise PermissionDenied("Du er ikke knyttet til en kommune, et distrikt eller en institution.")
    return redirect(_scope_url(chosen, period))


def statistics(request, kind, pk):
    scope = get_scope_for_user(request, kind, pk)
    form = PeriodForm(request.GET or None)
    period = form.period
    # A warm view reads the sections' HTML alone from the cache, not the figures or the built sections.
    context = {
        "scope": scope, "period": period, "privacy_rule": privacy.RULE,
        "sections_html": cache.rendered(scope, period, lambda: render_to_string(
            "reports/includes/sections.html", presentation.build(scope, period))),
        "form": form, "scopes": scopes_for(request.user, scope), "period_query": _period_query(period),
        "reports": list(_reports_for(scope)[:20]),
    }
    return render(request, "reports/statistics.html", context)


@require_POST
def report_create(request, kind, pk):
    scope = get_scope_for_user(request, kind, pk)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Perioden er ikke gyldig.")
        return redirect(_scope_url(scope))
    period = form.period
    services.report_request(actor=request.actor, scope=scope, period=period)
    messages.success(request, "Rapporten dannes. Den kan hentes her, når den er færdig.")
    return redirect(_scope_url(scope, period))


def report_status(request, pk):
    """The progress partial, polled by htmx every 2 seconds until the report is finished."""
    report = get_report_for_user(request, pk)
    return render(request, "reports/includes/report_row.html", {"report": report})


def report_download(request, pk):
    report = get_report_for_user(request, pk)
    if report.status != Report.Status.DONE:
        raise Http404("Rapporten er ikke færdig.")
    log_access(request.actor, Action.EXPORT, report, detail=f"Statistikrapport {date_da(report.period_start)}–"
                                                      f"{date_da(report.period_end)}")
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response


def _csv_cell(value) -> str:
    """Excel with Danish settings: decimal comma, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, Decimal):
        return f"{value:f}".rstrip("0").rstrip(".").replace(".", ",") if "." in f"{value:f}" else f"{value:f}"
    return str(value)


def csv_export(request, kind, pk):
    """The page's tables as one CSV file: semicolons, UTF-8 with BOM (Excel), Danish headers."""
    scope = get_scope_for_user(request, kind, pk)
    period = PeriodForm(request.GET or None).period
    context = presentation.build(scope, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Statistik", scope.label])
    writer.writerow(["Periode", period.long_label])
    writer.writerow([privacy.RULE])
    for section in presentation.csv_sections(scope, period, context["sections"]):
        writer.writerow([])
        writer.writerow([section["title"]])
        writer.writerow(section["headers"])
        for row in section["rows"]:
            writer.writerow([_csv_cell(cell) for cell in row])
    log_access(request.actor, Action.EXPORT, object_type="statistik", object_id=scope.key,
               detail=f"Statistik som CSV {period.label}")
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="statistik-{scope.kind}-{scope.pk}-'
                                       f'{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"')
    return response
