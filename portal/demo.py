"""Demo data for the parents' portal: the custodians of one demo child get e-mail addresses, the
child's plan is shared with them, and a decision letter is put in the portal. The demo prints how
to get a sign-in link (the e-mail lands in var/mail/)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from districtcouncil.models import Letter
from handleplan import services as plan_services
from handleplan.models import Effort, Handleplan
from haandguide import roles
from haandguide.actors import Actor
from portal import services
from portal.models import LetterDelivery

MOTHER_EMAIL = "mor@foraeldre.invalid"
FATHER_EMAIL = "far@foraeldre.invalid"


def _demo_child(leader):
    """A child of the leader's institution with a plan, preferring one with a decision letter."""
    institutions = list(leader.institutions.values_list("pk", flat=True))
    letter = (Letter.objects.filter(decision__child__institution__in=institutions, decision__child__isnull=False)
              .select_related("decision__child").order_by("pk").first())
    if letter:
        return letter.decision.child, letter
    plan = (Handleplan.objects.filter(case__child__institution__in=institutions).select_related("case__child")
            .order_by("pk").first())
    return (plan.case.child if plan else None), None


def build(context: dict) -> None:
    leader = context["users"].get("leder")
    if leader is None or context["municipality"].profile != "haderslev":
        return
    child, letter = _demo_child(leader)
    if child is None:
        return
    custodians = list(roles.custodians_of(child).order_by("pk"))
    for guardian, email in zip(custodians, (MOTHER_EMAIL, FATHER_EMAIL)):
        if not guardian.email:
            guardian.email = email
            guardian.save(update_fields=["email"])
    actor = Actor.staff(leader)
    plan = Handleplan.objects.filter(case__child=child).first()
    if plan and not plan.shared_with_parents:
        effort_ids = list(Effort.objects.filter(plan=plan).order_by("pk").values_list("pk", flat=True)[:2])
        plan_services.plan_share(actor=actor, plan=plan, goals_and_signs=True, effort_ids=effort_ids)
    if letter and not LetterDelivery.objects.filter(letter=letter).exists() \
            and services.publish_letter_refusal(letter, actor=actor) is None:
        services.publish_letter(letter, actor=actor)
    if custodians:
        context.setdefault("logins", []).append((
            custodians[0].email, "(link pr. e-mail)", "Forælder (portalen)",
            f"{child.first_name}: bed om et link på {settings.SITE_URL}{reverse('portal:sign_in')}, det ligger i var/mail/"))
