from io import StringIO

from django.core.management import call_command

from haandguide.models import Child, District, Guardian, Institution, Role, User


def test_demo_builds_haderslev_and_prints_a_login_per_role(db):
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert set(District.objects.values_list("name", flat=True)) == {"Nord", "Syd", "Vest"}
    assert Institution.objects.count() == 12
    assert 250 <= Child.objects.count() <= 350
    for role in Role:
        assert User.objects.filter(role=role).exists()
        assert role.label in text or role == Role.EKSTERN
    assert "Praksisvejleder" in text
    assert "haandguide-demo" in text


def test_demo_runs_twice_without_duplicating_data(db):
    call_command("demo", stdout=StringIO())
    counts = (Child.objects.count(), Guardian.objects.count(), User.objects.count(), Institution.objects.count())
    call_command("demo", stdout=StringIO())
    assert (Child.objects.count(), Guardian.objects.count(), User.objects.count(), Institution.objects.count()) == counts
