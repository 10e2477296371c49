"""A real OpenID provider for the tests, on loopback: django-oauth-toolkit's OIDC support in a
small Django project of its own (its own settings, database and process).

`tests/oidc.py` starts it as a subprocess (`python -m tests.oidc_op --port N --seed seed.json`);
by hand, see the README ("Sign-in through the municipality's identity provider"). Test-only
control endpoints under /test/ let a test make the next ID token bad in one named way
(a signature by another key, a wrong audience, an expired token, a wrong nonce, a wrong issuer)
or rotate the signing key.
"""
