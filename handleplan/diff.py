"""Comparing versions: the field-by-field three-way merge of two saves, and the readable
side-by-side diff of two versions."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field as dataclass_field

from cases.models import CaseState
from haandguide.lib.formats import date_da
from handleplan.formdata import TEXT_FIELDS, texts_by_field, texts_from_fields
from handleplan.models import EMPTY_TEXTS, VOICE_STATEMENTS, Evaluation, PlanVersion

_UNKNOWN = object()  # the base of a version number that does not exist: every difference is a conflict


@dataclass
class TextsMerge:
    """The outcome of merging two people's edits of the same version."""

    texts: dict                          # the merged texts; a conflicting field holds "mine"
    conflicts: list[str] = dataclass_field(default_factory=list)    # fields both changed, differently
    from_theirs: list[str] = dataclass_field(default_factory=list)  # fields only the other person changed


def merge_texts(base: dict | None, theirs: dict, mine: dict) -> TextsMerge:
    """Three-way merge, field by field. A field only one side changed takes that change; a field
    both changed to the same value takes it; a field both changed differently is a conflict the
    person must decide. `base` None (the version the form was opened at is unknown) makes every
    difference between theirs and mine a conflict: nothing is ever silently overwritten."""
    b = texts_by_field(base) if base is not None else dict.fromkeys(TEXT_FIELDS, _UNKNOWN)
    t, m = texts_by_field(theirs), texts_by_field(mine)
    merged, conflicts, from_theirs = {}, [], []
    for name in TEXT_FIELDS:
        if m[name] == t[name] or t[name] == b[name]:
            merged[name] = m[name]
        elif m[name] == b[name]:
            merged[name] = t[name]
            from_theirs.append(name)
        else:
            merged[name] = m[name]
            conflicts.append(name)
    return TextsMerge(texts_from_fields(merged), conflicts, from_theirs)


def _date(value: str | None) -> str:
    return date_da(datetime.date.fromisoformat(value)) if value else "–"


RESULT_LABELS = dict(Evaluation.Result.choices)
LEVEL_LABELS = dict(CaseState.level_choices())


def content_as_lines(content: dict) -> list[str]:
    """The plan as readable lines, for the diff between versions."""
    texts = {**EMPTY_TEXTS, **content.get("texts", {})}
    lines = [f"Periode: {_date(texts['period_start'])} – {_date(texts['period_end'])}", "", "MÅL FOR LÆRINGSFÆLLESSKABET"]
    lines += [f"• {goal}" for goal in texts["goals_community"]] or ["(ingen)"]
    lines += ["", "MÅL FOR BARNET"]
    lines += [f"• {goal}" for goal in texts["goals_child"]] or ["(ingen)"]
    lines += ["", "TEGN PÅ AT MÅLENE NÅS"] + (texts["signs"].splitlines() or ["(ingen)"])
    lines += ["", "BARNETS STEMME"]
    for key, label in VOICE_STATEMENTS:
        lines += [f"{label}:"] + [f"  {line}" for line in (texts["voice"].get(key) or "–").splitlines()]
    lines += ["", "FORÆLDRENES PERSPEKTIV"] + (texts["parents"].splitlines() or ["(intet)"])
    lines += ["", "INDSATSER"]
    for effort in content.get("efforts", []):
        lines += [
            f"Indsats «{effort['name']}» ({LEVEL_LABELS.get(effort['level'], effort['level']).lower()})",
            f"  Udføres af: {effort['carried_out_by'] or '–'}"
            + (f" · ansvarlig: {effort['responsible']}" if effort.get("responsible") else ""),
            f"  Start: {_date(effort['started_on'])} · næste evaluering: {_date(effort['evaluation_date'])}"
            + (f" · afsluttet: {_date(effort['ended_on'])}" if effort.get("ended_on") else ""),
        ]
        lines += [f"  {line}" for line in (effort["description"] or "").splitlines()]
        for evaluation in effort.get("evaluations", []):
            lines += [
                f"  Evaluering {_date(evaluation['evaluated_on'])}: "
                f"{RESULT_LABELS.get(evaluation['result'], evaluation['result']).lower()} ({evaluation['author']})",
            ]
            lines += [f"    Set: {line}" for line in evaluation["seen"].splitlines()]
            lines += [f"    Næste skridt: {line}" for line in evaluation["next_step"].splitlines()]
    if not content.get("efforts"):
        lines.append("(ingen)")
    return lines


def version_diff(old: PlanVersion, new: PlanVersion) -> list[dict]:
    """Side-by-side rows: {"kind": equal|replace|delete|insert, "old": str, "new": str}.
    Plain strings: the template escapes them."""
    a, b = content_as_lines(old.content), content_as_lines(new.content)
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for n in range(max(len(left), len(right))):
            rows.append({"kind": tag, "old": left[n] if n < len(left) else "",
                         "new": right[n] if n < len(right) else ""})
    return rows
