"""The child list's search (issue 16): a CPR number typed into it finds the child and never lands in
an address (the server's log, the browser's history, a Referer). The search is POSTed; the result's
address carries an opaque token kept in the person's session, so paging and going back still work."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import services
from haandguide.lib import typed_search
from haandguide.models import AccessLog
from tests import factories
from tests.case_fixtures import as_user

LIST = reverse("cases:child_list")


def search(client, **fields):
    """POST the search form as the browser does; returns the redirect and the page it leads to."""
    answer = client.post(LIST, {"q": "", "institution": "", "level": "", "topi": "", **fields})
    assert answer.status_code == 302
    return answer, client.get(answer["Location"])


def addresses(page) -> list[str]:
    """Every address on the page: links, form actions, anything a browser would request or send."""
    return re.findall(r'(?:href|action|src)="([^"]*)"', page.content.decode())


def cpr_forms(cpr: str) -> list[str]:
    return [cpr, f"{cpr[:6]}-{cpr[6:]}", f"{cpr[:6]}%2D{cpr[6:]}", cpr[6:], cpr[:6]]


@pytest.mark.parametrize("typed", ["{cpr}", "{date}-{serial}", " {date} {serial} "])
def test_a_cpr_typed_into_the_search_finds_the_child_and_no_address_carries_it(client_for, alice, alma, solsikken,
                                                                                typed):
    factories.child(solsikken, first_name="Bent")
    typed = typed.format(cpr=alma.cpr, date=alma.cpr[:6], serial=alma.cpr[6:])
    answer, page = search(client_for(alice), q=typed)
    body = page.content.decode()
    assert "Alma" in body and "Bent" not in body
    seen = [answer["Location"], *addresses(page)]
    assert not [a for a in seen for form in cpr_forms(alma.cpr) if form in a]
    assert f'value="{typed.strip()}"' in body  # the box keeps what was typed


def test_the_search_is_logged_as_the_list_it_shows_and_the_log_holds_no_cpr(client_for, alice, alma):
    search(client_for(alice), q=alma.cpr)
    row = AccessLog.objects.filter(user=alice, action=AccessLog.Action.LIST).latest("pk")
    assert row.child_ids == [alma.pk] and row.detail == "Børneliste"
    assert alma.cpr[6:] not in row.path


def test_a_name_search_pages_through_its_results_and_keeps_the_filters(client_for, alice, solsikken):
    for n in range(30):
        factories.child(solsikken, first_name=f"Karla{n:02d}")
    factories.child(solsikken, first_name="Bent")
    client = client_for(alice)
    answer, first = search(client, q="karla", topi="")
    assert "side 1 af 2" in first.content.decode() and "Bent" not in first.content.decode()
    next_link = re.search(r'href="(\?[^"]*side=2)"', first.content.decode()).group(1).replace("&amp;", "&")
    second = client.get(LIST + next_link).content.decode()
    assert "side 2 af 2" in second and "Karla" in second and "Bent" not in second
    assert 'value="karla"' in second
    assert "karla" not in answer["Location"].lower() and "karla" not in next_link.lower()


def test_the_filters_chosen_with_a_search_stay_readable_in_the_address(client_for, alice, alma, solsikken):
    services.case_open(actor=as_user(alice), child=alma)
    factories.child(solsikken, first_name="Alma", last_name="Uden")
    answer, page = search(client_for(alice), q="Alma", level="forebyggende", institution=str(solsikken.pk))
    assert "level=forebyggende" in answer["Location"] and f"institution={solsikken.pk}" in answer["Location"]
    assert "Jensen" in page.content.decode() and "Uden" not in page.content.decode()


def test_filters_without_a_search_need_no_token(client_for, alice):
    answer, _ = search(client_for(alice), level="ingen")
    assert answer["Location"] == f"{LIST}?level=ingen"


def test_a_search_in_the_address_is_not_read(client_for, alice, alma, solsikken):
    factories.child(solsikken, first_name="Bent")
    body = client_for(alice).get(LIST, {"q": alma.cpr}).content.decode()
    assert "Bent" in body  # unfiltered: a search belongs in the form, not the address
    assert alma.cpr not in body


def test_a_token_means_nothing_in_another_session(client_for, alice, alma, solsikken):
    factories.child(solsikken, first_name="Bent")
    answer, _ = search(client_for(alice), q=alma.cpr)
    other = Client()
    other.force_login(alice)
    body = other.get(answer["Location"]).content.decode()
    assert "Søgningen er udløbet" in body and "Bent" in body and alma.cpr not in body


def test_a_search_expires(client_for, alice, alma, monkeypatch):
    client = client_for(alice)
    answer, _ = search(client, q="Alma")
    later = typed_search.time.time() + typed_search.TOKEN_MINUTES * 60 + 1
    monkeypatch.setattr(typed_search.time, "time", lambda: later)
    assert "Søgningen er udløbet" in client.get(answer["Location"]).content.decode()


def test_a_session_keeps_only_its_newest_searches(client_for, alice):
    client = client_for(alice)
    first, _ = search(client, q="første")
    for n in range(typed_search.KEPT):
        search(client, q=f"søgning {n}")
    assert "Søgningen er udløbet" in client.get(first["Location"]).content.decode()


def test_an_invalid_filter_is_shown_without_a_redirect(client_for, alice):
    answer = client_for(alice).post(LIST, {"q": "Alma", "level": "hacker"})
    assert answer.status_code == 200 and "Marker en gyldig valgmulighed" in answer.content.decode()
    assert 'value="Alma"' in answer.content.decode()


def test_a_cpr_outside_the_scope_finds_nothing_and_tells_nothing(client_for, bob, alma):
    _, page = search(client_for(bob), q=alma.cpr)
    assert "Alma" not in page.content.decode() and "Ingen børn matcher" in page.content.decode()
    assert not AccessLog.objects.filter(child_id=alma.pk, user=bob).exists()
    assert not AccessLog.objects.for_child(alma.pk).filter(user=bob).exists()


def test_the_search_form_posts_with_csrf(client_for, alice):
    body = client_for(alice).get(LIST).content.decode()
    form = re.search(r'<form[^>]*role="search"[^>]*>', body).group(0)
    assert 'method="post"' in form and "csrfmiddlewaretoken" in body
