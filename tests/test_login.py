"""Login in Danish, throttling after repeated failures, inactivity timeout, logout."""

import datetime

from django.conf import settings
from django.urls import reverse


def test_login_page_is_danish(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "Log ind" in body and "Brugernavn" in body and "Adgangskode" in body
    assert '<html lang="da">' in body


def test_wrong_password_gives_a_danish_error_and_keeps_the_username(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "forkert"})
    body = response.content.decode()
    assert "Forkert brugernavn eller adgangskode" in body
    assert 'value="alice"' in body


def test_login_works_and_rotates_the_session_key(client, alice):
    client.get(reverse("login"))
    before = client.session.session_key
    response = client.post(reverse("login"), {"username": "alice", "password": "korrekt-hest-batteri"})
    assert response.status_code == 302
    assert client.session.session_key != before


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "forkert"})
    response = client.post(reverse("login"), {"username": "alice", "password": "korrekt-hest-batteri"})
    assert response.status_code == 429
    assert "Login midlertidigt spærret" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_expires_after_inactivity_and_is_renewed_by_activity():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "haandguide.middleware.IdleTimeoutMiddleware" in settings.MIDDLEWARE


def _expiry(client):
    from django.contrib.sessions.models import Session
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_a_page_view_renews_the_session_at_most_once_a_minute(client_for, alice):
    """A page view does not write the session row each time (a write per request at national
    load); a view more than a minute after the last renewal does renew it."""
    import time
    from unittest import mock

    from django.contrib.sessions.models import Session

    client = client_for(alice)
    client.get(reverse("home"))
    first = _expiry(client)
    with mock.patch("haandguide.middleware.time.time", return_value=time.time() + 30):
        client.get(reverse("home"))
    assert _expiry(client) == first  # within the minute: not written
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=first - datetime.timedelta(minutes=5))
    with mock.patch("haandguide.middleware.time.time", return_value=time.time() + 61):
        client.get(reverse("home"))
    assert _expiry(client) > first - datetime.timedelta(minutes=1)  # renewed: a full idle period again


def test_a_session_idle_longer_than_the_timeout_is_over(client_for, alice):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = client_for(alice)
    client.get(reverse("home"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_logout_is_a_post_and_ends_the_session(client_for, alice):
    client = client_for(alice)
    assert client.get(reverse("home")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_every_html_page_has_a_csp_without_inline_scripts(client_for, alice):
    response = client_for(alice).get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_post_needs_a_csrf_token(alice, lars, alma, admin_user):
    from django.test import Client

    for user, url, data in [
        (lars, reverse("cases:case_transition", args=[alma.pk, "open"]), {"reason": "x"}),
        (lars, reverse("cases:guardian_add", args=[alma.pk]), {"name": "x", "relation": "mor"}),
        (alice, reverse("cases:observation_create", args=[alma.pk]), {"text": "x"}),
        (admin_user, reverse("accesslog"), {"child": "x"}),
        (alice, reverse("logout"), {}),
    ]:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        response = client.post(url, data)
        assert response.status_code == 403, url
    assert not alma.guardians.exists()
