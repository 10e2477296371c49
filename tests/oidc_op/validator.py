"""django-oauth-toolkit's validator with our users' claims and the tests' faults.

`finalize_id_token` follows the toolkit's own (3.x) but lets a test make the next token bad in
one named way, so the relying party's refusals are shown against real tokens from a real provider.
"""

import json
import time

from django.db import router, transaction
from jwcrypto import jwk, jwt
from oauth2_provider.models import IDToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_op import state
from tests.oidc_op.settings import new_private_key_pem

NSIS_SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
NSIS_LOW = "https://data.gov.dk/concept/core/nsis/loa/Low"


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the token, whatever the scopes

    def get_additional_claims(self, request):
        extra = state.USERS.get(request.user.username, {})
        claims = {key: extra[key] for key in ("email", "upn", "given_name", "family_name", "groups", "cpr") if key in extra}
        mfa = extra.get("mfa", True)
        claims["amr"] = ["pwd", "mfa"] if mfa else ["pwd"]
        claims["acr"] = NSIS_SUBSTANTIAL if mfa else NSIS_LOW
        return claims

    def finalize_id_token(self, id_token, token, token_handler, request):
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        id_token["sub"] = state.USERS.get(request.user.username, {}).get("sub") or request.user.username
        key = request.client.jwk_key
        header = {"typ": "JWT", "alg": "RS256", "kid": key.thumbprint()}
        fault = state.take_fault()
        if fault == "bad_signature":  # the published key's id, another key's signature
            key = jwk.JWK.from_pem(new_private_key_pem().encode())
        elif fault == "wrong_audience":
            id_token["aud"] = "en-helt-anden-klient"
        elif fault == "expired":
            id_token["iat"] = int(time.time()) - 7200
            id_token["exp"] = int(time.time()) - 3600
        elif fault == "wrong_nonce":
            id_token["nonce"] = "en-anden-nonce"
        elif fault == "wrong_issuer":
            id_token["iss"] = "https://falsk-udsteder.example"
        signed = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        signed.make_signed_token(key)
        with transaction.atomic(using=router.db_for_write(IDToken)):
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return signed.serialize()
