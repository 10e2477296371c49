"""Small things done one way: every list pages by settings.PAGE_SIZE, a child's case is read by
Case.objects.of_child, and the dead constants stay gone."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case
from haandguide.notify import notify
from tests.case_fixtures import as_user  # noqa: F401

ROOT = Path(settings.BASE_DIR)
APPS = ["haandguide", "cases", "handleplan", "community", "districtcouncil", "reports", "portal", "integrations"]


def source_files():
    for app in APPS:
        yield from (p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def test_no_paginator_outside_the_one_helper_and_no_hard_coded_page_size():
    offenders = [str(p.relative_to(ROOT)) for p in source_files()
                 if "Paginator(" in p.read_text() and p != ROOT / "haandguide" / "lib" / "pages.py"]
    assert offenders == []


def test_the_page_size_setting_is_what_a_list_shows(client_for, lars, settings):
    settings.PAGE_SIZE = 3
    for n in range(7):
        notify([lars], key=f"k{n}", subject=f"Besked {n}")
    response = client_for(lars).get(reverse("notice_list"))
    assert len(response.context["page"].object_list) == 3 and response.context["page"].paginator.num_pages == 3


def test_a_childs_case_is_read_one_way(alma, lars):
    from cases import services as case_services

    assert Case.objects.of_child(alma) is None and Case.objects.of_child(None) is None
    case = case_services.case_open(actor=as_user(lars), child=alma)
    assert Case.objects.of_child(alma) == case == Case.objects.of_child(alma.pk)
    offenders = [str(p.relative_to(ROOT)) for p in source_files()
                 if re.search(r"Case\.objects\.filter\(child(_id)?=[^)]*\)\.first\(\)", p.read_text())]
    assert offenders == []


@pytest.mark.parametrize("module, name", [
    ("cases.defaults", "OBSERVATION_TYPES"), ("cases.defaults", "MEETING_TYPES"),
    ("districtcouncil.defaults", "RESOURCE_TYPES"), ("districtcouncil.defaults", "MELLEMFORM"),
    ("haandguide.demo", "DEMO_USERS"), ("haandguide.demo", "INSTITUTIONS"),
    ("handleplan.catalogue", "HADERSLEV_CATALOGUE"), ("cases.models.Case", "level_index"),
    ("handleplan.models", "Reminder"),
])
def test_dead_code_stays_gone(module, name):
    import importlib

    path, _, attribute = module.rpartition(".") if module.endswith(".Case") else (module, "", "")
    target = getattr(importlib.import_module(path), attribute) if attribute else importlib.import_module(module)
    assert not hasattr(target, name)
