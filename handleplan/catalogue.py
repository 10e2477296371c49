"""Seeding a municipality's effort catalogue and readiness rules from its profile."""

from __future__ import annotations

from cases.models import Case, CaseState
from haandguide import profiles
from haandguide.models import Municipality
from handleplan.models import EffortCatalogueEntry, ReadinessRule


def _catalogue(profile: dict) -> dict:
    """The profile's catalogue per level (Haderslev's: seeds/001, "Pædagogiske indsatser" and
    "Foregribende indsatser")."""
    return {CaseState(level): rows for level, rows in profile["effort_catalogue"].items()}


def effort_catalogue_seed(municipality: Municipality, profile: dict | None = None) -> int:
    """Put the profile's efforts (by default the municipality's own profile, else Haderslev's) in the
    municipality's catalogue; idempotent, an edited entry is left alone. Returns how many were new."""
    created_count = 0
    for level, rows in _catalogue(profile or profiles.for_municipality(municipality)).items():
        for order, (name, description) in enumerate(rows, start=1):
            _, created = EffortCatalogueEntry.objects.get_or_create(
                municipality=municipality, level=level, name=name,
                defaults={"description": description, "order": order},
            )
            created_count += created
    return created_count


def readiness_rules_seed(municipality: Municipality, profile: dict | None = None) -> int:
    """The profile's readiness rule per level (Haderslev's when the profile names none); idempotent,
    an edited rule is left alone. Returns how many were new."""
    profile = profile or profiles.for_municipality(municipality)
    rules = profile.get("readiness") or profiles.get(profiles.DEFAULT)["readiness"]
    created_count = 0
    for level, flags in rules.items():
        _, created = ReadinessRule.objects.get_or_create(municipality=municipality, level=level, defaults=flags)
        created_count += created
    return created_count


def catalogue_for(case: Case):
    """The municipality's active catalogue entries an effort may be chosen from: those of the case's
    level while it is forebyggende or foregribende; every level's once it is above (indgribende)."""
    entries = EffortCatalogueEntry.objects.filter(
        municipality_id=case.child.institution.district.municipality_id, active=True)
    if case.state in (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE):
        entries = entries.filter(level=case.state)
    return entries.order_by("level", "order", "name")
