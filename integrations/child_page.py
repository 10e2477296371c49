"""The child page's link to the child's whole record, for whoever may take it out (no query)."""

from django.urls import reverse

from integrations.scope import may_export


def record_section(request, child) -> dict | None:
    if not may_export(request.user, child):
        return None
    return {"template": "integrations/includes/child_section.html",
            "record_url": reverse("integrations:child_record", args=[child.pk])}
