"""From figures to what is shown: the tables and charts shared by the page, the PDF and the CSV.

Every count of children (cases, moves, grants, submissions, evaluations) passes through
`privacy.suppress` here, once, so the three outputs show exactly the same cells. A share, an
amount, hours or a duration that belongs to a suppressed count is hidden with it
(`privacy.with_count`, `privacy.share`), and so is whatever a total would give back
(`privacy.complementary`).
"""

from __future__ import annotations

from reports import cache, charts, community, privacy, selectors
from reports.models import ScopeKind
from reports.privacy import SUPPRESSED, is_shown, is_suppressed, share as _share, suppress, with_count
from reports.scope import Period, Scope
from haandguide.lib.formats import date_da

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


def _bar(label: str, count: int, shown=None) -> tuple[str, float | None, str]:
    """A bar for a count: `shown` is the cell from `privacy.protect` (default: the count suppressed)."""
    shown = suppress(count) if shown is None else shown
    return label, (count if is_shown(shown) else None), str(shown)


class _Month:
    """One month's children per level as shown: the levels add up to the total, so a total minus
    the shown levels must not give a suppressed one back (`privacy.protect`)."""

    def __init__(self, counts: dict[str, int], total: int):
        self.counts, self.total = counts, total
        self.shown = privacy.protect({**counts, "total": total}, [("total", list(counts))])

    def share(self, level: str) -> float | None:
        # A share beside a hidden total would give the total back (8 children are 72.7 % of 11).
        shown = is_shown(self.shown[level]) and is_shown(self.shown["total"])
        return _share(self.counts[level], self.total) if shown else None

    @property
    def hidden(self) -> bool:
        """Children in the month, but a share withheld: a gap the chart must explain."""
        return bool(self.total) and any(self.share(level) is None for level in self.counts)


def _months(months: list[dict]) -> list[_Month]:
    return [_Month(m["counts"], m["total"]) for m in months]


def levels_section(months: list[dict]) -> dict:
    shown = _months(months)
    rows = []
    for month, m in zip(months, shown):
        row = [month["label"]]
        for level in selectors.LEVELS:
            row += [m.shown[level], m.share(level)]
        rows.append(row + [m.shown["total"]])
    series = [
        (label, [m.share(level) for m in shown], LEVEL_COLORS[level])
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
                                     hidden=[m.hidden for m in shown]),
        "headers": ["Måned", "Forebyggende", "Andel %", "Foregribende", "Andel %", "Indgribende", "Andel %", "I alt"],
        "rows": rows,
    }


