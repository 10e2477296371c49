"""The handleplan's configuration from a municipality profile: the effort catalogue and what
the plan must hold before a level counts as described and evaluated, per level."""

from handleplan import catalogue


def apply_profile(municipality, profile: dict) -> None:
    catalogue.effort_catalogue_seed(municipality, profile)
    catalogue.readiness_rules_seed(municipality, profile)
