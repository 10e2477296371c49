"""Recompute the statistics' running figures from the source rows.

    manage.py statistics_rebuild                          # every municipality
    manage.py statistics_rebuild --kommune 3              # one municipality
    manage.py statistics_rebuild --institution 17 --maaned 2026-03   # one institution's month

Run after deploying the migration that adds the figures (or after an import that wrote rows with
bulk_create); the hourly warm-up does the same for whatever was marked dirty. A whole municipality's
rebuild also recomputes each child's latest TOPI position and case level (the child list's columns
and filters)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from cases.services import case_state_rebuild, latest_topi_rebuild
from haandguide.models import Municipality
from reports import aggregates


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--kommune", type=int, help="the municipality's id")
        parser.add_argument("--institution", type=int, help="the institution's id")
        parser.add_argument("--maaned", help="a month, YYYY-MM (with --institution)")

    def handle(self, *args, kommune=None, institution=None, maaned=None, **options):
        if institution:
            months = None
            if maaned:
                try:
                    months = [datetime.datetime.strptime(maaned, "%Y-%m").date()]
                except ValueError as error:
                    raise CommandError("Angiv måneden som ÅÅÅÅ-MM, fx 2026-03.") from error
            aggregates.rebuild([institution], months)
            self.stdout.write(f"Institution {institution}: genberegnet.")
            return
        municipalities = Municipality.objects.order_by("pk")
        if kommune:
            municipalities = municipalities.filter(pk=kommune)
        for municipality in municipalities:
            count = aggregates.rebuild_municipality(municipality.pk)
            screened = latest_topi_rebuild(municipality.pk)
            case_state_rebuild(municipality.pk)
            self.stdout.write(f"{municipality}: {count} institutioner genberegnet, {screened} børns seneste TOPI.")
