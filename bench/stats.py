"""Benchmark (not a test): the statistics page live at national size, the PDF, the warm-up after
changes, and every periodic job – time and queries.

    createdb -h 127.0.0.1 -U postgres hg_stats
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_stats .venv/bin/python bench/stats.py --generate 300000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_stats .venv/bin/python bench/stats.py     # again

`--generate N` first writes a municipality of N children with bench/generate.py's `generate(...)`
(bulk_create: no signals), then computes its running figures (`statistics_rebuild`). Without it,
the latest "Benchkommune" in the database is measured. Cold: the statistics cache of the
municipality has just been invalidated (as after any change), so the page computes its figures
from the running figures; warm: a repeat view. Sizes are the page's HTML in bytes. CI runs it at a
small size (`--generate 600 --repeat 2`) so it cannot rot.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", type=int, metavar="CHILDREN", help="generate a municipality first")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7, help="views per measurement (p50/p95 of them)")
    parser.add_argument("--changes", type=int, default=20, help="changes before the timed warm-up")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--no-pdf-warm-up", action="store_true",
                        help="build the first PDF in this fresh process without the worker's warm-up "
                             "(haandguide.lib.pdf.warm_up, run at a Celery worker process's start)")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--skip-changes", action="store_true",
                        help="no changes and warm-up: leaves a shared copy's data as it is (the PDFs still add Report rows)")
    return parser.parse_args()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def once(func) -> tuple[float, int, object]:
    """One call: milliseconds, queries, result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # the log keeps 9,000 queries: a long job would count wrong
    with CaptureQueriesContext(connection) as context:
        began = time.perf_counter()
        result = func()
        elapsed = (time.perf_counter() - began) * 1000
    return elapsed, len(context.captured_queries), result


def measured(func, repeat: int, before=None) -> tuple[list[float], int, object]:
    runs = [once(func) for _ in range(repeat) if not before or before() or True]
    return [ms for ms, _, _ in runs], runs[-1][1], runs[-1][2]


def row(label: str, times: list[float], queries: int, size: int | str = "") -> str:
    line = (f"| {label:52} | {statistics.median(times):8.1f} | {percentile(times, 95):8.1f} | {queries:7} "
            f"| {size:>9} |")
    print(line, file=sys.stderr, flush=True)  # progress; the table follows on stdout
    return line


def prepare(args: argparse.Namespace):
    """Django set up on a throwaway database, migrated; the benchmark municipality (generated first
    with --generate, its running figures computed from the generated rows)."""
    import django
    from bench.generate import refuse_unsafe_database

    refuse_unsafe_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from haandguide.models import Municipality

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    latest = Municipality.objects.filter(name__startswith="Benchkommune").order_by("-pk")
    if args.generate:
        from bench.generate import generate
        from reports import aggregates

        began = time.perf_counter()
        generate(args.generate, args.years, 5000, 7)
        middle = time.perf_counter()
        aggregates.rebuild_municipality(latest.first().pk)
        print(f"Generated in {middle - began:.0f} s; running figures rebuilt in {time.perf_counter() - middle:.0f} s.")
    if not latest.exists():
        sys.exit("No benchmark municipality: run with --generate N first.")
    return latest.first()


def main() -> None:
    args = parse()
    municipality = prepare(args)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from haandguide.models import District, Institution, Role, User

    chef = User.objects.get(municipality=municipality, role=Role.CHEF, username__startswith="bench-chef")
    district = District.objects.filter(municipality=municipality).order_by("pk").first()
    institution = Institution.objects.filter(district=district).order_by("pk").first()
    from haandguide.models import Child

    children = Child.objects.filter(municipality=municipality).count()

    from reports import cache as figures_cache

    client = Client()
    client.force_login(chef)

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return len(response.content)
        return get

    def cold():
        figures_cache.bump(municipality.pk)

    lines = []
    for label, kind, pk in (("kommune", "kommune", municipality.pk), ("distrikt", "distrikt", district.pk),
                            ("institution", "institution", institution.pk)):
        get = page(reverse("reports:statistics", args=[kind, pk]))
        times, queries, size = measured(get, args.repeat, before=cold)
        lines.append(row(f"Statistik, {label}, kold", times, queries, size))
        get()
        times, queries, size = measured(get, args.repeat)
        lines.append(row(f"Statistik, {label}, varm", times, queries, size))

    if not args.skip_pdf:
        from reports import services
        from reports.models import Report

        def pdf(start=datetime.date.today().replace(day=1) - datetime.timedelta(days=334), end=datetime.date.today()):
            report = Report.objects.create(scope_kind="kommune", municipality=municipality, requested_by=chef,
                                           period_start=start, period_end=end)
            done = services.report_build(report.pk)
            assert done.status == Report.Status.DONE, done.error
            return len(done.pdf)
        if not args.no_pdf_warm_up:  # as each worker process does as it starts
            from haandguide.lib.pdf import warm_up

            warmed, _, _ = measured(warm_up, 1)
            lines.append(row("PDF: opvarmning ved workerens start", warmed, 0))
        # This period mostly starts on the 2nd of a month: not whole months, so the figures are
        # counted from the event rows (about 1.7 s at national size), not the running figures.
        times, queries, size = measured(pdf, max(1, min(3, args.repeat)), before=cold)
        lines.append(row("PDF-rapport, kommune, kold", times, queries, size))
        lines.append(row("PDF-rapport, første i processen" + (", uden opvarmning" if args.no_pdf_warm_up else ""),
                         times[:1], queries, size))
        from reports.forms import default_period

        period = default_period()  # the page's: 12 whole months, read from the running figures
        times, queries, size = measured(lambda: pdf(period.start, period.end), max(1, min(3, args.repeat)), before=cold)
        lines.append(row("PDF-rapport, kommune, kold, sidens standardperiode", times, queries, size))

    if not args.skip_changes:
        lines += changes_then_warm_up(municipality, institution, args.changes)
    if not args.skip_jobs:
        lines += jobs()
    print(f"\n{connection.vendor}, {children} children in the benchmark municipality; "
          f"{args.repeat} views per line (p50/p95)")
    print(f"| {'what':52} | {'p50 ms':>8} | {'p95 ms':>8} | {'queries':>7} | {'bytes':>9} |")
    print(f"|{'-' * 54}|{'-' * 9}:|{'-' * 9}:|{'-' * 8}:|{'-' * 10}:|")
    for line in lines:
        print(line)


