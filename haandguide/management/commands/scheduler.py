import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from haandguide.lib.scheduler import Scheduler


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Command(BaseCommand):
    help = ("Kører de planlagte job (CELERY_BEAT_SCHEDULE) i processen, uden Redis: lukker dagsordener, "
            "sender påmindelser m.m. Startes af ./dev up. I produktion kører celery beat i stedet.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Kør de job, der er forfaldne nu, og stop.")
        parser.add_argument("--state", type=Path, default=None, help="Fil med hvornår hvert job sidst kørte.")
        parser.add_argument("--stop-with", type=int, default=None, metavar="PID",
                            help="Stop, når denne proces (./dev up) ikke længere kører.")
        parser.add_argument("--force", action="store_true", help="Tillad kørsel i produktionstilstand.")

    def handle(self, *args, once: bool, state: Path | None, stop_with: int | None, force: bool, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("I produktion kører celery beat de planlagte job; brug --force for at køre dem her.")
        scheduler = Scheduler(state_path=state)
        if not once:
            self.stdout.write(f"Planlagte job: {', '.join(scheduler.entries)} (tilstand i {scheduler.state_path})")
        while True:
            if not once:
                close_old_connections()  # a long-lived process: drop a connection the database closed
            ran, next_check = scheduler.tick()
            for name in ran:
                self.stdout.write(f"Kørt: {name}")
            if once:
                return
            deadline = time.monotonic() + next_check
            while time.monotonic() < deadline:
                if stop_with is not None and not _alive(stop_with):
                    return
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))
