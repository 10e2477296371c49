"""Test overrides: the same settings, with fast password hashing and eager Celery.

DATABASE_URL and REDIS_URL still come from the environment, so `.ci/run` runs this very suite
against PostgreSQL and Redis as well as against SQLite.
"""

from haandguide.settings import *  # noqa: F401,F403
from haandguide.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
PDF_WARM_UP = False  # the in-process test workers build no PDF worth a second's warm-up at their start
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = VAR_DIR / "test-private"
OUTBOX_ROOT = VAR_DIR / "test-outbox"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every statement (haandguide/lib/statements.py) is also built and compiled the ordinary way, and a
# kept SQL that differs fails the test that read it.
STATEMENTS_VERIFY = True
