"""A list of ids in one column: `bigint[]` on PostgreSQL (searched through a GIN index), a JSON list
in text on SQLite. The access log keeps the children a list page showed in one row with it, so a
list costs one small write whatever its length and a child's rows are still found by index.

`ids__overlaps=[1, 2]` finds the rows that name any of the ids: `&&` on PostgreSQL (the GIN index
answers it), `json_each` on SQLite (a scan, fine for development and tests).
"""

from __future__ import annotations

import json

from django.db import models


class IdListField(models.Field):
    description = "Liste af id'er"
    empty_strings_allowed = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection) -> str:
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        ids = [int(v) for v in value]
        return ids if connection.vendor == "postgresql" else json.dumps(ids, separators=(",", ":"))

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return list(value or [])

    def value_to_string(self, obj) -> str:
        return json.dumps(self.value_from_object(obj))


@IdListField.register_lookup
class Overlaps(models.Lookup):
    """The row names at least one of the given ids."""

    lookup_name = "overlaps"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [[int(v) for v in value]])

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} && %s::bigint[]", (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(v) for v in self.rhs]
        if not ids:
            return "0 = 1", ()
        marks = ", ".join(["%s"] * len(ids))
        return f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value IN ({marks}))", (*lhs_params, *ids)
