"""From figures to what is shown: the tables and charts shared by the page, the PDF and the CSV.

Every count of children (cases, moves, grants, submissions, evaluations) passes through
`privacy.suppress` here, once, so the three outputs show exactly the same cells. A share or a
duration computed from a suppressed count is hidden as well.
"""

from __future__ import annotations

from reports import cache, charts, selectors
from reports.privacy import is_suppressed, suppress
from reports.scope import Period, Scope

LEVEL_COLORS = {"forebyggende": "#2e7d5b", "foregribende": "#c98a0b", "indgribende": "#b0413e"}
FLOW_KINDS = {"opened": "Ny sag", "up": "Op", "down": "Ned", "closed": "Lukket", "reopened": "Genåbnet"}


def _share(count: int, total: int) -> float | None:
    """A percentage, unless the count or the total is suppressed (the share would reveal it)."""
    # The rest (total − count) counts too: 8 of 11 at one level would reveal that 3 are elsewhere.
    if not total or is_suppressed(count) or is_suppressed(total) or is_suppressed(total - count):
        return None
    return round(100 * count / total, 1)


def _spread_cells(spread: dict) -> list:
    hidden = is_suppressed(spread["count"])
    return [suppress(spread["count"]), *(None if hidden or spread[k] is None else round(spread[k], 1)
                                          for k in ("q1", "median", "q3"))]


def _bar(label: str, count: int) -> tuple[str, float | None, str]:
    shown = suppress(count)
    return label, (None if is_suppressed(count) else count), str(shown)


def levels_section(months: list[dict]) -> dict:
    rows = []
    for month in months:
        row = [month["label"]]
        for level in selectors.LEVELS:
            count = month["counts"][level]
            row += [suppress(count), _share(count, month["total"])]
        rows.append(row + [suppress(month["total"])])
    series = [
        (label, [_share(m["counts"][level], m["total"]) for m in months], LEVEL_COLORS[level])
        for level, label in ((lvl, selectors.LEVEL_LABELS[lvl]) for lvl in selectors.LEVELS)
    ]
    short = [f"{selectors.MONTHS_DA[m['month'].month - 1].rstrip('.')} {m['month']:%y}" for m in months]
    title = "Andel børn på hvert niveau ved månedens udgang"
    return {
        "key": "niveauer", "title": title, "wide": True,
        "intro": "Niveauet er sagens niveau efter dens seneste hændelse inden månedens udgang. Lukkede sager "
                 "indgår ikke. Antal under 5 vises som \u201c< 5\u201d og indgår ikke i diagrammet.",
        "chart": charts.stacked_bars(title, short, series, description="Stablede søjler pr. måned: andel børn på "
                                     "forebyggende, foregribende og indgribende niveau i procent."),
        "headers": ["Måned", "Forebyggende", "Andel %", "Foregribende", "Andel %", "Indgribende", "Andel %", "I alt"],
        "rows": rows,
    }


def flows_section(flows: dict) -> dict:
    rows = [[f"{FLOW_KINDS[f['kind']]}: {f['label']}", suppress(f["count"])] for f in flows["rows"]]
    totals = flows["totals"]
    summary = [("Op i alt", totals["up"]), ("Ned i alt", totals["down"]), ("Lukket i alt", totals["closed"]),
               ("heraf tilbage i det almene læringsmiljø", totals["returned"])]
    rows += [[label, suppress(n)] for label, n in summary]
    title = "Bevægelser mellem niveauer i perioden"
    return {
        "key": "bevaegelser", "title": title,
        "intro": "Antal gange en sag er flyttet op eller ned, oprettet, lukket eller genåbnet i perioden.",
        "chart": charts.bar_chart(title, [_bar(label, n) for label, n in
                                          [("Nye sager", totals["opened"]), *summary]]),
        "headers": ["Bevægelse", "Antal"], "rows": rows,
    }


def durations_section(durations: list[dict], yellow: dict) -> dict:
    spreads = [*durations, yellow]
    rows = [[s["label"], *_spread_cells(s)] for s in spreads]
    items = []
    for s in spreads:
        hidden = is_suppressed(s["count"]) or s["median"] is None
        text = "< 5 forløb" if is_suppressed(s["count"]) else ("ingen forløb" if s["median"] is None
                                                                 else f"{s['median']:.0f} dage".replace(".", ","))
        items.append((s["label"], None if hidden else s["median"], text))
    title = "Tid på niveau og i gul TOPI-position (median, dage)"
    return {
        "key": "tid", "title": title,
        "intro": "Forløb, der sluttede i perioden: fra sagen kom på niveauet til næste niveauskift eller lukning; "
                 "gul position fra første gule TOPI-registrering til næste grønne eller røde. "
                 "Median og kvartiler i dage.",
        "chart": charts.bar_chart(title, items),
        "headers": ["", "Forløb", "Nedre kvartil", "Median", "Øvre kvartil"], "rows": rows,
    }


