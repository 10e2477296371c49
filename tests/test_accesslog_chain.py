"""The access log is tamper-evident (issue 14): each municipality's rows form a sha256 chain,
a nightly job verifies it and tells the administrators of a changed or removed row; the purge
after the retention period is not tampering. Tampering goes through raw SQL, as an attacker with
database access would (the app itself cannot update or delete rows)."""

import datetime
import os
import threading
from unittest import mock

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


def test_the_nightly_task_reports_the_number_of_broken_chains(logged, settings):
    settings.ACCESS_LOG_RECHECK_NIGHTS = 1  # every night walks every row again
    assert tasks.verify_access_log.delay().get() == 0
    raw("DELETE FROM {table} WHERE id = %s", [logged[1].pk])
    assert tasks.verify_access_log.delay().get() == 1


def write_rows(user, count):
    for n in range(count):
        log_access(Actor.staff(user), "vis", object_type="test", object_id=n)
    services.accesslog_seal()
    return list(AccessLog.objects.filter(municipality_id=user.municipality_id).order_by("seq"))


def nights(count):
    """What `count` nightly checks found, night by night (Haderslev's chain only)."""
    return [services.accesslog_verify() for _ in range(count)]


def test_the_nightly_check_walks_what_is_new_and_a_slice_of_the_older_rows(settings, lars):
    settings.ACCESS_LOG_RECHECK_NIGHTS = 10
    write_rows(lars, 40)
    hashed = mock.Mock(wraps=services.chain_digest)
    with mock.patch.object(services, "chain_digest", hashed):
        assert services.accesslog_verify() == {}
        assert hashed.call_count == 40  # the first night: every row
        head = AccessLogChain.objects.get(municipality_id=lars.municipality_id)
        assert (head.verified_seq, head.verified_hash) == (40, head.head)
        write_rows(lars, 3)
        hashed.reset_mock()
        assert services.accesslog_verify() == {}
        assert hashed.call_count == 3 + 4  # the 3 new rows and a tenth of the 40 older ones
        hashed.reset_mock()
        assert services.accesslog_verify() == {}
        assert hashed.call_count == 5  # nothing new; the next slice of the 43
    head.refresh_from_db()
    assert (head.verified_seq, head.rechecked_seq) == (43, 9)


@pytest.mark.parametrize("tamper, finding", [
    ("UPDATE {table} SET username = 'nogen-andre' WHERE id = %s", "Række nr. 17 er ændret efter den blev skrevet."),
    ("DELETE FROM {table} WHERE id = %s", "Række nr. 17–17 er fjernet."),
])
def test_a_changed_or_removed_old_row_is_found_within_the_recheck_period(settings, lars, tamper, finding):
    settings.ACCESS_LOG_RECHECK_NIGHTS = 4
    rows = write_rows(lars, 20)
    assert services.accesslog_verify() == {}  # rows 1–20 verified
    raw(tamper, [rows[16].pk])
    found = [night.get(lars.municipality_id, []) for night in nights(8)]
    assert sum(finding in problems for problems in found[:4]) == 1  # once in the 4 nights' round
    assert sum(finding in problems for problems in found[4:]) == 1  # and again in the next round
    assert all(problems in ([], [finding]) for problems in found)


def test_a_row_changed_or_removed_since_the_last_check_is_found_the_next_night(settings, lars):
    settings.ACCESS_LOG_RECHECK_NIGHTS = 1000
    write_rows(lars, 5)
    assert services.accesslog_verify() == {}
    rows = write_rows(lars, 4)  # rows 6–9
    raw("UPDATE {table} SET detail = 'skjult' WHERE id = %s", [rows[6].pk])
    raw("DELETE FROM {table} WHERE id = %s", [rows[7].pk])
    assert services.accesslog_verify() == {lars.municipality_id: [
        "Række nr. 7 er ændret efter den blev skrevet.", "Række nr. 8–8 er fjernet."]}


def test_a_newest_row_removed_with_its_head_moved_back_is_found(settings, lars):
    write_rows(lars, 5)
    assert services.accesslog_verify() == {}
    rows = write_rows(lars, 0)
    raw("DELETE FROM {table} WHERE id = %s", [rows[-1].pk])
    raw(f"UPDATE {AccessLogChain._meta.db_table} SET seq = 4, head = %s WHERE municipality_id = %s",
        [rows[-2].hash, lars.municipality_id])
    assert services.accesslog_verify() == {lars.municipality_id: ["Række nr. 5–5 (de nyeste) er fjernet."]}


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
