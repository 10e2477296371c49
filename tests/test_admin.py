"""Administrators edit organisation and configuration in Django's admin; every change is logged."""

from django.urls import reverse

from haandguide.models import AccessLog, Institution, Municipality


def test_administrator_changes_deadline_days_and_it_is_logged(client_for, admin_user, municipality):
    client = client_for(admin_user)
    url = reverse("admin:haandguide_municipality_change", args=[municipality.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "name": municipality.name, "submission_deadline_days": 14, "resource_period_months": 6,
        "evaluation_reminder_days": 7, "reassessment_notice_days": 30, "retention_months": 24,
        "reassessment_reminder_days": 7, "follow_up_weeks": 8,
    })
    assert response.status_code == 302
    changed = Municipality.objects.get(pk=municipality.pk)
    assert changed.submission_deadline_days == 14
    assert (changed.reassessment_reminder_days, changed.follow_up_weeks) == (7, 8)
    row = AccessLog.objects.get(action=AccessLog.Action.UPDATE, object_type="municipality")
    assert row.user == admin_user


def test_administrator_adds_an_institution_and_it_is_logged(client_for, admin_user, nord):
    response = client_for(admin_user).post(reverse("admin:haandguide_institution_add"), {
        "district": nord.pk, "name": "Børnehuset Fyrtårnet", "kind": "daginstitution",
    })
    assert response.status_code == 302
    institution = Institution.objects.get(name="Børnehuset Fyrtårnet")
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, object_id=str(institution.pk)).exists()


def test_opening_a_child_in_the_admin_is_a_logged_read(client_for, admin_user, alma):
    response = client_for(admin_user).get(reverse("admin:haandguide_child_change", args=[alma.pk]))
    assert response.status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, child_id=alma.pk, user=admin_user).exists()


def test_admin_child_list_masks_cpr(client_for, admin_user, alma):
    body = client_for(admin_user).get(reverse("admin:haandguide_child_changelist")).content.decode()
    assert alma.masked_cpr in body and alma.cpr not in body


def test_access_log_cannot_be_edited_in_the_admin(client_for, admin_user, alice, alma, client):
    client_for(alice).get(reverse("cases:child_detail", args=[alma.pk]))
    row = AccessLog.objects.filter(action=AccessLog.Action.VIEW).first()
    admin_client = client_for(admin_user)
    response = admin_client.post(reverse("admin:haandguide_accesslog_change", args=[row.pk]), {"detail": "x"})
    assert response.status_code in (403, 200)
    assert AccessLog.objects.get(pk=row.pk).detail == row.detail
    assert admin_client.post(reverse("admin:haandguide_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_administrator_sees_and_chooses_only_the_own_municipality(client_for, admin_user, nord, alma):
    from tests import factories

    other = factories.municipality(name="Køge Kommune")
    other_district = factories.district(other, name="Køge Nord")
    other_child = factories.child(factories.institution(other_district), first_name="Fremmed")
    client = client_for(admin_user)
    districts = client.get(reverse("admin:haandguide_district_changelist")).content.decode()
    assert "Nord" in districts and "Køge Nord" not in districts
    assert client.get(reverse("admin:haandguide_child_change", args=[other_child.pk])).status_code in (302, 404)
    add_form = client.get(reverse("admin:haandguide_institution_add")).content.decode()
    assert "Køge Nord" not in add_form


def test_opening_a_family_group_in_the_admin_logs_each_child_shown(client_for, admin_user, lars, alma, solsikken,
                                                                   municipality):
    from cases import services as case_services
    from tests.case_fixtures import as_user

    municipality.family_groups_enabled = True
    municipality.save()
    group = case_services.family_group_create(actor=as_user(lars), institution=solsikken,
                                              data={"name": "Forældregruppen", "purpose": "Netværk"})
    case_services.family_group_participant_add(actor=as_user(lars), group=group, child=alma)
    response = client_for(admin_user).get(reverse("admin:cases_familygroup_change", args=[group.pk]))
    assert response.status_code == 200 and "Alma" in response.content.decode()
    assert AccessLog.objects.for_child(alma.pk).filter(action=AccessLog.Action.LIST, user=admin_user).exists()
