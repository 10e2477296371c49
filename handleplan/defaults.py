"""The handleplan's configuration from a municipality profile: the effort catalogue per level."""

from handleplan import services


def apply_profile(municipality, profile: dict) -> None:
    services.effort_catalogue_seed(municipality, profile)
