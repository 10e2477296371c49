"""The national-shape data set for the benchmarks (bench/generate.py, bench/pages.py, bench/load.py).

At --children 300000 it builds what issue 16 measured: 10,000 institutions in 100 districts, about
86,000 cases with about 1.5 million case events, 1.7 million observations (1.4 million of them
TOPI screenings, twice a year per child), about 540,000 handleplan versions, the district councils'
meetings, submissions and decisions of 3 years, and an access log of about 4 million rows (a list
view is one row naming the children shown). Smaller
sizes scale down proportionally (one district per 3,000 children, one institution per 30).

Rows are written straight with bulk_create in large batches, streamed so memory stays bounded (this
is test data, not the workflow: no services, no signals). The access log goes through its own
bulk_create, unsealed as the app writes it (the sealing job chains the rows).

The named users the benchmarks log in as (bench-<role>-<municipality id>): a pedagogue and a leader
of the first institution, a consultant serving the first three districts, the head of daycare and an
administrator. Every institution has a leader and a pedagogue, every district a consultant.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterable, Iterator
from itertools import islice


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def write(model, rows: Iterable, batch: int) -> int:
    """bulk_create a stream of rows batch by batch (ids not kept): returns how many."""
    count = 0
    for part in chunks(rows, batch):
        model.objects.bulk_create(part, batch_size=batch)
        count += len(part)
    return count


def generate(children: int, years: int, batch: int, seed: int, log_per_child: int = 13) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.defaults import seed_case_configuration
    from cases.models import Case, CaseEvent, CloseReason, Observation, ObservationType
    from districtcouncil.defaults import seed_council_configuration
    from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Decision, ResourceType, Submission
    from haandguide.models import AccessLog, Child, District, Institution, Municipality, Role, User
    from handleplan.models import EMPTY_TEXTS, Effort, Evaluation, Handleplan, PlanVersion, content_hash

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    start = now - datetime.timedelta(days=365 * years)
    span = (now - start).total_seconds()
    Act = CaseEvent.Action
    began = time.perf_counter()

    def step(what: str, count: int | None = None) -> None:
        figure = f" {count:,}" if count is not None else ""
        print(f"  {time.perf_counter() - began:7.1f} s{figure} {what}", flush=True)

    def moment(after: datetime.datetime, days_lo: float, days_hi: float) -> datetime.datetime:
        return after + datetime.timedelta(days=rng.uniform(days_lo, days_hi))

    # --- organisation and staff ---------------------------------------------------------------
    municipality = Municipality.objects.create(name=f"Benchkommune {children} {int(time.time())}")
    stamp = municipality.pk
    n_districts = max(2, round(children / 3000))
    districts = District.objects.bulk_create(
        [District(municipality=municipality, name=f"Distrikt {i + 1}") for i in range(n_districts)])
    n_institutions = max(2, children // 30)
    places = ["Solsikken", "Mælkebøtten", "Regnbuen", "Skovbrynet", "Troldehøj", "Spiren", "Bakkehuset", "Lærkereden"]
    institutions = Institution.objects.bulk_create(
        [Institution(district=districts[i % n_districts], name=f"{places[i % len(places)]} {i + 1}",
                     kind="dagpleje" if i % 10 == 9 else "daginstitution")
         for i in range(n_institutions)], batch_size=batch)
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    types = list(ObservationType.objects.filter(municipality=municipality).order_by("order", "pk"))
    topi_type = types[0]
    ObservationType.objects.filter(pk=topi_type.pk).update(has_topi_position=True)
    text_types = types[1:] or types

    unusable = make_password(None)
    named = {role: User.objects.create_user(f"bench-{role.value}-{stamp}", password=None, role=role,
                                            municipality=municipality, first_name="Bench", last_name=role.label)
             for role in (Role.PAEDAGOG, Role.LEDER, Role.KONSULENT, Role.CHEF, Role.ADMINISTRATOR)}
    named[Role.PAEDAGOG].institutions.set([institutions[0]])
    named[Role.LEDER].institutions.set([institutions[0]])
    named[Role.KONSULENT].districts.set(districts[:3])
    staff = User.objects.bulk_create(
        [User(username=f"b{stamp}-{kind}-{i}", password=unusable, role=role, municipality=municipality,
              first_name=kind.title(), last_name=str(i))
         for i in range(1, n_institutions) for kind, role in (("leder", Role.LEDER), ("paed", Role.PAEDAGOG))],
        batch_size=batch)
    Through = User.institutions.through
    Through.objects.bulk_create(
        [Through(user_id=u.pk, institution_id=institutions[1 + n // 2].pk) for n, u in enumerate(staff)],
        batch_size=batch)
    consultants = User.objects.bulk_create(
        [User(username=f"b{stamp}-konsulent-{i}", password=unusable, role=Role.KONSULENT,
              municipality=municipality, first_name="Konsulent", last_name=str(i)) for i in range(3, n_districts)])
    DistrictThrough = User.districts.through
    DistrictThrough.objects.bulk_create(
        [DistrictThrough(user_id=u.pk, district_id=districts[3 + n].pk) for n, u in enumerate(consultants)])
    # Who works where (for authors and the access log): institution index -> (leader id, pedagogue id).
    inst_staff = {0: (named[Role.LEDER].pk, named[Role.PAEDAGOG].pk)}
    for n in range(0, len(staff), 2):
        inst_staff[1 + n // 2] = (staff[n].pk, staff[n + 1].pk)
    step("users and organisation", len(staff) + len(consultants) + len(named))

    # --- children -------------------------------------------------------------------------------
    first = ["Alma", "Noah", "Ida", "Oscar", "Freja", "Carl", "Ella", "Alfred", "Olivia", "William", "Karla",
             "Valdemar", "Agnes", "Emil", "Clara", "Aksel", "Asta", "Malthe", "Luna", "August"]
    last = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
            "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen"]
    days = 6 * 365  # children aged 0-6; CPR = birth date + 4 (born 2000-2036) + a serial, unique per day
    born_from = today - datetime.timedelta(days=days + 180)
    child_rows = []
    for i in range(children):
        birth = born_from + datetime.timedelta(days=i % days)
        inst = i % n_institutions
        child_rows.append(Child(institution=institutions[inst], municipality=municipality,
                                first_name=rng.choice(first), last_name=rng.choice(last),
                                cpr=f"{birth:%d%m%y}4{i // days:03d}", birth_date=birth,
                                started_at=max(birth + datetime.timedelta(days=300), start.date())))
    kids = []  # (pk, institution index, started_at)
    for part in chunks(child_rows, batch):
        for child in Child.objects.bulk_create(part, batch_size=batch):
            kids.append((child.pk, (len(kids)) % n_institutions, child.started_at))
    del child_rows
    step("children", len(kids))

    # --- cases and their ladder ----------------------------------------------------------------
    case_kids = [k for k in kids if rng.random() < 0.287]
    cases, histories = [], []
    for child_id, inst, _started in case_kids:
        leader_id = inst_staff[inst][0]
        opened = start + datetime.timedelta(seconds=rng.uniform(0, span * 0.95))
        history = [(Act.OPENED, "", "forebyggende", opened)]
        at, state = opened, "forebyggende"
        for _ in range(rng.randint(0, 4)):
            at = moment(at, 20, 200)
            if at >= now:
                break
            if state == "forebyggende":
                target = rng.choice(["foregribende", "foregribende", "lukket"])
                action = Act.ESCALATED if target == "foregribende" else Act.CLOSED
            elif state == "foregribende":
                target = rng.choice(["indgribende", "forebyggende", "lukket"])
                action = {"indgribende": Act.INTERVENTION, "forebyggende": Act.DE_ESCALATED, "lukket": Act.CLOSED}[target]
            elif state == "indgribende":
                target, action = "foregribende", Act.DE_ESCALATED
            else:
                target, action = "forebyggende", Act.REOPENED
            history.append((action, state, target, at))
            state = target
        cases.append(Case(child_id=child_id, state=state, state_changed_at=history[-1][3], opened_at=opened,
                          opened_by_id=leader_id, close_reason=CloseReason.RETURNED if state == "lukket" else ""))
        histories.append(history)
    case_rows = []
    for part in chunks(cases, batch):
        case_rows += Case.objects.bulk_create(part, batch_size=batch)
    cases = case_rows
    case_of = {c.child_id: (c, h) for c, h in zip(cases, histories)}
    step("cases", len(cases))

    # --- observations: TOPI screening twice a year for every child, free text for children with a case
    observation_events: dict[int, list] = {}  # case pk -> observation dates (each logs a case event)

    def observations() -> Iterator:
        for child_id, inst, started in kids:
            author = inst_staff[inst][1]
            day = max(started, start.date()) + datetime.timedelta(days=rng.randint(20, 120))
            colour = rng.choice(["groen", "groen", "groen", "gul", "roed"])
            while day <= today:
                if rng.random() < 0.25:
                    colour = rng.choice(["groen", "groen", "gul", "gul", "roed"])
                yield Observation(child_id=child_id, type=topi_type, observed_on=day, topi_position=colour,
                                  text="TOPI-screening: to pædagoger har vurderet barnet hver for sig og samlet.",
                                  author_id=author)
                day += datetime.timedelta(days=rng.randint(160, 200))
            if child_id in case_of:
                case, history = case_of[child_id]
                dates = observation_events.setdefault(case.pk, [])
                for _ in range(rng.randint(2, 6)):
                    on = (history[0][3] + datetime.timedelta(days=rng.uniform(0, 400))).date()
                    if on > today:
                        continue
                    dates.append(on)
                    yield Observation(child_id=child_id, type=rng.choice(text_types), observed_on=on, author_id=author,
                                      text="Barnet trak sig fra legen i garderoben og søgte en voksen; "
                                           "vi afprøver mindre grupper ved samling.")

    step("observations", write(Observation, observations(), batch))
    # The child list's TOPI and level filters read Child.latest_topi and Child.case_state, which the
    # observation service and Case.save keep; bulk_create bypasses both.
    from cases.services import case_state_rebuild, latest_topi_rebuild

    latest_topi_rebuild(municipality.pk)
    case_state_rebuild(municipality.pk)
    step("latest TOPI positions and case levels")

    # --- handleplans: one per case, a version for each save (about 6 per plan) ------------------
    plans = []
    for part in chunks([Handleplan(case=c, created_by_id=c.opened_by_id, created_at=c.opened_at) for c in cases], batch):
        plans += Handleplan.objects.bulk_create(part, batch_size=batch)
    plan_saves: dict[int, list] = {}  # case pk -> save times (each logs a handleplan case event)
    efforts = []
    for plan, case in zip(plans, cases):
        efforts.append(Effort(plan=plan, name=rng.choice(["Mindre grupper ved samling", "Piktogrammer i garderoben",
                                                          "Fast voksen ved overgange", "Sprogleg i smågrupper"]),
                              level="forebyggende", created_by_id=case.opened_by_id, started_on=case.opened_at.date(),
                              carried_out_by="Stuens pædagoger",
                              evaluation_date=case.opened_at.date() + datetime.timedelta(days=rng.randint(30, 400))))
    effort_rows = []
    for part in chunks(efforts, batch):
        effort_rows += Effort.objects.bulk_create(part, batch_size=batch)

    def evaluations() -> Iterator:
        for effort, case in zip(effort_rows, cases):
            planned = effort.started_on
            for _ in range(rng.randint(0, 3)):
                planned += datetime.timedelta(days=60)
                done = planned + datetime.timedelta(days=rng.randint(-10, 20))
                if done > today:
                    break
                yield Evaluation(effort=effort, evaluated_on=done, planned_for=planned, result="delvist",
                                 seen="Barnet deltager oftere i samling.", author_id=case.opened_by_id)

    step("efforts and evaluations", len(effort_rows) + write(Evaluation, evaluations(), batch))

    def versions() -> Iterator:
        for plan, case, effort in zip(plans, cases, effort_rows):
            at = case.opened_at
            saves = plan_saves.setdefault(case.pk, [])
            goals = ["Barnet deltager i samling i 10 minutter", "Barnet beder om hjælp med ord"]
            for number in range(1, rng.randint(3, 13)):
                if at >= now:
                    break
                saves.append(at)
                texts = {**EMPTY_TEXTS, "goals_child": goals[:1 + number % 2], "signs": "Barnet bliver i legen.",
                         "parents": "Forældrene oplever det samme derhjemme." if number > 1 else ""}
                content = {"texts": texts, "efforts": [{"id": effort.pk, "name": effort.name, "level": effort.level,
                                                        "started_on": effort.started_on.isoformat(),
                                                        "evaluations": []}]}
                yield PlanVersion(plan=plan, number=number, author_id=case.opened_by_id, created_at=at,
                                  summary="Handleplan gemt", content=content, content_hash=content_hash(content))
                at = moment(at, 7, 120)

    step("plan versions", write(PlanVersion, versions(), batch))
    with connection.cursor() as cursor:
        plan_table, version_table = Handleplan._meta.db_table, PlanVersion._meta.db_table
        cursor.execute(f"UPDATE {plan_table} SET current_id = (SELECT v.id FROM {version_table} v "
                       f"WHERE v.plan_id = {plan_table}.id ORDER BY v.number DESC LIMIT 1) "
                       f"WHERE case_id IN (SELECT id FROM cases_case c WHERE c.child_id IN "
                       f"(SELECT id FROM haandguide_child WHERE municipality_id = %s))", [municipality.pk])

    # --- case events: the ladder, each observation and each handleplan save --------------------
    def events() -> Iterator:
        for case, history in zip(cases, histories):
            for action, from_state, to_state, at in history:
                yield CaseEvent(case=case, action=action, from_state=from_state, to_state=to_state, at=at,
                                actor_id=case.opened_by_id,
                                reason="Evalueringen viste, at indsatsen ikke var tilstrækkelig." if action != Act.OPENED else "")
            for on in observation_events.get(case.pk, ()):
                yield CaseEvent(case=case, action=Act.OBSERVATION, at=datetime.datetime.combine(
                    on, datetime.time(10), tzinfo=datetime.UTC), actor_id=case.opened_by_id, reason="Iagttagelse")
            for _ in range(rng.randint(1, 6)):  # meetings held and consents given (no rows of their own here)
                yield CaseEvent(case=case, action=rng.choice([Act.MEETING, Act.CONSENT_GIVEN]), actor_id=case.opened_by_id,
                                at=moment(history[0][3], 1, 300), reason="Forældresamtale")
            for at in plan_saves.get(case.pk, ()):
                yield CaseEvent(case=case, action=Act.HANDLEPLAN, at=at, actor_id=case.opened_by_id,
                                reason="Handleplan gemt")

    step("case events", write(CaseEvent, events(), batch))

    # --- the district councils: a meeting a month, decided submissions, open agendas ahead --------
    meeting_type = CouncilMeetingType.objects.filter(municipality=municipality).first()
    meetings = {}
    past = 12 * years
    for council in Council.objects.filter(district__municipality=municipality):
        series = [CouncilMeeting(council=council, type=meeting_type,
                                 starts_at=now - datetime.timedelta(days=30 * (past - m) + 15))
                  for m in range(past + 3)]  # the last three are ahead: the open agendas
        meetings[council.district_id] = CouncilMeeting.objects.bulk_create(series)
    grants = list(ResourceType.objects.filter(municipality=municipality, grants_resource=True))
    inst_district = {i.pk: i.district_id for i in institutions}
    inst_pk = [i.pk for i in institutions]
    kid_inst = {child_id: inst for child_id, inst, _ in kids}
    submissions, decisions = [], []
    for case in cases:
        if rng.random() > 0.15:
            continue
        inst = kid_inst[case.child_id]
        institution_id = inst_pk[inst]
        series = meetings[inst_district[institution_id]]
        index = rng.randrange(1, len(series))
        upcoming = series[index].starts_at > now
        submitted = series[index].starts_at - datetime.timedelta(days=rng.randint(11, 30))
        submissions.append(Submission(
            institution_id=institution_id, child_id=case.child_id, kind="ressourcevurdering",
            track="uden_cpr", description="Barnet har brug for en voksen tæt på i overgange.", meeting=series[index],
            rolled_over_from=series[index - 1] if rng.random() < 0.2 else None,
            state="indsendt" if upcoming else "afgjort", submitted_at=submitted, created_by_id=inst_staff[inst][0]))
        if not upcoming:
            decided = series[index].starts_at
            resource = rng.choice(grants)
            decisions.append(Decision(
                basis="distriktsraad", institution_id=institution_id, child_id=case.child_id,
                resource_type=resource, amount_dkk=rng.choice([10000, 25000, 40000]) if resource.has_amount else None,
                hours=rng.choice([20, 40, 80]) if resource.has_hours else None, period_start=decided.date(),
                period_end=decided.date() + datetime.timedelta(days=182), follow_up_on=decided.date(),
                least_intrusive_discussed=True, decided_by=named[Role.KONSULENT], decided_at=decided))
    # The first district's next meeting: an agenda of about 20 submissions (the agenda page measured).
    first_district = institutions[0].district_id
    next_meeting = meetings[first_district][past]
    submitted = {s.child_id for s in submissions}
    agenda = [c for c in cases if inst_district[inst_pk[kid_inst[c.child_id]]] == first_district
              and c.state != "lukket" and c.child_id not in submitted][:20]
    for case in agenda:
        inst = kid_inst[case.child_id]
        submissions.append(Submission(
            institution_id=inst_pk[inst], child_id=case.child_id, kind=rng.choice(["ressourcevurdering", "sparring"]),
            track="uden_cpr", description="Barnet har brug for en voksen tæt på i overgange.", meeting=next_meeting,
            state="indsendt", submitted_at=next_meeting.starts_at - datetime.timedelta(days=12),
            created_by_id=inst_staff[inst][0]))
    write(Submission, submissions, batch)
    write(Decision, decisions, batch)
    step("council meetings, submissions and decisions", len(submissions) + len(decisions))

    # --- the access log: staff opening lists and children's pages over the years -----------------
    # About 13 rows per child at national size (4 M for 300,000 children: list views and child pages),
    # written as the app writes them: unsealed, for the sealing job to chain.
    log_rows = log_per_child * children
    by_inst: dict[int, list[int]] = {}
    for child_id, inst, _ in kids:
        by_inst.setdefault(inst, []).append(child_id)

    def log() -> Iterator:
        step_seconds = span / log_rows
        at = start
        written = 0
        while written < log_rows:
            inst = rng.randrange(n_institutions)
            user_id = inst_staff[inst][rng.randrange(2)]
            shown = by_inst.get(inst, [])[:25]
            if rng.random() < 0.6 and shown:  # a list page: one row naming the children shown
                yield AccessLog(at=at, user_id=user_id, username=f"u{user_id}", role="paedagog",
                                action=AccessLog.Action.LIST, object_type="child", object_id=str(len(shown)),
                                child_ids=shown, municipality_id=municipality.pk, path="/boern/")
                written += 1
            else:
                child_id = rng.choice(shown) if shown else None
                yield AccessLog(at=at, user_id=user_id, username=f"u{user_id}", role="paedagog",
                                action=AccessLog.Action.VIEW, object_type="child", object_id=str(child_id or ""),
                                child_id=child_id, municipality_id=municipality.pk, path=f"/boern/{child_id}/")
                written += 1
            at += datetime.timedelta(seconds=step_seconds * rng.uniform(0.5, 1.5))
            at = min(at, now)

    count = 0
    for part in chunks(log(), batch):
        with transaction.atomic():
            AccessLog.objects.bulk_create(part, batch_size=batch)
        count += len(part)
    step("access-log rows", count)

    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # fresh statistics, as autovacuum would
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        step("vacuum analyze")
    # bulk_create sends no signals: tell the statistics cache the municipality's data changed.
    from reports import cache as figures_cache

    figures_cache.bump(municipality.pk)
    print(f"Generated {len(kids):,} children, {len(cases):,} cases, {len(submissions):,} submissions, "
          f"{len(decisions):,} decisions, {count:,} access-log rows in {n_districts} districts and "
          f"{n_institutions:,} institutions.")
