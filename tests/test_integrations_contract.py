"""The API against its own published OpenAPI document, with schemathesis: every operation, with
generated valid and invalid input, answers without a server error and as the document says
(status codes, content types, response schemas). CI also runs the schemathesis CLI against a
running server (.ci/run)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from integrations.api import api
from integrations.models import ApiClient, ExternalRef
from tests import factories
from tests.integration_fixtures import make_client, ref

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def key(db):
    # As Django's test client does: the WSGI handler must not close the test's database connection
    # at the end of each request (it would, on PostgreSQL, between schemathesis' requests).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield _client_key()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _client_key() -> str:
    municipality = factories.municipality(name="Kontraktkommune")
    district = factories.district(municipality, name="Nord")
    institution = factories.institution(district, name="Kontrakthuset")
    ref(municipality, ExternalRef.Kind.INSTITUTION, "0", institution)  # what hypothesis tries first
    ref(municipality, ExternalRef.Kind.CHILD, "0", factories.child(institution))
    return make_client(municipality)[1]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_published_document(case, key):
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"})


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_refuses_a_wrong_key_as_documented(case, key):
    response = case.call_and_validate(headers={"Authorization": "Bearer hg_0000000000_forkert"})
    # 401, or refused before the key is looked at: a body that is not JSON (400), an undocumented
    # method (405), a body that does not fit the schema (422). Never done.
    assert response.status_code in (400, 401, 405, 422)
    assert not ApiClient.objects.filter(last_used_at__isnull=False).exists()


@pytest.mark.parametrize("request_kwargs, status", [
    ({"path": "/api/v1/sync/staff", "HTTP_HOST": "ondsindet.example"}, 400),  # Django's SuspiciousOperation
    ({"path": "/api/v1/findes-ikke"}, 404),
])
def test_an_error_under_the_api_is_json_in_the_published_problem_shape(db, client, settings, request_kwargs, status):
    """Whatever answers an API request with an error – Django itself before Ninja sees it – answers
    in the API's problem shape, never with the staff app's HTML page (schemathesis found a 400 page)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    path = request_kwargs.pop("path")
    response = client.post(path, data="{}", content_type="application/json", **request_kwargs)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json" and set(response.json()) == {"detail"}
    assert client.get("/boern/findes-ikke/")["Content-Type"].startswith("text/html")  # the staff app keeps its page
