"""Staff sign in through their municipality's OpenID provider (issue 17), against a real provider
on loopback (tests/oidc_op, django-oauth-toolkit) started by these tests: two municipalities, two
issuers. Every refusal is a Danish message and a logged refusal filed under the provider's
municipality, and stores nothing."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from haandguide.models import AccessLog, Role, User
from sso import oidc
from sso.models import ExternalIdentity, GroupMapping, IdentityProvider
from tests import factories
from tests.oidc import local, provider_login, sign_in, start_sign_in


def make_provider(municipality, op, slug: str, monkeypatch, base="http://testserver", **kw) -> IdentityProvider:
    secret = f"hemmelig-{slug}"
    op.client(f"haandguide-{slug}", secret, [f"{base}/login/udbyder/svar/"], [f"{base}/login/"])
    monkeypatch.setenv(f"SSO_CLIENT_SECRET_{slug.upper()}", secret)
    return IdentityProvider.objects.create(
        municipality=municipality, name=f"Log ind med {municipality}s login", slug=slug, issuer=op.issuer,
        client_id=f"haandguide-{slug}", scopes="openid email profile groups", **kw)


@pytest.fixture
def haderslev_idp(municipality, solsikken, op_a, monkeypatch):
    provider = make_provider(municipality, op_a, "haderslev", monkeypatch)
    mapping = GroupMapping.objects.create(provider=provider, group="hg-paedagoger-solsikken", role=Role.PAEDAGOG)
    mapping.institutions.set([solsikken])
    return provider


@pytest.fixture
def alice_at_idp(op_a, alice):
    op_a.user("alice.idp", email=alice.email, groups=["hg-paedagoger-solsikken", "alle-ansatte"])
    return alice


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def refusals(code: str):
    return AccessLog.objects.filter(action=AccessLog.Action.REFUSED, detail__contains=f"[{code}]")


def assert_refused(response, client, provider, code: str, text: str, *, linked: int = 0):
    """Not signed in, a Danish reason on the login page, nothing linked, one refusal logged under
    the provider's municipality (`provider` None: an answer to no sign-in started here)."""
    body = response.content.decode()
    assert response.status_code == 200 and text in body, body[:3000]
    assert signed_in_user(client) is None
    assert ExternalIdentity.objects.count() == linked  # nothing linked by the refused sign-in
    row = refusals(code).get()
    assert row.object_type == "identityprovider"
    assert row.object_id == (str(provider.pk) if provider else "")
    assert row.municipality_id == (provider.municipality_id if provider else None)
    return row


# --- the login page ----------------------------------------------------------------------------


def test_login_page_has_a_button_per_active_provider_and_keeps_the_local_form(client, haderslev_idp):
    IdentityProvider.objects.create(municipality=factories.municipality(), name="Lukket udbyder", slug="lukket",
                                    issuer="https://idp.example", client_id="x", active=False)
    body = client.get(reverse("login")).content.decode()
    assert haderslev_idp.name in body and f'{reverse("sso:start")}?udbyder=haderslev' in body
    assert "Lukket udbyder" not in body
    assert "Brugernavn" in body and "Adgangskode" in body


def test_the_button_starts_the_code_flow_with_pkce_state_and_nonce(client, haderslev_idp, op_a):
    url = start_sign_in(client, "haderslev")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(op_a.issuer + "/authorize/")
    assert query["response_type"] == ["code"] and query["client_id"] == ["haandguide-haderslev"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] in client.session["sso_pending"] and query["nonce"][0]
    assert "groups" in query["scope"][0].split()


# --- who gets in -------------------------------------------------------------------------------


def test_a_mapped_user_signs_in_and_lands_on_their_home_page(client, haderslev_idp, alice_at_idp):
    response = sign_in(client, "haderslev", "alice.idp")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user(client) == str(alice_at_idp.pk)
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (alice_at_idp, haderslev_idp.issuer, "sub-alice.idp")
    assert client.get(reverse("home")).status_code == 200


def test_later_sign_ins_match_on_issuer_and_sub_not_on_the_email(client, haderslev_idp, alice_at_idp, op_a):
    sign_in(client, "haderslev", "alice.idp")
    client.post(reverse("logout"))
    op_a.user("alice.idp", email="ny-adresse@example.dk", groups=["hg-paedagoger-solsikken"])
    response = sign_in(client, "haderslev", "alice.idp")
    assert response.status_code == 302 and signed_in_user(client) == str(alice_at_idp.pk)
    assert ExternalIdentity.objects.count() == 1


