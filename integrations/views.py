"""The child's record export page and the published JSON schema of the export."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from haandguide.access import Action, log_access
from haandguide.exceptions import Refused
from integrations import record, scope, services


@require_http_methods(["GET", "POST"])
def child_record(request, child_pk):
    """Choose the purpose and the format; POST produces the file (logged)."""
    child = scope.get_child_for_export(request, child_pk)
    error, status = None, 200
    if request.method == "POST":
        purpose, fmt = request.POST.get("formaal", ""), request.POST.get("format", "")
        if fmt not in ("pdf", "json"):
            error, status = "Vælg PDF eller JSON.", 400
        else:
            try:
                content, content_type, filename = services.record_export(
                    actor=request.actor, child=child, purpose=purpose, fmt=fmt)
            except Refused as refused:
                error, status = refused.message, 400
            else:
                response = HttpResponse(content, content_type=content_type)
                response["Content-Disposition"] = f'attachment; filename="{filename}"'
                return response
    log_access(request.actor, Action.VIEW, child, child_id=child.pk, detail="Side for udtræk af barnets data")
    return render(request, "integrations/child_record.html", {
        "child": child, "purposes": record.PURPOSES, "error": error,
        "chosen": request.POST.get("formaal", "indsigt")}, status=status)


@login_not_required
@require_GET
def record_schema(request):
    """The export's JSON Schema: public, it holds no personal data."""
    return JsonResponse(record.record_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2})
