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
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    parser.add_argument("--measure-only", action="store_true", help="time the existing data set")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    return parser.parse_args()


# --- generation -------------------------------------------------------------------------------


def generate(children: int, years: int, batch: int, seed: int) -> None:
    from django.utils import timezone

    from cases.defaults import seed_case_configuration
    from cases.models import Case, CaseEvent, CloseReason, Observation, ObservationType
    from districtcouncil.defaults import seed_council_configuration
    from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Decision, ResourceType, Submission
    from haandguide.models import Child, District, Institution, Municipality, Role, User
    from handleplan.models import Effort, Evaluation, Handleplan

    rng = random.Random(seed)
    now = timezone.now()
    start = now - datetime.timedelta(days=365 * years)
    span = (now - start).total_seconds()
    Act = CaseEvent.Action

    def moment(after: datetime.datetime, days_lo: int, days_hi: int) -> datetime.datetime:
        return after + datetime.timedelta(days=rng.uniform(days_lo, days_hi))

    municipality = Municipality.objects.create(name=f"Benchkommune {children} {int(time.time())}")
    n_districts = max(2, children // 5000)
    districts = District.objects.bulk_create(
        [District(municipality=municipality, name=f"Distrikt {i + 1}") for i in range(n_districts)])
    n_institutions = max(2, children // 60)
    institutions = Institution.objects.bulk_create(
        [Institution(district=districts[i % n_districts], name=f"Børnehus {i + 1}") for i in range(n_institutions)],
        batch_size=batch)
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    topi_type = ObservationType.objects.filter(municipality=municipality).first()
    ObservationType.objects.filter(pk=topi_type.pk).update(has_topi_position=True)
    stamp = municipality.pk
    leader = User.objects.create_user(f"bench-leder-{stamp}", password=None, role=Role.LEDER, municipality=municipality)
    leader.institutions.set([institutions[0]])
    consultant = User.objects.create_user(f"bench-konsulent-{stamp}", password=None, role=Role.KONSULENT,
                                          municipality=municipality)
    consultant.districts.set([districts[0]])
    User.objects.create_user(f"bench-chef-{stamp}", password=None, role=Role.CHEF, municipality=municipality)

    # Children: valid, unique CPR numbers (7th digit 4 → born 2000–2036).
    first = ["Alma", "Noah", "Ida", "Oscar", "Freja", "Carl", "Ella", "Alfred", "Olivia", "William"]
    last = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen"]
    base = datetime.date(2020, 1, 1) + datetime.timedelta(days=stamp % 97)
    rows = []
    for i in range(children):
        birth = base + datetime.timedelta(days=i // 1000)
        rows.append(Child(institution=institutions[i % n_institutions], municipality=municipality,
                          first_name=rng.choice(first),
                          last_name=rng.choice(last), cpr=f"{birth:%d%m%y}4{i % 1000:03d}", birth_date=birth,
                          started_at=birth + datetime.timedelta(days=365)))
    child_objs = Child.objects.bulk_create(rows, batch_size=batch)

    # Cases for 40 % of the children, each with a history on the ladder.
    with_case = [c for c in child_objs if rng.random() < 0.4]
    cases, histories = [], []
    for child in with_case:
        opened = start + datetime.timedelta(seconds=rng.uniform(0, span * 0.9))
        history = [(Act.OPENED, "", "forebyggende", opened)]
        at, state = opened, "forebyggende"
        for _ in range(rng.randint(0, 4)):
            at = moment(at, 10, 200)
            if at >= now:
                break
            if state == "forebyggende":
                step = rng.choice(["op", "op", "luk"])
                target = "foregribende" if step == "op" else "lukket"
                history.append((Act.ESCALATED if step == "op" else Act.CLOSED, state, target, at))
            elif state == "foregribende":
                step = rng.choice(["op", "ned", "luk"])
                target = {"op": "indgribende", "ned": "forebyggende", "luk": "lukket"}[step]
                action = {"op": Act.INTERVENTION, "ned": Act.DE_ESCALATED, "luk": Act.CLOSED}[step]
                history.append((action, state, target, at))
            elif state == "indgribende":
                history.append((Act.DE_ESCALATED, state, "foregribende", at))
                target = "foregribende"
            else:
                history.append((Act.REOPENED, state, "forebyggende", at))
                target = "forebyggende"
            state = target
        cases.append(Case(child=child, state=state, state_changed_at=at, opened_at=opened, opened_by=leader,
                          close_reason=CloseReason.RETURNED if state == "lukket" else ""))
        histories.append(history)
    cases = Case.objects.bulk_create(cases, batch_size=batch)
    reason = {Act.CLOSED: CloseReason.RETURNED.label}
    CaseEvent.objects.bulk_create(
        (CaseEvent(case=case, action=a, from_state=f, to_state=t, at=at, reason=reason.get(a, ""))
         for case, history in zip(cases, histories) for a, f, t, at in history), batch_size=batch)

    # TOPI observations: 2–5 per child with a case.
    observations = []
    for case, history in zip(cases, histories):
        day = history[0][3].date()
        for _ in range(rng.randint(2, 5)):
            day += datetime.timedelta(days=rng.randint(14, 120))
            if day > now.date():
                break
            observations.append(Observation(child_id=case.child_id, type=topi_type, observed_on=day, text="Iagttagelse",
                                            topi_position=rng.choice(["groen", "gul", "gul", "roed"]), author=leader))
    Observation.objects.bulk_create(observations, batch_size=batch)

    # A handleplan with one effort and 0–3 evaluations per case.
    plans = Handleplan.objects.bulk_create([Handleplan(case=c, created_by=leader, created_at=c.opened_at) for c in cases],
                                           batch_size=batch)
    efforts = Effort.objects.bulk_create(
        [Effort(plan=p, name="Indsats", level="forebyggende", created_by=leader, started_on=c.opened_at.date(),
                evaluation_date=c.opened_at.date() + datetime.timedelta(days=rng.randint(30, 400)))
         for p, c in zip(plans, cases)], batch_size=batch)
    evaluations = []
    for effort in efforts:
        planned = effort.started_on
        for _ in range(rng.randint(0, 3)):
            planned += datetime.timedelta(days=60)
            done = planned + datetime.timedelta(days=rng.randint(-10, 20))
            if done > now.date():
                break
            evaluations.append(Evaluation(effort=effort, evaluated_on=done, planned_for=planned, result="delvist",
                                          seen="Set", author=leader))
    Evaluation.objects.bulk_create(evaluations, batch_size=batch)

    # The council: a meeting a month per district, submissions and decisions for some cases.
    meeting_type = CouncilMeetingType.objects.filter(municipality=municipality).first()
    meetings = {}
    for council in Council.objects.filter(district__municipality=municipality):
        series = [CouncilMeeting(council=council, type=meeting_type, starts_at=start + datetime.timedelta(days=30 * m))
                  for m in range(12 * years + 1)]
        meetings[council.district_id] = CouncilMeeting.objects.bulk_create(series)
    grants = list(ResourceType.objects.filter(municipality=municipality, grants_resource=True))
    inst_district = {i.pk: i.district_id for i in institutions}
    submissions, decisions = [], []
    for case in cases:
        if rng.random() > 0.15:
            continue
        series = meetings[inst_district[case.child.institution_id]]
        index = rng.randrange(1, len(series))
        rolled = rng.random() < 0.2
        submitted = series[index].starts_at - datetime.timedelta(days=rng.randint(11, 30))
        submissions.append(Submission(
            institution_id=case.child.institution_id, child_id=case.child_id, kind="ressourcevurdering",
            track="uden_cpr", description="Beskrivelse", meeting=series[index],
            rolled_over_from=series[index - 1] if rolled else None, state="afgjort", submitted_at=submitted,
            created_by=leader))
        decided = series[index].starts_at
        if decided < now:
            resource = rng.choice(grants)
            decisions.append(Decision(
                basis="distriktsraad", institution_id=case.child.institution_id, child_id=case.child_id,
                resource_type=resource, amount_dkk=rng.choice([10000, 25000, 40000]) if resource.has_amount else None,
                hours=rng.choice([20, 40, 80]) if resource.has_hours else None, period_start=decided.date(),
                period_end=decided.date() + datetime.timedelta(days=182), follow_up_on=decided.date(),
                least_intrusive_discussed=True, decided_by=leader, decided_at=decided))
    Submission.objects.bulk_create(submissions, batch_size=batch)
    Decision.objects.bulk_create(decisions, batch_size=batch)
    # bulk_create sends no signals: tell the statistics cache the municipality's data changed.
    from reports import cache as figures_cache

    figures_cache.bump(municipality.pk)
    print(f"Generated {len(child_objs)} children, {len(cases)} cases, "
          f"{sum(len(h) for h in histories)} ladder events, {len(observations)} observations, "
          f"{len(evaluations)} evaluations, {len(submissions)} submissions, {len(decisions)} decisions "
          f"in {n_districts} districts and {n_institutions} institutions.")


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


def main() -> None:
    args = parse()
    refuse_unsafe_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    if args.fresh:
        call_command("flush", interactive=False, verbosity=0)
    if not args.measure_only:
        began = time.perf_counter()
        generate(args.children, args.years, args.batch, args.seed)
        print(f"Generation took {time.perf_counter() - began:.1f} s on {connection.vendor}.")
    results = measure(args.repeat)
    print(f"\n{connection.vendor}, {args.children} children, {args.years} years (median of {args.repeat} runs)")
    print(f"| {'what':44} | {'time':>9} | {'queries':>7} |")
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 8}:|")
    for label, seconds, queries in results:
        print(f"| {label:44} | {seconds * 1000:7.1f} ms | {queries:7} |")


if __name__ == "__main__":
    main()
