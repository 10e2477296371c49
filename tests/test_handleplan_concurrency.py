"""Real sessions saving the same plan from the same version at the same moment: exactly one wins,
every other one gets the conflict, nothing is overwritten. PostgreSQL only (SQLite serialises
writers, so it cannot show the race)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from haandguide.exceptions import EditConflict
from handleplan import services
from handleplan.models import Handleplan, PlanVersion
from tests.test_handleplan import as_user, texts

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="DATABASE_URL is not PostgreSQL")


@pytest.fixture
def plan(alma, alice, lars):
    case = case_services.case_open(actor=as_user(lars), child=alma)
    return services.plan_start(actor=as_user(alice), case=case)


def race(sessions: int, save) -> dict[int, object]:
    """Run save(i) in `sessions` threads, each with its own database connection, released together
    by a barrier. Returns each thread's outcome (its return value or the exception it raised)."""
    barrier = threading.Barrier(sessions)
    outcomes: dict[int, object] = {}

    def run(i):
        try:
            barrier.wait(timeout=20)
            outcomes[i] = save(i)
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[i] = error
        finally:
            connection.close()  # each thread has its own connection; close it

    threads = [threading.Thread(target=run, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == sessions, "a session hung"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_saves_from_the_same_version_exactly_one_wins(plan, alice, lars):
    opened_at = plan.version
    users = [alice, lars]

    def save(i):
        fresh = Handleplan.objects.get(pk=plan.pk)
        services.plan_save(actor=as_user(users[i]), plan=fresh, data=texts(goals_child=f"{users[i]}s mål"),
                           version=opened_at)
        return "saved"

    outcomes = race(2, save)
    kinds = sorted("conflict" if isinstance(o, EditConflict) else type(o).__name__ for o in outcomes.values())
    assert kinds == ["conflict", "str"], outcomes
    winner = users[next(i for i, outcome in outcomes.items() if outcome == "saved")]
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.version == opened_at + 1
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    assert latest.current.author == winner


@pytest.mark.django_db(transaction=True)
def test_of_twenty_concurrent_saves_exactly_one_wins_and_nineteen_get_the_conflict(plan, alice):
    opened_at = plan.version
    versions_before = PlanVersion.objects.filter(plan=plan).count()

    def save(i):
        fresh = Handleplan.objects.get(pk=plan.pk)
        return services.plan_save(actor=as_user(alice), plan=fresh, data=texts(goals_child=f"Mål nr. {i}"),
                                  version=opened_at)

    outcomes = race(20, save)
    winners = {i: o for i, o in outcomes.items() if isinstance(o, PlanVersion)}
    conflicts = [o for o in outcomes.values() if isinstance(o, EditConflict)]
    assert len(winners) == 1 and len(conflicts) == 19, outcomes
    (winner, version), = winners.items()
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.version == opened_at + 1
    assert PlanVersion.objects.filter(plan=plan).count() == versions_before + 1
    assert latest.current_id == version.pk
    assert latest.texts["goals_child"] == [f"Mål nr. {winner}"]  # the winner's text, not a later overwrite


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_saves_through_the_page_one_redirect_nineteen_conflict_pages(
        plan, alice, lars, alma):
    opened_at = plan.version
    versions_before = PlanVersion.objects.filter(plan=plan).count()
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    clients = []
    for i in range(20):
        client = Client()
        client.force_login(alice if i % 2 else lars)
        clients.append(client)

    def save(i):
        return clients[i].post(url, {**texts(goals_child=f"Side-mål nr. {i}"), "version": opened_at})

    outcomes = race(20, save)
    statuses = sorted(getattr(o, "status_code", o) for o in outcomes.values())
    assert statuses == [302] + [409] * 19, statuses
    winner = next(i for i, o in outcomes.items() if o.status_code == 302)
    for i, response in outcomes.items():
        if i != winner:  # everything the loser typed is on the conflict page
            assert f"Side-mål nr. {i}" in response.content.decode()
    latest = Handleplan.objects.get(pk=plan.pk)
    assert PlanVersion.objects.filter(plan=plan).count() == versions_before + 1
    assert latest.texts["goals_child"] == [f"Side-mål nr. {winner}"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_different_fields_from_the_same_version_are_both_kept(plan, alice, lars):
    """The merge runs under the plan's row lock: the second save merges against the first, whichever
    it is, and neither person's field is lost."""
    opened_at = services.plan_save(actor=as_user(alice), plan=plan, data=texts(), version=plan.version).number
    users = [alice, lars]
    changes = [{"signs": "Alices tegn"}, {"parents": "Lars' forældretekst"}]

    def save(i):
        fresh = Handleplan.objects.get(pk=plan.pk)
        return services.plan_save(actor=as_user(users[i]), plan=fresh, data=texts(**changes[i]), version=opened_at)

    outcomes = race(2, save)
    assert all(isinstance(o, PlanVersion) for o in outcomes.values()), outcomes
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.version == opened_at + 2
    assert (latest.texts["signs"], latest.texts["parents"]) == ("Alices tegn", "Lars' forældretekst")
