"""Issue 14: Django's admin names nothing of another municipality.

Walks the admin registry over the access matrix's world (municipality 1 with the administrator,
municipality 2 the other tenant, whose every name is marked with MARK): for each registered
model the changelist (with its list filters), the add form, the add form with `?<field>=<id of
municipality 2>` for every relation, a POST with such an id, and the autocomplete endpoint for
every relation. No response may carry MARK or municipality 2's child, and every refusal is a
logged 404. A new ModelAdmin that is not an `AuditedAdmin` with a `municipality_path` (or listed
in ADMIN_UNSCOPED and closed to all but the installation's operator) fails
`test_every_registered_admin_is_scoped`.
"""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test import Client
from django.urls import reverse

from cases.models import Case
from haandguide.admin import AuditedAdmin, MunicipalityScopeMixin, municipality_path_for
from haandguide.models import AccessLog, Child, CounsellorAssignment, Role
from tests import factories
from tests.test_access_matrix import A, ADMIN_OBJECTS, ADMIN_UNSCOPED, MISSING_ID, matrix, world  # noqa: F401

MARK = "Xenokom"
NAME_FIELDS = ("name", "title", "first_name", "last_name", "username")


@pytest.fixture(scope="module")
def tenants(world, django_db_blocker):
    """Every name of municipality 2 gets MARK, so any of its rows in a response is found."""
    other = world["places"]["m2"]
    with django_db_blocker.unblock():
        usernames = [u.username for u in (other.leader, other.pedagogue, other.consultant, other.counsellor)]
        for model in ADMIN_OBJECTS:
            if model is AccessLog:  # append-only; its rows keep the usernames, listed as secrets below
                continue
            names = [f.name for f in model._meta.concrete_fields if f.name in NAME_FIELDS]
            rows = model._default_manager.filter(**{municipality_path_for(model): other.municipality.pk})
            if names:
                rows.update(**{n: Concat(Value(MARK), F(n)) for n in names})
    # The masked CPR (ddmmyy-XXXX) is left out: the factories give every child the same birth date.
    secrets = [s for s in other.secrets if not s.endswith("XXXX")]
    return {**world, "secrets": [MARK, *secrets, *usernames]}


@pytest.fixture
def scope(tenants, db):
    return tenants


def _leaks(response, secrets) -> list[str]:
    body = response.content.decode("utf-8", "replace")
    return [s for s in secrets if s in body]


def _relations(model):
    return [f for f in model._meta.get_fields()
            if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one or f.many_to_many)]


def _foreign_id(place, related) -> str:
    """An id of `related` that lies outside the administrator's municipality."""
    if related in ADMIN_OBJECTS:
        return str(getattr(place, ADMIN_OBJECTS[related]).pk)
    if related is Case:
        return str(place.case.pk)
    row = related._default_manager.order_by("pk").first()  # no way to a municipality: none is offered
    return str(row.pk if row else MISSING_ID)


def _denied(user, related, object_id) -> bool:
    return AccessLog.objects.filter(user=user, action=AccessLog.Action.DENIED,
                                    object_type=related._meta.model_name, object_id=object_id).exists()


def test_every_registered_admin_is_scoped():
    problems = []
    for model, model_admin in django_admin.site._registry.items():
        if model in ADMIN_UNSCOPED:
            if isinstance(model_admin, AuditedAdmin):
                problems.append(f"{model.__name__}: listed as unscoped but is an AuditedAdmin")
            continue
        if not isinstance(model_admin, AuditedAdmin) or not model_admin.municipality_path:
            problems.append(f"{model.__name__}: not an AuditedAdmin with a municipality_path")
        if model not in ADMIN_OBJECTS:
            problems.append(f"{model.__name__}: add it to ADMIN_OBJECTS in tests/test_access_matrix.py")
        for inline in model_admin.inlines:
            if not issubclass(inline, MunicipalityScopeMixin):
                problems.append(f"{model.__name__}: inline {inline.__name__} is not scoped")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("model", list(ADMIN_OBJECTS), ids=lambda m: m._meta.label)
def test_changelist_and_add_form_name_nothing_of_another_municipality(scope, model):
    client, secrets = scope["clients"][A], scope["secrets"]
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert not _leaks(changelist, secrets), "changelist or its list filters"
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)
    assert not _leaks(add, secrets), "the add form's choice lists"


def _stored(model) -> int:
    """Rows of the model, leaving out the access log's own record of the refusals being tested."""
    rows = model._default_manager.all()
    if model is AccessLog:
        rows = rows.exclude(action__in=(AccessLog.Action.DENIED, AccessLog.Action.REFUSED))
    return rows.count()


@pytest.mark.parametrize("model", list(ADMIN_OBJECTS), ids=lambda m: m._meta.label)
def test_another_municipalitys_id_in_the_add_form_is_a_logged_404(scope, model):
    """`?child=<id>` (initial value) and a POST naming it: the brief's Freja Thomsen case, for
    every relation of every registered model."""
    client, user, secrets = scope["clients"][A], scope["users"][A], scope["secrets"]
    other = scope["places"]["m2"]
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    can_add = client.get(url).status_code == 200
    problems = []
    for field in _relations(model):
        related, object_id = field.remote_field.model, _foreign_id(other, field.remote_field.model)
        before = _stored(model)
        for method in ("GET", "POST"):
            response = (client.get(url, {field.name: object_id}) if method == "GET"
                        else client.post(url, {field.name: object_id}))
            if _leaks(response, secrets):
                problems.append(f"{method} ?{field.name}={object_id}: shows {_leaks(response, secrets)}")
            if not can_add:
                if response.status_code != 403:
                    problems.append(f"{method} ?{field.name}: {response.status_code}, expected 403 (no adding)")
                continue
            if response.status_code != 404:
                problems.append(f"{method} ?{field.name}={object_id}: {response.status_code}, expected 404")
            elif not _denied(user, related, object_id):
                problems.append(f"{method} ?{field.name}={object_id}: the refusal is not logged")
        if _stored(model) != before:
            problems.append(f"?{field.name}: a row was stored")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("model", list(ADMIN_OBJECTS), ids=lambda m: m._meta.label)
