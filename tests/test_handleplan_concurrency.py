"""Two real sessions saving the same plan from the same version: exactly one wins. PostgreSQL
only (SQLite serialises writers, so it cannot show the race)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from cases import services as case_services
from haandguide.exceptions import EditConflict
from handleplan import services
from handleplan.models import Handleplan, PlanVersion
from tests.test_handleplan import as_user, texts

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="DATABASE_URL is not PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_saves_from_the_same_version_exactly_one_wins(alma, alice, lars):
    case = case_services.case_open(request=as_user(lars), child=alma)
    plan = services.plan_start(request=as_user(alice), case=case)
    opened_at = plan.version
    barrier = threading.Barrier(2)
    outcomes = {}

    def save_as(user, goal):
        try:
            fresh = Handleplan.objects.get(pk=plan.pk)
            barrier.wait(timeout=10)
            services.plan_save(request=as_user(user), plan=fresh, data=texts(goals_child=goal), version=opened_at)
            outcomes[user.username] = "saved"
        except EditConflict:
            outcomes[user.username] = "conflict"
        finally:
            connection.close()  # each thread has its own connection; close it

    threads = [threading.Thread(target=save_as, args=(alice, "Alices mål")),
               threading.Thread(target=save_as, args=(lars, "Lars' mål"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.version == opened_at + 1
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    assert latest.current.author.username == winner
