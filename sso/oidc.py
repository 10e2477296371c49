"""The OpenID Connect relying party, for every audience (staff now, citizens in the portal next).

Authorization code flow with PKCE (S256), state and nonce, through Authlib's OAuth 2 client; the
ID token is verified with Authlib's JOSE library (joserfc): signature against the provider's JWKS,
issuer, audience (and `azp` when there are several), expiry and issue time with a minute's leeway,
and the nonce of this very sign-in; then two factors, as the provider's data says (`amr`/`acr`),
for every audience. The discovery document and the JWKS are cached; a token signed with a key id
the cached JWKS does not know fetches the JWKS once more (key rotation).

Nothing here decides who the person is: `complete` returns the verified claims and the views hand
them to the audience's handler (`sso.handlers`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets as pysecrets
import time
from dataclasses import dataclass

import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.cache import cache
from django.urls import reverse
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from haandguide.exceptions import Refusal
from sso import secrets
from sso.handlers import SignInRefused
from sso.models import IdentityProvider

logger = logging.getLogger(__name__)

METADATA_SECONDS = 3600  # discovery and JWKS: an hour; an unknown key id refetches at once
PENDING_SECONDS = 600  # a sign-in must come back from the provider within ten minutes
PENDING_MAX = 5  # sign-ins started in other tabs of the same browser
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256", "PS256", "ES256"]
HTTP_TIMEOUT = 10

REASONS = {
    "sso_state": "Login kunne ikke gennemføres: svaret fra identitetsudbyderen hører ikke til et login, der er "
                 "startet her (det kan være brugt før, udløbet eller ændret undervejs). Start forfra.",
    "sso_provider_error": "Identitetsudbyderen afbrød login. Start forfra, eller kontakt kommunens administrator.",
    "sso_unavailable": "Kommunens identitetsudbyder kan ikke nås lige nu. Prøv igen om lidt, eller kontakt "
                       "kommunens administrator.",
    "sso_token": "Login afvist: identitetsudbyderen ville ikke udstede et gyldigt svar. Start forfra.",
    "sso_signature": "Login afvist: svaret fra identitetsudbyderen har ikke en gyldig signatur.",
    "sso_audience": "Login afvist: svaret fra identitetsudbyderen var udstedt til en anden tjeneste end Haandguide.",
    "sso_issuer": "Login afvist: svaret kom ikke fra kommunens identitetsudbyder.",
    "sso_expired": "Login afvist: svaret fra identitetsudbyderen er udløbet. Start forfra.",
    "sso_nonce": "Login afvist: svaret fra identitetsudbyderen hører ikke til dette login (det kan være genbrugt). "
                 "Start forfra.",
    "sso_claims": "Login afvist: svaret fra identitetsudbyderen mangler oplysninger, Haandguide skal bruge.",
}


def refuse(code: str, *, user=None) -> SignInRefused:
    return SignInRefused(code, REASONS[code], user=user)


@dataclass(frozen=True)
class Verified:
    claims: dict
    id_token: str
    next_url: str


# --- metadata -----------------------------------------------------------------------------------


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("Identity provider metadata %s unavailable: %s", url, error)
        raise refuse("sso_unavailable") from None
    if not isinstance(data, dict):
        raise refuse("sso_unavailable")
    return data


def _key(kind: str, url: str) -> str:
    return f"sso:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def discovery(provider: IdentityProvider) -> dict:
    """The provider's discovery document, cached; its issuer must be the configured one."""
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    key = _key("discovery", url)
    document = cache.get(key)
    if document is None:
        document = _get_json(url)
        if document.get("issuer", "").rstrip("/") != provider.issuer.rstrip("/"):
            logger.warning("Discovery of %s names issuer %r", url, document.get("issuer"))
            raise refuse("sso_unavailable")
        cache.set(key, document, METADATA_SECONDS)
    return document


def signing_keys(provider: IdentityProvider, *, refresh: bool = False) -> dict:
    """The provider's JWKS (as JSON), cached; `refresh` fetches it anew (a key id we do not know)."""
    url = discovery(provider)["jwks_uri"]
    key = _key("jwks", url)
    document = None if refresh else cache.get(key)
    if document is None:
        document = _get_json(url)
        cache.set(key, document, METADATA_SECONDS)
    return document


# --- the flow -----------------------------------------------------------------------------------


def redirect_uri(request, provider: IdentityProvider | None = None) -> str:
    """One redirect URI for every provider: the answer's `state` says which sign-in it belongs to."""
    return request.build_absolute_uri(reverse("sso:callback"))


def _client(provider: IdentityProvider, request, **kwargs) -> OAuth2Session:
    return OAuth2Session(client_id=provider.client_id, client_secret=secrets.client_secret(provider),
                         scope=provider.scopes, redirect_uri=redirect_uri(request, provider),
                         code_challenge_method="S256", **kwargs)