def test_next_is_kept_through_the_round_trip_but_never_leads_elsewhere(client, haderslev_idp, alice_at_idp):
    assert sign_in(client, "haderslev", "alice.idp", next_url="/beskeder/")["Location"] == "/beskeder/"
    client.post(reverse("logout"))
    assert sign_in(client, "haderslev", "alice.idp", next_url="https://evil.example/")["Location"] == "/"


def test_the_group_mapping_is_applied_at_every_sign_in_and_each_change_is_logged(
        client, haderslev_idp, alice_at_idp, op_a, regnbuen, nord):
    leaders = GroupMapping.objects.create(provider=haderslev_idp, group="hg-ledere-regnbuen", role=Role.LEDER, order=1)
    leaders.institutions.set([regnbuen])
    op_a.user("alice.idp", email=alice_at_idp.email, groups=["hg-paedagoger-solsikken", "hg-ledere-regnbuen"])
    sign_in(client, "haderslev", "alice.idp")
    alice_at_idp.refresh_from_db()
    assert alice_at_idp.role == Role.LEDER
    assert set(alice_at_idp.institutions.values_list("name", flat=True)) == {"Børnehuset Solsikken",
                                                                            "Børnehaven Regnbuen"}
    changes = AccessLog.objects.filter(action=AccessLog.Action.UPDATE, detail__startswith="Gruppetilknytning")
    assert changes.count() == 2 and all(row.municipality_id == haderslev_idp.municipality_id for row in changes)
    client.post(reverse("logout"))
    # Removed from the leaders' group at the provider: the next sign-in takes the role back.
    op_a.user("alice.idp", email=alice_at_idp.email, groups=["hg-paedagoger-solsikken"])
    sign_in(client, "haderslev", "alice.idp")
    alice_at_idp.refresh_from_db()
    assert alice_at_idp.role == Role.PAEDAGOG
    assert list(alice_at_idp.institutions.values_list("name", flat=True)) == ["Børnehuset Solsikken"]
    assert AccessLog.objects.filter(detail__startswith="Gruppetilknytning").count() == 4


def test_an_unknown_user_is_created_only_where_the_municipality_turned_that_on(client, haderslev_idp, op_a):
    op_a.user("ny.kollega", email="ny.kollega@haderslev.dk", groups=["hg-paedagoger-solsikken"],
              given_name="Nina", family_name="Nygaard")
    response = sign_in(client, "haderslev", "ny.kollega")
    assert_refused(response, client, haderslev_idp, "sso_unknown_user", "ikke oprettet som bruger")
    assert not User.objects.filter(email="ny.kollega@haderslev.dk").exists()

    haderslev_idp.auto_create = True
    haderslev_idp.save()
    response = sign_in(client, "haderslev", "ny.kollega")
    assert response.status_code == 302
    user = User.objects.get(email="ny.kollega@haderslev.dk")
    assert (user.role, user.municipality, user.first_name, user.has_usable_password()) == (
        Role.PAEDAGOG, haderslev_idp.municipality, "Nina", False)
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, object_type="user", object_id=str(user.pk)).exists()


def test_auto_create_never_creates_someone_whose_groups_map_to_nothing(client, haderslev_idp, op_a):
    haderslev_idp.auto_create = True
    haderslev_idp.save()
    op_a.user("fremmed", email="fremmed@haderslev.dk", groups=["kantinen"])
    response = sign_in(client, "haderslev", "fremmed")
    assert_refused(response, client, haderslev_idp, "sso_unknown_user", "ikke oprettet som bruger")
    assert not User.objects.filter(email="fremmed@haderslev.dk").exists()


def test_roles_are_assigned_in_haandguide_when_the_provider_maps_no_groups(client, municipality, op_a, monkeypatch,
                                                                          birgitte):
    make_provider(municipality, op_a, "haderslev", monkeypatch)
    op_a.user("birgitte.idp", email=birgitte.email)
    assert sign_in(client, "haderslev", "birgitte.idp").status_code == 302
    birgitte.refresh_from_db()
    assert birgitte.role == Role.KONSULENT and not AccessLog.objects.filter(detail__startswith="Gruppetilknytning")


