"""Local password accounts need a second factor in production mode (issue 17): TOTP through
django-otp, enrolment with the secret shown once, recovery codes usable once; a wrong code is
refused and logged. The embedded default keeps its plain demo logins."""

import re
import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haandguide.models import AccessLog


@pytest.fixture
def production_logins(settings):
    settings.LOCAL_LOGIN_TOTP = True


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at or time.time()
    return f"{totp.token():0{device.digits}d}"


def password_step(client, username="alice", password="korrekt-hest-batteri"):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client):
    return client.session.get("_auth_user_id")


def wrong_code_refusals(user):
    return AccessLog.objects.filter(action=AccessLog.Action.REFUSED, detail__contains="[totp_wrong]", user=user)


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Godkendelsesapp", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="Gendannelseskoder", confirmed=True)
    StaticToken.objects.create(device=recovery, token="abcd2345")
    return device


def test_the_embedded_default_keeps_plain_password_logins(client, alice):
    assert password_step(client)["Location"] == reverse("home")
    assert signed_in(client) == str(alice.pk)


def test_a_correct_password_alone_does_not_sign_in_in_production(client, alice, production_logins):
    response = password_step(client)
    assert response["Location"] == reverse("totp_verify")
    assert signed_in(client) is None
    assert client.get(reverse("home")).status_code == 302


def test_first_login_enrols_an_app_shows_the_secret_once_and_gives_recovery_codes(client, alice, production_logins):
    password_step(client)
    assert client.get(reverse("totp_verify"))["Location"] == reverse("totp_enrol")
    page = client.get(reverse("totp_enrol")).content.decode()
    assert "<svg" in page and "QR-kode" in page
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    # Shown again? A reload makes a new secret: the one shown is never valid to anyone later.
    again = client.get(reverse("totp_enrol")).content.decode()
    assert secret not in again and not TOTPDevice.objects.filter(pk=device.pk).exists()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)

    response = client.post(reverse("totp_enrol"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "passer ikke" in response.content.decode() and signed_in(client) is None
    assert wrong_code_refusals(alice).count() == 1
    device = TOTPDevice.objects.get(user=alice, confirmed=False)  # the page showed a new secret

    response = client.post(reverse("totp_enrol"), {"code": code_for(device)})
    body = response.content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", body)
    assert len(codes) == 10 and "vises kun nu" in body
    assert signed_in(client) == str(alice.pk)
    assert TOTPDevice.objects.get(user=alice).confirmed
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == set(codes)


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client, alice, production_logins):
    device = enrolled(alice)
    password_step(client)
    response = client.post(reverse("totp_verify"), {"code": "12345"})
    body = response.content.decode()
    assert response.status_code == 200 and "Koden er forkert" in body
    assert signed_in(client) is None
    row = wrong_code_refusals(alice).get()
    assert row.municipality_id == alice.municipality_id
    response = client.post(reverse("totp_verify"), {"code": ""})
    assert "Skriv koden" in response.content.decode() and signed_in(client) is None

    with time_machine.travel(time.time() + 120):  # past django-otp's throttle after a failure
        response = client.post(reverse("totp_verify"), {"code": code_for(device)})
        assert response["Location"] == reverse("home")
        assert signed_in(client) == str(alice.pk)
        assert client.session.get("otp_device_id") == device.persistent_id


def test_a_recovery_code_works_once(client, alice, production_logins):
    enrolled(alice)
    password_step(client)
    assert client.post(reverse("totp_verify"), {"code": "ABCD 2345"})["Location"] == reverse("home")
    assert signed_in(client) == str(alice.pk)
    assert not StaticToken.objects.filter(token="abcd2345").exists()
    client.post(reverse("logout"))
    password_step(client)
    with time_machine.travel(time.time() + 120):
        response = client.post(reverse("totp_verify"), {"code": "abcd2345"})
    assert "Koden er forkert" in response.content.decode() and signed_in(client) is None
    assert wrong_code_refusals(alice).count() == 1


def test_the_code_step_needs_the_password_step_first_and_expires(client, alice, production_logins):
    enrolled(alice)
    assert client.get(reverse("totp_verify"))["Location"] == reverse("login")
    assert client.get(reverse("totp_enrol"))["Location"] == reverse("login")
    password_step(client)
    with time_machine.travel(time.time() + 600):
        assert client.get(reverse("totp_verify"))["Location"] == reverse("login")


def test_a_wrong_password_never_reaches_the_code_step(client, alice, production_logins):
    response = password_step(client, password="forkert")
    assert "Forkert brugernavn eller adgangskode" in response.content.decode()
    assert client.get(reverse("totp_verify"))["Location"] == reverse("login")


def test_the_admin_login_goes_through_the_second_factor_too(client, admin_user, production_logins):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(reverse("admin:login"), {"username": "anne", "password": "korrekt-hest-batteri"})
    assert signed_in(client) is None


def test_django_axes_still_locks_the_password_step(client, alice, production_logins, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, password="forkert")
    assert password_step(client).status_code == 429
    assert client.get(reverse("totp_verify"))["Location"] == reverse("login")
