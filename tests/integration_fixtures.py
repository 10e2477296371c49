"""Fixtures for the integration API: a client with a key for the municipality, and one for another."""

import pytest

from haandguide.actors import Actor
from integrations.models import ApiClient, ExternalRef, Operation
from tests import factories

ALL = [o.value for o in Operation]


def make_client(municipality, *, operations=ALL, name="KMD Institution") -> tuple[ApiClient, str]:
    client = ApiClient(municipality=municipality, name=name, operations=list(operations))
    key = client.new_key()
    client.save()
    return client, key


def ref(municipality, kind, external_id, obj) -> ExternalRef:
    return ExternalRef.objects.create(municipality=municipality, kind=kind, external_id=external_id, object_id=obj.pk)


@pytest.fixture
def kmd(municipality):
    return make_client(municipality)


@pytest.fixture
def kmd_actor(kmd):
    return Actor.client(kmd[0])


@pytest.fixture
def api(client, kmd):
    """A test client that sends the key: `api.put(path, data)`."""

    class Api:
        key = kmd[1]

        def put(self, path, data, key=None):
            return client.put(f"/api/v1{path}", data, content_type="application/json",
                              headers={"Authorization": f"Bearer {key or self.key}"})

        def post(self, path, data, key=None):
            return client.post(f"/api/v1{path}", data, content_type="application/json",
                               headers={"Authorization": f"Bearer {key or self.key}"})

    return Api()


@pytest.fixture
def mapped(municipality, solsikken, regnbuen):
    """The two institutions known by external ids."""
    ref(municipality, ExternalRef.Kind.INSTITUTION, "INST-SOL", solsikken)
    ref(municipality, ExternalRef.Kind.INSTITUTION, "INST-REG", regnbuen)


@pytest.fixture
def elsewhere():
    """Another municipality with its own institution and child, known by the same external ids."""
    other = factories.municipality(name="Aabenraa Kommune")
    inst = factories.institution(factories.district(other, name="Nord"), name="Andet hus")
    child = factories.child(inst, first_name="Anden", last_name="Kommune")
    ref(other, ExternalRef.Kind.INSTITUTION, "INST-OTHER", inst)
    ref(other, ExternalRef.Kind.CHILD, "CHILD-OTHER", child)
    return other, inst, child
