"""The pedagogue's and leader's pages: child list filters, the child page, observations, files."""

import datetime
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe

from cases import services
from cases.defaults import seed_case_configuration
from cases.models import Attachment, Case, CaseState, Observation, ObservationType
from haandguide.models import AccessLog
from tests import factories
from tests.case_fixtures import as_user, handleplan  # noqa: F401

PDF = factories.pdf_bytes()  # a real PDF: uploads are parsed, not only sniffed


@pytest.fixture
def types(municipality):
    seed_case_configuration(municipality)
    return {t.name: t for t in ObservationType.objects.filter(municipality=municipality)}


def observe(child, user, obs_type, topi="", text="Iagttagelse", days_ago=1):
    return services.observation_add(actor=as_user(user), child=child, data={
        "type": obs_type, "observed_on": datetime.date.today() - datetime.timedelta(days=days_ago),
        "text": text, "topi_position": topi})


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_child_page_query_count_is_constant_as_observations_and_events_grow(client_for, alice, lars, alma, types,
                                                                             handleplan):
    case = services.case_open(actor=as_user(alice), child=alma)
    observe(alma, alice, types["TOPI"], topi="gul")
    client = client_for(alice)
    url = reverse("cases:child_detail", args=[alma.pk])
    client.get(url)  # the first view keeps the municipality's configuration (haandguide.lib.kept)
    few = queries(client, url)
    for n in range(15):
        observe(alma, alice, types["Pædagogisk iagttagelse"], text=f"Iagttagelse {n}")
        services.underretning_record(actor=as_user(alice), case=case, text=f"Underretning {n}")
    assert queries(client, url) == few


def test_child_list_query_count_is_constant_with_cases_and_observations(client_for, alice, solsikken, types):
    client = client_for(alice)
    url = reverse("cases:child_list")
    for _ in range(2):
        child = factories.child(solsikken)
        services.case_open(actor=as_user(alice), child=child)
        observe(child, alice, types["TOPI"], topi="roed")
    few = queries(client, url)
    for _ in range(20):
        child = factories.child(solsikken)
        services.case_open(actor=as_user(alice), child=child)
        observe(child, alice, types["TOPI"], topi="gul")
        observe(child, alice, types["Pædagogisk iagttagelse"])
    assert queries(client, url) == few


def test_child_list_filters_by_level_and_latest_topi_colour(client_for, alice, solsikken, types):
    green = factories.child(solsikken, first_name="Grøn")
    yellow = factories.child(solsikken, first_name="Gul")
    factories.child(solsikken, first_name="Uden")
    services.case_open(actor=as_user(alice), child=yellow)
    observe(green, alice, types["TOPI"], topi="gul", days_ago=30)
    observe(green, alice, types["TOPI"], topi="groen", days_ago=1)  # the latest position counts
    observe(yellow, alice, types["TOPI"], topi="gul")
    client = client_for(alice)
    body = client.get(reverse("cases:child_list"), {"topi": "gul"}).content.decode()
    assert "Gul " in body and "Grøn " not in body
    body = client.get(reverse("cases:child_list"), {"level": "forebyggende"}).content.decode()
    assert "Gul " in body and "Uden " not in body
    body = client.get(reverse("cases:child_list"), {"level": "ingen"}).content.decode()
    assert "Uden " in body and "Gul " not in body
    bad = client.get(reverse("cases:child_list"), {"level": "hacker"})
    assert bad.status_code == 200 and "Marker en gyldig valgmulighed" in bad.content.decode()


def test_child_list_rows_show_the_level_and_topi_badges_and_the_filters_keep_the_choice(client_for, alice, solsikken,
                                                                                        types):
    """The badges and the filter selects are rendered in Python on this page (issue 16,
    throughput): the same HTML as the shared badge and Django's `<select>`."""
    yellow = factories.child(solsikken, first_name="Gul")
    factories.child(solsikken, first_name="Uden")
    services.case_open(actor=as_user(alice), child=yellow)
    observe(yellow, alice, types["TOPI"], topi="gul")
    body = client_for(alice).get(reverse("cases:child_list"), {"topi": "gul"}).content.decode()
    assert '<span class="badge rounded-pill level-forebyggende">Forebyggende</span>' in body
    assert '<span class="badge topi topi-gul">TOPI gul</span>' in body
    assert '<option value="gul" selected>Gul</option>' in body
    assert '<select name="level" class="form-select" id="id_level">' in body
    body = client_for(alice).get(reverse("cases:child_list"), {"level": "ingen"}).content.decode()
    assert '<span class="badge rounded-pill text-bg-light border">Ingen sag</span>' in body
    assert '<option value="ingen" selected>Ingen sag</option>' in body


