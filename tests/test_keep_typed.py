"""Nothing typed is lost when the session ends (issue 14, 6): the heartbeat keeps a typing
person's session alive, and a save that arrives after the session ended is kept and completed
after the same person signs in again – never for anyone else."""

from __future__ import annotations

import datetime
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Observation, ObservationType
from haandguide.keep_typed import PARKED, PARKED_MESSAGE, RESUMED_MESSAGE
from handleplan.models import Handleplan, PlanVersion
from tests.test_handleplan import case, plan, save, texts  # noqa: F401

PASSWORD = "korrekt-hest-batteri"


def end_session(client: Client, minutes_ago: int = 1) -> None:
    """The idle timeout passed: the session row is still there, but expired."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=minutes_ago))


def sign_in(client: Client, user) -> None:
    """Through the login page, as a person would (keeps what the browser's session holds)."""
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD,
                                              "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def alice_client(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def typed_save(client, url, opened_at, **overrides):
    """Open the form (which sets the CSRF cookie), then post what was typed with its token."""
    client.get(url)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return {**texts(**overrides), "version": opened_at, "csrfmiddlewaretoken": token}


def typed_until_the_session_ended(client, plan, child, **overrides) -> str:
    """Open the plan's form, type, let the session end, press "Gem". Returns the form's address."""
    url = reverse("handleplan:plan_edit", args=[child.pk])
    data = typed_save(client, url, Handleplan.objects.get(pk=plan.pk).version, **overrides)
    end_session(client)
    client.post(url, data)
    return url


# --- the heartbeat ------------------------------------------------------------------------------


def test_the_heartbeat_renews_a_live_session(alice_client):
    key = alice_client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    alice_client.get(reverse("home"))
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    response = alice_client.post(reverse("session_keepalive"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["active"] is True
    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_the_heartbeat_costs_a_few_queries(alice_client, django_assert_max_num_queries):
    alice_client.get(reverse("home"))
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    # The session and the user read, the session saved (plus the savepoints around the write).
    with django_assert_max_num_queries(7):
        assert alice_client.post(reverse("session_keepalive"), HTTP_X_CSRFTOKEN=token).status_code == 200


def test_the_heartbeat_of_an_ended_session_says_so_and_does_not_revive_it(alice_client):
    alice_client.get(reverse("home"))
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    end_session(alice_client)
    response = alice_client.post(reverse("session_keepalive"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 401 and response.json() == {"active": False}
    assert alice_client.get(reverse("home")).status_code == 302  # still signed out


def test_the_heartbeat_is_post_only_and_csrf_checked(alice_client):
    assert alice_client.get(reverse("session_keepalive")).status_code == 405
    assert alice_client.post(reverse("session_keepalive")).status_code == 403


def test_pages_carry_the_heartbeat_and_the_script_no_inline_script(alice_client):
    html = alice_client.get(reverse("home")).content.decode()
    assert f'data-keepalive-url="{reverse("session_keepalive")}"' in html
    assert f'data-keepalive-seconds="{settings.SESSION_KEEPALIVE_SECONDS}"' in html
    assert "js/keep-typed.js" in html
    assert "<script>" not in html


# --- a save that arrives after the session ended ------------------------------------------------


def test_a_save_after_the_session_ended_passes_csrf_is_kept_and_completed_after_signing_in(
        alice_client, plan, alice, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = Handleplan.objects.get(pk=plan.pk).version
    data = typed_save(alice_client, url, opened_at, parents="En lang tekst skrevet i 40 minutter")
    end_session(alice_client)
    versions = PlanVersion.objects.filter(plan=plan).count()

    response = alice_client.post(url, data)  # CSRF passes: the token is in its own cookie
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert PlanVersion.objects.filter(plan=plan).count() == versions  # nothing saved yet
    login_page = alice_client.get(response.url).content.decode()
    assert PARKED_MESSAGE.split(":")[0] in login_page

    sign_in(alice_client, alice)
    done = alice_client.get(url)  # where the login sends her back
    assert done.status_code == 302 and done.url == reverse("handleplan:plan_detail", args=[alma.pk])
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.texts["parents"] == "En lang tekst skrevet i 40 minutter"
    assert latest.current.author == alice
    assert unquote(done.cookies["hg_drafts_saved"].value) == url  # the browser's draft of this form can go
    page = alice_client.get(done.url).content.decode()
    assert "Handleplanen er gemt." in page and "det er sendt igen nu" in page
    assert alice_client.get(url).status_code == 200  # completed once: the form again, no second save
    assert PlanVersion.objects.filter(plan=plan).count() == versions + 1


def test_another_user_signing_in_on_the_same_browser_never_gets_the_kept_save(alice_client, plan, alice, lars, alma):
    url = typed_until_the_session_ended(alice_client, plan, alma, parents="Alices tekst")
    sign_in(alice_client, lars)
    response = alice_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alices tekst" not in html and RESUMED_MESSAGE not in html
    assert "Alices tekst" not in str(dict(alice_client.session))  # dropped, not just hidden
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == ""
    # … and Alice signing in afterwards in that browser gets nothing either (it is gone).
    sign_in(alice_client, alice)
    assert alice_client.get(url).status_code == 200
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == ""


def test_a_kept_save_goes_to_the_conflict_page_if_the_plan_changed_the_same_text_meanwhile(
        alice_client, plan, alice, lars, alma):
    url = typed_until_the_session_ended(alice_client, plan, alma, parents="Alices tekst")
    save(plan, lars, parents="Lars' tekst")
    sign_in(alice_client, alice)
    response = alice_client.get(url)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Alices tekst" in html and "Lars&#x27; tekst" in html and "det er sendt igen nu" in html
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == "Lars' tekst"  # not overwritten


def test_a_kept_save_is_merged_if_the_plan_changed_other_texts_meanwhile(alice_client, plan, alice, lars, alma):
    save(plan, alice)
    url = typed_until_the_session_ended(alice_client, plan, alma, parents="Alices tekst")
    save(plan, lars, signs="Lars' tegn")
    sign_in(alice_client, alice)
    assert alice_client.get(url).status_code == 302
    latest = Handleplan.objects.get(pk=plan.pk).texts
    assert (latest["parents"], latest["signs"]) == ("Alices tekst", "Lars' tegn")


def test_after_logging_out_a_save_is_not_kept(alice_client, plan, alice, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    data = typed_save(alice_client, url, Handleplan.objects.get(pk=plan.pk).version, parents="Alices tekst")
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    alice_client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    response = alice_client.post(url, {**data, "csrfmiddlewaretoken": alice_client.cookies[settings.CSRF_COOKIE_NAME].value})
    assert response.status_code == 302
    assert PARKED not in alice_client.session
    sign_in(alice_client, alice)
    assert alice_client.get(url).status_code == 200
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == ""


def test_a_session_that_ended_long_ago_keeps_nothing(alice_client, plan, alice, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    data = typed_save(alice_client, url, Handleplan.objects.get(pk=plan.pk).version, parents="Alices tekst")
    end_session(alice_client, minutes_ago=13 * 60)
    alice_client.post(url, data)
    assert PARKED not in alice_client.session


def test_a_view_that_does_not_keep_typed_text_just_asks_to_sign_in(alice_client, alma):
    alice_client.get(reverse("home"))
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    end_session(alice_client)
    response = alice_client.post(reverse("cases:child_create"), {"first_name": "X", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert PARKED not in alice_client.session


def test_an_observation_written_past_the_timeout_is_saved_after_signing_in(alice_client, alice, alma, municipality):
    kind = ObservationType.objects.create(municipality=municipality, name="Iagttagelse")
    url = reverse("cases:observation_create", args=[alma.pk])
    alice_client.get(url)
    form = alice_client.get(url).context["form"]
    data = {name: "" for name in form.fields if name != "attachment"}
    data.update({"type": kind.pk, "observed_on": timezone.localdate().isoformat(),
                 "text": "Alma legede i en halv time med to andre børn.",
                 "csrfmiddlewaretoken": alice_client.cookies[settings.CSRF_COOKIE_NAME].value})
    end_session(alice_client)
    assert alice_client.post(url, data).status_code == 302
    assert not Observation.objects.filter(child=alma).exists()
    sign_in(alice_client, alice)
    response = alice_client.get(url)
    assert response.status_code == 302, response.context["form"].errors
    assert Observation.objects.get(child=alma).author == alice


def test_a_form_refused_by_the_csrf_check_says_in_danish_that_the_draft_is_kept(alice_client, plan, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    response = alice_client.post(url, {**texts(), "version": 1, "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formularen var forældet" in html and "gendanne din kladde" in html
    assert Handleplan.objects.get(pk=plan.pk).version == 1


def test_a_heartbeat_after_the_session_ended_does_not_lose_whose_save_comes_next(alice_client, plan, alice, alma):
    """The first answer after the session ended deletes its cookie; the owner goes with the new one."""
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    data = typed_save(alice_client, url, Handleplan.objects.get(pk=plan.pk).version, parents="Alices tekst")
    end_session(alice_client)
    token = alice_client.cookies[settings.CSRF_COOKIE_NAME].value
    assert alice_client.post(reverse("session_keepalive"), HTTP_X_CSRFTOKEN=token).status_code == 401
    alice_client.post(url, data)
    assert alice_client.session[PARKED][0]["owner"] == alice.pk
    sign_in(alice_client, alice)
    assert alice_client.get(url).status_code == 302
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == "Alices tekst"


def test_a_heartbeat_slower_than_half_the_idle_timeout_stops_start_up():
    from tests.test_settings import GOOD_PRODUCTION, run_manage

    result = run_manage({**GOOD_PRODUCTION, "SESSION_IDLE_MINUTES": "5", "SESSION_KEEPALIVE_SECONDS": "200"}, "check")
    assert result.returncode != 0
    assert "SESSION_KEEPALIVE_SECONDS must be at most half" in result.stderr
