"""The administrator creates and rotates integration clients in the scoped admin: the key is shown
once, only its hash is kept, the old key stops working at rotation; outbound channels are data."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from haandguide.models import AccessLog
from integrations.models import ApiClient, ChannelSetting

pytestmark = pytest.mark.django_db


def shown_key(response) -> str:
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if "hg_" in str(m)]
    return next(word for word in message.split() if word.startswith("hg_"))


def test_a_client_is_created_with_a_key_shown_once_and_rotated(client_for, admin_user, municipality):
    client = client_for(admin_user)
    response = client.post(reverse("admin:integrations_apiclient_add"), {
        "municipality": municipality.pk, "name": "KMD Institution", "operations": ["children", "custody"],
        "active": "on"})
    assert response.status_code == 302
    key = shown_key(response)
    api_client = ApiClient.objects.get()
    assert api_client.operations == ["children", "custody"] and key not in str(ApiClient.objects.values().get())
    assert ApiClient.by_key(key) == api_client
    page = reverse("admin:integrations_apiclient_change", args=[api_client.pk])
    assert key in client.get(page).content.decode()  # on the next page, once
    assert key not in client.get(page).content.decode()
    response = client.post(reverse("admin:integrations_apiclient_change", args=[api_client.pk]), {
        "municipality": municipality.pk, "name": "KMD Institution", "operations": ["children"], "active": "on",
        "rotate": "on"})
    new_key = shown_key(response)
    assert ApiClient.by_key(key) is None and ApiClient.by_key(new_key) is not None
    assert AccessLog.objects.filter(object_type="apiclient", user=admin_user).count() == 2


def test_a_channel_must_fit_its_purpose(client_for, admin_user, municipality):
    response = client_for(admin_user).post(reverse("admin:integrations_channelsetting_add"), {
        "municipality": municipality.pk, "purpose": "journal", "channel": "email", "active": "on"})
    assert response.status_code == 200 and "Kanalen passer ikke til formålet." in response.content.decode()
    assert not ChannelSetting.objects.exists()