def test_autocomplete_offers_nothing_of_another_municipality(scope, model):
    client, secrets = scope["clients"][A], scope["secrets"]
    for field in _relations(model):
        for term in ("", MARK, scope["places"]["m2"].child.first_name):
            response = client.get(reverse("admin:autocomplete"), {
                "app_label": model._meta.app_label, "model_name": model._meta.model_name,
                "field_name": field.name, "term": term})
            assert response.status_code in (200, 403, 404), field.name
            assert not _leaks(response, secrets), f"{field.name} term={term!r}"


def test_autocomplete_and_filters_still_offer_the_own_municipality(scope):
    """Positive control: scoping did not empty the lists."""
    client, own = scope["clients"][A], scope["places"]["own"]
    found = client.get(reverse("admin:autocomplete"), {
        "app_label": "haandguide", "model_name": "counsellorassignment", "field_name": "child", "term": "Alma"}).json()
    assert [r["text"] for r in found["results"]] == [str(own.child)]
    listing = client.get(reverse("admin:haandguide_child_changelist")).content.decode()
    assert own.institution.name in listing and str(own.district) in listing
    add = client.get(reverse("admin:haandguide_institution_add")).content.decode()
    assert str(own.district) in add


def test_the_brief_s_case_counsellor_assignment_with_another_municipality_s_child(scope):
    client, user, other = scope["clients"][A], scope["users"][A], scope["places"]["m2"]
    url = reverse("admin:haandguide_counsellorassignment_add")
    before = CounsellorAssignment.objects.count()
    get = client.get(url, {"child": other.child.pk})
    post = client.post(url, {"child": other.child.pk, "counsellor": scope["places"]["own"].counsellor.pk,
                             "assigned_by": user.pk, "assigned_at_0": "2026-11-30", "assigned_at_1": "10:00"})
    assert get.status_code == post.status_code == 404
    assert not _leaks(get, scope["secrets"]) and not _leaks(post, scope["secrets"])
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.DENIED, child_id=other.child.pk).count() == 2
    assert CounsellorAssignment.objects.count() == before
    # The own child is named in the raw-id box, as before.
    own = client.get(url, {"child": scope["places"]["own"].child.pk})
    assert own.status_code == 200 and str(scope["places"]["own"].child) in own.content.decode()


def test_the_admin_child_list_logs_each_child_it_names(scope):
    user, own = scope["users"][A], scope["places"]["own"]
    scope["clients"][A].get(reverse("admin:haandguide_child_changelist"))
    assert AccessLog.objects.for_child(own.child.pk).filter(user=user, action=AccessLog.Action.LIST).exists()


def test_a_superuser_without_a_municipality_is_the_operator_and_sees_every_municipality(scope):
    other = scope["places"]["m2"]
    operator, scoped_superuser = Client(), Client()
    operator.force_login(factories.user(Role.ADMINISTRATOR, username="drift", is_superuser=True))
    scoped_superuser.force_login(factories.user(Role.ADMINISTRATOR, username="kommune-super", is_superuser=True,
                                                municipality_obj=scope["places"]["own"].municipality))
    url = reverse("admin:haandguide_child_changelist")
    assert MARK in operator.get(url).content.decode()
    assert MARK not in scoped_superuser.get(url).content.decode()
    # Django's groups and django-axes' login records belong to no municipality: the operator's only.
    for model in ADMIN_UNSCOPED:
        unscoped = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert operator.get(unscoped).status_code == 200, model
        assert scoped_superuser.get(unscoped).status_code == 403, model
        assert scope["clients"][A].get(unscoped).status_code == 403, model
    # Only the operator adds municipalities.
    assert scope["clients"][A].get(reverse("admin:haandguide_municipality_add")).status_code == 403
    assert operator.get(reverse("admin:haandguide_municipality_add")).status_code == 200


def test_child_changelist_filter_on_another_municipality_s_institution_shows_nothing(scope):
    client, other = scope["clients"][A], scope["places"]["m2"]
    response = client.get(reverse("admin:haandguide_child_changelist"), {"institution__id__exact": other.institution.pk})
    assert not _leaks(response, scope["secrets"])
    assert Child.objects.filter(pk=other.child.pk).exists()


def test_the_raw_id_box_names_only_the_own_municipality_s_child(scope, rf):
    """Defence behind the logged 404: the widget itself looks the id up in the municipality only
    (Django's own looks in the whole table)."""
    request = rf.get("/")
    request.user = scope["users"][A]
    model_admin = django_admin.site._registry[CounsellorAssignment]
    widget = model_admin.get_form(request).base_fields["child"].widget
    own, other = scope["places"]["own"].child, scope["places"]["m2"].child
    assert widget.label_and_url_for_value(other.pk) == ("", "")
    assert widget.label_and_url_for_value(own.pk)[0] == str(own)
