"""Municipality profiles: one module per municipality with its configuration as plain data.

`load(slug)` (and `manage.py load_profile <slug>`) puts a profile into the admin-editable models:
the municipality's settings and districts here, then each app's `defaults.apply_profile` in app
order (cases → handleplan → districtcouncil → reports), so no app imports one to its right.
Loading is idempotent and creates only what is missing: a row an administrator has edited since
(renamed description, deactivated type, changed deadline days) is left as it is.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import transaction

DEFAULT = "haderslev"
NAMES = ("haderslev", "koege", "aabenraa", "ishoej")


class UnknownProfile(KeyError):
    pass


def get(slug: str | None) -> dict:
    slug = (slug or DEFAULT).strip().lower()
    if slug not in NAMES:
        raise UnknownProfile(slug)
    return importlib.import_module(f"haandguide.profiles.{slug}").PROFILE


def for_municipality(municipality) -> dict:
    """The profile a municipality was loaded from (Haderslev's when none was recorded)."""
    return get(getattr(municipality, "profile", "") or DEFAULT)


def profile_hooks():
    """Each app's `defaults.apply_profile(municipality, profile)`, in INSTALLED_APPS order."""
    hooks = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.defaults")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.defaults":
                raise
            continue
        if hasattr(module, "apply_profile"):
            hooks.append(module.apply_profile)
    return hooks


def apply_organisation(profile: dict):
    """The municipality (settings only when new) and its districts."""
    from haandguide.models import District, Municipality

    municipality, created = Municipality.objects.get_or_create(
        name=profile["name"], defaults={**profile["settings"], **profile["features"], "profile": profile["slug"]})
    if not created and not municipality.profile:
        # A municipality made by hand (or before profiles existed): record where its data came from.
        municipality.profile = profile["slug"]
        municipality.save(update_fields=["profile"])
    for name in profile["districts"]:
        District.objects.get_or_create(municipality=municipality, name=name)
    return municipality


def load(slug: str | None = None):
    """Load a profile into the database; returns the municipality. Safe to run again."""
    profile = get(slug)
    with transaction.atomic():
        municipality = apply_organisation(profile)
        for hook in profile_hooks():
            hook(municipality, profile)
    return municipality
