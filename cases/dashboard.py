"""The cases app's panel on the home page: the children in scope by effort level."""

from django.db.models import Count

from cases.models import CaseState
from haandguide.dashboard import Panel
from haandguide.models import Child, Role


def levels_panel(request) -> Panel | None:
    user = request.user
    if user.role not in (Role.PAEDAGOG, Role.LEDER, Role.KONSULENT, Role.EKSTERN):
        return None
    counts = dict(Child.objects.visible_to(user).present().values_list("case__state").annotate(n=Count("pk"))
                  .order_by())
    levels = [(state, label, counts.get(state, 0)) for state, label in CaseState.choices]
    return Panel("cases/includes/levels_panel.html", {
        "levels": levels, "without_case": counts.get(None, 0), "total": sum(counts.values()),
    }, order=10)
