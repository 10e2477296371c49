"""PostgreSQL only: the access log becomes range-partitioned on `at`, one partition per UTC month
(haandguide/accesslog_partitions.py creates them ahead and the purge drops them), with a default
partition as a safety net and a GIN index on `child_ids` (the children a list view showed).

The primary key becomes (id, at): a partitioned table's unique keys must include the partition key.
Django still treats `id` as the primary key; it stays unique through its identity sequence, and
nothing references the access log. SQLite keeps the plain table.
"""

import datetime

from django.db import migrations

TABLE = "haandguide_accesslog"
OLD = "haandguide_accesslog_rebuilt_from"


def _month(moment):
    return datetime.datetime(moment.year, moment.month, 1, tzinfo=datetime.UTC)


def _next(start):
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Recreate the table (partitioned or plain) with its rows, indexes and foreign keys under the
    same names, so later Django migrations find them."""
    cursor.execute("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass "
                   "AND NOT indisprimary AND indexrelid::regclass::text <> 'accesslog_child_ids'", [TABLE])
    # A partitioned table's index reads "ON ONLY" (the parent alone): rebuilt, it must cover the rows.
    indexes = [definition.replace(" ON ONLY ", " ON ") for (definition,) in cursor.fetchall()]
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                   "AND contype = 'f'", [TABLE])
    foreign_keys = cursor.fetchall()
    cursor.execute(f"SELECT min(at), max(at) FROM {TABLE}")
    oldest, newest = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    cursor.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                   + (" PARTITION BY RANGE (at)" if partitioned else ""))
    if partitioned:
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        now = datetime.datetime.now(datetime.UTC)
        start, last = _month(min(oldest or now, now)), _month(max(newest or now, now))
        for _ in range(3):  # this month and three ahead; the daily job keeps it so
            last = _next(last)
        while start <= last:
            cursor.execute(f"CREATE TABLE {TABLE}_y{start.year:04d}m{start.month:02d} PARTITION OF {TABLE} "
                           f"FOR VALUES FROM ('{start.isoformat()}') TO ('{_next(start).isoformat()}')")
            start = _next(start)
    cursor.execute(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD}")
    cursor.execute(f"DROP TABLE {OLD}")
    cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    (sequence,) = cursor.fetchone()
    if sequence != f"public.{TABLE}_id_seq":
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
    cursor.execute(f"SELECT setval('{TABLE}_id_seq', COALESCE((SELECT max(id) FROM {TABLE}), 0) + 1, false)")
    key = "(id, at)" if partitioned else "(id)"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY {key}")
    for definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    if partitioned:
        cursor.execute(f"CREATE INDEX accesslog_child_ids ON {TABLE} USING gin (child_ids)")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):

    dependencies = [
        ("haandguide", "0011_accesslog_list_rows_unsealed"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
