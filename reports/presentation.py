"""From figures to what is shown: the tables and charts shared by the page, the PDF and the CSV.

Every count of children (cases, moves, grants, submissions, evaluations) passes through
`privacy.suppress` here, once, so the three outputs show exactly the same cells. A share, an
amount, hours or a duration that belongs to a suppressed count is hidden with it
(`privacy.with_count`, `privacy.share`), and so is whatever a total would give back
(`privacy.complementary`).
"""

from __future__ import annotations

from django.utils.formats import date_format

from reports import cache, charts, privacy, selectors
from reports.privacy import is_suppressed, share as _share, suppress, with_count
from reports.scope import Period, Scope

LEVEL_COLORS = {"forebyggende": "#2e7d5b", "foregribende": "#c98a0b", "indgribende": "#b0413e"}


def _level(state: str) -> str:
    return selectors.LEVEL_LABELS.get(state, state).lower()


def flow_label(flow: dict) -> str:
    """A move on the ladder as a reader says it: "Ny sag på forebyggende", "Op fra forebyggende til
    foregribende", "Lukket fra foregribende", "Genåbnet på forebyggende"."""
    kind, source, target = flow["kind"], flow["from"], flow["to"]
    if kind == "opened":
        return f"Ny sag på {_level(target)}"
    if kind == "reopened":
        return f"Genåbnet på {_level(target)}"
    if kind == "closed":
        return f"Lukket fra {_level(source)}"
    return f"{'Op' if kind == 'up' else 'Ned'} fra {_level(source)} til {_level(target)}"


def _spread_cells(spread: dict) -> list:
    return [suppress(spread["count"]), *(None if spread[k] is None else with_count(spread["count"], round(spread[k], 1))
                                          for k in ("q1", "median", "q3"))]


def _bar(label: str, count: int) -> tuple[str, float | None, str]:
    shown = suppress(count)
    return label, (None if is_suppressed(count) else count), str(shown)


def _hidden_shares(total: int, counts) -> bool:
    """Whether a month with children in it has a share withheld (a gap the chart must explain)."""
    return bool(total) and any(_share(count, total) is None for count in counts)


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
                 "indgår ikke. Antal under 5 vises som \u201c< 5\u201d og indgår ikke i diagrammet; "
                 "en måned med skjulte andele er markeret \u201cskjult\u201d.",
        "chart": charts.stacked_bars(title, short, series, description="Stablede søjler pr. måned: andel børn på "
                                     "forebyggende, foregribende og indgribende niveau i procent.",
                                     hidden=[_hidden_shares(m["total"], m["counts"].values()) for m in months]),
        "headers": ["Måned", "Forebyggende", "Andel %", "Foregribende", "Andel %", "Indgribende", "Andel %", "I alt"],
        "rows": rows,
    }


def flows_section(flows: dict) -> dict:
    rows = [[flow_label(f), suppress(f["count"])] for f in flows["rows"]]
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


def _resource_hidden(resources: dict) -> dict[str, set]:
    """Which amounts and which hours of the resource tables are hidden: those beside a suppressed
    count, and those a total would give back. The tables add up – the rows to their district and
    to the total, the districts and the quarters to the total – so all are decided together."""
    rows, districts, quarters = resources["rows"], resources["by_district"], resources["by_quarter"]
    sums = [("total", [("row", i) for i in range(len(rows))]),
            ("total", [("district", d["name"]) for d in districts]),
            ("total", [("quarter", i) for i in range(len(quarters))])]
    sums += [(("district", d["name"]), [("row", i) for i, r in enumerate(rows) if r["district"] == d["name"]])
             for d in districts]
    hidden = {}
    for figure in ("amount", "hours"):
        cells = {"total": (resources["totals"]["count"], resources["totals"][figure])}
        cells.update({("row", i): (r["count"], r[figure]) for i, r in enumerate(rows)})
        cells.update({("district", d["name"]): (d["count"], d[figure]) for d in districts})
        cells.update({("quarter", i): (q["count"], q[figure]) for i, q in enumerate(quarters)})
        hidden[figure] = privacy.complementary(cells, sums)
    return hidden


def _resource_cells(hidden: dict[str, set], key, entry: dict) -> list:
    return [suppress(entry["count"]), *(None if key in hidden[figure] else entry[figure]
                                        for figure in ("amount", "hours"))]


def _kroner(amount) -> str:
    return f"{amount:,.0f} kr.".replace(",", ".")


