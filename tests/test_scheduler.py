"""The embedded default's scheduled jobs: `manage.py scheduler` runs the beat schedule without Redis."""

import datetime
import os
import re
import subprocess
import sys
import threading
import time
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command

from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType
from haandguide.lib.scheduler import Scheduler
from tests import factories

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
RUNS: list[str] = []


@shared_task(name="tests.test_scheduler.record_run")
def record_run(label: str = "job") -> str:
    RUNS.append(label)
    return label


@shared_task(name="tests.test_scheduler.record_run_in_file")
def record_run_in_file(path: str) -> None:
    with open(path, "a") as runs:
        runs.write(f"{os.getpid()}\n")


@pytest.fixture(autouse=True)
def no_runs():
    RUNS.clear()


def at(hour, minute=0, day=30):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=CPH)


def test_a_due_job_runs_once_and_not_twice(tmp_path):
    beat = {"every-15-min": {"task": "tests.test_scheduler.record_run", "schedule": 15 * 60}}
    state = tmp_path / "state.json"
    with time_machine.travel(at(10, 0), tick=False) as clock:
        assert Scheduler(beat, state).tick()[0] == []  # first sight: counts as run now, as beat does
        clock.move_to(at(10, 16))
        assert Scheduler(beat, state).tick()[0] == ["every-15-min"]
        assert Scheduler(beat, state).tick()[0] == []  # same due time, a new process: not again
        clock.move_to(at(10, 32))
        assert Scheduler(beat, state).tick()[0] == ["every-15-min"]
    assert RUNS == ["job", "job"]


def test_crontab_jobs_run_at_their_hour_in_copenhagen_time(tmp_path):
    beat = {"nightly": {"task": "tests.test_scheduler.record_run", "schedule": crontab(hour=2, minute=15),
                        "kwargs": {"label": "nightly"}}}
    state = tmp_path / "state.json"
    with time_machine.travel(at(23, 0, day=29), tick=False) as clock:
        Scheduler(beat, state).tick()
        clock.move_to(at(2, 10))
        assert Scheduler(beat, state).tick()[0] == []
        clock.move_to(at(2, 16))
        assert Scheduler(beat, state).tick()[0] == ["nightly"]
        clock.move_to(at(12, 0))
        assert Scheduler(beat, state).tick()[0] == []
    assert RUNS == ["nightly"]


class SlowToRead(Scheduler):
    """Reads the state slowly, so two schedulers without the lock would both see the job as due."""

    def _read(self):
        state = super()._read()
        time.sleep(0.3)
        return state


def test_two_schedulers_at_the_same_moment_run_the_job_once(tmp_path):
    beat = {"slow": {"task": "tests.test_scheduler.record_run", "schedule": 60}}
    state = tmp_path / "state.json"
    state.write_text('{"slow": "2026-11-30T09:00:00+01:00"}')  # long overdue
    ran = []
    start = threading.Barrier(2)

    def one_process():
        scheduler = SlowToRead(beat, state)
        start.wait()
        ran.extend(scheduler.tick()[0])

    threads = [threading.Thread(target=one_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ran == ["slow"] and RUNS == ["job"]


def test_two_scheduler_processes_started_together_run_a_due_job_once(tmp_path):
    state, runs = tmp_path / "state.json", tmp_path / "runs.txt"
    state.write_text('{"job": "2026-11-30T09:00:00+01:00"}')  # long overdue
    beat = {"job": {"task": "tests.test_scheduler.record_run_in_file", "schedule": 3600, "args": [str(runs)]}}
    program = ("import sys, django; django.setup(); from tests.test_scheduler import SlowToRead; "
               f"scheduler = SlowToRead({beat!r}, {str(state)!r}); print('klar', flush=True); sys.stdin.readline(); "
               "print(scheduler.tick()[0])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "haandguide.settings_test"}
    processes = [subprocess.Popen([sys.executable, "-c", program], cwd=settings.BASE_DIR, env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for process in processes:  # both started and ready, then both told to go at once
        assert process.stdout.readline().strip() == "klar"
    for process in processes:
        process.stdin.write("\n")
        process.stdin.flush()
    outputs = sorted(process.communicate(timeout=120)[0].strip() for process in processes)
    assert outputs == ["['job']", "[]"]
    assert len(runs.read_text().split()) == 1


def test_a_failing_job_does_not_stop_the_others(tmp_path):
    beat = {"broken": {"task": "tests.test_scheduler.no_such_task", "schedule": 60},
            "fine": {"task": "tests.test_scheduler.record_run", "schedule": 60}}
    state = tmp_path / "state.json"
    state.write_text('{"broken": "2026-11-30T09:00:00+01:00", "fine": "2026-11-30T09:00:00+01:00"}')
    with time_machine.travel(at(10, 0), tick=False):
        assert Scheduler(beat, state).tick()[0] == ["broken", "fine"]
    assert RUNS == ["job"]


def test_the_schedule_is_the_settings_beat_schedule_and_every_task_exists(tmp_path):
    scheduler = Scheduler(state_path=tmp_path / "state.json")
    assert scheduler.entries.keys() == settings.CELERY_BEAT_SCHEDULE.keys()
    from kombu.utils.imports import symbol_by_name

    for entry in scheduler.entries.values():
        assert callable(symbol_by_name(entry["task"]).apply)


@pytest.mark.django_db
def test_the_command_closes_an_agenda_whose_deadline_passed(tmp_path):
    municipality = factories.municipality()
    district = factories.district(municipality)
    factories.user("leder", institutions=[factories.institution(district)])
    seed_council_configuration(municipality)
    meeting = CouncilMeeting.objects.create(
        council=Council.objects.get(district=district), starts_at=at(13, 0, day=3).replace(month=12),
        type=CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"))
    state = tmp_path / "state.json"
    with time_machine.travel(meeting.deadline - datetime.timedelta(minutes=20), tick=False) as clock:
        call_command("scheduler", "--once", "--state", str(state))
        clock.move_to(meeting.deadline + datetime.timedelta(minutes=1))
        call_command("scheduler", "--once", "--state", str(state))
    meeting.refresh_from_db()
    assert meeting.agenda_closed_at is not None


def test_dev_up_starts_the_scheduler_beside_runserver_and_stops_it_with_it():
    script = (Path(settings.BASE_DIR) / "dev").read_text()
    up = script[script.index("  up)"):script.index(";;", script.index("  up)"))]
    assert re.search(r"manage\.py scheduler --stop-with \$\$ &\n\s*scheduler_pid=\$!", up)
    assert "trap 'kill \"$scheduler_pid\"" in up and "EXIT" in up
    assert up.index("manage.py scheduler") < up.index("manage.py runserver")
    assert "exec .venv/bin/python manage.py runserver" not in up  # exec would drop the trap
