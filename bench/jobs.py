"""Benchmark (not a test): every periodic job in CELERY_BEAT_SCHEDULE on the backlog a database
holds, then again with nothing new – time, queries, and the time per 100,000 open cases (issue 16:
at most 1 s per 100,000 open cases, a constant number of queries per batch).

    createdb -h 127.0.0.1 -U postgres -T hg_national hgn_jobs      # a copy of the national data set
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hgn_jobs REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/jobs.py --only reassess,evaluation,follow,draft,agendas,anonymise

Each job runs inside a transaction that is rolled back afterwards (callbacks on commit are run as
if it had committed), so the database keeps its backlog and the next run – another branch's code,
say – measures the same work. Emails go to Django's in-memory backend and are counted. `--only`
takes parts of job names, comma-separated; `--today` runs the jobs as on another date.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="parts of job names, comma-separated")
    parser.add_argument("--today", type=datetime.date.fromisoformat, help="run the jobs as on this date")
    parser.add_argument("--keep", action="store_true", help="commit what the jobs do (default: roll back)")
    return parser.parse_args()


class Rollback(Exception):
    pass


def timed(func) -> tuple[float, int, object]:
    """One call: seconds, queries, result (the callbacks on commit it registers included). The
    queries are counted, not logged: a run over a backlog may make more than Django's log keeps."""
    from django.db import connection
    from django.test import TestCase

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        began = time.perf_counter()
        with TestCase.captureOnCommitCallbacks(execute=True):
            result = func()
        elapsed = time.perf_counter() - began
    return elapsed, count, result


def main() -> None:
    args = parse()
    import django

    django.setup()
    from importlib import import_module

    import time_machine
    from django.conf import settings
    from django.core import mail
    from django.db import transaction

    from cases.models import Case, CaseState

    from django.urls import reverse

    reverse("home")  # the URL conf's imports (2 s) belong to the worker's start, not to the first job
    wanted = [part for part in args.only.split(",") if part]
    open_cases = Case.objects.exclude(state=CaseState.LUKKET).count()
    print(f"{open_cases:,} open cases; today {args.today or datetime.date.today()}; "
          f"{'committed' if args.keep else 'rolled back after each job'}\n")
    print("| job | first run s | queries | emails | result | s per 100,000 open cases | again s | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if wanted and not any(part in name for part in wanted):
            continue
        module, _, attr = entry["task"].rpartition(".")
        task = getattr(import_module(module), attr)

        def run(task=task, kwargs=entry.get("kwargs", {})):
            return task.run(**kwargs)

        mail.outbox = []
        travel = time_machine.travel(args.today, tick=True) if args.today else None
        if travel:
            travel.start()
        try:
            with transaction.atomic():
                first, queries, result = timed(run)
                emails = len(mail.outbox)
                again, again_queries, _ = timed(run)
                if not args.keep:
                    raise Rollback
        except Rollback:
            pass
        finally:
            if travel:
                travel.stop()
        per = first / open_cases * 100_000 if open_cases else 0
        print(f"| {name} | {first:.2f} | {queries:,} | {emails:,} | {result} | {per:.2f} | {again:.3f} "
              f"| {again_queries} |", flush=True)


if __name__ == "__main__":
    main()
