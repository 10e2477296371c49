"""Haderslev's configuration for the case workflow, seeded per municipality and then edited by
its administrator. (Other municipalities' profiles build on the same function.)"""

from cases.models import ConsentPurpose, MeetingType, ObservationType
from haandguide.models import Municipality

OBSERVATION_TYPES = [
    ("Pædagogisk iagttagelse", "Iagttagelser af barnet i hverdagen og læringsmiljøet.", False),
    ("Sprogvurdering (Sprogtrappen)", "Sprogvurdering efter Sprogtrappen.", False),
    ("TOPI", "Tidlig opsporing: grøn, gul eller rød position.", True),
    ("Trivselsvurdering", "Vurdering af barnets trivsel.", True),
    ("Børnesamtale", "Samtale med barnet om dets perspektiv.", False),
    ("Børneinterview", "Struktureret interview med barnet.", False),
    ("Ressourceprofil", "Barnets ressourcer og udviklingspotentialer.", False),
    ("Dialogprofil", "Dialogprofil til samtale med forældre og kolleger.", False),
]
CONSENT_PURPOSES = [
    ("arbejdsmoede", "Arbejdsmøde", "Fagpersoner koordinerer uden forældrene."),
    ("familieraadgivning", "Deling med Familierådgivningen", "Oplysninger deles med Familierådgivningen."),
    ("ppv", "PPV", "Pædagogisk-psykologisk vurdering."),
    ("viso", "VISO", "Henvisning til VISO."),
    ("indstilling_cpr", "Indstilling til distriktsrådet med CPR",
     "Ressourcevurdering med CPR-nummer; forældrene får skriftligt svar."),
]
# name, description, consent purpose code it requires, parents take part
MEETING_TYPES = [
    ("Forældresamtale", "Samtale med forældrene om bekymringen.", None, True),
    ("Arbejdsmøde", "Fagpersoner koordinerer; kun med forældrenes samtykke.", "arbejdsmoede", False),
    ("Netværksmøde", "Møde med familien og fagpersoner; aftaler om indsatser og evt. PPV/VISO.", None, True),
    ("Opfølgningsmøde", "Opfølgning og evaluering af de koordinerede indsatser.", None, True),
]


def seed_case_configuration(municipality: Municipality) -> None:
    """Idempotent: creates what is missing, never overwrites what an administrator changed."""
    for order, (name, description, topi) in enumerate(OBSERVATION_TYPES):
        ObservationType.objects.get_or_create(
            municipality=municipality, name=name,
            defaults={"description": description, "has_topi_position": topi, "order": order},
        )
    purposes = {}
    for code, name, description in CONSENT_PURPOSES:
        purposes[code], _ = ConsentPurpose.objects.get_or_create(
            municipality=municipality, code=code, defaults={"name": name, "description": description},
        )
    for order, (name, description, purpose_code, parents) in enumerate(MEETING_TYPES):
        MeetingType.objects.get_or_create(
            municipality=municipality, name=name,
            defaults={"description": description, "requires_consent": purposes.get(purpose_code),
                      "parents_take_part": parents, "order": order},
        )
