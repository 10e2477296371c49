"""The plan's texts between a version's JSON and PlanForm's fields (one value per field)."""

from __future__ import annotations

import datetime

from handleplan.content import iso
from handleplan.models import EMPTY_TEXTS, VOICE_STATEMENTS


def texts_from_form(data: dict) -> dict:
    """The plan's texts from PlanForm.cleaned_data (goals one per line)."""

    def lines(value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    return {
        "period_start": iso(data.get("period_start")),
        "period_end": iso(data.get("period_end")),
        "goals_community": lines(data.get("goals_community")),
        "goals_child": lines(data.get("goals_child")),
        "signs": (data.get("signs") or "").strip(),
        "voice": {key: (data.get(f"voice_{key}") or "").strip() for key, _ in VOICE_STATEMENTS},
        "parents": (data.get("parents") or "").strip(),
    }


def period(texts: dict) -> dict:
    """The plan's period as dates, for templates."""
    parse = lambda value: datetime.date.fromisoformat(value) if value else None  # noqa: E731
    return {"period_start": parse(texts.get("period_start")), "period_end": parse(texts.get("period_end"))}


def texts_as_form_initial(texts: dict) -> dict:
    texts = {**EMPTY_TEXTS, **texts}
    initial = {
        "period_start": texts["period_start"],
        "period_end": texts["period_end"],
        "goals_community": "\n".join(texts["goals_community"]),
        "goals_child": "\n".join(texts["goals_child"]),
        "signs": texts["signs"],
        "parents": texts["parents"],
    }
    for key, _ in VOICE_STATEMENTS:
        initial[f"voice_{key}"] = texts["voice"].get(key, "")
    return initial


# The plan's texts as the form's fields, one value per field; a merge works field by field.
TEXT_FIELDS: list[str] = ["period_start", "period_end", "goals_community", "goals_child", "signs",
                          *(f"voice_{key}" for key, _ in VOICE_STATEMENTS), "parents"]
_UNKNOWN = object()  # the base of a version number that does not exist: every difference is a conflict


def texts_by_field(texts: dict) -> dict:
    """The texts (as stored in a version) flattened to one value per form field."""
    texts = {**EMPTY_TEXTS, **texts}
    flat = {name: texts[name] for name in TEXT_FIELDS if not name.startswith("voice_")}
    flat.update({f"voice_{key}": (texts.get("voice") or {}).get(key, "") for key, _ in VOICE_STATEMENTS})
    return flat


def texts_from_fields(flat: dict) -> dict:
    texts = {name: flat[name] for name in TEXT_FIELDS if not name.startswith("voice_")}
    texts["voice"] = {key: flat[f"voice_{key}"] for key, _ in VOICE_STATEMENTS}
    return texts
