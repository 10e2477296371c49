"""The beat schedule without Redis: `manage.py scheduler`, which `./dev up` starts beside runserver.

Production runs `celery beat` with a worker. The embedded default has neither, so this evaluates the
very same `CELERY_BEAT_SCHEDULE` (settings stay the one source of truth) with Celery's own schedule
objects (`crontab`/`schedule` `.is_due`, as beat does) and runs each due task in-process. When each
job last ran is kept in a small JSON file; an exclusive file lock around "read – run what is due –
write" makes two scheduler processes on the same state run a job once per due time, not twice.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from kombu.utils.imports import symbol_by_name

logger = logging.getLogger("haandguide.scheduler")


def default_state_path() -> Path:
    return Path(settings.VAR_DIR) / "scheduler-state.json"


def as_schedule(value, app) -> BaseSchedule:
    """A beat entry's schedule as Celery reads it: seconds, a timedelta or a schedule object."""
    if isinstance(value, (int, float)):
        value = datetime.timedelta(seconds=value)
    if isinstance(value, datetime.timedelta):
        return schedule(value, app=app)
    value.app = app  # crontab(...) built in settings before the app existed: use ours (its timezone)
    return value


class Scheduler:
    def __init__(self, beat_schedule: dict | None = None, state_path: Path | None = None, app=None):
        from haandguide.celery import app as celery_app

        self.app = app or celery_app
        self.entries = {name: dict(entry) for name, entry in
                        (settings.CELERY_BEAT_SCHEDULE if beat_schedule is None else beat_schedule).items()}
        self.schedules = {name: as_schedule(entry["schedule"], self.app) for name, entry in self.entries.items()}
        self.state_path = Path(state_path or default_state_path())
        self.lock_path = self.state_path.with_name(self.state_path.name + ".lock")

    @contextmanager
    def _locked(self):
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another scheduler waits, then finds the job already run
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, datetime.datetime]:
        try:
            raw = json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {name: datetime.datetime.fromisoformat(value) for name, value in raw.items()}

    def _write(self, state: dict[str, datetime.datetime]) -> None:
        temporary = self.state_path.with_name(self.state_path.name + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({name: moment.isoformat() for name, moment in state.items()}, indent=1))
        temporary.replace(self.state_path)  # atomic: a crash never leaves half a file

    def tick(self) -> tuple[list[str], float]:
        """Run every job that is due now, once. Returns the names run and seconds until the next check.

        A job seen for the first time counts as run now (as beat does): starting the app does not
        fire every nightly job at once; a job missed while nothing ran is run once when it is seen."""
        ran, next_check = [], 60.0
        with self._locked():
            state = self._read()
            now = self.app.now()
            for name, entry in self.entries.items():
                last_run_at = state.setdefault(name, now)
                due, next_seconds = self.schedules[name].is_due(last_run_at)
                if due:
                    state[name] = now
                    self._write(state)  # recorded before running: a crash mid-job does not repeat it at once
                    self._run(name, entry)
                    ran.append(name)
                next_check = min(next_check, max(float(next_seconds), 1.0))
            self._write(state)
        return ran, next_check

    def _run(self, name: str, entry: dict) -> None:
        try:
            task = symbol_by_name(entry["task"])
            result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
            if result.failed():
                logger.error("Planlagt job %s fejlede: %s", name, result.result)
            else:
                logger.info("Planlagt job %s kørt: %s", name, result.result)
        except Exception:  # one failing job must not stop the others or the scheduler
            logger.exception("Planlagt job %s fejlede", name)
