from django.core.management.base import BaseCommand, CommandError

from haandguide import profiles


class Command(BaseCommand):
    help = ("Indlæser en kommunes profil (distrikter, mødetyper, indsatskatalog, observationstyper, ressourcetyper, "
            "samtykkeformål, frister og egne mål). Opretter kun det, der mangler; rettelser bevares.")

    def add_arguments(self, parser):
        parser.add_argument("profile", choices=profiles.NAMES, help="haderslev, koege, aabenraa eller ishoej")

    def handle(self, *args, profile: str, **options):
        try:
            municipality = profiles.load(profile)
        except profiles.UnknownProfile:
            raise CommandError(f"Ukendt profil: {profile}") from None
        self.stdout.write(self.style.SUCCESS(f"Profilen {profile} er indlæst for {municipality}."))
