"""Services take an actor, not an HTTP request (haandguide/actors.py): who acts and through what.

A job, an admin action, the demo and the tests call the same services as the views, each with a
real Actor, and the access-log row says through which door the action came."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from haandguide.actors import Actor, ActorKind

APPS = ("haandguide", "cases", "handleplan", "community", "districtcouncil", "reports", "portal", "integrations")
# The modules that answer an HTTP request and so may take one: views and their helpers (scope
# lookups, the page's sections and panels), the admin, the middleware and settings. Every other
# module (services, split by concern or not, jobs, retention, the demo, notify) acts through an actor.
REQUEST_FACING = {"views", "scope", "admin", "access", "actors", "middleware", "keep_typed", "public",
                  "context_processors", "dashboard", "interfaces", "child_page", "urls", "settings",
                  "settings_test", "wsgi", "celery", "migrations", "management", "api"}


def _service_modules():
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for info in pkgutil.walk_packages([str(root / app)], prefix=f"{app}."):
            if not REQUEST_FACING & set(info.name.split(".")[1:]):
                yield importlib.import_module(info.name)


def _functions(module):
    for _, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            yield value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for attr in vars(value).values():
                function = getattr(attr, "__func__", attr)
                if inspect.isfunction(function):
                    yield function
        # Celery tasks wrap the function; their `run` is what was written.
        elif hasattr(value, "run") and getattr(value, "__module__", None) == module.__name__:
            run = getattr(value.run, "__func__", value.run)
            if inspect.isfunction(run):
                yield run


def test_service_modules_are_found():
    names = {m.__name__ for m in _service_modules()}
    assert {"haandguide.retention", "haandguide.notify", "haandguide.tasks", "cases.demo", "districtcouncil.tasks",
            "cases.services", "handleplan.services", "districtcouncil.services", "reports.services"} <= names
    assert not any(n.endswith((".views", ".scope", ".admin")) for n in names)


def test_no_service_function_takes_a_request():
    """A service is called with who acts (`actor=`), never with an HTTP request: a job, the
    portal or an integration client has none, and must not have to fake one."""
    offenders = []
    modules = list(_service_modules())
    assert len(modules) >= 20
    for module in modules:
        for function in _functions(module):
            parameters = inspect.signature(function).parameters
            if "request" in parameters or "request_or_user" in parameters:
                offenders.append(f"{module.__name__}.{function.__qualname__}")
    assert offenders == []


def test_every_service_that_acts_takes_actor_as_a_keyword():
    """`<entity>_<action>(*, actor, ...)`: keyword-only, so nobody passes a user by position. (The
    log's own row builders, `log_access(actor, ...)` and `AccessLog.written_by(actor, ...)`, take it
    first.)"""
    checked = 0
    for module in _service_modules():
        if module.__name__.endswith(".models"):
            continue
        for function in _functions(module):
            parameter = inspect.signature(function).parameters.get("actor")
            if parameter is not None:
                checked += 1
                assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{module.__name__}.{function.__qualname__}"
    assert checked >= 40


def test_actor_constructors_say_who_and_through_what(rf, lars, admin_user):
    request = rf.get("/born/1/")
    request.user = lars
    assert Actor.from_request(request) == Actor(kind=ActorKind.STAFF, user=lars, path="/born/1/")
    admin_request = rf.post(reverse("admin:index"))
    admin_request.user = admin_user
    assert Actor.from_request(admin_request).kind == ActorKind.ADMIN
    assert Actor.admin(admin_request) == Actor(kind=ActorKind.ADMIN, user=admin_user, path=admin_request.path)
    assert Actor.staff(lars) == Actor(kind=ActorKind.STAFF, user=lars)
    job = Actor.job("agendas_close_due")
    assert (job.kind, job.user, job.label, job.name, job.municipality_id) == (
        ActorKind.JOB, None, "agendas_close_due", "(system)", None)
    with pytest.raises(AttributeError):  # frozen: an actor is not changed on its way down
        job.user = lars


def test_a_parent_or_client_need_not_be_staff():
    """Designed for the portal and the integration API: the party, not a User, says whose
    municipality the action belongs to, and the label is the name the log shows."""
    client = SimpleNamespace(municipality_id=7)  # an integration client's registration
    actor = Actor(kind=ActorKind.CLIENT, party=client, label="Fagsystem")
    assert (actor.user, actor.name, actor.municipality_id, actor.role) == (None, "Fagsystem", 7, "")


def test_views_hand_their_request_actor_to_the_services(client_for, lars, alma):
    from cases.models import Case
    from haandguide.models import AccessLog

    url = reverse("cases:case_transition", args=[alma.pk, "open"])
    assert client_for(lars).post(url, {"reason": "Bekymring"}).status_code == 302
    assert Case.objects.filter(child=alma).exists()
    row = AccessLog.objects.get(object_type="case", action=AccessLog.Action.CREATE)
    assert (row.user, row.actor_kind, row.actor_label, row.path) == (lars, ActorKind.STAFF, "", url)


def test_a_jobs_access_log_rows_carry_the_job_as_actor(settings, alma, lars, client_for):
    """The nightly jobs call the services with `Actor.job(...)`: their rows say which job, not a user."""
    import datetime

    import time_machine

    from haandguide import tasks
    from haandguide.models import AccessLog

    settings.ACCESS_LOG_RETENTION_DAYS = 365
    with time_machine.travel(datetime.datetime(2024, 1, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    alma.left_at = datetime.date(2024, 1, 31)
    alma.save()
    with time_machine.travel(datetime.datetime(2027, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        assert tasks.purge_access_log() == 1
        assert tasks.anonymise_due_children() == 1
    purge = AccessLog.objects.get(action=AccessLog.Action.DELETE, object_type="accesslog")
    anonymised = AccessLog.objects.get(action=AccessLog.Action.DELETE, object_type="child")
    for row, job in ((purge, "accesslog_purge"), (anonymised, "retention_run")):
        assert (row.user, row.username, row.actor_kind, row.actor_label, row.path) == (
            None, "(system)", ActorKind.JOB, job, "")
        assert row.via == f"Planlagt job: {job}"
    assert anonymised.child_id == alma.pk and anonymised.municipality_id == alma.institution.district.municipality_id


def test_an_admin_actions_access_log_rows_carry_the_administrator_as_actor(client_for, lars, bob, solsikken, viggo,
                                                                          admin_user):
    from haandguide.models import AccessLog, ChildTransferRequest

    client_for(lars).post(reverse("cases:child_create"), {
        "first_name": "Storm", "last_name": "Lund", "cpr": viggo.cpr, "institution": solsikken.pk,
        "started_at": "2023-08-01"})
    transfer = ChildTransferRequest.objects.get()
    asked = AccessLog.objects.get(object_type="childtransferrequest", action=AccessLog.Action.CREATE)
    assert (asked.user, asked.actor_kind) == (lars, ActorKind.STAFF)
    url = reverse("admin:haandguide_childtransferrequest_changelist")
    response = client_for(admin_user).post(url, {"action": "apply", "_selected_action": [transfer.pk]})
    assert response.status_code == 302
    moved = AccessLog.objects.get(action=AccessLog.Action.UPDATE, child_id=viggo.pk, object_type="child")
    assert (moved.user, moved.actor_kind, moved.path) == (admin_user, ActorKind.ADMIN, url)
    assert moved.via == "Administrator i administrationen"


def test_the_access_log_search_shows_and_filters_by_actor_kind(client_for, lars, alma, admin_user):
    import datetime

    from haandguide import retention

    client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    alma.left_at = datetime.date(2020, 1, 31)
    alma.save()
    retention.run(actor=Actor.job("retention_run"))
    admin = client_for(admin_user)
    everything = admin.post(reverse("accesslog"), {"child": ""}).content.decode()
    staff_cell, job_cell = "<td>Medarbejder i browseren</td>", "<td>Planlagt job: retention_run</td>"
    assert staff_cell in everything and job_cell in everything
    jobs_only = admin.post(reverse("accesslog"), {"child": "", "actor_kind": ActorKind.JOB}).content.decode()
    assert job_cell in jobs_only and staff_cell not in jobs_only
    # Django's admin lists and filters the same column.
    listing = admin.get(reverse("admin:haandguide_accesslog_changelist"), {"actor_kind": ActorKind.JOB})
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
