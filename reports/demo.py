"""Demo data: the statistics' running figures for the demo municipality. `cases.demo.finish`
backdates the demo's events with bulk_update (no signals), so they are computed afresh here, after
every other app's `finish` (apps run in INSTALLED_APPS order)."""

from reports import aggregates


def build(context: dict) -> None:
    """Nothing of its own: the figures follow from the other apps' data."""


def finish(context: dict) -> None:
    aggregates.rebuild_municipality(context["municipality"].pk)
