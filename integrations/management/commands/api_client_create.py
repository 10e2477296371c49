"""Create an integration client and print its key once: for the installation's operator (the first
client of a new municipality) and CI's schemathesis run. Administrators use the admin instead."""

from django.core.management.base import BaseCommand, CommandError

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.models import District, Institution, Municipality
from integrations.models import ApiClient, ExternalRef, Operation


class Command(BaseCommand):
    help = "Opret en integrationsklient og udskriv dens nøgle (vises kun denne ene gang)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="kommunens navn")
        parser.add_argument("--name", required=True, help="klientens navn, fx «KMD Institution»")
        parser.add_argument("--operations", default=",".join(Operation.values),
                            help=f"kommasepareret, blandt: {', '.join(Operation.values)}")
        parser.add_argument("--create-municipality", action="store_true",
                            help="opret kommunen med et distrikt «Nord» og en institution med eksternt id «0» (CI)")

    def handle(self, *args, **options):
        operations = [o.strip() for o in options["operations"].split(",") if o.strip()]
        if unknown := set(operations) - set(Operation.values):
            raise CommandError(f"Ukendte operationer: {', '.join(sorted(unknown))}")
        if options["create_municipality"]:
            municipality, _ = Municipality.objects.get_or_create(name=options["municipality"])
            district, _ = District.objects.get_or_create(municipality=municipality, name="Nord")
            institution, _ = Institution.objects.get_or_create(district=district, name="Kontrakthuset")
            ExternalRef.objects.get_or_create(municipality=municipality, kind="institution", external_id="0",
                                              defaults={"object_id": institution.pk})
        municipality = Municipality.objects.filter(name=options["municipality"]).first()
        if municipality is None:
            raise CommandError("Kommunen findes ikke.")
        client = ApiClient.objects.filter(municipality=municipality, name=options["name"]).first() or ApiClient(
            municipality=municipality, name=options["name"])
        client.operations = operations
        key = client.new_key()
        client.save()
        log_access(Actor.job("api_client_create"), Action.CREATE, client, municipality_id=municipality.pk,
                   detail="Integrationsklient oprettet/nøgle skiftet fra kommandolinjen")
        self.stdout.write(key)