def begin(request, provider: IdentityProvider, next_url: str = "") -> str:
    """Start a sign-in: remember state, nonce and the PKCE verifier in this browser's session and
    answer the provider's authorization URL."""
    endpoint = discovery(provider)["authorization_endpoint"]
    state = pysecrets.token_urlsafe(32)
    nonce = pysecrets.token_urlsafe(32)
    verifier = pysecrets.token_urlsafe(64)
    pending = {k: v for k, v in request.session.get("sso_pending", {}).items()
               if v.get("at", 0) > time.time() - PENDING_SECONDS}
    while len(pending) >= PENDING_MAX:
        pending.pop(min(pending, key=lambda s: pending[s]["at"]))
    pending[state] = {"provider": provider.pk, "nonce": nonce, "verifier": verifier, "next": next_url,
                      "at": time.time()}
    request.session["sso_pending"] = pending
    url, _ = _client(provider, request).create_authorization_url(
        endpoint, state=state, nonce=nonce, code_verifier=verifier)
    return url


def _take_pending(request) -> tuple[IdentityProvider, dict]:
    """The sign-in this answer belongs to, used up at once (a replayed answer finds nothing), and
    its provider (still active)."""
    state = request.GET.get("state", "")
    pending = request.session.get("sso_pending", {})
    entry = pending.pop(state, None) if state else None
    request.session["sso_pending"] = pending
    provider = None
    if entry is not None and entry.get("at", 0) > time.time() - PENDING_SECONDS:
        provider = IdentityProvider.objects.filter(pk=entry.get("provider"), active=True).select_related(
            "municipality").first()
    if provider is None:
        raise refuse("sso_state")
    return provider, entry


def complete(request) -> tuple[IdentityProvider, Verified]:
    """The provider's answer (?code=…&state=…): find the sign-in it belongs to, exchange the code
    (with the PKCE verifier) and verify the ID token. Raises SignInRefused with the reason; its
    `provider` is set once the sign-in is known."""
    provider, entry = _take_pending(request)
    try:
        return provider, _verified(request, provider, entry)
    except SignInRefused as refused:
        refused.provider = provider
        raise


def _verified(request, provider: IdentityProvider, entry: dict) -> Verified:
    if request.GET.get("error") or not request.GET.get("code"):
        logger.info("Identity provider %s answered error %r", provider.slug, request.GET.get("error", ""))
        raise refuse("sso_provider_error")
    if secrets.client_secret(provider) is None:
        logger.error("No client secret for identity provider %s", provider.slug)
        raise refuse("sso_unavailable")
    token_endpoint = discovery(provider)["token_endpoint"]
    try:
        token = _client(provider, request).fetch_token(
            token_endpoint, grant_type="authorization_code", code=request.GET["code"],
            code_verifier=entry["verifier"], timeout=HTTP_TIMEOUT)
    except requests.RequestException as error:
        logger.warning("Token endpoint of %s unavailable: %s", provider.slug, error)
        raise refuse("sso_unavailable") from None
    except Exception as error:  # noqa: BLE001 - Authlib's OAuth2Error and kin: the provider said no
        logger.info("Token endpoint of %s refused: %s", provider.slug, error)
        raise refuse("sso_token") from None
    id_token = token.get("id_token")
    if not id_token:
        raise refuse("sso_token")
    claims = verify_id_token(provider, id_token, nonce=entry["nonce"])
    if (refusal := refusal_mfa(provider, claims)) is not None:
        raise SignInRefused(refusal.code, refusal.reason)
    return Verified(claims=claims, id_token=id_token, next_url=entry.get("next", ""))


def refusal_mfa(provider: IdentityProvider, claims: dict) -> Refusal | None:
    """Two factors are shown by the provider's `amr` or `acr` holding one of the accepted values."""
    value = claims.get(provider.mfa_claim)
    values = value if isinstance(value, list) else [value] if value else []
    if any(str(v) in provider.accepted_mfa_values for v in values):
        return None
    return Refusal("sso_mfa", "Login afvist: dit login hos kommunen viser ikke to faktorer (fx en kode eller en "
                              "godkendelse på telefonen). Log ind igen med to faktorer.")


def verify_id_token(provider: IdentityProvider, id_token: str, *, nonce: str) -> dict:
    """The ID token's claims, once signature, issuer, audience, times and nonce hold."""
    try:
        kid = jws.extract_compact(id_token.encode()).headers().get("kid")
    except JoseError:
        raise refuse("sso_signature") from None
    jwks = signing_keys(provider)
    if kid is not None and kid not in {k.get("kid") for k in jwks.get("keys", [])}:
        jwks = signing_keys(provider, refresh=True)  # the provider rotated its keys: fetch once more
    try:
        keyset = KeySet.import_key_set(jwks)
        token = jwt.decode(id_token, keyset, algorithms=ALGORITHMS)
    except (BadSignatureError, JoseError, ValueError):
        raise refuse("sso_signature") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = token.claims
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise refuse("sso_expired") from None
    except ClaimError as error:
        code = {"aud": "sso_audience", "iss": "sso_issuer", "nonce": "sso_nonce",
                "exp": "sso_expired", "iat": "sso_expired"}.get(error.claim, "sso_claims")
        raise refuse(code) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise refuse("sso_audience")
    return claims


def end_session_url(request, provider: IdentityProvider, id_token: str) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout)."""
    if not provider.end_session:
        return None
    try:
        endpoint = discovery(provider).get("end_session_endpoint")
    except SignInRefused:
        return None
    if not endpoint:
        return None
    from urllib.parse import urlencode

    params = {"id_token_hint": id_token, "client_id": provider.client_id,
              "post_logout_redirect_uri": request.build_absolute_uri(reverse("login"))}
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


__all__ = ["begin", "complete", "discovery", "end_session_url", "signing_keys",
           "verify_id_token"]
