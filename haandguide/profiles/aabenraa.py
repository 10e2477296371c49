"""Aabenraa Kommune: *En bedre chance i livet* (seeds/002).

Åben rådgivning i dagtilbud (staff and parents book time with the health visitor, Tidlig
Forebyggelse and PPR: psychologist, physiotherapist, speech/hearing consultant) and familiegrupper
(parent groups with sessions, themes and attendance). The measure: children assessed in a yellow
position stay there only briefly. Deadline days and periods are our starting values.
"""

import copy

from haandguide.profiles.haderslev import PROFILE as HADERSLEV

PROFILE = copy.deepcopy(HADERSLEV)
PROFILE.update({
    "slug": "aabenraa",
    "name": "Aabenraa Kommune",
    "features": {"open_counselling_enabled": True, "family_groups_enabled": True},
    "districts": ["Aabenraa By", "Rødekro", "Tinglev", "Padborg-Kruså"],
    "observation_types": HADERSLEV["observation_types"] + [
        ("Trivselsskema", "Trivselsskema: grøn, gul eller rød position; følges op, så gul kun varer kort.", True),
        ("Kortlægning af relationer", "Barnets relationer i børnefællesskabet.", False),
    ],
    "meeting_types": HADERSLEV["meeting_types"] + [
        ("Åben rådgivning (opfølgning)", "Opfølgning på en samtale i den åbne rådgivning med forældrene.", None, True),
    ],
    "council_meeting_types": ["Distriktsrådsmøde", "Ekstraordinært møde"],
    "measures": [
        ("yellow_brief", "Børn i gul position er kun kortvarigt gule",
         "Virkning på mellemlang sigt: børn i vurderede gule positioner er kun kortvarigt positioneret således, "
         "da der er etableret tidlige, målrettede indsatser.", 90, None),
        ("open_counselling", "Brug af åben rådgivning og familiegrupper",
         "Let adgang til tværfaglig rådgivning for medarbejdere og forældre; forældre deltager i familiegrupperne.",
         None, None),
    ],
})
PROFILE["effort_catalogue"] = copy.deepcopy(HADERSLEV["effort_catalogue"])
PROFILE["effort_catalogue"]["forebyggende"] += [
    ("Åben rådgivning i dagtilbuddet", "Samtale med sundhedsplejen, Tidlig Forebyggelse eller PPR."),
    ("Familiegruppe", "Forældrene deltager i et forløb med temaer, aktiviteter og erfaringsudveksling."),
]
PROFILE["demo"] = {
    **HADERSLEV["demo"],
    "user_prefix": "aabenraa-",
    "institutions": {
        "Aabenraa By": [("Børnehuset Kilen", "daginstitution"), ("Børnehaven Bjørnebo", "daginstitution"),
                        ("Dagplejen Aabenraa", "dagpleje")],
        "Rødekro": [("Rødekro Børnehus", "daginstitution"), ("Børnehaven Hjertebo", "daginstitution")],
        "Tinglev": [("Tinglev Børnecenter", "daginstitution"), ("Dagplejen Tinglev", "dagpleje")],
        "Padborg-Kruså": [("Børnehuset Grænsely", "daginstitution"), ("Kruså Børnehave", "daginstitution")],
    },
    "consultant_districts": ["Aabenraa By", "Rødekro"],
    "counsellor_kind": "psykolog",
    "observations": {"language": "Sprogvurdering (Sprogtrappen)", "topi": "Trivselsskema",
                     "note": "Pædagogisk iagttagelse"},
    "location": "Aabenraa Rådhus, lokale 3",
}