# --- refusals ----------------------------------------------------------------------------------


def test_a_user_without_two_factors_is_refused(client, haderslev_idp, alice_at_idp, op_a):
    op_a.user("alice.idp", email=alice_at_idp.email, groups=["hg-paedagoger-solsikken"], mfa=False)
    response = sign_in(client, "haderslev", "alice.idp")
    row = assert_refused(response, client, haderslev_idp, "sso_mfa", "viser ikke to faktorer")
    assert row.username == "(anonym)"


def test_the_accepted_two_factor_values_are_the_municipalitys_data(client, haderslev_idp, alice_at_idp):
    haderslev_idp.mfa_claim = "acr"
    haderslev_idp.mfa_values = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    haderslev_idp.save()
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302
    client.post(reverse("logout"))
    haderslev_idp.mfa_values = "https://data.gov.dk/concept/core/nsis/loa/High"
    haderslev_idp.save()
    assert_refused(sign_in(client, "haderslev", "alice.idp"), client, haderslev_idp, "sso_mfa", "to faktorer",
                   linked=1)


def test_a_deactivated_user_is_refused_and_the_log_names_them(client, haderslev_idp, alice_at_idp):
    alice_at_idp.is_active = False
    alice_at_idp.save()
    row = assert_refused(sign_in(client, "haderslev", "alice.idp"), client, haderslev_idp, "sso_deactivated",
                         "deaktiveret")
    assert row.user == alice_at_idp


def test_a_known_user_whose_groups_map_to_nothing_is_refused(client, haderslev_idp, alice_at_idp, op_a):
    op_a.user("alice.idp", email=alice_at_idp.email, groups=["kantinen"])
    assert_refused(sign_in(client, "haderslev", "alice.idp"), client, haderslev_idp, "sso_unmapped",
                   "giver ikke adgang")
    alice_at_idp.refresh_from_db()
    assert list(alice_at_idp.institutions.values_list("name", flat=True)) == ["Børnehuset Solsikken"]


@pytest.mark.parametrize("fault, code, text", [
    ("bad_signature", "sso_signature", "ikke en gyldig signatur"),
    ("wrong_audience", "sso_audience", "en anden tjeneste"),
    ("expired", "sso_expired", "udløbet"),
    ("wrong_nonce", "sso_nonce", "hører ikke til dette login"),
    ("wrong_issuer", "sso_issuer", "kom ikke fra kommunens"),
])
def test_a_bad_id_token_is_refused(client, haderslev_idp, alice_at_idp, op_a, fault, code, text):
    op_a.fault(fault)
    assert_refused(sign_in(client, "haderslev", "alice.idp"), client, haderslev_idp, code, text)


def test_a_tampered_state_is_refused(client, haderslev_idp, alice_at_idp):
    callback = provider_login(start_sign_in(client, "haderslev"), "alice.idp")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert_refused(response, client, None, "sso_state", "Start forfra")


def test_a_replayed_answer_is_refused(client, haderslev_idp, alice_at_idp):
    callback = local(provider_login(start_sign_in(client, "haderslev"), "alice.idp"))
    assert client.get(callback).status_code == 302
    client.post(reverse("logout"))
    ExternalIdentity.objects.all().delete()
    response = client.get(callback)
    assert_refused(response, client, None, "sso_state", "brugt før")


def test_an_answer_to_a_sign_in_started_in_another_browser_is_refused(client, haderslev_idp, alice_at_idp):
    from django.test import Client

    callback = local(provider_login(start_sign_in(Client(), "haderslev"), "alice.idp"))
    assert_refused(client.get(callback), client, None, "sso_state", "Start forfra")


def test_a_missing_client_secret_refuses_without_asking_the_provider(client, haderslev_idp, alice_at_idp,
                                                                   monkeypatch):
    callback = local(provider_login(start_sign_in(client, "haderslev"), "alice.idp"))
    monkeypatch.delenv("SSO_CLIENT_SECRET_HADERSLEV")
    assert_refused(client.get(callback), client, haderslev_idp, "sso_unavailable", "kan ikke nås")


