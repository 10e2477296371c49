"""Error pages outside DEBUG are Danish and plain; /favicon.ico answers on every page."""

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client

ENGLISH = ("Bad Request", "Forbidden", "Not Found", "Server Error", "Traceback", "CSRF verification", "query")


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def assert_danish_and_plain(response, status, heading):
    text = response.content.decode()
    assert response.status_code == status
    assert '<html lang="da">' in text and heading in text
    assert not [word for word in ENGLISH if word in text], text


@pytest.mark.django_db
def test_400_is_danish_and_plain():
    response = Client().get("/", HTTP_HOST="ukendt.example")  # a host not in ALLOWED_HOSTS
    assert_danish_and_plain(response, 400, "Ugyldig forespørgsel")
    assert "<nav" not in response.content.decode()


def test_403_is_danish(client_for, alice):
    response = client_for(alice).get("/adgangslog/")
    assert_danish_and_plain(response, 403, "Ingen adgang")
    assert "Kun administratorer" in response.content.decode()


def test_403_of_a_stale_form_is_danish(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/beskeder/alle/laest/", {})
    assert_danish_and_plain(response, 403, "Formularen kunne ikke sendes")


def test_404_is_danish_and_names_nothing(client_for, alice, viggo):
    for path in ("/findes-ikke/", f"/boern/{viggo.pk}/"):  # no such page; another institution's child
        response = client_for(alice).get(path)
        assert_danish_and_plain(response, 404, "Siden findes ikke")
        assert "Viggo" not in response.content.decode()


def test_500_is_danish_and_plain(settings, client_for, alice):
    settings.ROOT_URLCONF = "tests.urls_boom"
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/boom/")
    assert_danish_and_plain(response, 500, "Der opstod en fejl")
    assert "Traceback-detaljer" not in response.content.decode()


@pytest.mark.django_db
def test_favicon_answers_without_login_and_every_page_links_it(client_for, alice):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert "max-age=86400" in response["Cache-Control"]
    assert finders.find("favicon.svg")
    for page in (Client().get("/login/"), client_for(alice).get("/")):
        text = page.content.decode()
        assert 'rel="icon" href="/static/favicon.svg"' in text and 'href="/favicon.ico"' in text


@pytest.mark.django_db(transaction=True)
def test_favicon_touches_no_database():
    """Every page asks for /favicon.ico beside itself. Wrapped in the request's transaction it took
    SQLite's write lock (IMMEDIATE) on every page view, and in the browser walk it collided with the
    page it came with ("database table is locked", a 500 on the login page)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    client = Client()
    with connection.execute_wrapper(record):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert statements == []
