"""`with refused("code"):` — the one way a test says an action is refused.

It asserts the refusal's stable code (never the Danish wording, which may be reworded) and that
nothing was stored: every table but the access log (which records the refusal) holds exactly the
rows, with exactly the values, it held before.
"""

from contextlib import contextmanager

import pytest
from django.apps import apps

from haandguide.exceptions import Refused

# Rows a refusal is meant to write: the access log records who was refused what.
WRITTEN_BY_A_REFUSAL = {"haandguide.accesslog"}


def _everything() -> dict[str, list[dict]]:
    return {model._meta.label_lower: list(model._default_manager.order_by("pk").values())
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in WRITTEN_BY_A_REFUSAL}


@contextmanager
def refused(code: str, exception: type[Refused] = Refused):
    """The block raises `exception` with `code`, and leaves every table as it was."""
    before = _everything()
    with pytest.raises(exception) as raised:
        yield raised
    assert raised.value.code == code, f"refused with {raised.value.code!r} ({raised.value.reason}), expected {code!r}"
    after = _everything()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"a refused action stored something in {changed}"
