"""The case workflow's configuration from a municipality profile (`haandguide/profiles/`):
observation types, consent purposes and meeting types, seeded per municipality and then edited by
its administrator. Haderslev's profile is the default."""

from cases.models import ConsentPurpose, MeetingType, ObservationType
from haandguide import profiles
from haandguide.models import Municipality

def seed_case_configuration(municipality: Municipality, profile: dict | None = None) -> None:
    """Idempotent: creates what is missing, never overwrites what an administrator changed."""
    profile = profile or profiles.for_municipality(municipality)
    for order, (name, description, topi) in enumerate(profile["observation_types"]):
        ObservationType.objects.get_or_create(
            municipality=municipality, name=name,
            defaults={"description": description, "has_topi_position": topi, "order": order},
        )
    purposes = {}
    for code, name, description in profile["consent_purposes"]:
        purposes[code], _ = ConsentPurpose.objects.get_or_create(
            municipality=municipality, code=code, defaults={"name": name, "description": description},
        )
    referrals = profile.get("referral_meetings", profiles.get(profiles.DEFAULT)["referral_meetings"])
    for order, (name, description, purpose_code, parents) in enumerate(profile["meeting_types"]):
        allows = referrals.get(name, ())
        MeetingType.objects.get_or_create(
            municipality=municipality, name=name,
            defaults={"description": description, "requires_consent": purposes.get(purpose_code),
                      "parents_take_part": parents, "order": order,
                      "allows_ppv_referral": "ppv" in allows, "allows_viso_referral": "viso" in allows},
        )


apply_profile = seed_case_configuration
