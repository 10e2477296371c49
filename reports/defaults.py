"""The municipality's own measures from its profile (`haandguide/profiles/`), as Measure rows."""

from cases.models import MeetingType
from reports.models import Measure


def apply_profile(municipality, profile: dict) -> None:
    """Idempotent: a measure (by title) that exists is left as the administrator left it."""
    for order, (kind, title, description, days, meeting_type_name) in enumerate(profile.get("measures", [])):
        meeting_type = (MeetingType.objects.filter(municipality=municipality, name=meeting_type_name).first()
                        if meeting_type_name else None)
        Measure.objects.get_or_create(municipality=municipality, title=title, defaults={
            "kind": kind, "description": description, "threshold_days": days, "meeting_type": meeting_type,
            "order": order})