def test_the_client_secret_can_come_from_a_file_named_after_the_provider(client, haderslev_idp, alice_at_idp,
                                                                       monkeypatch, tmp_path, settings):
    (tmp_path / "haderslev").write_text("hemmelig-haderslev\n")
    monkeypatch.delenv("SSO_CLIENT_SECRET_HADERSLEV")
    settings.SSO_SECRETS_DIR = str(tmp_path)
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302
    assert not any("secret" in f.name for f in IdentityProvider._meta.get_fields())


# --- keys ---------------------------------------------------------------------------------------


def test_a_rotated_signing_key_fetches_the_jwks_once_more(client, haderslev_idp, alice_at_idp, op_a, monkeypatch):
    fetched = []
    original = oidc._get_json
    monkeypatch.setattr(oidc, "_get_json", lambda url: fetched.append(url) or original(url))
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302
    client.post(reverse("logout"))
    assert sum("jwks" in url for url in fetched) == 1
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302  # cached: no fetch
    client.post(reverse("logout"))
    assert sum("jwks" in url for url in fetched) == 1
    op_a.rotate_keys()
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302
    assert sum("jwks" in url for url in fetched) == 2
    assert sum("openid-configuration" in url for url in fetched) == 1


# --- two municipalities ------------------------------------------------------------------------


@pytest.fixture
def aabenraa_idp(op_b, monkeypatch):
    other = factories.municipality(name="Aabenraa Kommune")
    provider = make_provider(other, op_b, "aabenraa", monkeypatch)
    GroupMapping.objects.create(provider=provider, group="hg-paedagoger", role=Role.PAEDAGOG)
    return provider


def test_two_municipalities_each_sign_in_through_their_own_provider(client, haderslev_idp, aabenraa_idp,
                                                                   alice_at_idp, op_b):
    bente = factories.user(Role.PAEDAGOG, municipality_obj=aabenraa_idp.municipality, username="bente")
    op_b.user("bente.idp", email=bente.email, groups=["hg-paedagoger"])
    assert sign_in(client, "aabenraa", "bente.idp").status_code == 302
    assert signed_in_user(client) == str(bente.pk)
    client.post(reverse("logout"))
    assert sign_in(client, "haderslev", "alice.idp").status_code == 302
    assert signed_in_user(client) == str(alice_at_idp.pk)
    assert {i.issuer for i in ExternalIdentity.objects.all()} == {haderslev_idp.issuer, aabenraa_idp.issuer}


def test_a_user_of_one_municipality_cannot_sign_in_through_the_other(client, haderslev_idp, aabenraa_idp,
                                                                    alice_at_idp, op_b):
    # Aabenraa's provider vouches for someone with Alice's e-mail: Haderslev's Alice is not linked.
    op_b.user("alice.idp", email=alice_at_idp.email, groups=["hg-paedagoger"])
    response = sign_in(client, "aabenraa", "alice.idp")
    row = assert_refused(response, client, aabenraa_idp, "sso_unknown_user", "Aabenraa Kommune")
    assert row.municipality_id == aabenraa_idp.municipality_id and "Alice" not in response.content.decode()


def test_an_answer_from_one_municipalitys_provider_is_refused_for_a_sign_in_at_the_other(
        client, haderslev_idp, aabenraa_idp, alice_at_idp):
    # Haderslev's provider answers with a code; the browser passes it off as the answer to a
    # sign-in it started at Aabenraa: Aabenraa's provider does not know the code.
    haderslev_answer = parse_qs(urlsplit(provider_login(start_sign_in(client, "haderslev"), "alice.idp")).query)
    aabenraa_state = parse_qs(urlsplit(start_sign_in(client, "aabenraa")).query)["state"][0]
    response = client.get(f"{reverse('sso:callback')}?{urlencode({'code': haderslev_answer['code'][0], 'state': aabenraa_state})}")
    assert_refused(response, client, aabenraa_idp, "sso_token", "Start forfra")


# --- sign-out -----------------------------------------------------------------------------------


def test_sign_out_ends_the_session_here_and_sends_the_browser_to_the_provider(client, haderslev_idp, alice_at_idp,
                                                                             op_a):
    sign_in(client, "haderslev", "alice.idp")
    response = client.post(reverse("logout"))
    assert signed_in_user(client) is None
    location = response.context["end_session_url"]
    assert f'<meta http-equiv="refresh" content="0;url={location.replace("&", "&amp;")}">' in response.content.decode()
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(op_a.issuer + "/logout/")
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    assert query["id_token_hint"][0].count(".") == 2


