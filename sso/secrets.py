"""The client secret of a provider: never in the database (nor its dumps and backups).

From the environment, `SSO_CLIENT_SECRET_<SLUG>` (the slug upper-cased, "-" as "_"), or from a
file named after the provider in `SSO_SECRETS_DIR` (e.g. Docker/Kubernetes secrets mounted at
/run/secrets/haandguide-sso/<slug>).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def env_name(slug: str) -> str:
    return "SSO_CLIENT_SECRET_" + slug.upper().replace("-", "_")


def client_secret(provider) -> str | None:
    value = os.environ.get(env_name(provider.slug), "").strip()
    if value:
        return value
    directory = getattr(settings, "SSO_SECRETS_DIR", "")
    if directory:
        path = Path(directory) / provider.slug
        if path.is_file():
            return path.read_text(encoding="utf-8").strip() or None
    return None
