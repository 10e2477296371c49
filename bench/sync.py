"""Benchmark (not a test): a nightly full sync of N children through the integration API, timed.

Creates (once) a municipality with districts, institutions known by external ids and an API
client, then posts the children as the integration platform would: `POST /api/v1/sync/children`
in calls of --batch rows (the API's maximum is 5,000), through Django's test client (the whole
request path: authentication, schema validation, the upsert, the access log; no network).
Three runs: the first creates every child, the second changes nothing (the same sync again), the
third moves --moved children to another institution and marks as many as left.

    createdb -h 127.0.0.1 -U postgres hg_sync
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_sync .venv/bin/python bench/sync.py --children 300000

It refuses to run against the app's own database or without DATABASE_URL, and empties the
children it made on an earlier run (--fresh empties the whole database).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from generate import refuse_unsafe_database  # noqa: E402  (bench/generate.py)

INSTITUTIONS = 60


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--moved", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    return parser.parse_args()


def cpr_for(n: int) -> str:
    """A distinct valid CPR number per n: a birth date in 2020–2025 and a serial (7th digit 4: 2000s)."""
    day = datetime.date(2020, 1, 1) + datetime.timedelta(days=n % 2000)
    return f"{day:%d%m%y}4{(n // 2000) % 1000:03d}"


def setup():
    from haandguide.models import District, Institution, Municipality
    from integrations.models import ApiClient, ExternalRef, Operation

    municipality, _ = Municipality.objects.get_or_create(name="Synkroniseringskommune")
    district, _ = District.objects.get_or_create(municipality=municipality, name="Nord")
    for i in range(INSTITUTIONS):
        institution, _ = Institution.objects.get_or_create(district=district, name=f"Børnehus {i}")
        ExternalRef.objects.get_or_create(municipality=municipality, kind="institution", external_id=f"INST-{i}",
                                          defaults={"object_id": institution.pk})
    ApiClient.objects.filter(municipality=municipality).delete()
    client = ApiClient(municipality=municipality, name="Bench", operations=[o.value for o in Operation])
    key = client.new_key()
    client.save()
    return municipality, key


def rows(children: int, *, moved: int = 0):
    for n in range(children):
        row = {"external_id": f"C-{n}", "cpr": cpr_for(n), "first_name": "Barn", "last_name": f"Nr {n}",
               "institution": f"INST-{n % INSTITUTIONS}", "started_at": "2024-08-01", "left_at": None}
        if n < moved:
            row["institution"] = f"INST-{(n + 1) % INSTITUTIONS}"
        elif n < 2 * moved:
            row["left_at"] = "2026-11-30"
        yield row


def run(http, key: str, children: int, batch: int, *, moved: int = 0) -> tuple[float, dict]:
    totals: dict[str, int] = {}
    started = time.perf_counter()
    chunk: list[dict] = []
    for row in rows(children, moved=moved):
        chunk.append(row)
        if len(chunk) == batch:
            post(http, key, chunk, totals)
            chunk = []
    if chunk:
        post(http, key, chunk, totals)
    return time.perf_counter() - started, totals


def post(http, key: str, chunk: list[dict], totals: dict) -> None:
    response = http.post("/api/v1/sync/children", json.dumps({"rows": chunk}), content_type="application/json",
                         headers={"Authorization": f"Bearer {key}"})
    if response.status_code != 200:
        sys.exit(f"{response.status_code}: {response.content[:500]!r}")
    for status, count in response.json()["counts"].items():
        totals[status] = totals.get(status, 0) + count


def main() -> None:
    refuse_unsafe_database()
    args = parse()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if args.fresh:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    from haandguide.models import AccessLog, Child
    from integrations.models import ExternalRef

    municipality, key = setup()
    Child.objects.filter(municipality=municipality).delete()
    ExternalRef.objects.filter(municipality=municipality, kind="child").delete()
    http = Client()
    print(f"{args.children:,} children, calls of {args.batch:,} rows, {connection.vendor}")
    for label, moved in (("first sync (creates)", 0), ("same sync again", 0),
                         (f"{args.moved:,} moved, {args.moved:,} left", args.moved)):
        log_before = AccessLog.objects.count()
        seconds, totals = run(http, key, args.children, args.batch, moved=moved)
        print(f"{label:32} {seconds:8.1f} s  {args.children / seconds:8,.0f} rows/s  {totals}  "
              f"access-log rows +{AccessLog.objects.count() - log_before:,}")


if __name__ == "__main__":
    main()
