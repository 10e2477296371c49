"""Families for the parents' portal tests.

Alma's parents Mette and Jens (both with custody) and Alma's sister Ida, whose row for Mette carries
only the same e-mail (one person, two rows); Viggo's mother Karen is another family. Mette's CPR is
registered (as its digest) for the citizen login."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from haandguide.lib import cpr as cprlib
from haandguide.models import Guardian
from tests import factories

METTE_CPR = "0101851234"


@pytest.fixture
def family(alma, solsikken):
    mette = Guardian.objects.create(child=alma, name="Mette Jensen", relation="mor", has_custody=True,
                                    email="mette@example.dk", cpr_digest=cprlib.digest(METTE_CPR))
    jens = Guardian.objects.create(child=alma, name="Jens Jensen", relation="far", has_custody=True,
                                   email="jens@example.dk")
    ida = factories.child(solsikken, first_name="Ida", last_name="Jensen")
    mette_ida = Guardian.objects.create(child=ida, name="Mette Jensen", relation="mor", has_custody=True,
                                        email="METTE@example.dk")
    return SimpleNamespace(alma=alma, ida=ida, mette=mette, jens=jens, mette_ida=mette_ida)


@pytest.fixture
def other_family(viggo):
    karen = Guardian.objects.create(child=viggo, name="Karen Holm", relation="mor", has_custody=True,
                                    email="karen@example.dk")
    return SimpleNamespace(viggo=viggo, karen=karen)


def link_path(message) -> str:
    url = re.search(r"https?://\S+/portal/log-ind/link/\S+/", message.body).group(0)
    return urlparse(url).path


def request_link(client: Client, email: str) -> str:
    """Ask for a sign-in link; the path of the link in the e-mail sent."""
    before = len(mail.outbox)
    client.post(reverse("portal:sign_in"), {"email": email})
    assert len(mail.outbox) == before + 1, "no link was sent"
    return link_path(mail.outbox[-1])


def parent_client(email: str) -> Client:
    """A browser of its own, signed in to the portal through a one-time link."""
    client = Client()
    response = client.post(request_link(client, email))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home"), response
    return client
