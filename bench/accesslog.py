"""The access log at national volume (issue 16), PostgreSQL only. Not a test.

    createdb -h 127.0.0.1 -U postgres haandguide_accesslog_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/haandguide_accesslog_bench \
        .venv/bin/python bench/accesslog.py --rows 20000000

1. build: a year of log in the month partitions, written in bulk by SQL (generate_series, indexes
   built after the load): half list views (one row naming the 25 children of an institution's
   list), half single-child rows. `--children` sets how many children the rows fall on; the default
   15,000 gives each child about as many list rows a year as a child has nationally (30,000 staff
   opening lists of 25 children, 800,000 list views a working day, 300,000 children).
2. search: what `/adgangslog/` runs once a CPR is resolved to a child (the municipality's rows
   about the child in the last year, newest first, a page plus one row, no COUNT), page 40 reached
   through "Næste" (it starts where page 39 ended) and typed in, and the whole year of one child
   (the citizen's indsigt, a month at a time, with the time to its first row): p50/p95 over
   `--samples` children, each child asked once (its rows not yet in PostgreSQL's cache) and again.
3. verify: the rate at which the nightly verification walks and hashes a chain.
4. write: the access-log write of a list page of 25 children, as before this change (25 rows
   chained under the municipality's head lock, held until the request's transaction commits) and
   now (one unsealed row); alone, and with `--threads` concurrent requests that each keep their
   transaction open `--hold-ms` longer (the rest of a request); then the sealer's rate.

--reuse skips the build when the table already holds rows; --short (CI) is a small, quick run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.generate import refuse_unsafe_database  # noqa: E402

PER_INSTITUTION = 30  # children per institution; a list page shows 25 of them
LIST_LENGTH = 25
MUNICIPALITIES = 98


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--children", type=int, default=15_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--hold-ms", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--short", action="store_true", help="CI: 20,000 rows, a few samples, 1 s of load")
    args = parser.parse_args()
    if args.short:
        args.rows, args.children, args.samples, args.seconds = 20_000, 600, 5, 1.0
    return args


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def p50_p95(times: list[float]) -> str:
    ordered = sorted(times)
    return f"{ms(statistics.median(ordered))} / {ms(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))])}"


# --- 1. build ---------------------------------------------------------------------------------


def build(args) -> None:
    from django.db import connection

    from haandguide import accesslog_partitions as partitions
    from haandguide.models import AccessLog, AccessLogChain

    table = AccessLog._meta.db_table
    institutions = max(1, args.children // PER_INSTITUTION)
    now = datetime.datetime.now(datetime.UTC)
    first = partitions.month_start(now)
    for _ in range(args.months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    start = first
    while start <= now:
        partitions.create_month(start)
        start = partitions.next_month(start)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        AccessLogChain.objects.all().delete()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
                       [table, f"{table}_pkey"])
        indexes = cursor.fetchall()
        for name, _ in indexes:  # built once after the load: far faster than row by row
            cursor.execute(f"DROP INDEX {name}")
        span = (now - first).total_seconds()
        began = time.perf_counter()
        step = 2_000_000
        for lo in range(1, args.rows + 1, step):
            hi = min(args.rows, lo + step - 1)
            # Rows in time order (as written), g spread evenly over the year; each row's
            # institution and child come from a hash of g: deterministic, no random() per column.
            cursor.execute(f"""
                INSERT INTO {table} (at, username, role, action, object_type, object_id, child_id, child_ids,
                                     municipality_id, detail, path, anchor, hash, prev_hash, seq, actor_kind,
                                     actor_label)
                SELECT %(first)s::timestamptz + (g * %(span)s / %(rows)s) * interval '1 second',
                       'bruger' || (k * 3 + g %% 3), 'paedagog',
                       CASE WHEN g %% 2 = 0 THEN 'liste' ELSE 'vis' END, 'child',
                       CASE WHEN g %% 2 = 0 THEN '{LIST_LENGTH}' ELSE (k * {PER_INSTITUTION} + c)::text END,
                       CASE WHEN g %% 2 = 0 THEN NULL ELSE k * {PER_INSTITUTION} + c END,
                       CASE WHEN g %% 2 = 0
                            THEN ARRAY(SELECT k * {PER_INSTITUTION} + s FROM generate_series(1, {LIST_LENGTH}) s)
                            ELSE '{{}}'::bigint[] END,
                       k %% {MUNICIPALITIES} + 1,
                       CASE WHEN g %% 2 = 0 THEN 'Børneliste' ELSE '' END,
                       CASE WHEN g %% 2 = 0 THEN '/boern/' ELSE '/boern/' || (k * {PER_INSTITUTION} + c) || '/' END,
                       '', md5(g::text) || md5((g + 1)::text), md5((g - 1)::text) || md5(g::text), g,
                       'staff', ''
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g,
                     LATERAL (SELECT abs(hashint8(g)) %% {institutions} AS k,
                                     abs(hashint8(g + 7919)) %% {PER_INSTITUTION} + 1 AS c) pick
            """, {"first": first, "span": span, "rows": args.rows, "lo": lo, "hi": hi})
            print(f"  {hi:,} rows ({time.perf_counter() - began:,.0f} s)", flush=True)
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            # pg_indexes shows a partitioned index as "ON ONLY" (the parent alone): build it on every partition.
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
            print(f"  index {name} ({time.perf_counter() - began:,.0f} s)", flush=True)
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM " + table + "))",
                       [table])
    print(f"built {args.rows:,} rows over {args.months} months, {args.children:,} children, "
          f"{MUNICIPALITIES} municipalities in {time.perf_counter() - began:,.0f} s; "
          f"size with indexes: {table_size(table)}")


def table_size(table: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
                       "WHERE inhparent = %s::regclass", [table])
        return cursor.fetchone()[0]


# --- 2. search --------------------------------------------------------------------------------


def search(args) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from haandguide.access import NewestFirst, log_page, oldest_first, position_of
    from haandguide.models import AccessLog

    year_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365)
    rng = random.Random(7)
    children = rng.sample(range(1, args.children + 1), args.samples)

    def municipality_of(child: int) -> int:
        return ((child - 1) // PER_INSTITUTION) % MUNICIPALITIES + 1

    def entries_of(child):
        return AccessLog.objects.filter(municipality_id=municipality_of(child), at__gte=year_ago).for_children([child])

    def first_page(child):  # as /adgangslog/ reads a page (access.log_page)
        return list(log_page(entries_of(child), 1, since=year_ago).page.object_list)

    trails = {}

    def next_page(child):  # page 40 through "Næste": it starts where page 39 ended
        return list(log_page(entries_of(child), 40, trails[child], since=year_ago).page.object_list)

    def typed_page(child):  # page 40 asked by its number: the 975 rows before it are skipped by id
        return list(log_page(entries_of(child), 40, since=year_ago).page.object_list)

    first_row = {}

    def whole_year(child):  # the indsigt export, a month at a time; also the time to its first row
        began, count = time.perf_counter(), 0
        for _ in oldest_first(entries_of(child), since=year_ago):
            if not count:
                first_row.setdefault(child, []).append(time.perf_counter() - began)
            count += 1
        return count

    for child in children:  # where page 39 ends, as its "Næste" button carries it (not timed)
        rows = NewestFirst(entries_of(child), since=year_ago)[974:975]
        trails[child] = "," * 38 + (position_of(rows[0]) if rows else "")

    print(f"\nsearch by child over a year ({AccessLog.objects.order_by().count():,} rows; "
          f"{args.samples} children), ms p50 / p95:")
    for label, query in (("page 1 (25 rows + 1)", first_page), ("page 40 after page 39", next_page),
                         ("page 40 typed in", typed_page), ("whole year (indsigt)", whole_year)):
        cold, warm, sizes, asked = [], [], [], []
        for child in children:
            for bucket in (cold, warm):
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    result = query(child)
                    bucket.append(time.perf_counter() - began)
            sizes.append(result if isinstance(result, int) else len(result))
            asked.append(len(queries.captured_queries))
            assert not any("count(" in q["sql"].lower() for q in queries.captured_queries)
        print(f"  {label:24} first ask {p50_p95(cold):>16}   again {p50_p95(warm):>16}   "
              f"rows {statistics.median(sizes):,.0f}, queries {statistics.median(asked):,.0f} (max {max(asked)})")
    firsts = [times[0] for times in first_row.values()]
    print(f"  {'indsigt: first row':24} first ask {p50_p95(firsts):>16}   (the export's first byte)")
    child = children[0]
    entries = AccessLog.objects.filter(municipality_id=municipality_of(child), at__gte=year_ago).for_children([child])
    day = datetime.datetime.now(datetime.UTC) - NewestFirst.FIRST_WINDOW
    print("\nplan of page 1 (the newest day's window):\n"
          + entries.filter(at__gte=day).order_by("-at", "-pk")[:26].explain(analyze=True, buffers=True))


# --- 3. verify --------------------------------------------------------------------------------


def verify(args) -> None:
    """The nightly verification's rate: one municipality's chain walked and hashed in order. (The
    bench's rows carry made-up hashes and numbers, so the walk finds "problems"; its cost is the
    same.) A night walks what was sealed since the last check plus 1/ACCESS_LOG_RECHECK_NIGHTS of
    the older rows."""
    from django.conf import settings

    from haandguide import services

    began = time.perf_counter()
    walk = services.accesslog_chain_walk(1)
    took = time.perf_counter() - began
    print(f"\nverification: {walk.rows:,} rows of one chain walked in {ms(took)} ms ({walk.rows / took:,.0f} rows/s); "
          f"a night walks the rows sealed since the last check and 1/{settings.ACCESS_LOG_RECHECK_NIGHTS} of the rest")


# --- 4. write ---------------------------------------------------------------------------------


def list_rows_before(key: int, children: list[int]) -> None:
    """The write as it was before: one row per child, numbered and hashed under the chain head's
    lock (UPDATE … RETURNING), which the request's transaction holds until it commits."""
    from django.db import connection

    from haandguide.models import AccessLog, AccessLogChain, chain_digest

    rows = [AccessLog(username="bench", role="paedagog", action="liste", object_type="child", object_id=str(c),
                      child_id=c, municipality_id=key, detail="Børneliste", path="/boern/") for c in children]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLogChain._meta.db_table} SET seq = seq + %s WHERE municipality_id = %s "
                       "RETURNING seq, head", [len(rows), key])
        seq, prev = cursor.fetchone()
    seq -= len(rows)
    for row in rows:
        row.normalise()
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.hash = prev = chain_digest(prev, row)
    AccessLogChain.objects.filter(municipality_id=key).update(head=prev)
    AccessLog.objects.bulk_create(rows)


