"""The child's whole record out: everything Haandguide holds on one child, as JSON for a system
(schema: `record_schema()`, published at /udskrift/skema/barnets-data.json) and as a PDF for a
person. For an access request (GDPR art. 15; with who accessed the data, CJEU C-579/21) and, with
the custodians' consent, as a handover to the child's school or a new municipality.

What belongs to the child is found, not listed: from the child, every row that points to it, and
every row that points to one of those, and so on (reverse foreign keys only, never many-to-many
and never upwards), so a new kind of data is in the export the day its model is added, and no
other child's rows can be reached (a group's rows are reached only through this child's own
participation). The access log and the outbox refer to the child by number and are added by it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections import deque

from django.db import models
from django.utils import timezone

from haandguide.models import AccessLog, Child
from integrations.models import ExternalRef, OutboxItem

SCHEMA_ID = "haandguide/child-record/1"
PURPOSES = {"indsigt": "Indsigt (databeskyttelsesforordningens art. 15)",
            "overdragelse": "Overdragelse med forældrenes samtykke"}
# Secrets about the child that are ours, not the child's: never exported.
HIDDEN_FIELDS = {("haandguide", "guardian", "cpr_digest")}
NOT_FOLLOWED = {AccessLog}  # added by child_id below, with the rows that point at it


def _follows(model) -> list:
    return [rel for rel in model._meta.related_objects
            if not rel.many_to_many and rel.related_model not in NOT_FOLLOWED and rel.field.concrete]


def record_models() -> list[type[models.Model]]:
    """Every model that can hold data on a child, in the order the walk reaches them."""
    seen, order, queue = {Child}, [], deque([Child])
    while queue:
        model = queue.popleft()
        for rel in _follows(model):
            if rel.related_model not in seen:
                seen.add(rel.related_model)
                order.append(rel.related_model)
                queue.append(rel.related_model)
    return order


def _value(obj, field):
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                "base64": base64.b64encode(data).decode()}
    if isinstance(field, models.FileField):
        return value.name if hasattr(value, "name") else str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, dict, list)):
        return value
    return str(value)  # Decimal, UUID, time, duration


def _row(obj) -> dict:
    meta = obj._meta
    return {"id": obj.pk, **{f.name: _value(obj, f) for f in meta.concrete_fields
                             if f.name != meta.pk.name and (meta.app_label, meta.model_name, f.name) not in HIDDEN_FIELDS}}


def collect(child: Child) -> dict[type[models.Model], list[models.Model]]:
    """The rows reachable from the child by reverse foreign keys, per model (a few queries per
    model that holds rows)."""
    found: dict[type[models.Model], dict[int, models.Model]] = {}
    frontier: dict[type[models.Model], set] = {Child: {child.pk}}
    while frontier:
        next_frontier: dict[type[models.Model], set] = {}
        for model, pks in frontier.items():
            for rel in _follows(model):
                target = rel.related_model
                rows = target._base_manager.filter(**{f"{rel.field.name}__in": pks})
                for obj in rows:
                    bucket = found.setdefault(target, {})
                    if obj.pk not in bucket:
                        bucket[obj.pk] = obj
                        next_frontier.setdefault(target, set()).add(obj.pk)
        frontier = next_frontier
    return {model: sorted(rows.values(), key=lambda o: o.pk) for model, rows in found.items()}


def build_record(child: Child, *, purpose: str) -> dict:
    sections = {}
    for model, rows in collect(child).items():
        sections[model._meta.label_lower] = {"title": str(model._meta.verbose_name_plural).capitalize(),
                                             "rows": [_row(o) for o in rows]}
    for model, rows in ((ExternalRef, ExternalRef.objects.filter(kind=ExternalRef.Kind.CHILD, object_id=child.pk)),
                        (OutboxItem, OutboxItem.objects.filter(child_id=child.pk))):
        sections[model._meta.label_lower] = {"title": str(model._meta.verbose_name_plural).capitalize(),
                                             "rows": [_row(o) for o in rows]}
    access = [{"at": row.at.isoformat(), "who": row.username, "role": row.role, "via": row.via,
               "action": row.get_action_display(), "object": f"{row.object_type} {row.object_id}".strip(),
               "detail": row.detail}
              for row in AccessLog.objects.filter(child_id=child.pk).order_by("at", "pk")]
    return {"schema": SCHEMA_ID, "generated_at": timezone.now().isoformat(), "purpose": purpose,
            "municipality": child.institution.district.municipality.name, "child": _row(child),
            "sections": sections, "access_log": access}


_JSON_TYPES = {
    models.BooleanField: "boolean", models.IntegerField: "integer", models.BigIntegerField: "integer",
    models.SmallIntegerField: "integer", models.PositiveIntegerField: "integer",
    models.PositiveSmallIntegerField: "integer", models.PositiveBigIntegerField: "integer",
    models.AutoField: "integer", models.BigAutoField: "integer", models.FloatField: "number",
}


def _field_schema(field) -> dict:
    if isinstance(field, models.BinaryField):
        schema = {"type": "object", "required": ["sha256", "bytes", "base64"],
                  "properties": {"sha256": {"type": "string"}, "bytes": {"type": "integer"},
                                 "base64": {"type": "string", "contentEncoding": "base64"}}}
    elif isinstance(field, models.ForeignKey):
        schema = {"type": "integer", "description": f"id i {field.related_model._meta.label_lower}"}
    elif isinstance(field, models.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, models.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, models.JSONField):
        schema = {}
    else:
        schema = {"type": next((t for cls, t in _JSON_TYPES.items() if type(field) is cls), "string")}
    schema["title"] = str(field.verbose_name)
    if schema.get("type") and field.null:
        schema["type"] = [schema["type"], "null"]
    return schema


def _model_schema(model) -> dict:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.name != meta.pk.name
              and (meta.app_label, meta.model_name, f.name) not in HIDDEN_FIELDS]
    return {"type": "object", "title": str(meta.verbose_name), "required": ["id", *[f.name for f in fields]],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, **{f.name: _field_schema(f) for f in fields}}}


def record_schema() -> dict:
    """A JSON Schema (2020-12) of the export, generated from the models the walk reaches."""
    section_models = [*record_models(), ExternalRef, OutboxItem]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Haandguide: alt, hvad Haandguide har om et barn",
        "description": "Til indsigt (art. 15) og overdragelse. `sections` har én nøgle pr. slags data, der findes om "
                       "barnet; en slags uden data er udeladt. `access_log` er hvem der har set eller ændret barnets data.",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema", "generated_at", "purpose", "municipality", "child", "sections", "access_log"],
        "properties": {
            "schema": {"const": SCHEMA_ID},
            "generated_at": {"type": "string", "format": "date-time"},
            "purpose": {"enum": list(PURPOSES)},
            "municipality": {"type": "string"},
            "child": {"$ref": "#/$defs/haandguide.child"},
            "sections": {"type": "object", "additionalProperties": False, "properties": {
                m._meta.label_lower: {"type": "object", "required": ["title", "rows"], "additionalProperties": False,
                                      "properties": {"title": {"type": "string"},
                                                     "rows": {"type": "array",
                                                              "items": {"$ref": f"#/$defs/{m._meta.label_lower}"}}}}
                for m in section_models}},
            "access_log": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["at", "who", "role", "via", "action", "object", "detail"],
                "properties": {"at": {"type": "string", "format": "date-time"}, **{
                    k: {"type": "string"} for k in ("who", "role", "via", "action", "object", "detail")}}}},
        },
        "$defs": {m._meta.label_lower: _model_schema(m) for m in [Child, *section_models]},
    }


def pdf_sections(record: dict) -> list[dict]:
    """The export as the PDF prints it: each section's rows as (field, value) pairs, binary
    content by its checksum, the child's CPR masked."""
    def pairs(row):
        out = []
        for key, value in row.items():
            if isinstance(value, dict) and "sha256" in value:
                value = f"{value['bytes']} bytes, sha256 {value['sha256'][:16]}…"
            out.append((key, "" if value is None else value))
        return out

    return [{"title": s["title"], "rows": [pairs(r) for r in s["rows"]]} for s in record["sections"].values() if s["rows"]]
