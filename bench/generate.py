"""Benchmark (not a test): generate a municipality with history, then time the statistics page,
the PDF report and the child list. The statistics are timed cold (the municipality's data has just
changed, so the figures are computed) and warm (a repeat view: the figures come from the cache;
with REDIS_URL set, from Redis as in production).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/generate.py --children 2500 --years 3
    createdb -h 127.0.0.1 -U postgres haandguide_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/haandguide_bench .venv/bin/python bench/generate.py \
        --children 30000 --years 3

300,000 children (about 120,000 cases, 1.2 million event rows): use PostgreSQL and the same
command with --children 300000; generation writes in batches of --batch rows (default 5,000).
Add --measure-only to time an existing data set again; --fresh empties the database first.

The data is written directly with bulk_create: this is test data, not the app's workflow. It
refuses to run against the app's own database (./var/haandguide.sqlite3) or without DATABASE_URL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # WeasyPrint logs every layout step at INFO


def refuse_unsafe_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a throwaway database, e.g. sqlite:////tmp/bench.sqlite3 or "
                 "postgres://postgres@127.0.0.1:5432/haandguide_bench")
    if "var/haandguide.sqlite3" in url or url.rstrip("/").endswith("/haandguide"):
        sys.exit("Refusing to write benchmark data into the app's own database.")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=2500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    parser.add_argument("--measure-only", action="store_true", help="time the existing data set")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    return parser.parse_args()


# --- generation -------------------------------------------------------------------------------


def generate(children: int, years: int, batch: int, seed: int) -> None:
    """The national-shape data set, scaled to `children` (bench/national.py)."""
    from bench.national import generate as national

    national(children, years, batch, seed)


# --- measurement ------------------------------------------------------------------------------


def measure(repeat: int) -> list[tuple[str, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from haandguide.models import District, Municipality, Role, User
    from reports import cache as figures_cache
    from reports import services
    from reports.models import Report

    municipality = Municipality.objects.filter(name__startswith="Benchkommune").order_by("-pk").first()
    if municipality is None:
        sys.exit("No benchmark municipality: run without --measure-only first.")
    chef = User.objects.get(municipality=municipality, role=Role.CHEF, username__startswith="bench-chef")
    leader = User.objects.get(municipality=municipality, role=Role.LEDER, username__startswith="bench-leder")
    consultant = User.objects.get(municipality=municipality, role=Role.KONSULENT, username__startswith="bench-konsulent")

    def timed(label, func, check=None, before=None):
        durations, queries = [], 0
        for _ in range(repeat):
            if before:
                before()
            with CaptureQueriesContext(connection) as context:
                began = time.perf_counter()
                result = func()
                durations.append(time.perf_counter() - began)
            queries = len(context.captured_queries)
            if check:
                check(result)
        return label, statistics.median(durations), queries

    def page(user, url):
        client = Client()
        client.force_login(user)

        def get():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response
        return get

    def pdf():
        report = Report.objects.create(scope_kind="kommune", municipality=municipality, requested_by=chef,
                                       period_start=datetime.date.today().replace(day=1) - datetime.timedelta(days=334),
                                       period_end=datetime.date.today())
        done = services.report_build(report.pk)
        assert done.status == Report.Status.DONE, done.error
        return done

    def changed():
        """As after any change in the municipality: the cached figures are out of date (cold)."""
        figures_cache.bump(municipality.pk)

    whole = reverse("reports:statistics", args=["kommune", municipality.pk])
    whole_page, csv = page(chef, whole), page(chef, reverse("reports:csv", args=["kommune", municipality.pk]))
    district = District.objects.filter(municipality=municipality).order_by("pk").first()
    district_page = page(chef, reverse("reports:statistics", args=["distrikt", district.pk]))
    return [
        timed("Statistik, hele kommunen (12 mdr.), kold", whole_page, before=changed),
        timed("Statistik, hele kommunen, varm (cache)", whole_page, before=whole_page),
        timed("CSV, hele kommunen, varm (cache)", csv, before=whole_page),
        timed("Statistik, ét distrikt, kold", district_page, before=changed),
        timed("Statistik, ét distrikt, varm (cache)", district_page, before=district_page),
        timed("PDF-rapport, hele kommunen (opgave), kold", pdf, before=changed),
        timed("Børneliste, leder (1 institution)", page(leader, reverse("cases:child_list"))),
        timed("Børneliste, konsulent (1 distrikt)", page(consultant, reverse("cases:child_list"))),
    ]


def prepare(children: int | None, years: int, batch: int, seed: int, fresh: bool = False) -> str:
    """Set Django up on the throwaway database, migrate, and (with `children`) generate a data set
    of that size, timed. Returns the database vendor."""
    refuse_unsafe_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    if fresh:
        call_command("flush", interactive=False, verbosity=0)
    if children:
        began = time.perf_counter()
        generate(children, years, batch, seed)
        print(f"Generation took {time.perf_counter() - began:.1f} s on {connection.vendor}.")
    return connection.vendor


def main() -> None:
    args = parse()
    vendor = prepare(None if args.measure_only else args.children, args.years, args.batch, args.seed, args.fresh)
    results = measure(args.repeat)
    print(f"\n{vendor}, {args.children} children, {args.years} years (median of {args.repeat} runs)")
    print(f"| {'what':44} | {'time':>9} | {'queries':>7} |")
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 8}:|")
    for label, seconds, queries in results:
        print(f"| {label:44} | {seconds * 1000:7.1f} ms | {queries:7} |")


if __name__ == "__main__":
    main()
