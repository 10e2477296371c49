"""The learning community's figures (issue 20): evaluation activity per institution and TOPI rounds.

Kept apart from `selectors.report_figures` and `presentation.build` on purpose (the statistics are
being reworked beside this): two small selectors, each one aggregate query whatever the data size,
and their two sections of the page, the PDF and the CSV. The small-count rule (`reports.privacy`)
applies to everything that counts children: the joint TOPI ratings per position, protected so the
total minus the shown positions gives no small one back. Reflective evaluations and rounds count
meetings of the staff, not children, and are shown as they are.
"""

from __future__ import annotations

from django.db.models import Count, Q

from reports import charts, privacy
from reports.models import ScopeKind
from reports.scope import Period, Scope

POSITIONS = [("groen", "Grøn"), ("gul", "Gul"), ("roed", "Rød")]


def _institutions_q(scope: Scope) -> Q:
    if scope.kind == ScopeKind.INSTITUTION:
        return Q(pk=scope.pk)
    if scope.kind == ScopeKind.DISTRICT:
        return Q(district=scope.pk)
    return Q(district__municipality=scope.pk)


def evaluation_activity(scope: Scope, period: Period) -> list[dict]:
    """Per institution of the scope: reflective evaluations and TOPI rounds held in the period."""
    from haandguide.models import Institution

    within = {"held_on__gte": period.start, "held_on__lte": period.end}
    rows = (Institution.objects.filter(_institutions_q(scope))
            .annotate(evaluations=Count("reflective_evaluations", distinct=True,
                                        filter=Q(**{f"reflective_evaluations__{k}": v for k, v in within.items()})),
                      rounds=Count("topi_rounds", distinct=True,
                                   filter=Q(**{f"topi_rounds__{k}": v for k, v in within.items()})))
            .order_by("name").values("name", "evaluations", "rounds"))
    return list(rows)


def topi_ratings(scope: Scope, period: Period) -> dict[str, int]:
    """The joint ratings given in the period's rounds, per position (one per child and round)."""
    from community.models import TopiRating

    rows = (TopiRating.objects.filter(scope.q("round__institution"), joint=True, round__held_on__gte=period.start,
                                      round__held_on__lte=period.end)
            .values("position").annotate(n=Count("pk")))
    counts = {key: 0 for key, _ in POSITIONS}
    counts.update({row["position"]: row["n"] for row in rows})
    return counts


def figures(scope: Scope, period: Period) -> dict:
    return {"activity": evaluation_activity(scope, period), "topi": topi_ratings(scope, period)}


def sections(f: dict | None) -> list[dict]:
    if not f:
        return []
    activity, topi = f["activity"], f["topi"]
    evaluations, rounds = sum(r["evaluations"] for r in activity), sum(r["rounds"] for r in activity)
    title = "Evalueringskultur: evalueringer af læringsmiljøet"
    counts = {"total": sum(topi.values()), **topi}
    shown = privacy.protect(counts, [("total", [key for key, _ in POSITIONS])])
    topi_title = "TOPI-runder: fælles vurderinger"

    def bar(label, count, cell):
        return label, (count if privacy.is_shown(cell) else None), str(cell)

    return [
        {
            "key": "evalueringskultur", "title": title, "wide": True,
            "intro": "Institutionernes egne, systematiske evalueringer af læringsmiljøerne (holdt med lederen) og "
                     "TOPI-runder i perioden, pr. institution. Tallene tæller personalets møder, ikke børn.",
            "chart": charts.bar_chart(title, [(r["name"], r["evaluations"], str(r["evaluations"])) for r in activity]),
            "headers": ["Institution", "Evalueringer", "TOPI-runder"],
            "rows": [[r["name"], r["evaluations"], r["rounds"]] for r in activity]
                    + [["I alt", evaluations, rounds]],
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
