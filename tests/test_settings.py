"""The settings module refuses bad production values before anything starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_PRODUCTION = {
    "HAANDGUIDE_MODE": "production",
    "SECRET_KEY": "k8#Vq2!mZ0pL9sRt4@wYx6&nB1cD3eF5gH7jK-Q_uI=oA+TzE-r2Wm8Lp5Xy",
    "ALLOWED_HOSTS": "haandguide.example.dk",
    "DATABASE_URL": "postgres://haandguide:secret@db:5432/haandguide",
    "REDIS_URL": "redis://redis:6379/0",
}


def run_manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GOOD_PRODUCTION and k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "haandguide.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "override, message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must point to PostgreSQL"),
        ({"DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, "DATABASE_URL must point to PostgreSQL"),
        ({"REDIS_URL": ""}, "REDIS_URL must be set"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL must start with redis://"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"SESSION_IDLE_MINUTES": "ten"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"CELERY_VISIBILITY_TIMEOUT": "0"}, "CELERY_VISIBILITY_TIMEOUT must be at least 1"),
        ({"HAANDGUIDE_MODE": "prod"}, "HAANDGUIDE_MODE must be development or production"),
    ],
)
def test_bad_production_value_stops_start_up(override, message):
    result = run_manage({**GOOD_PRODUCTION, **override}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage(GOOD_PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_development_needs_no_configuration():
    result = run_manage({"DATABASE_URL": "", "REDIS_URL": ""}, "check")
    assert result.returncode == 0, result.stderr
