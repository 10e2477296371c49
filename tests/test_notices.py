"""In-app messages (Notice): each user sees and marks only their own; the home page shows new ones."""

from django.urls import reverse

from haandguide.models import AccessLog, Notice
from haandguide.notify import notify


def test_user_sees_own_new_messages_on_home_and_in_the_list(client_for, lars, bob):
    notify([lars], key="dagsorden-1", subject="Dagsordenen til Distriktsråd Nord er klar", url="/distriktsraad/")
    notify([bob], key="dagsorden-2", subject="Dagsordenen til Distriktsråd Syd er klar")
    home = client_for(lars).get(reverse("home")).content.decode()
    assert "Dagsordenen til Distriktsråd Nord er klar" in home and "Distriktsråd Syd" not in home
    listing = client_for(lars).get(reverse("notice_list")).content.decode()
    assert "Distriktsråd Nord" in listing and "Distriktsråd Syd" not in listing


def test_opening_a_message_marks_it_read_and_follows_its_link(client_for, lars):
    notify([lars], key="k", subject="Frist om 3 dage", url="/distriktsraad/")
    notice = Notice.objects.get(user=lars)
    response = client_for(lars).post(reverse("notice_seen", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == "/distriktsraad/"
    notice.refresh_from_db()
    assert notice.seen_at is not None
    assert "Frist om 3 dage" not in client_for(lars).get(reverse("home")).content.decode()


def test_a_message_never_redirects_off_site(client_for, lars):
    Notice.objects.create(user=lars, key="x", subject="Mærkelig", url="//example.org/")
    notice = Notice.objects.get(user=lars)
    response = client_for(lars).post(reverse("notice_seen", args=[notice.pk]))
    assert response["Location"] == reverse("notice_list")


def test_another_users_message_is_a_logged_404_and_stays_unread(client_for, lars, bob):
    notify([bob], key="k", subject="Bobs besked")
    notice = Notice.objects.get(user=bob)
    assert client_for(lars).post(reverse("notice_seen", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.seen_at is None
    assert AccessLog.objects.filter(user=lars, action=AccessLog.Action.DENIED, object_type="notice").exists()


def test_mark_all_read_touches_only_own_messages(client_for, lars, bob):
    notify([lars, bob], key="k", subject="Til begge")
    client_for(lars).post(reverse("notice_seen_all"))
    assert Notice.objects.get(user=lars).seen_at is not None
    assert Notice.objects.get(user=bob).seen_at is None


def test_empty_state_says_what_will_appear(client_for, lars):
    assert "Du har ingen beskeder" in client_for(lars).get(reverse("notice_list")).content.decode()


def test_home_shows_each_role_its_panels_with_a_constant_number_of_queries(client_for, lars, alice, chef, alma,
                                                                           viggo):
    from tests import factories

    leader_home = client_for(lars).get(reverse("home")).content.decode()
    assert "Børn efter indsatsniveau" in leader_home and "Forfaldne evalueringer i institutionen" in leader_home
    assert "Frist for indstillinger" in leader_home or "ingen planlagte møder" in leader_home
    pedagogue_home = client_for(alice).get(reverse("home")).content.decode()
    assert "Ulæste påmindelser" in pedagogue_home and "Distriktsråd" not in pedagogue_home
    chef_home = client_for(chef).get(reverse("home")).content.decode()
    assert "Børn efter indsatsniveau" not in chef_home and "panel-distriktsraad" in chef_home

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(lars)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    for _ in range(15):
        factories.child(alma.institution)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("home"))
    assert len(after.captured_queries) == len(before.captured_queries) <= 16
