"""A real Celery worker killed in the middle of sending a letter by Digital Post: the letter is
delivered exactly once, by the next worker, after the dead worker's message is handed out again.
Needs PostgreSQL (the row lock dies with the worker's connection) and Redis: CI's second pass."""

import os
import signal

import pytest

from haandguide.models import AccessLog
from integrations.models import ChannelSetting, OutboxItem
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import case, config, decide, on_agenda  # noqa: F401
from tests.test_faults import (
    VISIBILITY_TIMEOUT, broker, delivered_longer_ago_than, forget_queued_messages, nothing_redelivered_for,
    queue_drained, start_worker_process, stop, wait_for,
)

pytestmark = pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs PostgreSQL and Redis (runs in CI's second pass)")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_letter_to_the_next_worker_which_delivers_it_once(
        birgitte, on_agenda, config, municipality, tmp_path):
    folder = tmp_path / "digital_post"
    ChannelSetting.objects.create(municipality=municipality, purpose="brev", channel="digital_post",
                                  folder=str(folder), sender_id="29189838")
    forget_queued_messages()
    with broker(os.environ["REDIS_URL"]):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    item = OutboxItem.objects.get(channel="digital_post")

    first = start_worker_process(tmp_path, "doomed", module="tests.worker_paused_mid_send")
    try:
        wait_for(lambda: len(list(folder.glob("*.xml"))) == 1, what="the MeMo file to be written")
        first.send_signal(signal.SIGKILL)  # kill -9 after delivering, before "sent" commits
        first.wait(timeout=10)
    finally:
        stop(first)
    item.refresh_from_db()
    assert (item.status, item.attempts) == (OutboxItem.Status.PENDING, 0), "the dead worker's claim rolled back"

    wait_for(lambda: delivered_longer_ago_than(VISIBILITY_TIMEOUT), what="the dead worker's message to time out")
    second = start_worker_process(tmp_path, "rescuer")
    try:
        wait_for(lambda: OutboxItem.objects.get(pk=item.pk).status == OutboxItem.Status.SENT, seconds=90,
                 what="the letter to be sent")
        wait_for(queue_drained, what="the message to be acknowledged")
        nothing_redelivered_for(VISIBILITY_TIMEOUT + 1)
    finally:
        stop(second)

    item.refresh_from_db()
    assert [p.name for p in folder.iterdir()] == [f"{item.key}.xml"]  # one file, no half-written leftovers
    assert item.attempts == 1 and "fandtes allerede" in item.receipt
    assert AccessLog.objects.filter(action="eksport", object_type="udgaaende:brev", object_id=str(item.document_id),
                                    detail__contains="Digital Post").count() == 1