def resources_section(resources: dict) -> dict:
    hidden = _resource_hidden(resources)
    rows = [[r["district"], r["institution_name"], r["resource"], *_resource_cells(hidden, ("row", i), r)]
            for i, r in enumerate(resources["rows"])]
    rows.append(["I alt", "", "", *_resource_cells(hidden, "total", resources["totals"])])
    title = "Tildelte ressourcer pr. ressourcetype"
    return {
        "key": "ressourcer", "title": title, "wide": True,
        "intro": "Afgørelser i perioden, der tildeler en ressource (distriktsrådet og konsulentens visitation). "
                 "For hele kommunen pr. distrikt og type; vælg et distrikt for at se institutionerne. "
                 "Beløb og timer ud for færre end 5 afgørelser vises ikke, heller ikke hvor totalen ville "
                 "afsløre dem.",
        "chart": charts.bar_chart(title, [_bar(r["name"], r["count"]) for r in resources["by_type"]]),
        "headers": ["Distrikt", "Institution", "Ressource", "Antal", "Beløb (kr.)", "Timer"], "rows": rows,
    }


def quarters_section(resources: dict) -> dict:
    hidden = _resource_hidden(resources)
    rows = [[q["label"], *_resource_cells(hidden, ("quarter", i), q)] for i, q in enumerate(resources["by_quarter"])]
    by_district = [[d["name"], *_resource_cells(hidden, ("district", d["name"]), d)] for d in resources["by_district"]]
    bars = []
    for i, q in enumerate(resources["by_quarter"]):
        shown = ("quarter", i) not in hidden["amount"]
        bars.append((q["label"], float(q["amount"]) if shown else None,
                     _kroner(q["amount"]) if shown else privacy.HIDDEN_NOTE if is_suppressed(q["count"]) else "skjult"))
    title = "Tildelte ressourcer pr. kvartal (kr.)"
    return {
        "key": "kvartaler", "title": title,
        "intro": "Samme afgørelser fordelt på kvartal og distrikt.",
        "chart": charts.bar_chart(title, bars),
        "headers": ["Kvartal / distrikt", "Antal", "Beløb (kr.)", "Timer"], "rows": rows + by_district,
    }


def deadlines_section(deadlines: dict, evaluations: dict) -> dict:
    on_time, late = deadlines["on_time"], deadlines["rolled_over"]
    e = evaluations
    rows = [[f"Indstillinger fra {r['district'] or '–'}", suppress(r["on_time"]), suppress(r["rolled_over"])]
            for r in deadlines["rows"]]
    rows.append(["Indstillinger i alt", suppress(on_time), suppress(late)])
    rows.append(["Evalueringer (planlagt dato)", suppress(e["on_time"]), suppress(e["late"])])
    title = "Frister: indstillinger og evalueringer"
    return {
        "key": "frister", "title": title,
        "intro": f"Indstillinger, der nåede det valgte distriktsrådsmøde, mod dem der blev rullet til næste møde; "
                 f"evalueringer senest på den planlagte dato mod senere. Forfaldne evalueringer pr. "
                 f"{date_format(e['as_of'], 'j. F Y')}: indsatser, hvis evalueringsdato er passeret uden evaluering siden.",
        "chart": charts.bar_chart(title, [
            _bar("Indstilling til tiden", on_time), _bar("Indstilling rullet videre", late),
            _bar("Evaluering til tiden", e["on_time"]), _bar("Evaluering for sent", e["late"]),
            _bar("Evaluering forfalden", e["overdue"]),
        ]),
        "headers": ["", "Til tiden", "For sent / rullet videre"],
        "rows": rows + [
            ["Andel indstillinger til tiden %", _share(on_time, on_time + late), ""],
            ["Andel evalueringer til tiden %", _share(e["on_time"], e["on_time"] + e["late"]), ""],
            ["Evalueringer uden planlagt dato", suppress(e["unplanned"]), ""],
            ["Forfaldne evalueringer", suppress(e["overdue"]), ""],
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
                                     "indgribende indsatser ved hver måneds udgang, i procent.",
                                     hidden=[_hidden_shares(r["total"], (r["forebyggende"], r["indgribende"]))
                                             for r in f["rows"]]),
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
            deadlines_section(figures["deadlines"], figures["evaluations"]),
            *measure_sections(figures["measures"]),
        ],
    }