@pytest.mark.parametrize("choices, value", [
    ([("", "Alle"), ("a", "A & <b>"), (3, "Tre")], "a"),
    ([("", "Alle"), (3, "Tre")], 3),
    ([("", "Alle"), ("a", "A")], None),
    ([("Gruppe", [("a", "A")]), ("b", "B")], "b"),  # option groups: Django's own templates
    ([(None, "Ingen"), ("a", "A"), ("a", "A igen")], "a"),  # None is "", only the first match is selected
    ([("", "Alle"), ("x", mark_safe("<i>x</i>")), ("y", 'Y "citat"')], ""),  # a safe label is not escaped twice
])
def test_the_python_select_writes_what_djangos_select_writes(choices, value):
    from django import forms

    from haandguide.lib.widgets import Select

    attrs = {"class": "form-select", "required": True, "disabled": False}
    django_html = forms.Select(choices=choices, attrs=attrs).render("x", value, {"aria-describedby": "h"})
    ours = Select(choices=choices, attrs=attrs).render("x", value, {"aria-describedby": "h"})
    assert ours == django_html or ours == django_html.replace("</option>\n\n", "</option>\n")


def test_child_page_shows_level_timeline_and_actions_with_reasons(client_for, alice, alma, types, handleplan):
    services.case_open(actor=as_user(alice), child=alma, reason="Bekymring for sprog")
    body = client_for(alice).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Forebyggende" in body and "Sag oprettet" in body and "Bekymring for sprog" in body
    assert "Kun institutionens leder kan flytte sagen et niveau op." in body  # alice may not escalate


def test_refused_escalation_on_the_page_keeps_the_typed_reason(client_for, lars, alma, handleplan):
    case = services.case_open(actor=as_user(lars), child=alma)
    response = client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "escalate"]),
                                     {"reason": "Sprogindsatsen har ikke virket ærligt talt", "version": case.version})
    body = response.content.decode()
    assert response.status_code == 400
    assert "ikke evalueret" in body
    assert "Sprogindsatsen har ikke virket ærligt talt" in body
    assert Case.objects.get(pk=case.pk).state == CaseState.FOREBYGGENDE


def test_leader_escalates_from_the_page(client_for, lars, alma, handleplan):
    handleplan.ready_levels = {CaseState.FOREBYGGENDE}
    case = services.case_open(actor=as_user(lars), child=alma)
    response = client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "escalate"]),
                                     {"reason": "Evalueringen viser behov for mere", "version": case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.FOREGRIBENDE


def test_there_is_no_way_to_choose_indgribende_on_the_page(client_for, lars, alma, handleplan):
    services.case_open(actor=as_user(lars), child=alma)
    response = client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "grant_intervention"]), {})
    assert response.status_code == 404


def test_pedagogue_logs_an_observation_with_an_attachment(client_for, alice, alma, types):
    response = client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": types["TOPI"].pk, "observed_on": "2026-11-20", "topi_position": "gul", "text": "Urolig ved skift",
        "attachment": SimpleUploadedFile("notat.pdf", PDF, content_type="application/pdf"),
    })
    assert response.status_code == 302
    observation = Observation.objects.get(child=alma)
    attachment = observation.attachments.get()
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    # Stored under a random name: nothing of the child or the original file name on disk.
    assert re.fullmatch(r"observations/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, object_type="observation").exists()


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ....", "Filtypen er ikke tilladt"),
    ("billede.png", PDF, "Filens indhold passer ikke til filtypen"),
    ("stor.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "Filen er for stor"),
])
def test_bad_attachments_are_refused_and_the_text_is_kept(client_for, alice, alma, types, name, content, message):
    response = client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": types["Pædagogisk iagttagelse"].pk, "observed_on": "2026-11-20", "text": "Teksten må ikke gå tabt æøå",
        "attachment": SimpleUploadedFile(name, content),
    })
    body = response.content.decode()
    assert message in body
    assert "Teksten må ikke gå tabt æøå" in body
    assert not Observation.objects.exists()


def test_topi_observation_needs_a_position(client_for, alice, alma, types):
    response = client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": types["TOPI"].pk, "observed_on": "2026-11-20", "text": "Vurdering"})
    assert "TOPI kræver en TOPI-position." in response.content.decode()


def test_observation_in_the_future_is_refused(client_for, alice, alma, types):
    response = client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": types["Pædagogisk iagttagelse"].pk, "observed_on": "2099-01-01", "text": "Senere"})
    assert "Datoen ligger i fremtiden." in response.content.decode()


def test_attachment_is_served_only_to_users_in_scope(client_for, alice, bob, alma, types):
    client_for(alice).post(reverse("cases:observation_create", args=[alma.pk]), {
        "type": types["Pædagogisk iagttagelse"].pk, "observed_on": "2026-11-20", "text": "Med bilag",
        "attachment": SimpleUploadedFile("notat.pdf", PDF)})
    attachment = Attachment.objects.get()
    url = reverse("cases:attachment", args=[alma.pk, attachment.pk])
    assert client_for(bob).get(url).status_code == 404
    ok = client_for(alice).get(url)
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == PDF
    assert AccessLog.objects.filter(user=alice, action=AccessLog.Action.EXPORT, child_id=alma.pk).exists()


