"""Benchmark (not a test): every staff page and wide list of issue 16, in one run.

For each page: p50/p95 server time through Django's test client (the whole middleware stack,
sessions and access-log writes included), queries, bytes, the ratio to its SQL floor (the indexed
SQL fetching the same rows, timed the same way) and to the Django admin changelist of the same rows.

    createdb -h 127.0.0.1 -U postgres hg_national
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_national .venv/bin/python bench/generate.py \
        --children 300000 --repeat 1          # the national data set (see bench/national.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_national .venv/bin/python bench/pages.py

--children N generates a fresh data set of N children first (CI: --children 600 --runs 2 on a
throwaway database); without it the newest benchmark municipality is measured. The exit status is 1
only if a page answers with an error; slowness never fails the run. --limits prints which pages miss
issue 16's goals (staff pages p95 ≤ 15 ms and ≤ 15 queries, wide lists p95 ≤ 30 ms, admin pages
≤ 100 ms, every page ≤ 200 KB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

STAFF, WIDE, ADMIN = "staff", "wide", "admin"
LIMITS = {STAFF: (15.0, 15), WIDE: (30.0, None), ADMIN: (100.0, None)}  # p95 ms, queries
MAX_BYTES = 200 * 1024


@dataclass
class Page:
    label: str
    role: str
    url: str
    kind: str = STAFF
    floor: Callable | None = None
    admin: str | None = None
    data: dict | None = None  # a POST (the access-log search)
    search: str | None = None  # typed into the child list's search (POSTed once; its result's address is timed)
    result: dict = field(default_factory=dict)

    def address(self, client) -> str:
        """The address to time. A search is POSTed once, as the browser does: the result's address
        carries a token of `client`'s session, never the typed text (haandguide.lib.typed_search)."""
        if self.search is not None and "soegning=" not in self.url:
            self.url = client.post(self.url, {"q": self.search})["Location"]
        return self.url


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, help="generate a fresh data set of this size first")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (after one warm-up)")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    parser.add_argument("--limits", action="store_true", help="list the pages that miss issue 16's goals")
    return parser.parse_args()


