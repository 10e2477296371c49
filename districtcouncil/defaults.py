"""Haderslev's district-council configuration: resource types from the guide's staircase (least
intrusive first), meeting types and one mellemform per district. Seeded, then edited as data."""

from districtcouncil.models import Council, CouncilMeetingType, Mellemform, ResourceType
from haandguide.models import Municipality

# name, description, grants, amount, hours, mellemform, consultant only
RESOURCE_TYPES = [
    ("Kun sparring/vejledning", "Sparring om udvikling af læringsfællesskabet; ingen ressource.",
     False, False, False, False, False),
    ("Ingen ressource", "Distriktsrådet tildeler ikke ressourcer.", False, False, False, False, False),
    ("Praksisvejleder", "Støtte til udvikling af læringsmiljøer tilpasset børnegruppen.", True, False, True, False, False),
    ("Frie midler", "Midler til institutionen, der selv udvikler læringsmiljøet; evt. som mellemform.",
     True, True, True, False, False),
    ("Mellemform", "Placering i distriktets mellemform i en afgrænset periode.", True, False, True, True, False),
    ("Ressourcegruppe", "Tæt vejledning og specialpædagogisk kompetence i læringsmiljøet.", True, False, True, False, False),
    ("Ekstra ressourcer ved kronisk sygdom", "Fx sukkersyge, syn, Calvé-Perthes: så barnet kan blive i det almene.",
     True, True, True, False, True),
    ("§ 32-tilbud", "Til børn med betydelig og varig nedsat fysisk eller psykisk funktionsevne.",
     True, False, True, False, True),
]
MELLEMFORM = {
    "purpose": "Et mindre læringsfællesskab i en afgrænset periode, så barnet kan vende tilbage til sit eget.",
    "content": "Struktureret hverdag i lille gruppe med fokus på relationer, selvregulering og deltagelse.",
    "method": "Individuel handleplan med mål for perioden; løbende evaluering med forældre og institution.",
    "pedagogy": "Relationspædagogik, tydelig struktur og genkendelighed; samarbejde med barnets egen institution.",
}


def seed_council_configuration(municipality: Municipality) -> None:
    CouncilMeetingType.objects.get_or_create(municipality=municipality, name="Distriktsrådsmøde")
    CouncilMeetingType.objects.get_or_create(municipality=municipality, name="Ekstraordinært møde")
    for order, (name, description, grants, amount, hours, mellemform, consultant) in enumerate(RESOURCE_TYPES):
        ResourceType.objects.get_or_create(municipality=municipality, name=name, defaults={
            "description": description, "grants_resource": grants, "has_amount": amount, "has_hours": hours,
            "needs_mellemform": mellemform, "consultant_only": consultant, "order": order})
    for district in municipality.districts.all():
        Council.objects.get_or_create(district=district, defaults={"name": f"Distriktsråd {district.name}"})
        Mellemform.objects.get_or_create(district=district, name=f"Mellemform {district.name}", defaults=MELLEMFORM)
