"""The figures behind the statistics page, the PDF report and the CSV file.

Pure reads: each function takes a `Scope` and a `Period` and returns plain dicts and lists. Every
figure comes from one aggregate query (GROUP BY, window functions over the event rows), so the
number of queries is the same for 50 children as for 300,000.

Two figures need a window over a window (the level a case had at each month's end; runs of
consecutive yellow TOPI observations). The ORM builds and scopes the inner query with its window
function; a few lines of portable SQL (SQLite ≥ 3.25 and PostgreSQL) aggregate over it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import Lead, TruncQuarter
from django.utils import timezone

from cases.models import CaseEvent, CaseState, CloseReason, Observation, TopiPosition
from districtcouncil.models import Decision, Submission
from handleplan.models import Evaluation
from reports import aggregates, community
from reports.models import EffortDue, LevelStay, ScopeKind, YellowRun
from reports.scope import Period, Scope

Action = CaseEvent.Action
# The events that move a case on the ladder; the others (observations, meetings, …) have no to_state.
LEVEL_ACTIONS = [Action.OPENED, Action.ESCALATED, Action.INTERVENTION, Action.DE_ESCALATED, Action.CLOSED,
                 Action.REOPENED]
LEVELS = [str(level) for level in CaseState.ladder()]
LEVEL_LABELS = {str(s): s.label for s in CaseState}
FLOW_KINDS = ["opened", "up", "down", "closed", "reopened"]
MONTHS_DA = ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]


# --- time helpers -----------------------------------------------------------------------------


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in Europe/Copenhagen (the municipality's calendar)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _after(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` – the exclusive end of a period ending on `day`."""
    return local_midnight(day + datetime.timedelta(days=1))


def month_ends(period: Period) -> list[tuple[datetime.date, datetime.datetime]]:
    """(first day of month, the moment its level is read) for each month of the period. The moment
    is the first instant of the next month, or the end of the period's last day if that is sooner."""
    months = []
    month = period.start.replace(day=1)
    while month <= period.end:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        months.append((month, min(local_midnight(following), _after(period.end))))
        month = following
    return months


def month_label(month: datetime.date) -> str:
    return f"{MONTHS_DA[month.month - 1]} {month.year}"


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _days_sql(start: str, end: str, *, dates: bool = False) -> str:
    """SQL for the number of days from column `start` to column `end` (fractional for timestamps)."""
    if connection.vendor == "postgresql":
        # As double precision: EXTRACT gives numeric, whose sort (the quartiles) is several times slower.
        return f"({end} - {start})" if dates else f"(CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision) / 86400.0)"
    return f"(julianday({end}) - julianday({start}))"


