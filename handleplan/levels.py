"""Levels the case has left (or closed): their efforts are concluded (no Evaluér, no reminders)."""

from __future__ import annotations

from django.db.models import Q

from cases.models import CaseState


LEVEL_RANK = {CaseState.FOREBYGGENDE: 0, CaseState.FOREGRIBENDE: 1, CaseState.INDGRIBENDE: 2}


def level_concluded(level: str, case_state: str) -> bool:
    """A level the case has moved above, or any level of a closed case. Its efforts are shown under
    it as concluded, with no Evaluér button and no reminders; moving the case down (or reopening
    it) opens the level again."""
    if case_state == CaseState.LUKKET:
        return True
    return case_state in LEVEL_RANK and LEVEL_RANK.get(level, len(LEVEL_RANK)) < LEVEL_RANK[case_state]


def concluded_note(level: str, case_state: str) -> str:
    """Why a level is concluded, as the plan says it after "afsluttet, …" ("" while it goes on)."""
    if not level_concluded(level, case_state):
        return ""
    return "sagen er lukket" if case_state == CaseState.LUKKET else "sagen er gået et niveau op"


def concluded_level_q(state_path: str = "plan__case__state") -> Q:
    """Efforts of a level their case has moved above, or of a closed case, as a filter (reminders,
    overdue lists)."""
    return (Q(level=CaseState.FOREBYGGENDE, **{f"{state_path}__in": [CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE]})
            | Q(level=CaseState.FOREGRIBENDE, **{state_path: CaseState.INDGRIBENDE})
            | Q(**{state_path: CaseState.LUKKET}))


def effort_groups(efforts, case_state: str) -> list[dict]:
    """Efforts (rows, or a frozen plan's dicts) under their level, lowest first, for the plan
    partial the plan page and the frozen plan share."""
    level_of = lambda effort: effort["level"] if isinstance(effort, dict) else effort.level  # noqa: E731
    return [
        {"level": level, "label": label, "concluded": concluded_note(level, case_state), "efforts": members}
        for level, label in CaseState.level_choices()
        if (members := [effort for effort in efforts if level_of(effort) == level])
    ]
