"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is in settings."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")

app = Celery("haandguide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_up_pdf(**kwargs) -> None:
    """Each worker process loads WeasyPrint and its fonts as it starts, not in the first report a
    user orders (`haandguide.lib.pdf.warm_up`). Sent in each process of the prefork pool (the
    deployment's: docker-compose `--concurrency 2`) and once by the solo pool."""
    from django.conf import settings

    from haandguide.lib.pdf import warm_up

    if settings.PDF_WARM_UP:
        warm_up()
