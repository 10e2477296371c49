import importlib
import random

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


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
    help = "Bygger demodata (Haderslev) og udskriver et login pr. rolle. Kan køres flere gange."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Tillad kørsel i produktionstilstand.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, force: bool, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("Demodata i produktion kræver --force.")
        context = {"rng": random.Random(seed)}
        with transaction.atomic():
            for module in demo_modules():
                module.build(context)
        self.stdout.write(self.style.SUCCESS("Demodata er klar. Log ind på http://127.0.0.1:8000/ med:"))
        for username, password, role, scope in context.get("logins", []):
            self.stdout.write(f"  {username:<12} {password:<17} {role:<24} {scope}")
