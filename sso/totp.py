"""The second factor of local password accounts (production mode): TOTP through django-otp, with
recovery codes (django-otp's static device, each code usable once).

The password step (`LoginView`) does not sign in: it parks the user in the session for a few
minutes (`park`). A user without an authenticator app enrols first (a new secret on each visit,
so one shown is never shown again; confirmed by a code), receives ten recovery codes once, and is
signed in. A user with one gives a code (or a recovery code). A wrong code is refused, counted by
django-otp's throttling, and logged.
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.exceptions import Refusal
from haandguide.models import User

PENDING_SECONDS = 300
RECOVERY_CODES = 10
APP_NAME = "Godkendelsesapp"
RECOVERY_NAME = "Gendannelseskoder"

WRONG_CODE = Refusal("totp_wrong", "Koden er forkert eller udløbet. Skriv den kode, appen viser nu, "
                                   "eller en af dine gendannelseskoder.")


def required() -> bool:
    return settings.LOCAL_LOGIN_TOTP


def park(request, user: User, next_url: str) -> None:
    request.session["totp_pending"] = {"user": user.pk, "backend": user.backend, "next": next_url, "at": time.time()}


def parked_user(request) -> tuple[User | None, dict]:
    pending = request.session.get("totp_pending") or {}
    if not pending or pending.get("at", 0) <= time.time() - PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def has_app(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def new_app(user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator secret (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no image request: fits the CSP)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR-kode til godkendelsesappen")


def _finish(request, user: User, pending: dict, device) -> None:
    request.session.pop("totp_pending", None)
    login(request, user, backend=pending.get("backend") or "django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)


@transaction.atomic
def enrol(request, user: User, pending: dict, token: str) -> list[str] | None:
    """Confirm the unconfirmed app with a code from it; answers the recovery codes (shown once)
    and signs the user in, or None for a wrong code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    log_access(Actor.staff(user, path=request.path), Action.CREATE, user,
               detail="To-faktor: godkendelsesapp tilknyttet, gendannelseskoder udstedt")
    _finish(request, user, pending, device)
    return codes


def verify(request, user: User, pending: dict, token: str) -> bool:
    """A code from the app, or a recovery code (used up); True signs the user in."""
    device = match_token(user, token.strip().replace(" ", "").lower())
    if device is None:
        return False
    if isinstance(device, StaticDevice):
        log_access(Actor.staff(user, path=request.path), Action.UPDATE, user,
                   detail=f"To-faktor: gendannelseskode brugt ({device.token_set.count()} tilbage)")
    _finish(request, user, pending, device)
    return True
