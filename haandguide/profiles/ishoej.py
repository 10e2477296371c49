"""Ishøj Kommune: *Stærke fællesskaber for alle børn og unge* (seeds/003).

Qualified visitation and re-visitation processes that always start the least intrusive offer for
the need; the measure: more children with preventive rather than intervening efforts, shown as a
trend. Deadline days and periods are our starting values.
"""

import copy

from haandguide.profiles.haderslev import PROFILE as HADERSLEV

PROFILE = copy.deepcopy(HADERSLEV)
PROFILE.update({
    "slug": "ishoej",
    "name": "Ishøj Kommune",
    "settings": {**HADERSLEV["settings"], "submission_deadline_days": 14, "reassessment_notice_days": 45},
    "districts": ["Ishøj Landsby", "Ishøj Strand"],
    "council_name": "Visitationsforum {district}",
    "council_meeting_types": ["Visitationsmøde", "Revisitationsmøde"],
    "measures": [
        ("preventive_vs_intervening", "Flere børn med forebyggende end indgribende indsatser",
         "Indsats 4: der arbejdes mest muligt med forebyggende indsatser i det fælles læringsmiljø, sjældent med "
         "foregribende og undtagelsesvist med indgribende. Udviklingen måned for måned.", None, None),
    ],
})
PROFILE["effort_catalogue"] = copy.deepcopy(HADERSLEV["effort_catalogue"])
PROFILE["effort_catalogue"]["forebyggende"].append(
    ("Deltagelsesmuligheder i det lokale fællesskab", "Stærke fællesskaber: tilpasning af rammer og indhold."))
PROFILE["demo"] = {
    **HADERSLEV["demo"],
    "user_prefix": "ishoej-",
    "institutions": {
        "Ishøj Landsby": [("Børnehuset Regnbuen Ishøj", "daginstitution"), ("Landsbyens Børnehus", "daginstitution"),
                          ("Dagplejen Ishøj", "dagpleje")],
        "Ishøj Strand": [("Strandgårdens Børnehus", "daginstitution"), ("Børnehaven Vejleå", "daginstitution")],
    },
    "consultant_districts": ["Ishøj Landsby", "Ishøj Strand"],
    "location": "Ishøj Rådhus, mødelokale A",
}