def flows_section(flows: dict) -> dict:
    totals = flows["totals"]
    # Each kind's moves add up to its total, and the closed cases to those returned and the rest
    # (not shown, but closed − returned would give it).
    counts = {("row", i): f["count"] for i, f in enumerate(flows["rows"])}
    counts.update({kind: n for kind, n in totals.items()})
    counts["not_returned"] = totals["closed"] - totals["returned"]
    sums = [(kind, [("row", i) for i, f in enumerate(flows["rows"]) if f["kind"] == kind])
            for kind in ("opened", "up", "down", "closed", "reopened")]
    sums.append(("closed", ["returned", "not_returned"]))
    shown = privacy.protect(counts, sums)
    rows = [[flow_label(f), shown[("row", i)]] for i, f in enumerate(flows["rows"])]
    summary = [("Op i alt", "up"), ("Ned i alt", "down"), ("Lukket i alt", "closed"),
               ("heraf tilbage i det almene læringsmiljø", "returned")]
    rows += [[label, shown[key]] for label, key in summary]
    title = "Bevægelser mellem niveauer i perioden"
    return {
        "key": "bevaegelser", "title": title,
        "intro": "Antal gange en sag er flyttet op eller ned, oprettet, lukket eller genåbnet i perioden.",
        "chart": charts.bar_chart(title, [_bar(label, totals[key], shown[key]) for label, key in
                                          [("Nye sager", "opened"), *summary]]),
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
    types = resources["by_type"]
    sums.append(("total", [("type", t["name"]) for t in types]))
    sums += [(("type", t["name"]), [("row", i) for i, r in enumerate(rows) if r["resource"] == t["name"]])
             for t in types]
    hidden = {}
    for figure in ("amount", "hours"):
        cells = {"total": (resources["totals"]["count"], resources["totals"][figure])}
        cells.update({("row", i): (r["count"], r[figure]) for i, r in enumerate(rows)})
        cells.update({("district", d["name"]): (d["count"], d[figure]) for d in districts})
        cells.update({("quarter", i): (q["count"], q[figure]) for i, q in enumerate(quarters)})
        cells.update({("type", t["name"]): (t["count"], t[figure]) for t in types})
        hidden[figure] = privacy.complementary(cells, sums)
    # The counts add up the same way, and per resource type too (the chart).
    counts = {"total": resources["totals"]["count"], **{("row", i): r["count"] for i, r in enumerate(rows)},
              **{("district", d["name"]): d["count"] for d in districts},
              **{("quarter", i): q["count"] for i, q in enumerate(quarters)},
              **{("type", t["name"]): t["count"] for t in types}}
    hidden["count"] = privacy.protect(counts, sums)
    return hidden


def _resource_cells(hidden: dict, key, entry: dict) -> list:
    return [hidden["count"][key], *(None if key in hidden[figure] else entry[figure]
                                    for figure in ("amount", "hours"))]


def _kroner(amount) -> str:
    return f"{amount:,.0f} kr.".replace(",", ".")


def resources_section(resources: dict) -> dict:
    hidden = _resource_hidden(resources)
    rows = [[r["district"], r["institution_name"], r["resource"], *_resource_cells(hidden, ("row", i), r)]
            for i, r in enumerate(resources["rows"])]
    rows.append(["I alt", "", "", *_resource_cells(hidden, "total", resources["totals"])])
    headers = ["Distrikt", "Institution", "Ressource", "Antal", "Beløb (kr.)", "Timer"]
    title = "Tildelte ressourcer pr. ressourcetype"
    # The municipality's rows are per district (no institution named): a hundred districts times the
    # types is a table nobody reads on a page and a PDF cannot lay out in time. The page and the
    # PDF show the types (the districts' totals are in the quarters' section); the CSV the crossing.
    per_district = bool(resources["rows"]) and not any(r["institution_name"] for r in resources["rows"])
    section = {
        "key": "ressourcer", "title": title, "wide": True,
        "intro": "Afgørelser i perioden, der tildeler en ressource (distriktsrådet og konsulentens visitation). "
                 + ("For hele kommunen pr. type (pr. distrikt og type i CSV-filen; distrikternes summer under "
                    "kvartalerne); vælg et distrikt for at se institutionerne. " if per_district else "") +
                 "Beløb og timer ud for færre end 5 afgørelser vises ikke, heller ikke hvor totalen ville "
                 "afsløre dem.",
        "chart": charts.bar_chart(title, [_bar(t["name"], t["count"], hidden["count"][("type", t["name"])])
                                          for t in resources["by_type"]]),
        "headers": headers, "rows": rows,
        "parts": parts(0, len(resources["rows"]), "rækker", column=3, most="flest afgørelser", fewest="færrest"),
    }
    if per_district:
        section.update({
            "headers": ["Ressource", "Antal", "Beløb (kr.)", "Timer"],
            "rows": [[t["name"], *_resource_cells(hidden, ("type", t["name"]), t)] for t in resources["by_type"]]
                    + [["I alt", *_resource_cells(hidden, "total", resources["totals"])]],
            "csv": {"headers": headers, "rows": rows}, "parts": None,
        })
    return section


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
        # Ranked by the amount: a district's count is often "skjult" (a small type inside it), its amount rarely.
        "parts": parts(len(rows), len(by_district), "distrikter", column=2, most="det største tildelte beløb",
                       fewest="det mindste"),
    }


