"""The access log is tamper-evident (issue 14): each municipality's rows form a sha256 chain,
a nightly job verifies it and tells the administrators of a changed or removed row; the purge
after the retention period is not tampering. Tampering goes through raw SQL, as an attacker with
database access would (the app itself cannot update or delete rows)."""

import datetime
import os
import threading

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from haandguide import services, tasks
from haandguide.access import log_access
from haandguide.actors import Actor
from haandguide.models import AccessLog, AccessLogChain, Notice, chain_digest
from tests import factories

TABLE = AccessLog._meta.db_table


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", TABLE), params)


@pytest.fixture
def logged(client_for, lars, alma, admin_user):
    """Five rows in Haderslev's chain: lars opens Alma's page five times."""
    client = client_for(lars)
    for _ in range(5):
        client.get(reverse("cases:child_detail", args=[alma.pk]))
    services.accesslog_seal()
    return list(AccessLog.objects.filter(municipality_id=lars.municipality_id).order_by("seq"))


def test_each_municipality_has_one_unbroken_chain(logged, lars, bob, viggo, client_for):
    other = factories.municipality(name="Køge Kommune")
    log_access(Actor.staff(factories.user("administrator", municipality_obj=other)), "vis", object_type="test")
    services.accesslog_seal()
    rows = logged
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert all(r.hash == chain_digest(r.prev_hash, r) for r in rows)
    assert AccessLog.objects.get(municipality_id=other.pk).seq == 1  # its own chain, from 1
    head = AccessLogChain.objects.get(municipality_id=lars.municipality_id)
    assert (head.seq, head.head) == (5, rows[-1].hash)
    assert services.accesslog_verify() == {}


def test_a_changed_row_is_reported_to_the_administrators(logged, admin_user, lars):
    raw("UPDATE {table} SET username = %s WHERE id = %s", ["nogen-andre", logged[2].pk])
    findings = services.accesslog_verify()
    assert findings == {lars.municipality_id: ["Række nr. 3 er ændret efter den blev skrevet."]}
    notice = Notice.objects.get(user=admin_user)
    assert "Række nr. 3" in notice.body
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert "nogen-andre" not in mail.outbox[0].body  # the email names the row, not its content
    services.accesslog_verify()
    assert Notice.objects.filter(user=admin_user).count() == 1  # told once per finding


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(logged, lars):
    row = logged[1]
    row.detail = "skjult"
    forged = chain_digest(row.prev_hash, row)
    raw("UPDATE {table} SET detail = %s, hash = %s WHERE id = %s", ["skjult", forged, row.pk])
    assert services.accesslog_chain_problems(lars.municipality_id) == ["Række nr. 3 passer ikke med række nr. 2."]


def test_a_removed_row_is_reported(logged, lars):
    raw("DELETE FROM {table} WHERE id = %s", [logged[2].pk])
    assert services.accesslog_verify() == {lars.municipality_id: ["Række nr. 3–3 er fjernet."]}


def test_removed_newest_and_oldest_rows_are_reported(logged, lars):
    raw("DELETE FROM {table} WHERE id IN (%s, %s)", [logged[0].pk, logged[-1].pk])
    problems = services.accesslog_chain_problems(lars.municipality_id)
    assert problems == ["Række nr. 1–1 er fjernet uden om sletningen efter opbevaringsperioden.",
                        "Række nr. 5–5 (de nyeste) er fjernet."]


def test_the_purge_is_not_tampering_and_records_where_it_cut(settings, client_for, lars, alma, admin_user):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    client = client_for(lars)
    with time_machine.travel(datetime.datetime(2024, 1, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        for _ in range(3):
            client.get(reverse("cases:child_detail", args=[alma.pk]))
    with time_machine.travel(datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        client.get(reverse("cases:child_detail", args=[alma.pk]))
        services.accesslog_seal()
        last_purged = AccessLog.objects.get(municipality_id=lars.municipality_id, seq=3)
        assert services.accesslog_purge(actor=Actor.job("accesslog_purge")) == 3
        purge = AccessLog.objects.get(action=AccessLog.Action.DELETE, object_type="accesslog")
        assert (purge.municipality_id, purge.object_id, purge.anchor) == (lars.municipality_id, "3", last_purged.hash)
        assert services.accesslog_verify() == {}
        client.get(reverse("cases:child_detail", args=[alma.pk]))
    with time_machine.travel(datetime.datetime(2026, 9, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        assert services.accesslog_purge(actor=Actor.job("accesslog_purge")) == 3  # the rest, the first purge record included
        assert services.accesslog_verify() == {}
        assert AccessLog.objects.get(municipality_id=lars.municipality_id).object_id == "6"  # the second purge
    assert not Notice.objects.exists()


def test_rows_removed_before_the_purges_cut_are_still_found(settings, client_for, lars, alma):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    client = client_for(lars)
    with time_machine.travel(datetime.datetime(2024, 1, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        client.get(reverse("cases:child_detail", args=[alma.pk]))
    with time_machine.travel(datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        for _ in range(3):
            client.get(reverse("cases:child_detail", args=[alma.pk]))
        services.accesslog_purge(actor=Actor.job("accesslog_purge"))
        services.accesslog_seal()
    first_kept = AccessLog.objects.get(municipality_id=lars.municipality_id, seq=2)
    raw("DELETE FROM {table} WHERE id = %s", [first_kept.pk])
    assert services.accesslog_chain_problems(lars.municipality_id) == [
        "Række nr. 1–2 er fjernet uden om sletningen efter opbevaringsperioden."]


def test_the_verification_runs_every_night():
    sealing = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "haandguide.tasks.seal_access_log"]
    assert len(sealing) == 1 and str(sealing[0]["schedule"]).startswith("<crontab: * * * * *")
    entry = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "haandguide.tasks.verify_access_log"]
    assert len(entry) == 1
    assert tasks.verify_access_log.name == "haandguide.tasks.verify_access_log"


def test_the_nightly_task_reports_the_number_of_broken_chains(logged):
    assert tasks.verify_access_log.delay().get() == 0
    raw("DELETE FROM {table} WHERE id = %s", [logged[1].pk])
    assert tasks.verify_access_log.delay().get() == 1


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="DATABASE_URL is not PostgreSQL (SQLite serialises writers, so it cannot show the race)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_chain(municipality):
    writers, rows_each = 8, 10
    users = [factories.user("administrator", municipality_obj=municipality, username=f"w{i}") for i in range(writers)]
    barrier = threading.Barrier(writers)
    errors = []

    def write(user):
        try:
            barrier.wait(timeout=20)
            for n in range(rows_each):
                if n % 2:
                    log_access(Actor.staff(user), "vis", object_type="test", object_id=n)
                else:
                    AccessLog.objects.bulk_create([AccessLog(username=user.username, action="vis", object_type="t",
                                                             municipality_id=municipality.pk) for _ in range(3)])
                if n % 3 == 0:  # sealers run while others write, and at once: still one chain
                    services.accesslog_seal()
        except Exception as error:  # noqa: BLE001 - the test looks at it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    services.accesslog_seal()
    expected = writers * (rows_each // 2) * 4
    assert sorted(AccessLog.objects.filter(municipality_id=municipality.pk).values_list("seq", flat=True)) == \
        list(range(1, expected + 1))
    assert services.accesslog_chain_problems(municipality.pk) == []
