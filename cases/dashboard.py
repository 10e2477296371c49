"""The cases app's panel on the home page: the children in scope by effort level."""

from django.db.models import Count

from cases.models import CaseState
from haandguide.dashboard import Panel
from haandguide.lib.statements import statement
from haandguide import roles
from haandguide.models import Child


def levels_panel(request) -> Panel | None:
    user = request.user
    if not roles.works_with_children(user):
        return None
    # The level kept on the child (Child.case_state, "" without a case): counted from the child list's
    # index on (institution, case_state), never joined with every case of a consultant's districts.
    counts = dict(_levels_in(*roles.child_scope(user)))
    levels = [(state, label, counts.get(state, 0)) for state, label in CaseState.choices]
    return Panel("cases/includes/levels_panel.html", {
        "levels": levels, "without_case": counts.get("", 0), "total": sum(counts.values()),
    }, order=10)


@statement(shape=1)
def _levels_in(kind: str, ids: tuple):
    return Child.objects.in_scope(kind, ids).present().values_list("case_state").annotate(n=Count("pk")).order_by()