def test_an_attachment_of_another_child_cannot_be_fetched_through_my_child(client_for, alice, lars, alma, solsikken,
                                                                           types):
    other = factories.child(solsikken)
    client_for(alice).post(reverse("cases:observation_create", args=[other.pk]), {
        "type": types["Pædagogisk iagttagelse"].pk, "observed_on": "2026-11-20", "text": "x",
        "attachment": SimpleUploadedFile("a.pdf", PDF)})
    attachment = Attachment.objects.get()
    assert client_for(alice).get(reverse("cases:attachment", args=[alma.pk, attachment.pk])).status_code == 404


def test_meeting_form_refuses_working_meeting_without_consent_and_keeps_the_minutes(client_for, lars, alma, municipality):
    seed_case_configuration(municipality)
    services.case_open(actor=as_user(lars), child=alma)
    arbejdsmoede = municipality.meeting_types.get(name="Arbejdsmøde")
    response = client_for(lars).post(reverse("cases:meeting_create", args=[alma.pk]), {
        "type": arbejdsmoede.pk, "held_on": "2026-11-20", "participants": "Lars\nPraksisvejleder",
        "minutes": "Referatet skal bevares"})
    body = response.content.decode()
    assert "samtykke" in body and "Referatet skal bevares" in body


def test_external_counsellor_sees_the_attached_case_but_cannot_change_it(client_for, lars, raadgiver, alma, handleplan):
    case = services.case_open(actor=as_user(lars), child=alma)
    services.counsellor_attach(actor=as_user(lars), case=case, counsellor=raadgiver)
    client = client_for(raadgiver)
    assert client.get(reverse("cases:child_detail", args=[alma.pk])).status_code == 200
    response = client.post(reverse("cases:case_transition", args=[alma.pk, "close"]),
                           {"close_reason": "tilbage_i_almen", "version": case.version})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).is_open


@pytest.mark.parametrize("name, method", [
    ("cases:observations", "get"), ("cases:observation_create", "post"), ("cases:consents", "get"),
    ("cases:consents", "post"), ("cases:meeting_create", "post"), ("cases:referral_create", "post"),
    ("cases:underretning_create", "post"), ("cases:counsellor_attach", "post"),
])
def test_case_pages_answer_404_to_an_outsider(client_for, bob, alma, lars, name, method):
    services.case_open(actor=as_user(lars), child=alma)
    response = getattr(client_for(bob), method)(reverse(name, args=[alma.pk]))
    assert response.status_code == 404
    assert AccessLog.objects.filter(user=bob, action=AccessLog.Action.DENIED, child_id=alma.pk).exists()


@pytest.mark.parametrize("action", ["open", "escalate", "de_escalate", "close", "reopen"])
def test_case_transitions_answer_404_to_an_outsider(client_for, bob, alma, action):
    assert client_for(bob).post(reverse("cases:case_transition", args=[alma.pk, action])).status_code == 404


@pytest.mark.parametrize("role, shown, hidden", [
    # Evaluation reminders are in Beskeder (the link beside the user's name), not a menu entry of their own.
    ("PAEDAGOG", ["Børn"], ["Statistik", "Distriktsråd", "Adgangslog", "Påmindelser"]),
    ("LEDER", ["Distriktsråd", "Statistik"], ["Adgangslog", "Påmindelser"]),
    ("CHEF", ["Statistik", "Distriktsråd"], ["Børn", "Påmindelser"]),
])
def test_navigation_shows_each_role_the_entries_its_work_needs(client, db, role, shown, hidden):
    from haandguide.models import Role

    user = factories.user(getattr(Role, role))
    client.force_login(user)
    labels = [item["label"] for item in client.get("/").context["nav_items"]]
    assert all(label in labels for label in shown), labels
    assert not any(label in labels for label in hidden), labels


def test_the_counsellor_choice_says_when_every_counsellor_is_attached(client_for, lars, alma, raadgiver):
    """The walk attached the municipality's one praksisvejleder and the choice then read "Ingen
    rådgivere oprettet" beside a Tilknyt button: there is one, and it is attached."""
    case = services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")
    url = reverse("cases:child_detail", args=[alma.pk])
    page = client_for(lars).get(url).content.decode()
    assert f'<option value="{raadgiver.pk}">' in page and "Tilknyt</button>" in page
    services.counsellor_attach(actor=as_user(lars), case=case, counsellor=raadgiver)
    page = client_for(lars).get(url).content.decode()
    assert "Ingen rådgivere oprettet" not in page and "Tilknyt</button>" not in page
    assert "Alle kommunens eksterne rådgivere er tilknyttet." in page


def test_the_counsellor_choice_says_when_none_exist(client_for, lars, alma):
    services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")
    page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Tilknyt</button>" not in page
    assert "Der er ikke oprettet eksterne rådgivere i kommunen; administrationen opretter dem." in page