def deadlines_section(deadlines: dict, evaluations: dict, reassessments: dict | None = None) -> dict:
    on_time, late = deadlines["on_time"], deadlines["rolled_over"]
    e = evaluations
    overdue_reassessments = (reassessments or {}).get("overdue", 0)
    # The districts add up to the totals below them.
    counts = {"on_time": on_time, "rolled_over": late}
    counts.update({(column, i): r[column] for i, r in enumerate(deadlines["rows"]) for column in counts})
    shown = privacy.protect(counts, [(column, [(column, i) for i in range(len(deadlines["rows"]))])
                                     for column in ("on_time", "rolled_over")])
    rows = [[f"Indstillinger fra {r['district'] or '–'}", shown[("on_time", i)], shown[("rolled_over", i)]]
            for i, r in enumerate(deadlines["rows"])]
    rows.append(["Indstillinger i alt", shown["on_time"], shown["rolled_over"]])
    rows.append(["Evalueringer (planlagt dato)", suppress(e["on_time"]), suppress(e["late"])])
    title = "Frister: indstillinger og evalueringer"
    return {
        "key": "frister", "title": title,
        "intro": f"Indstillinger, der nåede det valgte distriktsrådsmøde, mod dem der blev rullet til næste møde; "
                 f"evalueringer senest på den planlagte dato mod senere. Forfaldne evalueringer pr. "
                 f"{date_da(e['as_of'])}: indsatser, hvis evalueringsdato er passeret uden evaluering siden. "
                 f"Forfaldne revurderinger: tildelte ressourcer, hvis periode er slut uden revurdering.",
        "chart": charts.bar_chart(title, [
            _bar("Indstilling til tiden", on_time, shown["on_time"]),
            _bar("Indstilling rullet videre", late, shown["rolled_over"]),
            _bar("Evaluering til tiden", e["on_time"]), _bar("Evaluering for sent", e["late"]),
            _bar("Evaluering forfalden", e["overdue"]),
            _bar("Revurdering forfalden", overdue_reassessments),
        ]),
        "headers": ["", "Til tiden", "For sent / rullet videre"],
        "parts": parts(0, len(deadlines["rows"]), "distrikter", column=2, most="flest indstillinger rullet videre",
                       fewest="færrest"),
        "rows": rows + [
            ["Andel indstillinger til tiden %", _share(on_time, on_time + late)
             if is_shown(shown["on_time"]) and is_shown(shown["rolled_over"]) else None, ""],
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
    shown = privacy.protect({"ended": ended, "brief": brief, "long": f["long"]}, [("ended", ["brief", "long"])])
    rows = [
        ["Gule forløb afsluttet i perioden", shown["ended"]],
        [f"heraf højst {f['days']} dage", shown["brief"]],
        [f"heraf mere end {f['days']} dage", shown["long"]],
        ["Andel kortvarige %", _share(brief, ended) if is_shown(shown["brief"]) and is_shown(shown["ended"]) else None],
        [f"Stadig gule ved periodens slut, over {f['days']} dage", suppress(f["still_yellow_long"])],
    ]
    return {
        "headers": ["", "Antal"], "rows": rows,
        "chart": charts.bar_chart(measure.title, [
            _bar(f"Højst {f['days']} dage", brief, shown["brief"]),
            _bar(f"Mere end {f['days']} dage", f["long"], shown["long"]),
            _bar("Stadig gule, længe", f["still_yellow_long"])]),
        "intro_extra": f"Et gult forløb varer fra første gule registrering til næste grønne eller røde. "
                       f"Kortvarigt: højst {f['days']} dage.",
    }


def _preventive_section(measure, f: dict) -> dict:
    # The same cells as the levels table: its month totals and foregribende beside these would
    # otherwise give back a count hidden there.
    months = [_Month({"forebyggende": r["forebyggende"], "foregribende": r["total"] - r["forebyggende"] - r["indgribende"],
                      "indgribende": r["indgribende"]}, r["total"]) for r in f["rows"]]
    rows = []
    for r, m in zip(f["rows"], months):
        rows.append([r["label"], m.shown["forebyggende"], m.share("forebyggende"),
                     m.shown["indgribende"], m.share("indgribende")])
    trend = ""
    if months:
        a, b = months[0].share("forebyggende"), months[-1].share("forebyggende")
        if a is not None and b is not None:
            direction = "steget" if b > a else ("faldet" if b < a else "uændret")
            trend = f"Andelen forebyggende er {direction} fra {_pct(a)} % til {_pct(b)} % i perioden."
    short = [r["label"] for r in f["rows"]]
    series = [("Forebyggende", [m.share("forebyggende") for m in months], LEVEL_COLORS["forebyggende"]),
              ("Indgribende", [m.share("indgribende") for m in months], LEVEL_COLORS["indgribende"])]
    return {
        "headers": ["Måned", "Forebyggende", "Andel %", "Indgribende", "Andel %"], "rows": rows, "wide": True,
        "chart": charts.stacked_bars(measure.title, short, series, description="Andel børn med forebyggende og "
                                     "indgribende indsatser ved hver måneds udgang, i procent.",
                                     hidden=[m.hidden for m in months]),
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
    bookings = f["bookings"]
    by_booker: dict[str, int] = {}
    for b in bookings:
        by_booker[b["booker"]] = by_booker.get(b["booker"], 0) + b["n"]
    # The bookings add up to their total, and per booker to the chart's bars.
    counts = {"total": sum(b["n"] for b in bookings), **{("row", i): b["n"] for i, b in enumerate(bookings)},
              **{("booker", k): n for k, n in by_booker.items()}}
    sums = [("total", [("row", i) for i in range(len(bookings))]), ("total", [("booker", k) for k in by_booker])]
    sums += [(("booker", k), [("row", i) for i, b in enumerate(bookings) if b["booker"] == k]) for k in by_booker]
    shown = privacy.protect(counts, sums)

    def booker(key: str) -> str:
        return f"Bookinger fra {BOOKERS.get(key, key).lower()}"

    rows = [[f"{booker(b['booker'])} hos {professionals.get(b['professional'], b['professional'])}",
             shown[("row", i)]] for i, b in enumerate(bookings)]
    rows += [["Bookinger i alt", shown["total"]], ["Mødegange i familiegrupper", f["sessions"]],
             ["Familier mødt op", suppress(f["families"])], ["Fremmøder i alt", suppress(f["attendances"])]]
    return {
        "headers": ["", "Antal"], "rows": rows,
        "chart": charts.bar_chart(measure.title, [
            *(_bar(booker(k), n, shown[("booker", k)]) for k, n in by_booker.items()),
            _bar("Fremmøder i familiegrupper", f["attendances"])]),
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


# --- the PDF: long tables shortened ------------------------------------------------------------

# A table listing more parts (districts, institutions) than this prints, in the PDF, the
# PRINT_EACH_END with the most and the PRINT_EACH_END with the fewest; the page and the CSV list
# them all. WeasyPrint's time goes into laying out table rows: a municipality of 100 districts
# printed three tables of 100 rows each, and missed issue 16's 3 seconds.
PRINT_PARTS = 25
PRINT_EACH_END = 10


def parts(start: int, count: int, noun: str, *, column: int, most: str, fewest: str,
          where: str = "i CSV-filen") -> dict:
    """Where a section's rows list its parts (districts, institutions) – rows[start:start + count] –,
    the column they are ranked by when the PDF shortens the table (`print_sections`; `most` and
    `fewest` say it in the note: "flest evalueringer"), and where the reader finds them all (the
    CSV, unless it lists them otherwise)."""
    return {"start": start, "count": count, "noun": noun, "column": column, "most": most, "fewest": fewest,
            "where": where}


def _rank(cell) -> float | None:
    """A shown cell's place in the ranking: "< 5" between 0 and 5, a hidden count ("skjult") or a
    missing one not ranked at all – placing it would say something about the value withheld."""
    if cell == SUPPRESSED:
        return 2.5
    return float(cell) if is_shown(cell) and cell is not None and cell != "" else None


def print_sections(sections: list[dict]) -> list[dict]:
    """The PDF's sections: the page's, with a table of more than PRINT_PARTS parts shortened to the
    PRINT_EACH_END parts with the most and those with the fewest of its ranking column (ties in
    their order on the page), its other rows (quarters, totals) as they are, and a note saying so
    and that the CSV has every row. Only shown cells are compared, so the order gives away no
    suppressed or hidden count. The chart beside a table of more than PRINT_PARTS rows is left out
    (a bar per district); the PDF says so."""
    return [_printed(section) for section in sections]


def _printed(section: dict) -> dict:
    rows, info = section["rows"], section.get("parts")
    printed = {**section, "chart": None if len(rows) > PRINT_PARTS else section["chart"]}
    if not info or info["count"] <= PRINT_PARTS:
        return printed
    start, stop, column, noun, total = info["start"], info["start"] + info["count"], info["column"], info["noun"], info["count"]
    # Most first (ties in the page's order), then the fewest among the rest, printed in the same
    # descending order so the table reads from most to fewest.
    ranked = sorted(((rank, i) for i, row in enumerate(rows[start:stop]) if (rank := _rank(row[column])) is not None),
                    key=lambda item: (-item[0], item[1]))
    n = min(PRINT_EACH_END, len(ranked) // 2)
    fewest = sorted(sorted(ranked[n:])[:n], key=lambda item: (-item[0], item[1]))
    most, fewest = [rows[start + i] for _, i in ranked[:n]], [rows[start + i] for _, i in fewest]
    unranked = total - len(ranked)
    shown = (f"Tabellen viser de {n} {noun} med {info['most']} og de {n} med {info['fewest']} af i alt {total} {noun}"
             + (f" ({unranked} med et skjult tal er ikke rangeret)" if unranked else "") + "."
             if n else f"Tabellens {total} {noun} kan ikke rangeres (antallene er skjult).")
    printed.update({
        "rows": [*rows[:start], *most, {"gap": f"… {total - 2 * n} {noun} mere {info['where']}"}, *fewest, *rows[stop:]],
        "print_note": f"{shown} Alle {total} står {info['where']}; CSV-filen hentes med \u201cHent CSV (Excel)\u201d "
                      "på statistiksiden.",
    })
    return printed


def csv_sections(scope: Scope, period: Period, sections: list[dict]) -> list[dict]:
    """The CSV's tables: the page's, with the long ones the page and the PDF summarise written out
    whole (resources per district and type; every institution's evaluation activity)."""
    tables = []
    for section in sections:
        section = {**section, **section.get("csv", {})}
        if section["key"] == "evalueringskultur" and scope.kind == ScopeKind.MUNICIPALITY:
            section["headers"] = ["Institution", *section["headers"][1:]]
            section["rows"] = community.activity_rows(community.institution_activity(scope, period))
        tables.append(section)
    return tables


def build(scope: Scope, period: Period) -> dict:
    """The report's sections for a scope and period: the figures (one set of aggregate queries, or
    the cached result of them while the scope's data is unchanged – `reports.cache`), suppressed
    and drawn here; the result is remembered beside the figures under the same version, so cached
    and fresh output are the same."""

    def sections() -> list[dict]:
        return _sections(cache.report_figures(scope, period))

    return {"scope": scope, "period": period, "privacy_rule": privacy.RULE,
            "sections": cache.remembered(scope, period, "sections", sections)}


def _sections(figures: dict) -> list[dict]:
    return [
        levels_section(figures["months"]),
        flows_section(figures["flows"]),
        durations_section(figures["durations"], figures["yellow"]),
        resources_section(figures["resources"]),
        quarters_section(figures["resources"]),
        deadlines_section(figures["deadlines"], figures["evaluations"], figures.get("reassessments")),
        *measure_sections(figures["measures"]),
        *community.sections(figures.get("community")),
    ]
