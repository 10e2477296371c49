"""Demo data for the organisation: a believable municipality (Haderslev by default, or any profile
in `haandguide/profiles/`) with districts, institutions, children and one login per role. Called by
`manage.py demo [--kommune X]`; idempotent (natural keys). The profile is loaded first, so every
app's configuration (meeting types, catalogue, resource types, measures) is in place."""

from __future__ import annotations

import datetime
import random

from haandguide import profiles
from haandguide.lib import cpr as cprlib
from haandguide.models import (
    Child, CounsellorKind, District, Guardian, Institution, Role, User,
)

DEMO_PASSWORD = "haandguide-demo"

GIRLS = ["Emma", "Ida", "Clara", "Alma", "Freja", "Karla", "Ella", "Agnes", "Sofia", "Olivia", "Nora",
         "Luna", "Asta", "Lily", "Ellen", "Sigrid", "Marie", "Josefine", "Laura", "Vera", "Esther", "Anna"]
BOYS = ["William", "Noah", "Oscar", "Lucas", "Carl", "Malthe", "Emil", "Alfred", "Valdemar", "Aksel",
        "Arthur", "Theo", "Viggo", "Magnus", "August", "Elias", "Frederik", "Storm", "Otto", "Johan", "Bertram"]
SURNAMES = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
            "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
            "Poulsen", "Johansen", "Møller", "Mortensen", "Lund", "Schmidt", "Holm", "Friis", "Bruun"]
ADULTS_F = ["Mette", "Louise", "Camilla", "Maria", "Sara", "Julie", "Line", "Katrine"]
ADULTS_M = ["Lars", "Mads", "Thomas", "Martin", "Jesper", "Rasmus", "Søren", "Anders"]

def demo_users(demo: dict) -> list:
    """username (before the profile's prefix), first, last, role, extra. The first consultant
    district holds the pedagogue's and leader's institution, the second the other leader's."""
    first, second = demo["consultant_districts"][:2]
    return [
        ("paedagog", "Mette", "Kjær", Role.PAEDAGOG, {"institutions": [(first, 0)]}),
        ("leder", "Lars", "Brodersen", Role.LEDER, {"institutions": [(first, 0)]}),
        ("leder-syd", "Hanne", "Iversen", Role.LEDER, {"institutions": [(second, 0)]}),
        ("konsulent", "Birgitte", "Holm", Role.KONSULENT, {"districts": demo["consultant_districts"]}),
        ("chef", "Peter", "Schou", Role.CHEF, {}),
        ("raadgiver", "Jonas", "Frost", Role.EKSTERN, {"counsellor_kind": CounsellorKind(demo["counsellor_kind"])}),
        ("admin", "Anne", "Dam", Role.ADMINISTRATOR, {}),
    ]


def fake_cpr(rng: random.Random, birth: datetime.date, girl: bool, taken: set[str]) -> str:
    """A valid-looking CPR number for a child born 2000–2036 (7th digit 4: century 2000 for yy ≤ 36)."""
    while True:
        serial = 4000 + rng.randrange(0, 1000)
        if (serial % 2 == 0) != girl:
            serial += 1 if serial < 4999 else -1
        value = f"{birth:%d%m%y}{serial:04d}"
        if value not in taken:
            taken.add(value)
            assert cprlib.is_valid(value)
            return value


def build(context: dict) -> None:
    rng: random.Random = context["rng"]
    profile = context.setdefault("profile", profiles.get(profiles.DEFAULT))
    demo = profile["demo"]
    municipality = profiles.load(profile["slug"])
    context["municipality"] = municipality
    institutions: dict[tuple[str, int], Institution] = {}
    for district_name, rows in demo["institutions"].items():
        district, _ = District.objects.get_or_create(municipality=municipality, name=district_name)
        for index, (name, kind) in enumerate(rows):
            institutions[(district_name, index)], _ = Institution.objects.get_or_create(
                district=district, name=name, defaults={"kind": kind}
            )
    context["institutions"] = institutions

    # Same seed, same numbers: a second run finds every child by its CPR and creates nothing.
    # Another municipality's children in the same database are never reused: their numbers are taken.
    taken_this_run: set[str] = set(
        Child.objects.exclude(institution__district__municipality=municipality).exclude(cpr=None)
        .values_list("cpr", flat=True))
    today = datetime.date(2026, 11, 1)
    children = []
    for (district_name, index), institution in institutions.items():
        count = 14 if institution.kind == Institution.Kind.DAGPLEJE else 27
        for n in range(count):
            girl = rng.random() < 0.5
            first = rng.choice(GIRLS if girl else BOYS)
            last = rng.choice(SURNAMES)
            max_age_days = 3 * 365 if institution.kind == Institution.Kind.DAGPLEJE else 6 * 365
            birth = today - datetime.timedelta(days=rng.randint(300, max_age_days))
            cpr = fake_cpr(rng, birth, girl, taken_this_run)
            # Draw everything before looking the child up, so the random sequence is the same
            # whether or not the child already exists.
            mother = (f"{rng.choice(ADULTS_F)} {last}", f"2{rng.randrange(10**6, 10**7)}")
            father = (f"{rng.choice(ADULTS_M)} {rng.choice(SURNAMES)}", f"4{rng.randrange(10**6, 10**7)}")
            started = birth + datetime.timedelta(days=rng.randint(270, 420))
            child, created = Child.objects.get_or_create(
                cpr=cpr, institution__district__municipality=municipality,
                defaults={"institution": institution, "first_name": first, "last_name": last,
                          "started_at": started},
            )
            if created:
                Guardian.objects.create(child=child, name=mother[0], relation=Guardian.Relation.MOR, phone=mother[1])
                Guardian.objects.create(child=child, name=father[0], relation=Guardian.Relation.FAR, phone=father[1])
            children.append(child)
    context["children"] = children

    users = {}
    for key, first, last, role, extra in demo_users(demo):
        username = demo["user_prefix"] + key
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "role": role, "municipality": municipality,
                      "email": f"{username}@haandguide.invalid",
                      "counsellor_kind": extra.get("counsellor_kind", "")},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.institutions.set([institutions[key] for key in extra.get("institutions", [])])
        user.districts.set(District.objects.filter(municipality=municipality, name__in=extra.get("districts", [])))
        users[key] = user
    context["users"] = users

    context.setdefault("logins", []).extend(
        (u.username, DEMO_PASSWORD, u.role_label, ", ".join(str(i) for i in u.institutions.all())
         or ", ".join(str(d) for d in u.districts.all()))
        for u in users.values()
    )
