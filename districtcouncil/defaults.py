"""The district council's configuration from a municipality profile (`haandguide/profiles/`):
resource types from the staircase (least intrusive first), council meeting types, one council and
one mellemform per district. Seeded, then edited as data; Haderslev's profile is the default."""

from cases.models import Basis
from districtcouncil.models import (
    Council, CouncilMeetingType, LetterWording, Mellemform, ResourceType,
)
from haandguide import profiles
from haandguide.models import Municipality

# Haderslev's letter texts: the wording until a municipality's own are loaded.
LETTER_TEXTS = profiles.get(profiles.DEFAULT)["letter_texts"]


def letter_wording(municipality: Municipality) -> LetterWording:
    """The municipality's letter texts; Haderslev's (unsaved) where none have been loaded yet."""
    return (LetterWording.objects.filter(municipality=municipality).first()
            or LetterWording(municipality=municipality, **LETTER_TEXTS))


def seed_council_configuration(municipality: Municipality, profile: dict | None = None) -> None:
    """Idempotent: creates what is missing, never overwrites what an administrator changed."""
    profile = profile or profiles.for_municipality(municipality)
    for name in profile["council_meeting_types"]:
        CouncilMeetingType.objects.get_or_create(municipality=municipality, name=name)
    for order, entry in enumerate(profile["resource_types"]):
        name, description, grants, amount, hours, mellemform, consultant = entry[:7]
        ResourceType.objects.get_or_create(municipality=municipality, name=name, defaults={
            "description": description, "grants_resource": grants, "has_amount": amount, "has_hours": hours,
            "needs_mellemform": mellemform, "consultant_only": consultant, "order": order,
            "bases": list(entry[7]) if len(entry) > 7 else bases_for(name, consultant)})
    LetterWording.objects.get_or_create(municipality=municipality,
                                        defaults=profile.get("letter_texts", LETTER_TEXTS))
    mellemform = dict(profile["mellemform"])
    mellemform_name = mellemform.pop("name")
    for district in municipality.districts.all():
        Council.objects.get_or_create(district=district,
                                      defaults={"name": profile["council_name"].format(district=district.name)})
        Mellemform.objects.get_or_create(district=district, name=mellemform_name.format(district=district.name),
                                         defaults=mellemform)


def bases_for(name: str, consultant_only: bool) -> list[str]:
    """The bases a profile's resource type is granted under, unless the profile names them (an 8th
    element): the council's resources by the council; of the consultant's, the § 32 offer under
    § 32 and the rest (extra resources for chronic illness) under their own basis."""
    if not consultant_only:
        return [Basis.COUNCIL.value]
    if "32" in name:
        return [Basis.VISITATION_32.value]
    return [Basis.CHRONIC_ILLNESS.value]


apply_profile = seed_council_configuration
