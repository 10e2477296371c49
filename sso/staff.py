"""Staff sign-in: who a verified token is, in Haandguide, and what the groups make them.

A person is matched on issuer + `sub`. The first sign-in links, by the claim the administrator
chose (e-mail or UPN), to a user the administrator created in the provider's municipality, or
creates one where the municipality turned that on. Roles, institutions and districts are assigned
in Haandguide, or, where the provider has a group mapping, taken from the group claim at every
sign-in, each change logged. Refused (with a Danish reason, logged by the view): no two factors,
an unknown, deactivated or unmapped user (missing two factors: `sso.oidc`, for every audience). Nothing of another municipality is ever linked.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth import login
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.models import Role, User
from sso.handlers import SignInRefused
from sso.models import ExternalIdentity, GroupMapping, IdentityProvider

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _unknown(provider: IdentityProvider) -> SignInRefused:
    return SignInRefused("sso_unknown_user", f"Du er ikke oprettet som bruger af Haandguide i {provider.municipality}. "
                                             "Kontakt kommunens administrator.")


def _groups(provider: IdentityProvider, claims: dict) -> list[str]:
    value = claims.get(provider.groups_claim) if provider.groups_claim else None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _user_to_link(provider: IdentityProvider, value: str) -> User | None:
    """The administrator-created user the first sign-in links to: same municipality, e-mail (or
    username for a UPN-like claim) equal to the claim, not yet linked to this provider."""
    users = User.objects.filter(municipality=provider.municipality).exclude(external_identities__provider=provider)
    candidates = list(users.filter(Q(email__iexact=value) | Q(username__iexact=value))[:2])
    if len(candidates) == 1:
        return candidates[0]
    return None  # none, or ambiguous: the administrator decides, not a guess


def _matching(provider: IdentityProvider, claims: dict) -> list[GroupMapping]:
    groups = set(_groups(provider, claims))
    if not groups:
        return []
    return [m for m in provider.group_mappings.prefetch_related("institutions", "districts") if m.group in groups]


def apply_group_mapping(user: User, mappings: list[GroupMapping], *, actor: Actor) -> list[str]:
    """Set role, institutions and districts from the matching mappings; log each change."""
    changes = []
    role = mappings[0].role
    if user.role != role:
        changes.append(f"Rolle: {Role(user.role).label} → {Role(role).label} (gruppe {mappings[0].group})")
        user.role = role
        user.save(update_fields=["role", "is_staff"])
    for field in ("institutions", "districts"):
        wanted = {obj.pk: obj for m in mappings for obj in getattr(m, field).all()}
        current = set(getattr(user, field).values_list("pk", flat=True))
        if set(wanted) != current:
            added = [str(wanted[pk]) for pk in sorted(set(wanted) - current)]
            removed = sorted(current - set(wanted))
            getattr(user, field).set(list(wanted))
            label = "Institutioner" if field == "institutions" else "Distrikter"
            changes.append(f"{label}: +{', '.join(added) or '–'}; fjernet {len(removed)}")
    for change in changes:
        log_access(actor, Action.UPDATE, user, detail=f"Gruppetilknytning ved login: {change}"[:255])
    return changes


@transaction.atomic
def staff_user_for_claims(provider: IdentityProvider, claims: dict, *, path: str = "") -> User:
    """The staff user these verified claims sign in (two factors were checked by `sso.oidc`),
    after the link and the group mapping. Raises SignInRefused."""
    identity = (ExternalIdentity.objects.select_related("user")
                .filter(provider=provider, issuer=provider.issuer, subject=claims["sub"]).first())
    mappings = _matching(provider, claims)
    uses_mapping = provider.group_mappings.exists()
    user = identity.user if identity else None
    if user is None:
        value = str(claims.get(provider.link_claim) or "").strip()
        user = _user_to_link(provider, value) if value else None
        if user is None and provider.auto_create and value and mappings:
            user = User.objects.create_user(
                username=value[:150], email=str(claims.get(provider.email_claim) or ""),
                first_name=str(claims.get(provider.given_name_claim) or "")[:150],
                last_name=str(claims.get(provider.family_name_claim) or "")[:150],
                municipality=provider.municipality, role=mappings[0].role)
            user.set_unusable_password()
            user.save()
            log_access(Actor.staff(user, path=path), Action.CREATE, user,
                       detail=f"Bruger oprettet ved første login via {provider.name}")
        if user is None:
            raise _unknown(provider)
    if user.municipality_id != provider.municipality_id:  # never across municipalities
        raise _unknown(provider)
    if not user.is_active:
        raise SignInRefused("sso_deactivated", "Din bruger i Haandguide er deaktiveret. "
                                               "Kontakt kommunens administrator.", user=user)
    if uses_mapping and not mappings:
        raise SignInRefused("sso_unmapped", "Dine grupper hos kommunen giver ikke adgang til Haandguide. "
                                            "Kontakt kommunens administrator.", user=user)
    actor = replace(Actor.staff(user, path=path), label=f"gruppetilknytning {provider.slug}")
    if mappings:
        apply_group_mapping(user, mappings, actor=actor)
    if identity is None:
        identity = ExternalIdentity.objects.create(provider=provider, issuer=provider.issuer,
                                                   subject=claims["sub"], user=user)
        log_access(actor, Action.UPDATE, user, detail=f"Koblet til {provider.name} (sub {claims['sub']})"[:255])
    identity.last_sign_in = timezone.now()
    identity.save(update_fields=["last_sign_in"])
    return user


def sign_in_staff(request, provider: IdentityProvider, verified):
    """The staff handler (`sso.handlers`): log the user in and go to their home page (or `next`)."""
    user = staff_user_for_claims(provider, verified.claims, path=request.path)
    login(request, user, backend=LOGIN_BACKEND)
    request.session["sso"] = {"provider": provider.pk, "id_token": verified.id_token}
    next_url = verified.next_url
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    return redirect(next_url or "home")
