"""Haderslev Kommune, *Strategisk handleguide for dagtilbud* (seeds/000, 001): the default profile.

Plain data. `manage.py load_profile haderslev` puts it into the admin-editable models; the other
profiles start from this one and change what differs.
"""

PROFILE = {
    "slug": "haderslev",
    "name": "Haderslev Kommune",
    # Municipality fields, set only when the municipality is created (an administrator edits them after).
    "settings": {
        "submission_deadline_days": 10,  # "10 dage før mødet"
        "resource_period_months": 6,  # "et halvt år"
        "evaluation_reminder_days": 7,
        "reassessment_notice_days": 30,
        "reassessment_reminder_days": 14,  # our starting value: a fortnight between reminders
        "follow_up_weeks": 12,  # follow-up halfway through the half-year period
        "retention_months": 24,
    },
    "features": {"open_counselling_enabled": False, "family_groups_enabled": False},
    "districts": ["Nord", "Syd", "Vest"],
    # name, description, has a TOPI position
    "observation_types": [
        ("Pædagogisk iagttagelse", "Iagttagelser af barnet i hverdagen og læringsmiljøet.", False),
        ("Sprogvurdering (Sprogtrappen)", "Sprogvurdering efter Sprogtrappen.", False),
        ("TOPI", "Tidlig opsporing: grøn, gul eller rød position.", True),
        ("Trivselsvurdering", "Vurdering af barnets trivsel.", True),
        ("Børnesamtale", "Samtale med barnet om dets perspektiv.", False),
        ("Børneinterview", "Struktureret interview med barnet.", False),
        ("Ressourceprofil", "Barnets ressourcer og udviklingspotentialer.", False),
        ("Dialogprofil", "Dialogprofil til samtale med forældre og kolleger.", False),
    ],
    # code (the rules refer to it), name, description
    "consent_purposes": [
        ("arbejdsmoede", "Arbejdsmøde", "Fagpersoner koordinerer uden forældrene."),
        ("familieraadgivning", "Deling med Familierådgivningen", "Oplysninger deles med Familierådgivningen."),
        ("ppv", "PPV", "Pædagogisk-psykologisk vurdering."),
        ("viso", "VISO", "Henvisning til VISO."),
        ("indstilling_cpr", "Indstilling til distriktsrådet med CPR",
         "Ressourcevurdering med CPR-nummer; forældrene får skriftligt svar."),
    ],
    # name, description, consent purpose code it requires, parents take part
    "meeting_types": [
        ("Forældresamtale", "Samtale med forældrene om bekymringen.", None, True),
        ("Arbejdsmøde", "Fagpersoner koordinerer; kun med forældrenes samtykke.", "arbejdsmoede", False),
        ("Netværksmøde", "Møde med familien og fagpersoner; aftaler om indsatser og evt. PPV/VISO.", None, True),
        ("Opfølgningsmøde", "Opfølgning og evaluering af de koordinerede indsatser.", None, True),
        ("Familierådslagning", "Familien og dens netværk lægger sammen med fagpersonerne en plan for barnet; "
         "holdes efter aftale med forældrene.", None, True),
    ],
    # meeting type name → the referrals an agreement with the parents there allows (seeds/001:
    # PPV and VISO only after agreement with the parents at a netværksmøde)
    "referral_meetings": {"Netværksmøde": ["ppv", "viso"]},
    # level → what the handleplan must hold before the level counts as described and evaluated
    # (seeds/001: efforts "tydeligt beskrevet og evalueret" with goals, signs and evaluation dates;
    # the child's voice and the parents' perspective). Goals and an evaluation of every effort are
    # always required.
    "readiness": {
        level: {"require_signs": True, "require_voice": True, "require_parents": True,
                "require_effort_description": True, "require_effort_carried_out_by": True,
                "require_effort_evaluation_date": True}
        for level in ("forebyggende", "foregribende")
    },
    # level → (name, description), seeds/001 "Pædagogiske indsatser"
    "effort_catalogue": {
        "forebyggende": [
            ("Differentiering af læringsmiljøet", "Aktiviteter og krav tilpasset børnenes forskellige forudsætninger."),
            ("Fleksibel gruppedannelse", "Skiftende, små grupper efter formål og børnenes behov."),
            ("Struktur i grupperummet", "Genkendelige rutiner, overgange og fysisk indretning."),
            ("Ledelse af børnegruppen og læringsaktiviteten", ""),
            ("KaMiBe", "Kommunikation mellem barn og voksen; vejledning med videooptagelser."),
            ("ICDP", "International Child Development Programme: relationel samspilsguidning."),
            ("Selvregulering/arousal", "Støtte barnets regulering af arousal; skærme, pauser og forudsigelighed."),
            ("Anerkendende kommunikation", ""),
            ("Relationsarbejde", "En fast voksen, der arbejder bevidst med relationen til barnet."),
            ("Karakterstyrker", ""),
            ("Sammenhængende overgange", ""),
            ("Fokuserede pædagogiske observationer", ""),
            ("Inddragelse af børnegruppen", ""),
        ],
        "foregribende": [
            ("Praksisvejleder-samarbejde", "Observationer, stuemøder og videreudvikling af mål- og indsatsplanen."),
            ("Sparring med Det Rådgivende Team", "Kvalificering af mål- og indsatsplan for læringsfællesskabet."),
            ("Implementering af specialpædagogisk viden og indsatser", ""),
            ("Mellemform i dagtilbuddet", "Periodevis i et mindre børnefællesskab med tilbagevenden som mål."),
            ("Netværksmøde", "Samarbejdsmøde med forældre, personale, eksterne fagpersoner og ledelse."),
            ("Tværfagligt samarbejde med Familierådgivningen", "Efter aftale med familien."),
            ("Familierådslagning", ""),
            ("Intensiveret forældresamarbejde", ""),
        ],
    },
    "council_name": "Distriktsråd {district}",
    "council_meeting_types": ["Distriktsrådsmøde", "Ekstraordinært møde"],
    # name, description, grants, amount, hours, mellemform, consultant only (least intrusive first)
    "resource_types": [
        ("Kun sparring/vejledning", "Sparring om udvikling af læringsfællesskabet; ingen ressource.",
         False, False, False, False, False),
        ("Ingen ressource", "Distriktsrådet tildeler ikke ressourcer.", False, False, False, False, False),
        ("Praksisvejleder", "Støtte til udvikling af læringsmiljøer tilpasset børnegruppen.",
         True, False, True, False, False),
        ("Frie midler", "Midler til institutionen, der selv udvikler læringsmiljøet; evt. som mellemform.",
         True, True, True, False, False),
        ("Mellemform", "Placering i distriktets mellemform i en afgrænset periode.", True, False, True, True, False),
        ("Ressourcegruppe", "Tæt vejledning og specialpædagogisk kompetence i læringsmiljøet.",
         True, False, True, False, False),
        ("Ekstra ressourcer ved kronisk sygdom", "Fx sukkersyge, syn, Calvé-Perthes: så barnet kan blive i det almene.",
         True, True, True, False, True),
        ("§ 32-tilbud", "Til børn med betydelig og varig nedsat fysisk eller psykisk funktionsevne.",
         True, False, True, False, True),
    ],
    "mellemform": {
        "name": "Mellemform {district}",
        "purpose": "Et mindre læringsfællesskab i en afgrænset periode, så barnet kan vende tilbage til sit eget.",
        "content": "Struktureret hverdag i lille gruppe med fokus på relationer, selvregulering og deltagelse.",
        "method": "Individuel handleplan med mål for perioden; løbende evaluering med forældre og institution.",
        "pedagogy": "Relationspædagogik, tydelig struktur og genkendelighed; samarbejde med barnets egen institution.",
    },
    # The standing text of a decision letter (forvaltningsloven §§ 22–25); the council writes the
    # begrundelse of each decision itself. Seeded into districtcouncil.LetterWording, then admin-edited.
    "letter_texts": {
        "legal_basis": (
            "Afgørelsen er truffet efter dagtilbudslovens § 4, stk. 2, om at tilrettelægge det pædagogiske arbejde, "
            "så børn med behov for særlig støtte får den støtte, de har brug for, og efter kommunens strategiske "
            "handleguide for dagtilbud. Der er lagt vægt på barnets handleplan, de forebyggende og foregribende "
            "indsatser, der er afprøvet og evalueret, forældrenes perspektiv og hensynet til at vælge den mindst "
            "indgribende indsats, der kan hjælpe barnet i det almene læringsmiljø."),
        "appeal_guidance": (
            "Er I uenige i afgørelsen, kan I klage. Send klagen til Børn og Kultur, Dagtilbud, inden fire uger "
            "efter, at I har modtaget dette brev, gerne med Digital Post. Skriv, hvad I er uenige i. Vi vurderer "
            "sagen igen, og fastholder vi afgørelsen, sender vi klagen videre til den myndighed, der behandler "
            "den, hvis afgørelsen kan påklages. Ellers får I skriftligt besked om, at kommunens afgørelse er "
            "endelig. I kan altid bede om at se de oplysninger, afgørelsen bygger på (aktindsigt)."),
    },
    # The municipality's own measures on the statistics page, beside the common figures:
    # (computation code from reports.models.Measure.Kind, title, description, threshold days, meeting type name)
    "measures": [],
    # Demo data only (manage.py demo --kommune haderslev): institutions per district, who does what.
    "demo": {
        "user_prefix": "",
        "institutions": {
            "Nord": [("Børnehuset Solsikken", "daginstitution"), ("Vojens Børnecenter", "daginstitution"),
                     ("Børnehaven Mælkebøtten", "daginstitution"), ("Dagplejen Nord", "dagpleje")],
            "Syd": [("Børnehuset Kernehuset", "daginstitution"), ("Gram Børneunivers", "daginstitution"),
                    ("Børnehaven Regnbuen", "daginstitution"), ("Dagplejen Syd", "dagpleje")],
            "Vest": [("Naturbørnehaven Skovly", "daginstitution"), ("Børnehuset Bakkely", "daginstitution"),
                     ("Vuggestuen Myretuen", "daginstitution"), ("Dagplejen Vest", "dagpleje")],
        },
        "consultant_districts": ["Nord", "Syd"],
        "counsellor_kind": "praksisvejleder",
        "observations": {"language": "Sprogvurdering (Sprogtrappen)", "topi": "TOPI", "note": "Pædagogisk iagttagelse"},
        "meetings": {"parents": "Forældresamtale", "working": "Arbejdsmøde", "network": "Netværksmøde"},
        "location": "Rådhuset, mødelokale 2",
    },
}