def test_a_local_login_signs_out_as_before(client_for, alice):
    response = client_for(alice).post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


# --- bad input and a provider that is down -----------------------------------------------------


def test_an_answer_without_state_or_code_is_refused_and_logged(client, db):
    response = client.get(reverse("sso:callback"))
    assert response.status_code == 200 and "Start forfra" in response.content.decode()
    assert refusals("sso_state").count() == 1 and signed_in_user(client) is None


def test_the_provider_saying_no_is_a_danish_message(client, haderslev_idp):
    state = parse_qs(urlsplit(start_sign_in(client, "haderslev")).query)["state"][0]
    response = client.get(reverse("sso:callback"), {"state": state, "error": "access_denied"})
    assert_refused(response, client, haderslev_idp, "sso_provider_error", "afbrød login")


def test_an_unknown_provider_name_shows_the_login_page_with_a_message(client, db):
    response = client.get(reverse("sso:start"), {"udbyder": "findes-ikke"})
    assert response.status_code == 400 and "Vælg kommunens login" in response.content.decode()


def test_a_provider_that_cannot_be_reached_is_a_danish_message_and_logged(client, municipality):
    from tests.oidc import free_port

    provider = IdentityProvider.objects.create(municipality=municipality, name="Nede", slug="nede",
                                               issuer=f"http://127.0.0.1:{free_port()}/o", client_id="x")
    response = client.get(reverse("sso:start"), {"udbyder": "nede"})
    assert response.status_code == 503 and "kan ikke nås" in response.content.decode()
    assert refusals("sso_unavailable").get().municipality_id == provider.municipality_id


def test_the_login_page_asks_the_same_queries_for_one_provider_or_many(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("login")).status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for i in range(n):
            IdentityProvider.objects.create(municipality=factories.municipality(), name=f"Udbyder {i}",
                                            slug=f"udbyder-{i}-{IdentityProvider.objects.count()}",
                                            issuer="https://idp.example", client_id="x")

    add(1)
    one = count()
    add(7)
    assert count() == one


def test_the_administrator_sees_what_to_register_but_never_a_secret(client_for, admin_user, haderslev_idp, settings):
    settings.SITE_URL = "https://haandguide.haderslev.dk"
    body = client_for(admin_user).get(reverse("admin:sso_identityprovider_change", args=[haderslev_idp.pk])) \
        .content.decode()
    assert "https://haandguide.haderslev.dk/login/udbyder/svar/" in body
    assert "SSO_CLIENT_SECRET_HADERSLEV" in body and "fundet" in body
    assert "hemmelig-haderslev" not in body


# --- the citizens' side: the same relying party, the portal's handler ---------------------------


def test_a_citizen_provider_hands_the_verified_claims_to_the_handler_the_portal_registers(
        client, municipality, op_a, monkeypatch):
    from django.http import HttpResponse

    from sso import handlers
    from sso.models import Audience

    provider = make_provider(municipality, op_a, "mitid", monkeypatch, audience=Audience.CITIZEN, cpr_claim="cpr",
                             mfa_claim="acr", mfa_values="https://data.gov.dk/concept/core/nsis/loa/Substantial")
    op_a.user("foraelder", cpr="0101801234", given_name="Mette")
    assert provider.name not in client.get(reverse("login")).content.decode()  # staff see only staff providers

    monkeypatch.delitem(handlers._handlers, Audience.CITIZEN, raising=False)
    assert_refused(sign_in(client, "mitid", "foraelder"), client, provider, "sso_unavailable", "kan ikke nås")

    received = []

    def portal(request, provider, verified):
        received.append(verified.claims[provider.cpr_claim])
        return HttpResponse("forældreportalen")

    monkeypatch.setitem(handlers._handlers, Audience.CITIZEN, portal)
    response = sign_in(client, "mitid", "foraelder")
    assert response.content.decode() == "forældreportalen" and received == ["0101801234"]
    assert signed_in_user(client) is None and not ExternalIdentity.objects.exists()  # no staff user involved

    op_a.user("foraelder", cpr="0101801234", mfa=False)
    assert_refused(sign_in(client, "mitid", "foraelder"), client, provider, "sso_mfa", "to faktorer")
    assert received == ["0101801234"]
