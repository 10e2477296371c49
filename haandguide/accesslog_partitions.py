"""The access log's month partitions on PostgreSQL (migration 0012 makes the table range-partitioned
on `at`): `haandguide_accesslog_yYYYYmMM` holds one UTC month, `haandguide_accesslog_default` catches a
row no month partition takes (it should stay empty: the monthly job creates months ahead).

The retention purge drops whole months instead of deleting rows one by one (at national volume
tens of millions a month). On SQLite the table is a plain table and these functions do nothing.
"""

from __future__ import annotations

import datetime
import re

from django.db import connection, transaction

from haandguide.models import AccessLog

TABLE = AccessLog._meta.db_table
DEFAULT = f"{TABLE}_default"
_MONTH = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def month_start(moment: datetime.datetime | datetime.date) -> datetime.datetime:
    return datetime.datetime(moment.year, moment.month, 1, tzinfo=datetime.UTC)


def next_month(start: datetime.datetime) -> datetime.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def partition_name(start: datetime.datetime) -> str:
    return f"{TABLE}_y{start.year:04d}m{start.month:02d}"


def months() -> list[tuple[str, datetime.datetime]]:
    """The existing month partitions, oldest first: (name, first moment)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = %s::regclass", [TABLE])
        names = [name for (name,) in cursor.fetchall()]
    found = []
    for name in names:
        match = _MONTH.match(name)
        if match:
            found.append((name, datetime.datetime(int(match[1]), int(match[2]), 1, tzinfo=datetime.UTC)))
    return sorted(found, key=lambda item: item[1])


def _bounds(start: datetime.datetime, end: datetime.datetime) -> str:
    # DDL takes no parameters; the bounds are datetimes this module computed, never input.
    return f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"


def create_month(start: datetime.datetime) -> bool:
    """Create the partition of the month starting at `start` (UTC), if missing. Rows of that month
    already caught by the default partition are moved into it (CREATE … PARTITION OF would refuse
    while the default holds them). Returns whether it was created."""
    start = month_start(start)
    end = next_month(start)
    name = partition_name(start)
    if name in {n for n, _ in months()}:
        return False
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quote(DEFAULT)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT 1 FROM {quote(DEFAULT)} WHERE at >= %s AND at < %s LIMIT 1", [start, end])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE TABLE {quote(name)} PARTITION OF {quote(TABLE)} {_bounds(start, end)}")
        else:
            cursor.execute(f"CREATE TABLE {quote(name)} (LIKE {quote(TABLE)} INCLUDING DEFAULTS)")
            cursor.execute(f"WITH moved AS (DELETE FROM {quote(DEFAULT)} WHERE at >= %s AND at < %s RETURNING *) "
                           f"INSERT INTO {quote(name)} SELECT * FROM moved", [start, end])
            cursor.execute(f"ALTER TABLE {quote(TABLE)} ATTACH PARTITION {quote(name)} {_bounds(start, end)}")
    return True


def stray_months() -> list[datetime.datetime]:
    """The months of the rows the default partition caught (it should hold none: a bulk load of
    history, or rows written while the job was stopped). One scan of the default partition."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') FROM {quote(DEFAULT)}")
        return sorted(month_start(moment) for (moment,) in cursor.fetchall())


def ensure_months(now: datetime.datetime, ahead: int = 3) -> list[str]:
    """The daily job: partitions for this month and the `ahead` next ones, and for every month
    whose rows the default partition caught (they move into it: a child's search then reads
    only the months it asks for, not the default's whole history). Idempotent."""
    if not is_partitioned():
        return []
    strays, upcoming, start = stray_months(), [], month_start(now)
    for _ in range(ahead + 1):
        upcoming.append(start)
        start = next_month(start)
    created = [partition_name(month) for month in sorted(set(strays + upcoming)) if create_month(month)]
    if strays:
        vacuum_default()
    return created


def vacuum_default() -> None:
    """Rows moved out of the default partition stay there as dead rows, and every query's scan of
    its indexes walks them until a vacuum (600 ms for 380,000 moved rows): vacuum it at once.
    VACUUM cannot run inside a transaction; there (a test) autovacuum is left to do it."""
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(DEFAULT)}")


def purge_horizon(cutoff: datetime.datetime) -> datetime.datetime:
    """Rows before this moment go: the cutoff itself, or on a partitioned table the start of its
    month, so that only whole partitions (and a cut's few stragglers) are removed."""
    return month_start(cutoff.astimezone(datetime.UTC)) if is_partitioned() else cutoff


def drop_older_than(horizon: datetime.datetime) -> list[str]:
    """Detach and drop every month partition that ends at or before `horizon`. The caller has
    already recorded each chain's cut (the purge records keep the last dropped row's hash)."""
    if not is_partitioned():
        return []
    quote = connection.ops.quote_name
    dropped = []
    for name, start in months():
        if next_month(start) <= horizon:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {quote(TABLE)} DETACH PARTITION {quote(name)}")
                cursor.execute(f"DROP TABLE {quote(name)}")
            dropped.append(name)
    return dropped