def resources_section(resources: dict) -> dict:
    rows = [[r["district"], r["institution_name"], r["resource"], suppress(r["count"]), r["amount"], r["hours"]]
            for r in resources["rows"]]
    t = resources["totals"]
    rows.append(["I alt", "", "", suppress(t["count"]), t["amount"], t["hours"]])
    title = "Tildelte ressourcer pr. ressourcetype"
    return {
        "key": "ressourcer", "title": title, "wide": True,
        "intro": "Afgørelser i perioden, der tildeler en ressource (distriktsrådet og konsulentens visitation). "
                 "For hele kommunen pr. distrikt og type; vælg et distrikt for at se institutionerne.",
        "chart": charts.bar_chart(title, [_bar(r["name"], r["count"]) for r in resources["by_type"]]),
        "headers": ["Distrikt", "Institution", "Ressource", "Antal", "Kr.", "Timer"], "rows": rows,
    }


def quarters_section(resources: dict) -> dict:
    rows = [[q["label"], suppress(q["count"]), q["amount"], q["hours"]] for q in resources["by_quarter"]]
    by_district = [[d["name"], suppress(d["count"]), d["amount"], d["hours"]] for d in resources["by_district"]]
    title = "Tildelte ressourcer pr. kvartal (kr.)"
    return {
        "key": "kvartaler", "title": title,
        "intro": "Samme afgørelser fordelt på kvartal og distrikt.",
        "chart": charts.bar_chart(title, [(q["label"], float(q["amount"]), f"{q['amount']:,.0f} kr.".replace(",", "."))
                                          for q in resources["by_quarter"]]),
        "headers": ["Kvartal / distrikt", "Antal", "Kr.", "Timer"], "rows": rows + by_district,
    }


def deadlines_section(deadlines: dict, evaluations: dict, reassessments: dict | None = None) -> dict:
    on_time, late = deadlines["on_time"], deadlines["rolled_over"]
    e = evaluations
    overdue_reassessments = (reassessments or {}).get("overdue", 0)
    rows = [[f"Indstillinger fra {r['district'] or '–'}", suppress(r["on_time"]), suppress(r["rolled_over"])]
            for r in deadlines["rows"]]
    rows.append(["Indstillinger i alt", suppress(on_time), suppress(late)])
    rows.append(["Evalueringer (planlagt dato)", suppress(e["on_time"]), suppress(e["late"])])
    title = "Frister: indstillinger og evalueringer"
    return {
        "key": "frister", "title": title,
        "intro": f"Indstillinger, der nåede det valgte distriktsrådsmøde, mod dem der blev rullet til næste møde; "
                 f"evalueringer senest på den planlagte dato mod senere. Forfaldne evalueringer pr. "
                 f"{e['as_of']:%d.%m.%Y}: indsatser, hvis evalueringsdato er passeret uden evaluering siden. "
                 f"Forfaldne revurderinger: tildelte ressourcer, hvis periode er slut uden revurdering.",
        "chart": charts.bar_chart(title, [
            _bar("Indstilling til tiden", on_time), _bar("Indstilling rullet videre", late),
            _bar("Evaluering til tiden", e["on_time"]), _bar("Evaluering for sent", e["late"]),
            _bar("Evaluering forfalden", e["overdue"]),
            _bar("Revurdering forfalden", overdue_reassessments),
        ]),
        "headers": ["", "Til tiden", "For sent / rullet videre"],
        "rows": rows + [
            ["Andel indstillinger til tiden %", _share(on_time, on_time + late), ""],
            ["Andel evalueringer til tiden %", _share(e["on_time"], e["on_time"] + e["late"]), ""],
            ["Evalueringer uden planlagt dato", suppress(e["unplanned"]), ""],
            ["Forfaldne evalueringer", suppress(e["overdue"]), ""],
            ["Forfaldne revurderinger (afventer revurdering)", suppress(overdue_reassessments), ""],
        ],
    }


# --- the municipality's own measures ------------------------------------------------------------

MEASURES_GROUP = "Kommunens egne mål"
BOOKERS = {"medarbejder": "Medarbejdere", "foraeldre": "Forældre"}


def _pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _yellow_brief_section(measure, f: dict) -> dict:
    ended, brief = f["ended"], f["brief"]
    rows = [
        ["Gule forløb afsluttet i perioden", suppress(ended)],
        [f"heraf højst {f['days']} dage", suppress(brief)],
        [f"heraf mere end {f['days']} dage", suppress(f["long"])],
        ["Andel kortvarige %", _share(brief, ended)],
        [f"Stadig gule ved periodens slut, over {f['days']} dage", suppress(f["still_yellow_long"])],
    ]
    return {
        "headers": ["", "Antal"], "rows": rows,
        "chart": charts.bar_chart(measure.title, [
            _bar(f"Højst {f['days']} dage", brief), _bar(f"Mere end {f['days']} dage", f["long"]),
            _bar("Stadig gule, længe", f["still_yellow_long"])]),
        "intro_extra": f"Et gult forløb varer fra første gule registrering til næste grønne eller røde. "
                       f"Kortvarigt: højst {f['days']} dage.",
    }