def list_row_now(key: int, children: list[int]) -> None:
    from haandguide.access import log_children_listed
    from haandguide.actors import Actor

    log_children_listed(Actor.job("bench"), children, detail="Børneliste")


def write(args) -> None:
    from django.db import connection, transaction

    from haandguide.models import AccessLog, AccessLogChain, seal_access_log

    key = 1
    AccessLogChain.objects.get_or_create(municipality_id=key)
    children = list(range(1, LIST_LENGTH + 1))
    print(f"\naccess-log write of a list page of {LIST_LENGTH} children "
          f"(on a table of {AccessLog.objects.order_by().count():,} rows):")
    for label, writer in (("before: 25 chained rows", list_rows_before), ("now: one unsealed row", list_row_now)):
        times = []
        for _ in range(200 if not args.short else 20):
            began = time.perf_counter()
            with transaction.atomic():
                writer(key, children)
            times.append(time.perf_counter() - began)
        done, errors = [0], []
        stop = time.perf_counter() + args.seconds

        def request_loop():
            try:
                while time.perf_counter() < stop:
                    with transaction.atomic():
                        writer(key, children)
                        time.sleep(args.hold_ms / 1000)  # the rest of the request, transaction open
                    done[0] += 1
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=request_loop) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"  {label:26} alone: p50 / p95 {p50_p95(times)} ms;  {args.threads} requests at once, each "
              f"{args.hold_ms:g} ms longer: {done[0] / args.seconds:,.0f} req/s{' ERRORS ' + str(errors) if errors else ''}")
    began = time.perf_counter()
    sealed = seal_access_log()
    took = time.perf_counter() - began
    print(f"  sealer: {sealed:,} rows in {ms(took)} ms ({sealed / took:,.0f} rows/s)")


def main() -> None:
    refuse_unsafe_database()
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        sys.exit("bench/accesslog.py measures the PostgreSQL layout (partitions, GIN): set a postgres:// DATABASE_URL.")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from haandguide.models import AccessLog

    if not (args.reuse and AccessLog.objects.exists()):
        build(args)
    search(args)
    verify(args)
    write(args)


if __name__ == "__main__":
    args = parse()
    main()
