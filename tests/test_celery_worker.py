"""The deadline job through a real Celery worker and Redis broker (CI's second pass), not eagerly."""

import os
import time
import zoneinfo

import datetime

import pytest

from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType
from tests import factories

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (runs in CI's second pass)")


@pytest.mark.django_db(transaction=True)
def test_agenda_closes_through_a_real_worker(settings):
    from celery.contrib.testing.worker import start_worker

    from districtcouncil import tasks
    from haandguide.celery import app

    municipality = factories.municipality()
    district = factories.district(municipality)
    factories.user("leder", institutions=[factories.institution(district)])
    seed_council_configuration(municipality)
    past_deadline = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Copenhagen")) + datetime.timedelta(days=2)
    meeting = CouncilMeeting.objects.create(
        council=Council.objects.get(district=district), starts_at=past_deadline,
        type=CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"))

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            tasks.close_agenda.delay(meeting.pk)
            for _ in range(100):
                meeting.refresh_from_db()
                if meeting.agenda_closed_at:
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert meeting.agenda_closed_at is not None
    assert meeting.council.district.municipality.users.get().notices.filter(key=f"dagsorden-klar-{meeting.pk}").exists()