def _preventive_section(measure, f: dict) -> dict:
    rows = []
    for r in f["rows"]:
        rows.append([r["label"], suppress(r["forebyggende"]), _share(r["forebyggende"], r["total"]),
                     suppress(r["indgribende"]), _share(r["indgribende"], r["total"])])
    first, last = f["first"], f["last"]
    trend = ""
    if first and last:
        a, b = _share(first["forebyggende"], first["total"]), _share(last["forebyggende"], last["total"])
        if a is not None and b is not None:
            direction = "steget" if b > a else ("faldet" if b < a else "uændret")
            trend = f"Andelen forebyggende er {direction} fra {_pct(a)} % til {_pct(b)} % i perioden."
    short = [r["label"] for r in f["rows"]]
    series = [("Forebyggende", [_share(r["forebyggende"], r["total"]) for r in f["rows"]], LEVEL_COLORS["forebyggende"]),
              ("Indgribende", [_share(r["indgribende"], r["total"]) for r in f["rows"]], LEVEL_COLORS["indgribende"])]
    return {
        "headers": ["Måned", "Forebyggende", "Andel %", "Indgribende", "Andel %"], "rows": rows, "wide": True,
        "chart": charts.stacked_bars(measure.title, short, series, description="Andel børn med forebyggende og "
                                     "indgribende indsatser ved hver måneds udgang, i procent."),
        "intro_extra": trend or "For få sager til at vise udviklingen.",
    }


def _meetings_section(measure, f: list[dict]) -> dict:
    rows = [[r["label"], suppress(r["meetings"]), suppress(r["children"])] for r in f]
    name = measure.meeting_type.name if measure.meeting_type_id else "mødetypen"
    return {
        "headers": ["Måned", "Møder", "Børn"], "rows": rows,
        "chart": charts.bar_chart(measure.title, [_bar(r["label"], r["children"]) for r in f]),
        "intro_extra": f"Møder af typen {name} registreret på børnenes sager.",
    }


def _open_counselling_section(measure, f: dict) -> dict:
    from cases.models import CounsellingProfessional

    professionals = dict(CounsellingProfessional.choices)
    rows = [[f"{BOOKERS.get(b['booker'], b['booker'])} hos {professionals.get(b['professional'], b['professional'])}",
             suppress(b["n"])] for b in f["bookings"]]
    total = sum(b["n"] for b in f["bookings"])
    rows += [["Bookinger i alt", suppress(total)], ["Gange i familiegrupper", f["sessions"]],
             ["Familier mødt op", suppress(f["families"])], ["Fremmøder i alt", suppress(f["attendances"])]]
    by_booker: dict[str, int] = {}
    for b in f["bookings"]:
        by_booker[b["booker"]] = by_booker.get(b["booker"], 0) + b["n"]
    return {
        "headers": ["", "Antal"], "rows": rows,
        "chart": charts.bar_chart(measure.title, [
            *(_bar(BOOKERS.get(k, k), n) for k, n in by_booker.items()), _bar("Fremmøder i familiegrupper", f["attendances"])]),
        "intro_extra": "Bookinger i den åbne rådgivning og fremmøde i familiegrupperne i perioden.",
    }


MEASURE_SECTIONS = {
    "yellow_brief": _yellow_brief_section,
    "preventive_vs_intervening": _preventive_section,
    "meetings_of_type": _meetings_section,
    "open_counselling": _open_counselling_section,
}


def measure_sections(measures: list[dict]) -> list[dict]:
    sections = []
    for item in measures:
        measure = item["measure"]
        built = MEASURE_SECTIONS[item["kind"]](measure, item["figures"])
        extra = built.pop("intro_extra", "")
        sections.append({
            "key": f"maal-{measure.pk}", "title": measure.title, "group": MEASURES_GROUP,
            "intro": " ".join(part for part in (measure.description, extra) if part), **built,
        })
    return sections


def build(scope: Scope, period: Period) -> dict:
    """The report's sections for a scope and period: the figures (one set of aggregate queries, or
    the cached result of them while the municipality's data is unchanged – `reports.cache`), then
    suppressed and drawn here on every call, so cached and fresh output are the same."""
    figures = cache.report_figures(scope, period)
    return {
        "scope": scope, "period": period,
        "sections": [
            levels_section(figures["months"]),
            flows_section(figures["flows"]),
            durations_section(figures["durations"], figures["yellow"]),
            resources_section(figures["resources"]),
            quarters_section(figures["resources"]),
            deadlines_section(figures["deadlines"], figures["evaluations"], figures.get("reassessments")),
            *measure_sections(figures["measures"]),
        ],
    }