def pages_for(municipality) -> list[Page]:
    """The pages of issue 16 for the benchmark municipality's named users (bench/national.py)."""
    from django.urls import reverse

    from cases.models import Case
    from districtcouncil.models import CouncilMeeting, Submission
    from haandguide.models import AccessLog, Child, Role, User

    users = {u.role: u for u in User.objects.filter(municipality=municipality, username__startswith="bench-")}
    leader, consultant = users[Role.LEDER], users[Role.KONSULENT]
    institution = leader.institutions.get()
    district_ids = list(consultant.districts.order_by("pk").values_list("pk", flat=True))
    mine = Child.objects.filter(institution=institution, left_at__isnull=True, anonymised_at__isnull=True)
    served = Child.objects.filter(institution__district__in=district_ids, left_at__isnull=True,
                                  anonymised_at__isnull=True)
    order = ("first_name", "last_name", "pk")
    # The child with the longest history in the leader's institution: the heaviest child page.
    case = (Case.objects.filter(child__institution=institution).order_by("-opened_at").first()
            or Case.objects.filter(child__municipality=municipality).first())
    child = case.child
    meeting = (CouncilMeeting.objects.filter(council__district_id=district_ids[0], submissions__state="indsendt")
               .order_by("starts_at").first())
    deep = max(1, served.count() * 2 // 3 // 25)
    a_name, a_cpr = child.first_name, child.cpr
    list_url = reverse("cases:child_list")

    def rows(queryset, offset=0, columns=("pk", "first_name", "last_name", "cpr", "institution__name",
                                          "case__state")):
        return lambda: list(queryset.order_by(*order).values_list(*columns)[offset:offset + 25])

    def child_floor():
        list(Child.objects.filter(pk=child.pk).values_list("pk", "first_name", "last_name", "cpr",
                                                           "institution__name", "case__state"))
        list(case.events.order_by("-at").values_list("pk", "at", "action", "reason", "actor__username")[:30])
        list(child.observations.order_by("-observed_on").values_list("pk", "observed_on", "text", "type__name")[:10])
        list(child.guardians.values_list("pk", "name"))

    def plan_floor():
        from handleplan.models import Effort, Handleplan
        list(Handleplan.objects.filter(case=case).values_list("pk", "current__content"))
        list(Effort.objects.filter(plan__case=case).values_list("pk", "name", "evaluation_date"))

    submissions = Submission.objects.filter(institution__district__municipality=municipality)
    admin_children = reverse("admin:haandguide_child_changelist")
    log = AccessLog.objects.filter(municipality_id=municipality.pk)
    consultant_list = [
        Page("Børneliste, konsulent (3 distrikter), side 1", "konsulent", list_url, WIDE, rows(served),
             f"{admin_children}?institution__district__id__exact={district_ids[0]}"),
        Page(f"Børneliste, konsulent, side {deep}", "konsulent", f"{list_url}?side={deep}", WIDE,
             rows(served, (deep - 1) * 25), f"{admin_children}?institution__district__id__exact={district_ids[0]}&p={deep}"),
    ]
    for label, query, floor in [
        ("niveau forebyggende", "level=forebyggende", served.filter(case__state="forebyggende")),
        ("niveau indgribende", "level=indgribende", served.filter(case__state="indgribende")),
        ("ingen sag", "level=ingen", served.filter(case__isnull=True)),
        ("TOPI gul", "topi=gul", served.filter(latest_topi="gul") if hasattr(Child, "latest_topi") else None),
        ("TOPI rød, side 5", "topi=roed&side=5", None),
        ("institution", f"institution={Child.objects.filter(institution__district=district_ids[1]).first().institution_id}",
         None),
    ]:
        consultant_list.append(Page(f"Børneliste, konsulent, {label}", "konsulent", f"{list_url}?{query}", WIDE,
                                    rows(floor) if floor is not None else None))
    for label, typed, floor in [("navnesøgning", a_name, served.filter(first_name__icontains=a_name)),
                                ("CPR-søgning", f"{a_cpr[:6]}-{a_cpr[6:]}", served.filter(cpr=a_cpr))]:
        consultant_list.append(Page(f"Børneliste, konsulent, {label}", "konsulent", list_url, WIDE, rows(floor),
                                    search=typed))
    return [
        Page("Børneliste, pædagog (1 institution)", "paedagog", list_url, STAFF, rows(mine),
             f"{admin_children}?institution__id__exact={institution.pk}"),
        Page("Børneliste, leder (1 institution)", "leder", list_url, STAFF, rows(mine),
             f"{admin_children}?institution__id__exact={institution.pk}"),
        Page("Barnets side, leder", "leder", reverse("cases:child_detail", args=[child.pk]), STAFF, child_floor,
             reverse("admin:haandguide_child_change", args=[child.pk])),
        Page("Barnets side, pædagog", "paedagog", reverse("cases:child_detail", args=[child.pk]), STAFF, child_floor),
        Page("Barnets side, konsulent", "konsulent", reverse("cases:child_detail", args=[child.pk]), STAFF,
             child_floor),
        Page("Handleplan, leder", "leder", reverse("handleplan:plan_detail", args=[child.pk]), STAFF, plan_floor),
        Page("Dagsorden, konsulent", "konsulent", reverse("districtcouncil:meeting_detail", args=[meeting.pk]), STAFF,
             lambda: list(meeting.submissions.values_list("pk", "child__first_name", "institution__name", "kind"))),
        Page("Dagsorden, leder", "leder", reverse("districtcouncil:meeting_detail", args=[meeting.pk]), STAFF),
        Page("Dagsorden, chef", "chef", reverse("districtcouncil:meeting_detail", args=[meeting.pk]), STAFF),
        *[Page(f"Forside, {role}", role, reverse("home"), STAFF)
          for role in ("paedagog", "leder", "konsulent", "chef", "administrator")],
        *consultant_list,
        Page("Indstillinger, chef", "chef", reverse("districtcouncil:submission_list"), WIDE,
             lambda: list(submissions.order_by("-created_at", "-pk").values_list(
                 "pk", "child__first_name", "institution__name", "meeting__starts_at", "state")[:25]),
             ),
        Page("Ressourceoversigt, chef", "chef", reverse("districtcouncil:overview"), WIDE),
        Page("Mødearkiv, chef", "chef", reverse("districtcouncil:meeting_archive"), WIDE,
             lambda: list(CouncilMeeting.objects.filter(council__district__municipality=municipality)
                          .order_by("-starts_at", "-pk").values_list("pk", "starts_at", "council__district__name")[:25])),
        Page("Mødearkiv, konsulent", "konsulent", reverse("districtcouncil:meeting_archive"), WIDE),
        Page("Adgangslog, administrator", "administrator", reverse("accesslog"), WIDE,
             lambda: list(log.order_by("-at").values_list("pk", "at", "username", "action", "child_id")[:26]),
             reverse("admin:haandguide_accesslog_changelist")),
        Page("Adgangslog, søg på CPR", "administrator", reverse("accesslog"), WIDE,
             lambda: list(log.filter(child_id=child.pk).order_by("-at").values_list("pk", "at", "username")[:26]),
             data={"child": f"{a_cpr[:6]}-{a_cpr[6:]}"}),
        Page("Admin: børn", "administrator", admin_children, ADMIN),
        Page("Admin: barn", "administrator", reverse("admin:haandguide_child_change", args=[child.pk]), ADMIN),
        Page("Admin: sagshændelser", "administrator", reverse("admin:cases_caseevent_changelist"), ADMIN),
        Page("Admin: sagshændelse", "administrator",
             reverse("admin:cases_caseevent_change", args=[case.events.order_by("pk").first().pk]), ADMIN),
        Page("Admin: adgangslog", "administrator", reverse("admin:haandguide_accesslog_changelist"), ADMIN),
        Page("Admin: distriktsrådsmøder", "administrator", reverse("admin:districtcouncil_councilmeeting_changelist"),
             ADMIN),
        Page("Admin: institutioner", "administrator", reverse("admin:haandguide_institution_changelist"), ADMIN),
        Page("Admin: institution", "administrator",
             reverse("admin:haandguide_institution_change", args=[institution.pk]), ADMIN),
    ]


SPENT: dict[str, float] = {"log": 0.0, "session": 0.0}


def watch_costs() -> None:
    """Time, inside every request, the access-log writes and the session's read and save (the
    shares issue 16 asks about): wrappers on the classes, so every caller is counted."""
    from importlib import import_module

    from django.conf import settings

    from haandguide.models import AccessLog, AppendOnlyQuerySet

    def timed(owner, name: str, bucket: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                SPENT[bucket] += time.perf_counter() - began
        setattr(owner, name, wrapper)

    timed(AccessLog, "save", "log")
    timed(AppendOnlyQuerySet, "bulk_create", "log")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    timed(store, "load", "session")
    timed(store, "save", "session")


def timings(func: Callable, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()  # warm-up: connection, template and plan caches
    durations = []
    with CaptureQueriesContext(connection) as context:
        for _ in range(runs):
            before = len(context.captured_queries)
            began = time.perf_counter()
            func()
            durations.append((time.perf_counter() - began) * 1000)
            queries = len(context.captured_queries) - before
    durations.sort()
    p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
    return statistics.median(durations), p95, queries


def measure(pages: list[Page], municipality, runs: int) -> list[str]:
    from django.test import Client

    from haandguide.models import User

    clients: dict[str, Client] = {}
    failures = []

    def client_for(role: str) -> Client:
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(User.objects.get(municipality=municipality, role=role,
                                                       username__startswith="bench-"))
        return clients[role]

    admin_times: dict[str, float] = {}
    for page in pages:
        client, size = client_for(page.role), {}

        def get(page=page, client=client, size=size):
            response = client.post(page.url, page.data) if page.data else client.get(page.address(client))
            if response.status_code != 200:
                raise RuntimeError(f"{page.label}: {page.url} answered {response.status_code}")
            size["bytes"] = len(response.content)

        get()  # the first view renews the session once; the measured ones are the steady state
        before = dict(SPENT)
        try:
            p50, p95, queries = timings(get, runs)
        except RuntimeError as error:
            failures.append(str(error))
            continue
        page.result = {"p50": p50, "p95": p95, "queries": queries, "bytes": size["bytes"],
                       **{k: (SPENT[k] - before[k]) * 1000 / (runs + 1) for k in SPENT}}
        if page.floor:
            page.result["floor"] = timings(page.floor, runs)[0]
        if page.admin:
            if page.admin not in admin_times:
                admin = client_for("administrator")
                try:
                    admin_times[page.admin] = timings(lambda: admin.get(page.admin).content, max(3, runs // 3))[0]
                except Exception as error:  # noqa: BLE001 - a broken admin page is reported, not fatal here
                    failures.append(f"admin {page.admin}: {error}")
                    continue
            page.result["admin"] = admin_times[page.admin]
        print(f"  {page.label}: {p50:.1f} / {p95:.1f} ms", file=sys.stderr, flush=True)
    return failures


def report(pages: list[Page], limits: bool) -> None:
    print(f"| {'page':52} | p50 / p95 ms | queries | KB | × floor (floor ms) | × admin | log ms | session ms |")
    print(f"|{'-' * 54}|-------------:|--------:|------:|--------:|--------:|-------:|-------:|")
    for page in pages:
        r = page.result
        if not r:
            continue
        floor = f"{r['p50'] / r['floor']:.0f} ({r['floor']:.1f})" if r.get("floor") else "–"
        admin = f"{r['p50'] / r['admin']:.2f}" if r.get("admin") else "–"
        print(f"| {page.label:52} | {r['p50']:5.1f} / {r['p95']:5.1f} | {r['queries']:7} | {r['bytes'] / 1024:5.0f} "
              f"| {floor:>7} | {admin:>7} | {r['log']:6.2f} | {r['session']:6.2f} |")
    if limits:
        print()
        for page in pages:
            r = page.result
            ms, most = LIMITS[page.kind]
            misses = [f"p95 {r['p95']:.1f} ms > {ms:.0f}"] if r and r["p95"] > ms else []
            if r and most is not None and r["queries"] > most:
                misses.append(f"{r['queries']} queries > {most}")
            if r and r["bytes"] > MAX_BYTES:
                misses.append(f"{r['bytes'] // 1024} KB > 200")
            if misses:
                print(f"over the goal: {page.label}: {', '.join(misses)}")


def main() -> None:
    args = parse()
    from bench.generate import prepare

    vendor = prepare(args.children, args.years, 10000, 7)
    from haandguide.models import Child, Municipality

    municipality = Municipality.objects.filter(name__startswith="Benchkommune").order_by("-pk").first()
    if municipality is None:
        sys.exit("No benchmark municipality: run bench/generate.py or pass --children.")
    pages = pages_for(municipality)
    if args.only:
        pages = [p for p in pages if args.only.lower() in p.label.lower()]
    watch_costs()
    failures = measure(pages, municipality, args.runs)
    children = Child.objects.filter(municipality=municipality).count()
    print(f"\n{vendor}, {children:,} children, {args.runs} requests per page, server time "
          f"(Django test client); floor: its indexed SQL, p50 ms in brackets")
    report(pages, args.limits)
    for failure in failures:
        print(f"ERROR {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
