import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.utils.http import url_has_allowed_host_and_scheme

from django.views.decorators.http import require_POST

from haandguide import dashboard
from haandguide.access import Action, get_in_scope, log_access, log_page, oldest_first
from haandguide.forms import AccessLogSearchForm
from haandguide.lib.pages import page_of
from haandguide.models import AccessLog, Child, Notice
from haandguide.notify import notices_mark_seen


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _Echo:
    """A file for csv.writer that hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _access_request_csv(request, child_id: int, entries, *, since=None, until=None) -> StreamingHttpResponse:
    """Indsigt: every logged look at and change of one child's data, for a citizen's request.
    Streamed a month of the log at a time (`access.oldest_first`): a child's five years are tens
    of thousands of rows nationally, and neither they nor the file are held in memory at once."""
    log_access(request.actor, Action.EXPORT, object_type="accesslog", child_id=child_id, detail="Indsigtsudskrift")
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(["Tidspunkt", "Bruger", "Rolle", "Via", "Handling", "Objekt", "Detaljer"])
        for entry in oldest_first(entries, since=since, until=until):
            yield writer.writerow([timezone.localtime(entry.at).strftime("%d.%m.%Y %H:%M:%S"), entry.username,
                                   entry.role, entry.via, entry.get_action_display(),
                                   f"{entry.object_type} {entry.object_id}", entry.detail])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indsigt-adgangslog-{child_id}.csv"'
    return response


@transaction.non_atomic_requests  # only reads: no transaction (nor, on SQLite, write lock) for the home page
def home(request):
    """The user's new messages, then each app's panel for the role (haandguide.dashboard)."""
    return render(request, "haandguide/home.html", {
        "institutions": dashboard.own_institutions(request.user), "panels": dashboard.panels_for(request),
        "notices": dashboard.unseen_notices(request.user),
    })


def notice_list(request):
    """The user's own messages (agenda ready, deadline near, re-assessment due, evaluation due),
    newest first."""
    page = page_of(Notice.objects.for_user(request.user), request.GET.get("side"))
    unseen = Notice.objects.for_user(request.user).filter(seen_at__isnull=True).count()
    return render(request, "haandguide/notice_list.html", {"page": page, "unseen": unseen})


@require_POST
def notice_seen(request, pk):
    """Mark one message as read and go where it points; `pk` "alle" marks every message read."""
    if pk == "alle":
        notices_mark_seen(request.user)
        return redirect("notice_list")
    notice = get_in_scope(Notice.objects.for_user(request.user), "notice", pk)
    notices_mark_seen(request.user, notice)
    internal = url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()})
    return redirect(notice.url if notice.url and internal else "notice_list")


def _administrators_only(user) -> bool:
    if not user.is_administrator:
        raise PermissionDenied("Kun administratorer kan søge i adgangsloggen.")
    return True


@user_passes_test(_administrators_only)
def accesslog(request):
    """Who looked at which child, when: searchable by child, user, action and period."""
    form = AccessLogSearchForm(request.POST or None)
    entries = AccessLog.objects.filter(municipality_id=request.user.municipality_id)
    child_ids = since = until = None
    if request.method == "POST" and form.is_valid():
        kind, value = form.child_query()
        municipality_children = Child.objects.filter(
            institution__district__municipality_id=request.user.municipality_id
        )
        if kind == "cpr":
            child_ids = list(municipality_children.filter(cpr=value).values_list("pk", flat=True))
            entries = entries.for_children(child_ids)
        elif value:
            child_ids = list(municipality_children.search(value).values_list("pk", flat=True)[:200])
            entries = entries.for_children(child_ids)
        data = form.cleaned_data
        if data["username"]:
            entries = entries.filter(username__icontains=data["username"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["actor_kind"]:
            entries = entries.filter(actor_kind=data["actor_kind"])
        # Bounds on `at` itself (not its local date), so PostgreSQL reads only those months' partitions.
        since = _day_start(data["date_from"]) if data["date_from"] else None
        until = _day_start(data["date_to"] + datetime.timedelta(days=1)) if data["date_to"] else None
        if since:
            entries = entries.filter(at__gte=since)
        if until:
            entries = entries.filter(at__lt=until)
        if "export" in request.POST:
            if child_ids is not None and len(child_ids) == 1:
                return _access_request_csv(request, child_ids[0], entries, since=since, until=until)
            form.add_error("child", "Vælg præcis ét barn (fx med CPR-nummer) for at lave en indsigtsudskrift.")
        log_access(request.actor, Action.SEARCH, object_type="accesslog",
                   detail=f"Søgning: {kind} {'angivet' if value else 'tom'}")
    # No COUNT(*): at national size the municipality's log has millions of rows. Each page starts
    # where the one before ended (the trail in the form), and rows are read back in time window by
    # window, not sorted over the whole period (access.log_page).
    found = log_page(entries, request.POST.get("side") or request.GET.get("side"), request.POST.get("spor", ""),
                     since=since, until=until)
    page = found.page
    searched = set(child_ids or ())
    ids = {e.child_id for e in page.object_list if e.child_id}
    ids |= {c for e in page.object_list for c in e.child_ids if c in searched}
    children_by_id = {c.pk: c for c in Child.objects.filter(pk__in=ids).only("first_name", "last_name", "cpr")}
    for entry in page.object_list:
        # A list view shows the searched child it named; otherwise how many children it showed.
        named = [c for c in entry.child_ids if c in searched]
        entry.child = children_by_id.get(entry.child_id or (named[0] if named else None))
    unsealed = AccessLog.objects.filter(municipality_id=request.user.municipality_id).unsealed().order_by()[:1001].count()
    return render(request, "haandguide/accesslog.html",
                  {"form": form, "page": page, "trail": found.trail, "unsealed": unsealed})


@user_passes_test(_administrators_only)
def retention_preview(request):
    """What the retention job will anonymise, shown to the administrator before it runs."""
    from haandguide import retention

    municipality = request.user.municipality
    due = retention.candidates(municipality) if municipality else Child.objects.none()
    if request.method == "POST":
        count = 0
        for child in due:
            retention.anonymise(child, actor=request.actor)
            count += 1
        log_access(request.actor, Action.DELETE, object_type="retention", detail=f"{count} {ngettext('barn', 'børn', count)} anonymiseret")
        messages.success(request, f"{count} {ngettext('barns', 'børns', count)} oplysninger er anonymiseret.")
        return redirect("retention")
    page = page_of(due.order_by("left_at", "pk"), request.GET.get("side"))
    log_access(request.actor, Action.VIEW, object_type="retention", detail="Forhåndsvisning af anonymisering")
    return render(request, "haandguide/retention.html", {"page": page, "municipality": municipality, "query": ""})
