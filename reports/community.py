"""The learning community's figures (issue 20): evaluation activity and TOPI rounds.

Two sections of the page, the PDF and the CSV. For a period of whole months (the default) they are
read from the running figures (`reports.aggregates`: reflective evaluations, rounds and joint
ratings per institution and month, summed upward), so a cold view reads a few hundred rows
whatever the size of the country; any other period counts the source rows. Either way one query
for the rows and one for the names. The activity is shown per district for a municipality (ten
thousand institutions make a table nobody reads, and a PDF nobody can lay out) and per
institution for a district or an institution; the CSV lists every institution
(`institution_activity`). The small-count rule (`reports.privacy`) applies to everything that
counts children: the joint TOPI ratings per position, protected so the total minus the shown
positions gives no small one back. Reflective evaluations and rounds count meetings of the staff,
not children, and are shown as they are.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, Sum

from reports import aggregates, charts, privacy
from reports.models import MonthFigure, ScopeKind
from reports.scope import Period, Scope

POSITIONS = [("groen", "Grøn"), ("gul", "Gul"), ("roed", "Rød")]


def _parts(scope: Scope, per_institution: bool = False):
    """The scope's parts as (kind, queryset of (pk, name)): a municipality's districts (or, for the
    CSV, its institutions), a district's institutions, the institution itself."""
    from haandguide.models import District, Institution

    if scope.kind == ScopeKind.MUNICIPALITY and not per_institution:
        return ScopeKind.DISTRICT, District.objects.filter(municipality_id=scope.pk)
    if scope.kind == ScopeKind.INSTITUTION:
        return ScopeKind.INSTITUTION, Institution.objects.filter(pk=scope.pk)
    where = {"district_id": scope.pk} if scope.kind == ScopeKind.DISTRICT else {"district__municipality_id": scope.pk}
    return ScopeKind.INSTITUTION, Institution.objects.filter(**where)


def _counted(scope: Scope, period: Period, kind: str, parts) -> dict[int, dict]:
    """Per part (district or institution pk): evaluations, rounds and joint ratings per position."""
    counted: dict[int, dict] = defaultdict(lambda: {"evaluations": 0, "rounds": 0, "topi": defaultdict(int)})
    if aggregates.covers(period):
        # By the parts' keys and the months: ranges of MonthFigure's unique index.
        rows = (MonthFigure.objects.filter(kind=kind, scope_pk__in=parts.values("pk"), figure__in=aggregates.COMMUNITY,
                                           month__gte=period.start, month__lte=aggregates.month_of(period.end))
                .values_list("scope_pk", "figure", "source").annotate(n=Sum("count")).order_by())
        for pk, figure, source, n in rows:
            _add(counted[pk], figure, source, n)
        return counted
    from community.models import ReflectiveEvaluation, TopiRating, TopiRound

    part = "institution__district_id" if kind == ScopeKind.DISTRICT else "institution_id"
    within = {"held_on__gte": period.start, "held_on__lte": period.end}
    for model, figure in ((ReflectiveEvaluation, aggregates.REFLECTIVE), (TopiRound, aggregates.ROUND)):
        for pk, n in model.objects.filter(scope.q("institution"), **within).order_by().values_list(part).annotate(
                n=Count("pk")):
            _add(counted[pk], figure, "", n)
    ratings = TopiRating.objects.filter(scope.q("round__institution"), joint=True,
                                        **{f"round__{k}": v for k, v in within.items()})
    for pk, position, n in ratings.order_by().values_list(f"round__{part}", "position").annotate(n=Count("pk")):
        _add(counted[pk], aggregates.JOINT_TOPI, position, n)
    return counted


def _add(entry: dict, figure: str, source: str, n: int) -> None:
    if figure == aggregates.REFLECTIVE:
        entry["evaluations"] += n
    elif figure == aggregates.ROUND:
        entry["rounds"] += n
    else:
        entry["topi"][source] += n


def _activity(scope: Scope, period: Period, per_institution: bool) -> tuple[list[dict], dict[str, int]]:
    kind, parts = _parts(scope, per_institution)
    counted = _counted(scope, period, kind, parts)
    rows = [{"name": name, "evaluations": counted[pk]["evaluations"] if pk in counted else 0,
             "rounds": counted[pk]["rounds"] if pk in counted else 0}
            for pk, name in parts.order_by("name", "pk").values_list("pk", "name")]
    topi = {key: sum(entry["topi"][key] for entry in counted.values()) for key, _ in POSITIONS}
    return rows, topi


def figures(scope: Scope, period: Period) -> dict:
    """Activity per part of the scope (district for a municipality, else institution) and the
    joint TOPI ratings per position: two queries whatever the data size."""
    rows, topi = _activity(scope, period, per_institution=False)
    per = "district" if scope.kind == ScopeKind.MUNICIPALITY else "institution"
    return {"activity": rows, "per": per, "topi": topi}


def institution_activity(scope: Scope, period: Period) -> list[dict]:
    """Every institution of the scope with its evaluations and rounds (the CSV's long table)."""
    return _activity(scope, period, per_institution=True)[0]


def activity_rows(activity: list[dict]) -> list[list]:
    return ([[r["name"], r["evaluations"], r["rounds"]] for r in activity]
            + [["I alt", sum(r["evaluations"] for r in activity), sum(r["rounds"] for r in activity)]])


def sections(f: dict | None) -> list[dict]:
    if not f:
        return []
    activity, topi = f["activity"], f["topi"]
    title = "Evalueringskultur: evalueringer af læringsmiljøet"
    per_district = f.get("per") == "district"
    counts = {"total": sum(topi.values()), **topi}
    shown = privacy.protect(counts, [("total", [key for key, _ in POSITIONS])])
    topi_title = "TOPI-runder: fælles vurderinger"

    def bar(label, count, cell):
        return label, (count if privacy.is_shown(cell) else None), str(cell)

    return [
        {
            "key": "evalueringskultur", "title": title, "wide": True,
            "intro": "Institutionernes egne, systematiske evalueringer af læringsmiljøerne (holdt med lederen) og "
                     "TOPI-runder i perioden, "
                     + ("pr. distrikt; vælg et distrikt for at se dets institutioner (alle står i CSV-filen). "
                        if per_district
                        else "pr. institution. ")
                     + "Tallene tæller personalets møder, ikke børn.",
            "chart": charts.bar_chart(title, [(r["name"], r["evaluations"], str(r["evaluations"])) for r in activity]),
            "headers": ["Distrikt" if per_district else "Institution", "Evalueringer", "TOPI-runder"],
            "rows": activity_rows(activity),
            # As `presentation.parts` says (it imports this module); the municipality's CSV lists
            # institutions, not districts.
            "parts": {"start": 0, "count": len(activity), "noun": "distrikter" if per_district else "institutioner",
                      "column": 1, "most": "flest evalueringer", "fewest": "færrest",
                      "where": "på statistiksiden (og hver institution i CSV-filen)" if per_district else "i CSV-filen"},
        },
        {
            "key": "topi-runder", "title": topi_title,
            "intro": "Børn med en fælles vurdering i periodens TOPI-runder (efter mindst to uafhængige vurderinger), "
                     "pr. position. Et barn tæller én gang pr. runde.",
            "chart": charts.bar_chart(topi_title, [bar(label, topi[key], shown[key]) for key, label in POSITIONS]),
            "headers": ["", "Børn"],
            "rows": [[label, shown[key]] for key, label in POSITIONS] + [["I alt", shown["total"]]],
        },
    ]
