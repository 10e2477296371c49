"""Personas used across the suite.

Haderslev-like world: district Nord with Solsikken (Alice the pedagogue, Lars the leader) and
district Syd with Regnbuen (Bob, another institution's leader, the outsider). Birgitte is the
consultant for Nord only.
"""

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from haandguide.models import Role
from tests import factories


class _OneRequestAtATime(WSGIServer):
    """The browser tests' live server answers one request at a time. On SQLite the test database
    lives in memory and the server's threads share the test's one connection, so two requests of a
    page at once (a heartbeat beside a save) would both BEGIN on it ("cannot start a transaction
    within a transaction"). Production and `./dev up` serve in parallel on their own connections;
    tests/test_embedded_concurrency.py proves that against a real file database."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = _OneRequestAtATime


@pytest.fixture(scope="session")
def op_a():
    """A real OpenID provider on loopback (tests/oidc_op), one issuer; started when a test asks."""
    from tests.oidc import start_provider

    provider = start_provider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def op_b():
    """A second provider: another municipality's issuer."""
    from tests.oidc import start_provider

    provider = start_provider()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: primary keys repeat between tests (and between runs
    against the same Redis), so cached statistics of one test must not meet another's data."""
    cache.clear()


@pytest.fixture
def municipality(db):
    return factories.municipality(name="Haderslev Kommune")


@pytest.fixture
def nord(municipality):
    return factories.district(municipality, name="Nord")


@pytest.fixture
def syd(municipality):
    return factories.district(municipality, name="Syd")


@pytest.fixture
def solsikken(nord):
    return factories.institution(nord, name="Børnehuset Solsikken")


@pytest.fixture
def regnbuen(syd):
    return factories.institution(syd, name="Børnehaven Regnbuen")


@pytest.fixture
def alma(solsikken):
    """A child of institution A (Solsikken)."""
    return factories.child(solsikken, first_name="Alma", last_name="Jensen")


@pytest.fixture
def viggo(regnbuen):
    """A child of institution B (Regnbuen)."""
    return factories.child(regnbuen, first_name="Viggo", last_name="Holm")


@pytest.fixture
def alice(solsikken):
    return factories.user(Role.PAEDAGOG, institutions=[solsikken], username="alice", first_name="Alice")


@pytest.fixture
def lars(solsikken):
    return factories.user(Role.LEDER, institutions=[solsikken], username="lars", first_name="Lars")


@pytest.fixture
def bob(regnbuen):
    """Leader of another institution: the outsider for Solsikken's children."""
    return factories.user(Role.LEDER, institutions=[regnbuen], username="bob", first_name="Bob")


@pytest.fixture
def birgitte(nord):
    return factories.user(Role.KONSULENT, districts=[nord], username="birgitte", first_name="Birgitte")


@pytest.fixture
def chef(municipality):
    return factories.user(Role.CHEF, municipality_obj=municipality, username="chef")


@pytest.fixture
def raadgiver(municipality):
    return factories.user(Role.EKSTERN, municipality_obj=municipality, username="jonas", counsellor_kind="praksisvejleder")


@pytest.fixture
def admin_user(municipality):
    return factories.user(Role.ADMINISTRATOR, municipality_obj=municipality, username="anne")


@pytest.fixture
def client_for(client):
    """Log a persona in: `client_for(alice).get(...)`."""

    def login(user):
        client.force_login(user)
        # As after a first page: the signed-in user and municipality are kept between requests
        # (haandguide/backends.py), so a test's first request counts the queries every later one does.
        from haandguide.backends import StaffBackend

        StaffBackend().get_user(user.pk)
        return client

    return login