def changes_then_warm_up(municipality, institution, n: int) -> list[str]:
    """N changes as the app makes them (a TOPI observation, a ladder event: signals keep the figures),
    then the hourly warm-up; then the same warm-up with nothing changed."""
    from django.utils import timezone

    from cases.models import Case, CaseEvent, Observation, ObservationType
    from reports import services

    services.statistics_warm()  # everything warm first: what follows is the work of the N changes
    topi = ObservationType.objects.filter(municipality=municipality, has_topi_position=True).first()
    cases = list(Case.objects.filter(child__institution__district__municipality=municipality)
                 .select_related("child").order_by("pk")[:n])
    began = time.perf_counter()
    for i, case in enumerate(cases):
        Observation.objects.create(child=case.child, type=topi, observed_on=timezone.localdate(), text="Bench",
                                   topi_position=["gul", "groen"][i % 2], author=case.opened_by)
        CaseEvent.objects.create(case=case, action=CaseEvent.Action.MEETING, at=timezone.now())
    per_change = (time.perf_counter() - began) * 1000 / max(1, 2 * len(cases))
    community = community_changes(cases)
    times, queries, computed = measured(services.statistics_warm, 1)
    idle, idle_queries, _ = measured(services.statistics_warm, 1)
    return [row(f"Én ændring (observation/hændelse), gennemsnit af {2 * len(cases)}", [per_change], 0),
            row(f"Én ændring (evaluering/TOPI-runde/fælles vurdering), gennemsnit af {3 * len(cases)}",
                [community], 0),
            row(f"Opvarmning efter {n} ændringer ({computed} områder)", times, queries),
            row("Opvarmning uden ændringer", idle, idle_queries)]


def community_changes(cases) -> float:
    """Per case's institution a reflective evaluation, a TOPI round and a joint rating, saved as the
    app saves them (the running month figures kept in the same transaction): ms per change."""
    from django.utils import timezone

    from community.models import ChildGroup, ReflectiveEvaluation, TopiRating, TopiRound

    began = time.perf_counter()
    for case in cases:
        institution, author = case.child.institution_id, case.opened_by
        ReflectiveEvaluation.objects.create(institution_id=institution, theme="Bench", participants="Bench",
                                            findings="Bench", created_by=author)
        group, _ = ChildGroup.objects.get_or_create(institution_id=institution, name="Bench-stue")
        topi_round = TopiRound.objects.create(group=group, institution_id=institution, name="Bench",
                                              held_on=timezone.localdate(), created_by=author)
        TopiRating.objects.create(round=topi_round, child=case.child, rater=author, joint=True, position="gul")
    return (time.perf_counter() - began) * 1000 / max(1, 3 * len(cases))


def jobs() -> list[str]:
    """Every job in CELERY_BEAT_SCHEDULE, run twice: the second run has nothing new."""
    from importlib import import_module

    from django.conf import settings

    lines = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        module, _, attr = entry["task"].rpartition(".")
        task = getattr(import_module(module), attr)
        kwargs = entry.get("kwargs", {})
        run = (lambda task=task, kwargs=kwargs: task.run(**kwargs))
        first, queries, _ = measured(run, 1)
        again, again_queries, _ = measured(run, 1)
        lines.append(row(f"Job {name}", first, queries))
        lines.append(row(f"Job {name}, intet nyt", again, again_queries))
    return lines


if __name__ == "__main__":
    main()