def _inner(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


# The rows at the quartile positions of each group (ranked by days), plus the first and last.
# (n - 1) * k / 4 in integer arithmetic is floor(k/4 · (n − 1)) on both databases.
_QUARTILE_ROWS = """
ranked AS (
  SELECT grp, days, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY days) AS rn,
         COUNT(*) OVER (PARTITION BY grp) AS n
  FROM stays
)
SELECT grp, rn, n, days FROM ranked
WHERE rn = 1 OR rn = n OR rn - 1 IN ((n - 1) / 4, (n - 1) / 4 + 1, (n - 1) / 2, (n - 1) / 2 + 1,
                                     (3 * (n - 1)) / 4, (3 * (n - 1)) / 4 + 1)
"""


def _quartiles(rows) -> dict[str, dict]:
    """From (group, rank, n, days) rows: count, min, q1, median, q3, max per group (linear
    interpolation between ranks, as in Excel's KVARTIL.MEDTAG / numpy's default)."""
    groups: dict[str, dict] = defaultdict(lambda: {"values": {}})
    for grp, rn, n, days in rows:
        groups[grp]["n"] = int(n)
        groups[grp]["values"][int(rn)] = float(days)
    result = {}
    for grp, data in groups.items():
        n, values = data["n"], data["values"]

        def at(k: int) -> float:  # the k/4 quantile
            lo, rest = divmod((n - 1) * k, 4)
            low = values[lo + 1]
            return low if rest == 0 else low + (values[lo + 2] - low) * rest / 4

        result[grp] = {"count": n, "min": values[1], "q1": at(1), "median": at(2), "q3": at(3), "max": values[n]}
    return result


def _spreads(stays_sql: str, params: tuple) -> dict[str, dict]:
    """Count, min, quartiles and max of `days` per `grp` over the rows of `stays_sql`. PostgreSQL
    sorts only the values (percentile_cont: the same linear interpolation); elsewhere the rows at
    the quartile ranks are picked with window functions."""
    if connection.vendor == "postgresql":
        sql = (f"WITH stays AS ({stays_sql}) SELECT grp, COUNT(*), MIN(days), "
               "percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY days), MAX(days) "
               "FROM stays GROUP BY grp")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {grp: {"count": int(n), "min": float(low), "q1": q[0], "median": q[1], "q3": q[2],
                          "max": float(high)} for grp, n, low, q, high in cursor.fetchall()}
    with connection.cursor() as cursor:
        cursor.execute(f"WITH stays AS ({stays_sql}), {_QUARTILE_ROWS}", params)
        return _quartiles(cursor.fetchall())


def _empty_spread(count: int = 0) -> dict:
    return {"count": count, "min": None, "q1": None, "median": None, "q3": None, "max": None}


# --- levels -----------------------------------------------------------------------------------


def _level_events(scope: Scope, before: datetime.datetime):
    """Each case's ladder events before `before`, with the time of the case's next ladder event."""
    return (
        CaseEvent.objects.filter(scope.q("case__child__institution"), action__in=LEVEL_ACTIONS, at__lt=before)
        .exclude(to_state="")
        .annotate(next_at=Window(Lead("at"), partition_by=[F("case_id")], order_by=[F("at").asc(), F("pk").asc()]))
        .order_by()
        .values("case_id", "to_state", "at", "next_at")
    )


def level_months(scope: Scope, period: Period) -> list[dict]:
    """Children at each level at the end of each month: the to_state of each case's last ladder
    event at or before that moment (closed cases count at no level)."""
    months = month_ends(period)
    if aggregates.covers(period):
        counts = _level_counts_from_months(scope, period, [month for month, _ in months])
    else:
        counts = _level_counts_from_events(scope, months)
    result = []
    for i, (month, _) in enumerate(months):
        by_level = {level: counts.get(level, [0] * len(months))[i] for level in LEVELS}
        total = sum(by_level.values())
        result.append({
            "month": month, "label": month_label(month), "counts": by_level, "total": total,
            "shares": {level: (100 * n / total if total else 0.0) for level, n in by_level.items()},
        })
    return result


def _level_counts_from_months(scope: Scope, period: Period, months: list[datetime.date]) -> dict[str, list[int]]:
    """Cases per level at each month's end: the running sum of the kept month rows (one query over
    a few hundred rows, whatever the scope's size)."""
    change: dict[datetime.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, _, source, target, n, _ in aggregates.month_rows(scope, period, [aggregates.LEVEL]):
        change[month][target] += n
        change[month][source] -= n
    counts = {level: [0] * len(months) for level in LEVELS}
    running: dict[str, int] = defaultdict(int)
    position = 0
    for month in sorted(set(change) | set(months)):
        for level, n in change.get(month, {}).items():
            running[level] += n
        if position < len(months) and month == months[position]:
            for level in LEVELS:
                counts[level][position] = running[level]
            position += 1
    return counts


def _level_counts_from_events(scope: Scope, months) -> dict[str, list[int]]:
    """The same from the event rows, for a period that does not end at a month's end."""
    inner, params = _inner(_level_events(scope, months[-1][1]))
    columns, column_params = [], []
    for i, (_, moment) in enumerate(months):
        columns.append(f'SUM(CASE WHEN ev."at" < %s AND (ev."next_at" IS NULL OR ev."next_at" >= %s) '
                       f"THEN 1 ELSE 0 END) AS m{i}")
        column_params += [_dt(moment), _dt(moment)]
    sql = f'SELECT ev."to_state", {", ".join(columns)} FROM ({inner}) ev GROUP BY ev."to_state"'
    with connection.cursor() as cursor:
        cursor.execute(sql, (*column_params, *params))
        return {row[0]: [int(v or 0) for v in row[1:]] for row in cursor.fetchall()}


def level_flows(scope: Scope, period: Period) -> dict:
    """Moves on the ladder in the period: up, down, opened, reopened, closed (and how many of the
    closed cases returned to the general learning environment)."""
    if aggregates.covers(period):
        first = period.start
        rows = [(kind, source, target, n, returned) for month, kind, source, target, n, returned
                in aggregates.month_rows(scope, period, FLOW_KINDS) if month >= first]
    else:
        rows = [(aggregates.flow_kind(r["action"], r["from_state"], r["to_state"]), r["from_state"], r["to_state"],
                 r["n"], r["returned"]) for r in (
            CaseEvent.objects.filter(scope.q("case__child__institution"), action__in=LEVEL_ACTIONS,
                                     at__gte=local_midnight(period.start), at__lt=_after(period.end))
            .order_by().values("action", "from_state", "to_state")
            .annotate(n=Count("pk"), returned=Count("pk", filter=Q(reason__startswith=CloseReason.RETURNED.label))))]
    flows: dict[tuple, dict] = {}
    totals = {"up": 0, "down": 0, "opened": 0, "reopened": 0, "closed": 0, "returned": 0}
    for kind, source, target, n, returned in rows:
        if kind is None:
            continue
        if kind == "closed":
            totals["returned"] += returned
        totals[kind] += n
        key = (kind, source, target)
        flows.setdefault(key, {"kind": kind, "from": source, "to": target, "count": 0})
        flows[key]["count"] += n
    order = FLOW_KINDS
    rank = {level: i for i, level in enumerate(["", *LEVELS, str(CaseState.LUKKET)])}
    listed = sorted(flows.values(), key=lambda f: (order.index(f["kind"]), rank.get(f["from"], 9), rank.get(f["to"], 9)))
    return {"rows": listed, "totals": totals}


def level_durations(scope: Scope, period: Period) -> list[dict]:
    """Time at each level, from the kept stays (`LevelStay`, one per ladder event up to the case's
    next): the stays that ended in the period (the case moved or was closed), in days – count,
    median and quartiles. Reads only the scope's stays that ended in the period (an index range)."""
    stays = (LevelStay.objects.filter(aggregates.scope_filter(scope), level__in=LEVELS,
                                      ended_at__gte=local_midnight(period.start), ended_at__lt=_after(period.end))
             .order_by().values("level", "days"))
    inner, params = _inner(stays)
    spreads = _spreads(f'SELECT s."level" AS grp, s."days" AS days FROM ({inner}) s', params)
    return [{"level": level, "label": LEVEL_LABELS[level], **spreads.get(level, _empty_spread())} for level in LEVELS]


def _yellow_runs(scope: Scope):
    """The scope's kept runs of yellow TOPI positions (`YellowRun`)."""
    return YellowRun.objects.filter(aggregates.scope_filter(scope)).order_by()


def yellow_durations(scope: Scope, period: Period) -> dict:
    """Time in a yellow TOPI position: a run of yellow lasts from its first yellow observation until
    the next non-yellow one. Runs that ended in the period count; in days. Reads only the scope's
    runs that ended in the period (an index range), never all observations."""
    runs = _yellow_runs(scope).filter(ended_on__gte=period.start, ended_on__lte=period.end).values(
        "started_on", "ended_on")
    inner, params = _inner(runs)
    days = _days_sql('r."started_on"', 'r."ended_on"', dates=True)
    spreads = _spreads(f"SELECT 'gul' AS grp, {days} AS days FROM ({inner}) r", params)
    return {"label": "Gul TOPI-position", **spreads.get(str(TopiPosition.YELLOW), _empty_spread())}


# --- resources, deadlines, evaluations ----------------------------------------------------------


def resources(scope: Scope, period: Period) -> dict:
    """Resources granted (decisions whose resource type grants one) in the period: per district,
    institution and resource type, and per quarter – count, DKK, hours."""
    decisions = Decision.objects.filter(
        scope.q("institution"), resource_type__grants_resource=True,
        decided_at__gte=local_midnight(period.start), decided_at__lt=_after(period.end),
    ).order_by()
    sums = {"count": Count("pk"), "amount": Sum("amount_dkk"), "hours": Sum("hours")}
    # For the whole municipality one row per district and type (hundreds of institutions would make
    # a table nobody reads); a district's or an institution's figures name the institutions.
    per_institution = scope.kind != ScopeKind.MUNICIPALITY
    institution_name = F("institution__name") if per_institution else Value("")
    rows = list(
        decisions.values(district=F("institution__district__name"), institution_name=institution_name,
                         resource=F("resource_type__name"), resource_order=F("resource_type__order"))
        .annotate(**sums).order_by("district", "institution_name", "resource_order", "resource")
    )
    quarters = list(decisions.annotate(quarter=TruncQuarter("decided_at")).values("quarter").annotate(**sums)
                    .order_by("quarter"))

    def rollup(key: str) -> list[dict]:
        grouped: dict[str, dict] = {}
        for row in rows:
            entry = grouped.setdefault(row[key], {"name": row[key], "count": 0, "amount": Decimal(0), "hours": Decimal(0)})
            entry["count"] += row["count"]
            entry["amount"] += row["amount"] or 0
            entry["hours"] += row["hours"] or 0
        return list(grouped.values())

    for row in quarters:
        quarter = timezone.localtime(row["quarter"]).date() if isinstance(row["quarter"], datetime.datetime) else row["quarter"]
        row["label"] = f"{(quarter.month - 1) // 3 + 1}. kvartal {quarter.year}"
    for row in rows:
        row["amount"] = row["amount"] or Decimal(0)
        row["hours"] = row["hours"] or Decimal(0)
    return {
        "rows": rows,
        "by_district": rollup("district"),
        "by_type": sorted(rollup("resource"), key=lambda r: r["name"]),
        "by_quarter": [{"label": r["label"], "count": r["count"], "amount": r["amount"] or Decimal(0),
                        "hours": r["hours"] or Decimal(0)} for r in quarters],
        "totals": {"count": sum(r["count"] for r in rows), "amount": sum((r["amount"] for r in rows), Decimal(0)),
                   "hours": sum((r["hours"] for r in rows), Decimal(0))},
    }


def deadlines(scope: Scope, period: Period) -> dict:
    """Submissions sent in the period: reached the chosen meeting on time, or rolled over to the
    next one because the deadline had passed (rolled_over_from set)."""
    rows = list(
        Submission.objects.filter(scope.q("institution"), submitted_at__gte=local_midnight(period.start),
                                  submitted_at__lt=_after(period.end))
        .order_by().values(district=F("institution__district__name"))
        .annotate(on_time=Count("pk", filter=Q(rolled_over_from__isnull=True)),
                  rolled_over=Count("pk", filter=Q(rolled_over_from__isnull=False)))
        .order_by("district")
    )
    on_time = sum(r["on_time"] for r in rows)
    rolled_over = sum(r["rolled_over"] for r in rows)
    total = on_time + rolled_over
    return {"rows": rows, "on_time": on_time, "rolled_over": rolled_over, "total": total,
            "on_time_share": 100 * on_time / total if total else None}


def evaluations(scope: Scope, period: Period, today: datetime.date | None = None) -> dict:
    """Evaluations in the period done on time (evaluated_on <= planned_for) or late, and the efforts
    whose evaluation date had passed, with no evaluation since, at the period's end (or today)."""
    path = "effort__plan__case__child__institution"
    if aggregates.covers(period):
        done = {"on_time": 0, "late": 0, "unplanned": 0}
        for month, _, result, _, n, _ in aggregates.month_rows(scope, period, [aggregates.EVALUATION]):
            if month >= period.start:
                done[result] += n
    else:
        done = _evaluations_from_rows(scope, period, path)
    as_of = min(period.end, today or timezone.localdate())
    # From the kept rows (EffortDue: each effort's next date and first evaluation since), by scope.
    overdue = (
        EffortDue.objects.filter(aggregates.scope_filter(scope), due_on__lt=as_of, started_on__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
        .filter(Q(evaluated_on__isnull=True) | Q(evaluated_on__gt=as_of)).order_by().count()
    )
    planned = done["on_time"] + done["late"]
    return {**done, "overdue": overdue, "as_of": as_of,
            "on_time_share": 100 * done["on_time"] / planned if planned else None}


def _evaluations_from_rows(scope: Scope, period: Period, path: str) -> dict:
    return Evaluation.objects.filter(scope.q(path), evaluated_on__gte=period.start, evaluated_on__lte=period.end
                                     ).order_by().aggregate(
        on_time=Count("pk", filter=Q(planned_for__isnull=False, evaluated_on__lte=F("planned_for"))),
        late=Count("pk", filter=Q(planned_for__isnull=False, evaluated_on__gt=F("planned_for"))),
        unplanned=Count("pk", filter=Q(planned_for__isnull=True)),
    )


def overdue_reassessments(scope: Scope, period: Period, today: datetime.date | None = None) -> dict:
    """Granted resources whose period had ended, without a re-assessment, at the period's end (or
    today): the decisions that "afventer revurdering". One count query."""
    as_of = min(period.end, today or timezone.localdate())
    count = (Decision.objects.filter(scope.q("institution"), child__isnull=False, resource_type__grants_resource=True,
                                     period_end__lte=as_of)
             .filter(Q(reassessed_at__isnull=True) | Q(reassessed_at__gte=_after(as_of)))
             .order_by().count())
    return {"overdue": count, "as_of": as_of}


def report_figures(scope: Scope, period: Period) -> dict:
    """Everything the page, the PDF and the CSV show."""
    months = level_months(scope, period)
    return {
        "months": months,
        "measures": measure_figures(scope, period, months),
        "flows": level_flows(scope, period),
        "durations": level_durations(scope, period),
        "yellow": yellow_durations(scope, period),
        "resources": resources(scope, period),
        "deadlines": deadlines(scope, period),
        "evaluations": evaluations(scope, period),
        "reassessments": overdue_reassessments(scope, period),
        "community": community.figures(scope, period),
    }


# --- the municipality's own measures (reports.models.Measure, from its profile) -------------------


def _date_days_sql(column: str) -> str:
    """SQL for the days from a date column to a date parameter (%s)."""
    if connection.vendor == "postgresql":
        return f"(CAST(%s AS date) - {column})"
    return f"(julianday(%s) - julianday({column}))"


def yellow_brief(scope: Scope, period: Period, days: int) -> dict:
    """Aabenraa: children in a yellow position are there only briefly. Of the yellow runs that ended
    in the period, how many lasted at most `days`; and how many children were still yellow at the
    period's end after more than `days`. One query over the kept runs (as `yellow_durations`)."""
    start, end = period.start, period.end
    runs = _yellow_runs(scope).filter(Q(ended_on__gte=start) | Q(ended_on__isnull=True), started_on__lte=end).values(
        "started_on", "ended_on")
    inner, params = _inner(runs)
    length = _days_sql('r."started_on"', 'r."ended_on"', dates=True)
    still = '(r."ended_on" IS NULL OR r."ended_on" > %s)'
    sql = (
        "SELECT "
        'SUM(CASE WHEN r."ended_on" <= %s THEN 1 ELSE 0 END), '
        f'SUM(CASE WHEN r."ended_on" <= %s AND {length} <= %s THEN 1 ELSE 0 END), '
        f'SUM(CASE WHEN {still} AND {_date_days_sql('r."started_on"')} > %s THEN 1 ELSE 0 END), '
        f"SUM(CASE WHEN {still} THEN 1 ELSE 0 END) "
        f"FROM ({inner}) r"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (_d(end), _d(end), days, _d(end), _d(end), days, _d(end), *params))
        ended, brief, long_open, still_open = (int(v or 0) for v in cursor.fetchone())
    return {"days": days, "ended": ended, "brief": brief, "long": ended - brief,
            "still_yellow": still_open, "still_yellow_long": long_open}


def preventive_vs_intervening(months: list[dict]) -> dict:
    """Ishøj: more children with preventive than intervening efforts, as a trend. From the month-end
    levels already computed (`level_months`): no query of its own."""
    rows = [{"label": m["label"], "month": m["month"], "forebyggende": m["counts"]["forebyggende"],
             "indgribende": m["counts"]["indgribende"], "total": m["total"]} for m in months]
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return {"rows": rows, "first": first, "last": last}


def meetings_of_type(scope: Scope, period: Period, meeting_type_id: int | None) -> list[dict]:
    """Køge: meetings of one type (the ressourceteam) per month, and how many children they concerned."""
    from django.db.models.functions import TruncMonth

    from cases.models import Meeting

    rows = (
        Meeting.objects.filter(scope.q("case__child__institution"), type_id=meeting_type_id,
                               held_on__gte=period.start, held_on__lte=period.end)
        .annotate(month=TruncMonth("held_on")).order_by().values("month")
        .annotate(meetings=Count("pk"), children=Count("case", distinct=True)).order_by("month")
    )
    counts = {(r["month"].year, r["month"].month): r for r in rows}
    return [{"label": month_label(month), "meetings": counts.get((month.year, month.month), {}).get("meetings", 0),
             "children": counts.get((month.year, month.month), {}).get("children", 0)}
            for month, _ in month_ends(period)]


def open_counselling(scope: Scope, period: Period) -> dict:
    """Aabenraa: bookings in the open counselling by who booked and with whom, and family-group
    attendance in the period. Two aggregate queries."""
    from cases.models import CounsellingBooking, FamilyGroupAttendance

    bookings = list(
        CounsellingBooking.objects.filter(scope.q("session__institution"),
                                          session__starts_at__gte=local_midnight(period.start),
                                          session__starts_at__lt=_after(period.end))
        .order_by().values("booker", "professional").annotate(n=Count("pk")).order_by("booker", "professional"))
    attendance = FamilyGroupAttendance.objects.filter(
        scope.q("session__group__institution"), session__held_on__gte=period.start, session__held_on__lte=period.end,
    ).order_by().aggregate(attendances=Count("pk"), families=Count("participant", distinct=True),
                           sessions=Count("session", distinct=True))
    return {"bookings": bookings, **attendance}


def measure_figures(scope: Scope, period: Period, months: list[dict]) -> list[dict]:
    """The scope's municipality's active measures, each with its figures (one query for the list,
    at most two per measure; never per child)."""
    from reports.models import Measure

    results = []
    for measure in Measure.objects.filter(municipality_id=scope.municipality_id, active=True).select_related(
            "meeting_type"):
        kind = measure.kind
        if kind == Measure.Kind.YELLOW_BRIEF:
            figures = yellow_brief(scope, period, measure.threshold_days or 90)
        elif kind == Measure.Kind.PREVENTIVE_VS_INTERVENING:
            figures = preventive_vs_intervening(months)
        elif kind == Measure.Kind.MEETINGS_OF_TYPE:
            figures = meetings_of_type(scope, period, measure.meeting_type_id)
        elif kind == Measure.Kind.OPEN_COUNSELLING:
            figures = open_counselling(scope, period)
        else:
            continue
        results.append({"measure": measure, "kind": kind, "figures": figures})
    return results
