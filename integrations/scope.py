"""Who may take a child's whole record out: the leader of the child's institution or the
municipality's administrator (asked through haandguide/roles.py). Anyone else, and any other
municipality's child, gets the same logged 404 as a child that does not exist."""

from haandguide import roles
from haandguide.access import OutOfScope
from haandguide.lib.ids import parse_id
from haandguide.models import Child


def may_export(user, child) -> bool:
    return roles.leads(user, child.institution_id) or roles.administers(user, child.municipality_id)


def get_child_for_export(request, pk) -> Child:
    number = parse_id(pk)
    child = (Child.objects.select_related("institution__district__municipality").filter(pk=number).first()
             if number is not None else None)
    if child is None or child.anonymised_at is not None or not may_export(request.user, child):
        raise OutOfScope("child", pk, child_id=number, model=Child)
    return child
