"""Who may write a child's handleplan: asked by the services, the views and the demo."""

from __future__ import annotations

from cases.models import Case
from haandguide import roles
from haandguide.exceptions import Refusal, Refused
from haandguide.models import Child, User

CLOSED_MESSAGE = "Sagen er lukket, så handleplanen kan ikke ændres."


def may_write(user: User, child: Child) -> bool:
    """The institution's pædagoger and leder and the district's consultant write the plan;
    external counsellors attached to the case may read it (their scope) but not write."""
    return roles.works_at(user, child.institution_id) or roles.consults_for(user, child.institution.district_id)


def refusal_write(user: User, case: Case) -> str | None:
    if not may_write(user, case.child):
        return Refusal("not_staff", "Kun institutionens pædagoger og leder og den pædagogiske konsulent kan skrive i handleplanen.")
    if not case.is_open:
        return Refusal("case_closed", CLOSED_MESSAGE)
    return None


def guard(user: User, case: Case) -> None:
    refusal = refusal_write(user, case)
    if refusal:
        raise Refused(refusal)
