"""Køge Kommune: procedures for the cross-disciplinary meetings (seeds/004).

Four meeting forms: ressourcemøder (early and timely effort through cross-disciplinary work),
netværksmøder (the handleplan made together with the parents), sparringsmøder (PPR, FCK or other
partners advise the staff; pedagogical practice) and tværfaglige arbejdsmøder (before a network
meeting, to agree on its purpose and frame). Preventive counsellors from Familiecenter Køge (FCK)
are attached to every daycare. Deadline days and periods are our starting values; the
municipality's administrator sets its own.
"""

import copy

from haandguide.profiles.haderslev import PROFILE as HADERSLEV

PROFILE = copy.deepcopy(HADERSLEV)
PROFILE.update({
    "slug": "koege",
    "name": "Køge Kommune",
    "settings": {**HADERSLEV["settings"], "submission_deadline_days": 7},
    "districts": ["Køge Nord", "Køge Syd", "Herfølge", "Borup"],
    "consent_purposes": [
        ("arbejdsmoede", "Tværfagligt arbejdsmøde", "Fagpersoner aftaler formål og ramme før netværksmødet."),
        ("ressourceteam", "Drøftelse i ressourceteamet",
         "Barnet drøftes i dagtilbuddets ressourceteam (sundhedspleje, PPR, FCK, ledelse)."),
        ("familieraadgivning", "Deling med Familiecenter Køge (FCK)", "Oplysninger deles med familiecentrets rådgivere."),
        ("ppv", "PPV", "Pædagogisk-psykologisk vurdering."),
        ("viso", "VISO", "Henvisning til VISO."),
        ("indstilling_cpr", "Indstilling med CPR", "Ressourcevurdering med CPR-nummer; forældrene får skriftligt svar."),
    ],
    "meeting_types": [
        ("Forældresamtale", "Forældrene er de første, der kontaktes ved bekymring.", None, True),
        ("Ressourceteammøde", "Tidlig og rettidig indsats for alle børn gennem systematisk tværfagligt samarbejde.",
         "ressourceteam", False),
        ("Tværfagligt arbejdsmøde", "Holdes i særlige situationer før et netværksmøde, så fagpersonerne er enige "
         "om formål og ramme for mødet med forældrene.", "arbejdsmoede", False),
        ("Netværksmøde", "Handleplanen skabes sammen af de professionelle og forældrene: barnets trivsel, "
         "læring og udvikling i meningsfulde, forpligtende fællesskaber.", None, True),
        ("Sparringsmøde", "Sparring til personalet med PPR, FCK eller andre samarbejdspartnere; "
         "fokus på pædagogisk praksis.", None, False),
    ],
    "council_name": "Visitationsråd {district}",
    "council_meeting_types": ["Visitationsmøde", "Ekstraordinært møde"],
    "measures": [
        ("meetings_of_type", "Børn drøftet tidligt i ressourceteamet",
         "Ressourceteamet er grundlaget for det systematiske tværfaglige samarbejde om tidlig og rettidig indsats "
         "(Den Sammenhængende Børnepolitik). Møder og børn pr. måned.", None, "Ressourceteammøde"),
    ],
})
PROFILE["effort_catalogue"] = copy.deepcopy(HADERSLEV["effort_catalogue"])
PROFILE["effort_catalogue"]["forebyggende"].append(
    ("Forebyggende rådgivning ved FCK", "Råd og vejledning til familien fra familiecentrets rådgiver i dagtilbuddet."))
PROFILE["effort_catalogue"]["foregribende"].append(
    ("Drøftelse i ressourceteamet", "Tværfaglig drøftelse og aftale om tidlig indsats."))
PROFILE["demo"] = {
    **HADERSLEV["demo"],
    "user_prefix": "koege-",
    "institutions": {
        "Køge Nord": [("Børnehuset Søstjernen", "daginstitution"), ("Ellemarkens Børnehus", "daginstitution"),
                      ("Dagplejen Køge Nord", "dagpleje")],
        "Køge Syd": [("Børnehaven Strandbakken", "daginstitution"), ("Vuggestuen Lærkereden", "daginstitution"),
                     ("Dagplejen Køge Syd", "dagpleje")],
        "Herfølge": [("Herfølge Børnehus", "daginstitution"), ("Børnehaven Egeskoven", "daginstitution")],
        "Borup": [("Borup Børnecenter", "daginstitution"), ("Dagplejen Borup", "dagpleje")],
    },
    "consultant_districts": ["Køge Nord", "Køge Syd"],
    "counsellor_kind": "familiecenter",
    "meetings": {"parents": "Forældresamtale", "working": "Tværfagligt arbejdsmøde", "network": "Netværksmøde",
                 "resource_team": "Ressourceteammøde"},
    "location": "Køge Rådhus, mødelokale 1",
}
