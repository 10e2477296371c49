"""The learning community's configuration from a municipality profile: when the TOPI rounds are
held and the criteria shown beside each position (admin-edited afterwards)."""

from community.models import TopiCriterion, TopiSchedule

# Practice around TOPI (DOMAIN.md): screening rounds, usually twice a year.
TOPI_ROUNDS = [("Forårsrunde", 3), ("Efterårsrunde", 9)]
TOPI_CRITERIA = {
    "groen": "Barnet trives og udvikler sig alderssvarende; indgår i fællesskabet.",
    "gul": "Bekymring for barnets trivsel eller udvikling: der iværksættes indsatser i læringsmiljøet, og "
           "positionen følges tæt, så barnet kun kort er i gul.",
    "roed": "Alvorlig bekymring: sagen og handleplanen gennemgås, og der søges råd hos de tværfaglige samarbejdspartnere.",
}


def apply_profile(municipality, profile: dict) -> None:
    for name, month in profile.get("topi_rounds", TOPI_ROUNDS):
        TopiSchedule.objects.get_or_create(municipality=municipality, name=name, defaults={"month": month})
    for position, text in {**TOPI_CRITERIA, **profile.get("topi_criteria", {})}.items():
        TopiCriterion.objects.get_or_create(municipality=municipality, position=position, defaults={"text": text})
