import importlib
import random

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from haandguide import profiles


def demo_modules():
    """Each app's optional `demo` module, in INSTALLED_APPS order (haandguide → cases → …),
    so every app adds its own demo data without an app importing one to its right."""
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
    return modules


class Command(BaseCommand):
    help = ("Bygger demodata for en kommune (standard: Haderslev) og udskriver et login pr. rolle. "
            "Kan køres flere gange, også for flere kommuner i samme database.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Tillad kørsel i produktionstilstand.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--kommune", choices=profiles.NAMES, default=profiles.DEFAULT,
                            help="Hvilken kommunes profil: haderslev, koege, aabenraa eller ishoej.")

    def handle(self, *args, seed: int, force: bool, kommune: str, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("Demodata i produktion kræver --force.")
        # Haderslev keeps its historical seed; another municipality draws its own sequence.
        rng = random.Random(seed) if kommune == profiles.DEFAULT else random.Random(f"{seed}-{kommune}")
        context = {"rng": rng, "profile": profiles.get(kommune)}
        with transaction.atomic():
            modules = demo_modules()
            for module in modules:
                module.build(context)
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(context)
        self.stdout.write(self.style.SUCCESS(
            f"Demodata for {context['municipality']} er klar. Log ind på {settings.SITE_URL}/ med:"))
        for username, password, role, scope in context.get("logins", []):
            self.stdout.write(f"  {username:<18} {password:<17} {role:<24} {scope}")
