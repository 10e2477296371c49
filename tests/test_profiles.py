"""Municipality profiles (issue 9): Haderslev, Køge, Aabenraa and Ishøj as data, each with its own
flow and measures, and several municipalities in one installation kept strictly apart."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import (
    Case, CaseState, ConsentPurpose, CounsellingBooking, CounsellingSession, FamilyGroup, FamilyGroupAttendance,
    FamilyGroupSession, Meeting, MeetingType, Observation, ObservationType,
)
from districtcouncil import services as council_services
from districtcouncil.models import Decision, ResourceType
from haandguide import profiles
from tests.refusals import refused
from haandguide.models import AccessLog, CounsellorKind, District, Guardian, Municipality, Role
from handleplan.models import EffortCatalogueEntry
from reports.models import Measure, Report
from tests import factories
from tests.case_fixtures import as_user, case_in
from tests.case_fixtures import handleplan  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def load(slug: str) -> Municipality:
    call_command("load_profile", slug, stdout=StringIO())
    return Municipality.objects.get(profile=slug)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def world(municipality: Municipality, tag: str) -> dict:
    """One institution with a child (and its parents), a pedagogue, a leader, a consultant, a chief
    and an administrator in the municipality's first district."""
    district = municipality.districts.order_by("name").first()
    institution = factories.institution(district, name=f"Børnehus {tag}")
    child = factories.child(institution, first_name=f"Barn{tag}", last_name="Testesen")
    for name, relation in ((f"Mor {tag}", "mor"), (f"Far {tag}", "far")):
        Guardian.objects.create(child=child, name=name, relation=relation, has_custody=True)
    return {
        "municipality": municipality, "district": district, "institution": institution, "child": child,
        "paedagog": factories.user(Role.PAEDAGOG, institutions=[institution], username=f"paedagog-{tag}"),
        "leder": factories.user(Role.LEDER, institutions=[institution], username=f"leder-{tag}"),
        "konsulent": factories.user(Role.KONSULENT, districts=[district], username=f"konsulent-{tag}"),
        "chef": factories.user(Role.CHEF, municipality_obj=municipality, username=f"chef-{tag}"),
        "admin": factories.user(Role.ADMINISTRATOR, municipality_obj=municipality, username=f"admin-{tag}"),
    }


def consent(w: dict, code: str) -> None:
    purpose = ConsentPurpose.objects.get(municipality=w["municipality"], code=code)
    for guardian in w["child"].guardians.all():
        case_services.consent_record(actor=as_user(w["leder"]), child=w["child"], guardian=guardian,
                                     purpose=purpose, given_on=timezone.localdate())


# --- loading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", profiles.NAMES)
def test_each_profile_loads_its_configuration_as_data(db, slug):
    municipality = load(slug)
    profile = profiles.get(slug)
    assert municipality.name == profile["name"]
    assert set(municipality.districts.values_list("name", flat=True)) == set(profile["districts"])
    assert set(MeetingType.objects.filter(municipality=municipality).values_list("name", flat=True)) == {
        row[0] for row in profile["meeting_types"]}
    assert ObservationType.objects.filter(municipality=municipality).count() == len(profile["observation_types"])
    assert ResourceType.objects.filter(municipality=municipality).count() == len(profile["resource_types"])
    assert EffortCatalogueEntry.objects.filter(municipality=municipality).count() == sum(
        len(rows) for rows in profile["effort_catalogue"].values())
    assert Measure.objects.filter(municipality=municipality).count() == len(profile["measures"])
    assert municipality.submission_deadline_days == profile["settings"]["submission_deadline_days"]


def test_loading_twice_creates_nothing_and_keeps_what_the_administrator_edited(db):
    municipality = load("koege")
    counts = (MeetingType.objects.count(), ResourceType.objects.count(), EffortCatalogueEntry.objects.count(),
              District.objects.count(), Measure.objects.count())
    ressourceteam = MeetingType.objects.get(municipality=municipality, name="Ressourceteammøde")
    ressourceteam.description = "Vores egen beskrivelse"
    ressourceteam.active = False
    ressourceteam.save()
    Municipality.objects.filter(pk=municipality.pk).update(submission_deadline_days=12)
    MeetingType.objects.filter(municipality=municipality, name="Sparringsmøde").delete()

    load("koege")

    ressourceteam.refresh_from_db()
    municipality.refresh_from_db()
    assert ressourceteam.description == "Vores egen beskrivelse" and not ressourceteam.active
    assert municipality.submission_deadline_days == 12
    assert MeetingType.objects.filter(municipality=municipality, name="Sparringsmøde").exists()  # missing → created
    assert (MeetingType.objects.count(), ResourceType.objects.count(), EffortCatalogueEntry.objects.count(),
            District.objects.count(), Measure.objects.count()) == counts


def test_haderslev_stays_the_default(db):
    municipality = factories.municipality(name="Ny kommune")
    assert profiles.for_municipality(municipality)["slug"] == "haderslev"
    with pytest.raises(profiles.UnknownProfile):
        profiles.get("odense")


# --- Køge: ressourceteam on a case, family-centre counsellors ---------------------------------------


def test_koege_holds_a_ressourceteam_meeting_on_a_case_with_consent(db):
    w = world(load("koege"), "koege")
    case = case_services.case_open(actor=as_user(w["leder"]), child=w["child"], reason="Bekymring")
    ressourceteam = MeetingType.objects.get(municipality=w["municipality"], name="Ressourceteammøde")
    client = login(w["paedagog"])
    url = reverse("cases:meeting_create", args=[w["child"].pk])
    form = client.get(url).content.decode()
    assert "Ressourceteammøde" in form and "Tværfagligt arbejdsmøde" in form and "Sparringsmøde" in form
    data = {"type": ressourceteam.pk, "held_on": timezone.localdate().isoformat(),
            "participants": "Leder\nSundhedsplejerske\nPPR\nFCK", "minutes": "Tidlig indsats aftalt."}

    refused = client.post(url, data)
    assert refused.status_code == 200 and "samtykke" in refused.content.decode().lower()
    assert not Meeting.objects.filter(case=case).exists()

    consent(w, "ressourceteam")
    assert client.post(url, data).status_code == 302
    meeting = Meeting.objects.get(case=case)
    assert meeting.type == ressourceteam
    assert case.events.filter(action="moede").exists()
    assert client.get(reverse("cases:meeting_detail", args=[w["child"].pk, meeting.pk])).status_code == 200


def test_koege_family_centre_counsellor_is_attached_with_consent_and_then_sees_the_child(db):
    w = world(load("koege"), "koege")
    case = case_services.case_open(actor=as_user(w["leder"]), child=w["child"], reason="Bekymring")
    fck = factories.user(Role.EKSTERN, municipality_obj=w["municipality"], username="fck",
                         counsellor_kind=CounsellorKind.FAMILIECENTER)
    assert login(fck).get(reverse("cases:child_detail", args=[w["child"].pk])).status_code == 404
    with refused("consent_missing"):
        case_services.counsellor_attach(actor=as_user(w["leder"]), case=case, counsellor=fck)
    consent(w, "familieraadgivning")
    case_services.counsellor_attach(actor=as_user(w["leder"]), case=case, counsellor=fck)
    page = login(fck).get(reverse("cases:child_detail", args=[w["child"].pk]))
    assert page.status_code == 200 and "Forebyggende rådgiver (familiecenter)" in page.content.decode()


# --- Aabenraa: open counselling and family groups ----------------------------------------------------


def test_aabenraa_open_counselling_booking(db):
    w = world(load("aabenraa"), "aab")
    leader = login(w["leder"])
    starts = timezone.localtime() + datetime.timedelta(days=3)
    response = leader.post(reverse("cases:counselling_create"), {
        "institution": w["institution"].pk, "starts_at": starts.strftime("%Y-%m-%dT09:00"), "slots": 4,
        "slot_minutes": 30, "professionals": "Sundhedsplejerske, PPR-psykolog", "location": "Personalestuen"})
    assert response.status_code == 302
    session = CounsellingSession.objects.get(institution=w["institution"])

    staff = login(w["paedagog"])
    detail = reverse("cases:counselling_detail", args=[session.pk])
    assert staff.get(detail).status_code == 200
    mother = w["child"].guardians.get(relation="mor")
    book = reverse("cases:counselling_book", args=[session.pk])
    # Parents' booking without saying which parent: refused, nothing typed lost.
    missing = staff.post(book, {"slot": 1, "booker": "foraeldre", "professional": "ppr_tale_hoere",
                                "child": w["child"].pk, "topic": "Sproget derhjemme"})
    assert missing.status_code == 400 and "Sproget derhjemme" in missing.content.decode()
    assert staff.post(book, {"slot": 1, "booker": "foraeldre", "professional": "ppr_tale_hoere",
                             "child": w["child"].pk, "guardian": mother.pk, "topic": "Sproget derhjemme"}).status_code == 302
    assert staff.post(book, {"slot": 2, "booker": "medarbejder", "professional": "sundhedspleje",
                             "topic": "Børnegruppens søvn"}).status_code == 302
    taken = staff.post(book, {"slot": 1, "booker": "medarbejder", "professional": "sundhedspleje", "topic": "Igen"})
    assert taken.status_code == 400
    bookings = CounsellingBooking.objects.filter(session=session).order_by("slot")
    assert [(b.slot, b.child_id, b.guardian_id) for b in bookings] == [(1, w["child"].pk, mother.pk), (2, None, None)]
    assert AccessLog.objects.filter(action="opret", object_type="counsellingbooking", child_id=w["child"].pk).exists()
    assert w["child"].pk and w["child"].first_name in staff.get(detail).content.decode()


def test_aabenraa_family_group_with_sessions_themes_and_attendance(db):
    w = world(load("aabenraa"), "aab")
    other = factories.child(w["institution"], first_name="Ellen")
    leader = login(w["leder"])
    assert leader.post(reverse("cases:family_group_create"), {
        "institution": w["institution"].pk, "name": "Familiegruppen Egern", "purpose": "Styrke forælderrollen",
        "facilitators": "Pædagog og sundhedsplejerske"}).status_code == 302
    group = FamilyGroup.objects.get(name="Familiegruppen Egern")
    staff = login(w["paedagog"])
    add = reverse("cases:family_group_participant_add", args=[group.pk])
    assert staff.post(add, {"child": w["child"].pk, "guardian": w["child"].guardians.first().pk}).status_code == 302
    assert staff.post(add, {"child": other.pk}).status_code == 302
    day = timezone.localdate() - datetime.timedelta(days=1)
    assert staff.post(reverse("cases:family_group_session_add", args=[group.pk]),
                      {"held_on": day.isoformat(), "theme": "Søvn og rutiner"}).status_code == 302
    session = FamilyGroupSession.objects.get(group=group)
    attendance = reverse("cases:family_group_attendance", args=[group.pk, session.pk])
    present = group.participants.get(child=w["child"])
    assert staff.post(attendance, {"participants": [present.pk]}).status_code == 302
    assert list(FamilyGroupAttendance.objects.values_list("participant_id", flat=True)) == [present.pk]
    page = staff.get(reverse("cases:family_group_detail", args=[group.pk])).content.decode()
    assert "Søvn og rutiner" in page and "Ellen" in page


def test_aabenraa_activities_are_hidden_where_the_municipality_does_not_use_them(db):
    w = world(load("haderslev"), "had")
    client = login(w["leder"])
    for name in ("cases:counselling_list", "cases:counselling_create", "cases:family_group_list",
                 "cases:family_group_create"):
        assert client.get(reverse(name)).status_code == 404
    assert "Åben rådgivning" not in client.get(reverse("home")).content.decode()


def test_a_booking_for_a_child_of_another_institution_is_refused(db):
    w = world(load("aabenraa"), "aab")
    elsewhere = factories.child(factories.institution(w["district"]), first_name="Fremmed")
    session = case_services.counselling_session_create(actor=as_user(w["leder"]), institution=w["institution"], data={
        "starts_at": timezone.now(), "slots": 2, "slot_minutes": 30, "professionals": "PPR"})
    with refused("child_not_in_institution"):
        case_services.counselling_book(actor=as_user(w["leder"]), session=session, data={
            "slot": 1, "booker": "medarbejder", "professional": "sundhedspleje", "child": elsewhere, "guardian": None,
            "topic": "Forsøg"})


# --- Ishøj: re-visitation with the least intrusive offer ---------------------------------------------


def _visitation(w):
    case_services.case_open(actor=as_user(w["leder"]), child=w["child"], reason="Bekymring")
    resources = {r.name: r for r in ResourceType.objects.filter(municipality=w["municipality"])}
    start = timezone.localdate()
    return council_services.visitation_record(actor=as_user(w["konsulent"]), child=w["child"],
                                              basis=Decision.Basis.CHRONIC_ILLNESS, data={
        "resource_type": resources["Ekstra ressourcer ved kronisk sygdom"], "amount_dkk": 20000, "hours": None,
        "mellemform": None, "period_start": start, "period_end": start + datetime.timedelta(days=180),
        "goals": "Deltager i ture", "follow_up_on": start + datetime.timedelta(days=90), "notes": "Diabetes",
        "least_intrusive_offer": "Almindelig støtte fra personalet rækker ikke.",
        "least_intrusive_discussed": True}), resources


def test_ishoej_revisitation_records_the_least_intrusive_offer_and_steps_down(db):
    w = world(load("ishoej"), "ish")
    decision, resources = _visitation(w)
    assert Case.objects.get(child=w["child"]).state == CaseState.INDGRIBENDE
    client = login(w["konsulent"])
    url = reverse("districtcouncil:revisitation", args=[decision.pk])
    assert client.get(url).status_code == 200
    start = timezone.localdate()
    data = {"resource_type": resources["Kun sparring/vejledning"].pk, "period_start": start.isoformat(),
            "period_end": (start + datetime.timedelta(days=180)).isoformat(),
            "follow_up_on": (start + datetime.timedelta(days=60)).isoformat(), "notes": "Revisitation",
            "least_intrusive_discussed": "on"}
    missing = client.post(url, data)
    assert missing.status_code == 400
    response = client.post(url, {**data, "least_intrusive_offer": "Sparring til personalet dækker behovet nu."})
    assert response.status_code == 302
    new = Decision.objects.get(basis=Decision.Basis.REVISITATION)
    assert new.revisits == decision and "Sparring" in new.least_intrusive_offer
    decision.refresh_from_db()
    assert decision.reassessed_at and decision.reassessment_outcome == Decision.Outcome.STEPPED_DOWN
    assert Case.objects.get(child=w["child"]).state == CaseState.FOREGRIBENDE
    assert new.letters.count() == 1
    # Once re-visited, the earlier decision cannot be re-visited again; a leader never can.
    assert client.get(url).status_code == 403
    assert login(w["leder"]).get(reverse("districtcouncil:revisitation", args=[new.pk])).status_code == 403


# --- measures on the statistics page -----------------------------------------------------------------


def _statistics(client, municipality, start="2020-01-01"):
    url = reverse("reports:statistics", args=["kommune", municipality.pk])
    return client.get(url, {"fra": start, "til": timezone.localdate().isoformat()})


def test_each_municipality_sees_its_own_measures_next_to_the_common_ones(db):
    ishoej = world(load("ishoej"), "ish")
    haderslev = world(load("haderslev"), "had")
    page = _statistics(login(ishoej["chef"]), ishoej["municipality"]).content.decode()
    assert "Kommunens egne mål" in page and "Flere børn med forebyggende end indgribende indsatser" in page
    assert "Andel børn på hvert niveau" in page  # the common figures are still there
    other = _statistics(login(haderslev["chef"]), haderslev["municipality"]).content.decode()
    assert "Kommunens egne mål" not in other and "forebyggende end indgribende" not in other


def test_aabenraa_yellow_measure_counts_brief_and_long_yellow_runs(db, handleplan):  # noqa: F811
    w = world(load("aabenraa"), "aab")
    topi = ObservationType.objects.get(municipality=w["municipality"], name="Trivselsskema")
    today = timezone.localdate()
    children = [w["child"]] + [factories.child(w["institution"]) for _ in range(5)]
    for n, child in enumerate(children):
        # Five brief yellow runs (30 days) and one long one (200 days).
        days = 200 if n == 0 else 30
        Observation.objects.create(child=child, type=topi, topi_position="gul", text="gul", author=w["leder"],
                                   observed_on=today - datetime.timedelta(days=days + 5))
        Observation.objects.create(child=child, type=topi, topi_position="groen", text="grøn", author=w["leder"],
                                   observed_on=today - datetime.timedelta(days=5))
    from reports import selectors
    from reports.scope import Period, Scope

    scope = Scope("kommune", w["municipality"].pk, "Aabenraa", w["municipality"].pk)
    figures = selectors.yellow_brief(scope, Period(today - datetime.timedelta(days=30), today), 90)
    assert (figures["ended"], figures["brief"], figures["long"]) == (6, 5, 1)
    page = _statistics(login(w["chef"]), w["municipality"]).content.decode()
    assert "Børn i gul position er kun kortvarigt gule" in page


# --- two municipalities in one database ---------------------------------------------------------------


@pytest.fixture
def two(db, handleplan):  # noqa: F811
    """Aabenraa and Køge in one database, each with a case, a meeting, an observation with a file,
    a decision with a letter, open counselling, a family group and a statistics report."""
    worlds = {}
    for slug in ("aabenraa", "koege"):
        w = world(load(slug), slug)
        municipality = w["municipality"]
        if slug == "koege":  # Køge uses neither activity; the pages must still not show Aabenraa's
            Municipality.objects.filter(pk=municipality.pk).update(open_counselling_enabled=True,
                                                                   family_groups_enabled=True)
            w["institution"] = type(w["institution"]).objects.select_related("district__municipality").get(
                pk=w["institution"].pk)
        w["case"] = case_in(CaseState.FOREBYGGENDE, w["child"], w["leder"], w["konsulent"], handleplan)
        parents = MeetingType.objects.filter(municipality=municipality, parents_take_part=True).first()
        w["meeting"] = case_services.meeting_record(actor=as_user(w["leder"]), case=w["case"], data={
            "type": parents, "held_on": timezone.localdate(), "participants": "Leder", "minutes": "",
            "follow_up_on": None}, agreements=[])
        note = ObservationType.objects.filter(municipality=municipality, has_topi_position=False).first()
        observation = case_services.observation_add(actor=as_user(w["leder"]), child=w["child"], data={
            "type": note, "observed_on": timezone.localdate(), "text": "Iagttagelse", "topi_position": ""},
            files=[SimpleUploadedFile("bilag.png", PNG, content_type="image/png")])
        w["attachment"] = observation.attachments.first()
        w["decision"], _ = _visitation_existing(w)
        w["session"] = case_services.counselling_session_create(
            actor=as_user(w["leder"]), institution=w["institution"],
            data={"starts_at": timezone.now(), "slots": 3, "slot_minutes": 30, "professionals": "PPR"})
        case_services.counselling_book(actor=as_user(w["leder"]), session=w["session"], data={
            "slot": 1, "booker": "medarbejder", "professional": "sundhedspleje", "child": w["child"], "guardian": None,
            "topic": "Søvn"})
        w["group"] = case_services.family_group_create(actor=as_user(w["leder"]), institution=w["institution"],
                                                       data={"name": f"Gruppe {slug}", "purpose": "Netværk"})
        case_services.family_group_participant_add(actor=as_user(w["leder"]), group=w["group"], child=w["child"])
        w["group_session"] = case_services.family_group_session_add(
            actor=as_user(w["leder"]), group=w["group"], data={"held_on": timezone.localdate(), "theme": "Leg"})
        w["report"] = Report.objects.create(scope_kind="kommune", municipality=municipality,
                                            period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31),
                                            requested_by=w["admin"], status=Report.Status.DONE, pdf=b"%PDF-1.4 x")
        w["municipality"].refresh_from_db()
        worlds[slug] = w
    return worlds


def _visitation_existing(w):
    resources = {r.name: r for r in ResourceType.objects.filter(municipality=w["municipality"])}
    start = timezone.localdate()
    decision = council_services.visitation_record(actor=as_user(w["konsulent"]), child=w["child"],
                                                  basis=Decision.Basis.CHRONIC_ILLNESS, data={
        "resource_type": resources["Ekstra ressourcer ved kronisk sygdom"], "amount_dkk": 10000, "hours": None,
        "mellemform": None, "period_start": start, "period_end": start + datetime.timedelta(days=180),
        "goals": "Mål", "follow_up_on": start + datetime.timedelta(days=60), "notes": "Kronisk sygdom",
        "least_intrusive_discussed": True})
    return decision, resources


def _urls_of(w) -> list[str]:
    child = w["child"].pk
    return [
        reverse("cases:child_detail", args=[child]),
        reverse("cases:observations", args=[child]),
        reverse("cases:attachment", args=[child, w["attachment"].pk]),
        reverse("cases:consents", args=[child]),
        reverse("cases:meeting_create", args=[child]),
        reverse("cases:meeting_detail", args=[child, w["meeting"].pk]),
        reverse("handleplan:plan_detail", args=[child]) if _has("handleplan:plan_detail") else None,
        reverse("districtcouncil:decision_detail", args=[w["decision"].pk]),
        reverse("districtcouncil:letter", args=[w["decision"].pk, w["decision"].letters.first().pk]),
        reverse("districtcouncil:revisitation", args=[w["decision"].pk]),
        reverse("districtcouncil:visitation", args=[child]),
        reverse("cases:counselling_detail", args=[w["session"].pk]),
        reverse("cases:family_group_detail", args=[w["group"].pk]),
        reverse("cases:family_group_attendance", args=[w["group"].pk, w["group_session"].pk]),
        reverse("reports:statistics", args=["kommune", w["municipality"].pk]),
        reverse("reports:statistics", args=["distrikt", w["district"].pk]),
        reverse("reports:statistics", args=["institution", w["institution"].pk]),
        reverse("reports:csv", args=["kommune", w["municipality"].pk]),
        reverse("reports:report_download", args=[w["report"].pk]),
        reverse("reports:report_status", args=[w["report"].pk]),
    ]


def _has(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


def test_the_own_municipality_reaches_its_pages(two):
    w = two["koege"]
    staff = login(w["leder"])
    for url in _urls_of(w)[:6] + [reverse("cases:counselling_detail", args=[w["session"].pk]),
                                   reverse("cases:family_group_detail", args=[w["group"].pk])]:
        assert staff.get(url).status_code == 200, url
    assert login(w["konsulent"]).get(reverse("districtcouncil:decision_detail", args=[w["decision"].pk])).status_code == 200
    assert login(w["chef"]).get(reverse("reports:statistics", args=["kommune", w["municipality"].pk])).status_code == 200


@pytest.mark.parametrize("role", ["paedagog", "leder", "konsulent", "chef", "admin"])
def test_no_page_file_or_report_of_one_municipality_opens_for_the_other(two, role):
    for mine, theirs in (("koege", "aabenraa"), ("aabenraa", "koege")):
        client = login(two[mine][role])
        for url in filter(None, _urls_of(two[theirs])):
            response = client.get(url)
            assert response.status_code in (403, 404), (role, mine, url, response.status_code)
            assert two[theirs]["child"].first_name.encode() not in response.content


def test_search_lists_and_counts_never_cross_municipalities(two):
    koege, aabenraa = two["koege"], two["aabenraa"]
    leader = login(koege["leder"])
    other_name = str(aabenraa["child"])  # the full name appears only in a result, not in the echoed query
    other_link = reverse("cases:child_detail", args=[aabenraa["child"].pk])
    for query in ("Barn", aabenraa["child"].first_name, ""):
        page = leader.post(reverse("cases:child_list"), {"q": query}, follow=True).content.decode()
        assert other_name not in page and f'href="{other_link}"' not in page
    assert str(koege["child"]) in leader.post(reverse("cases:child_list"), {"q": "Barn"}, follow=True).content.decode()
    for name in ("cases:counselling_list", "cases:family_group_list"):
        page = leader.get(reverse(name)).content.decode()
        assert "Gruppe aabenraa" not in page and aabenraa["institution"].name not in page
    # The administrator's access-log search finds no one of the other municipality, by name or CPR.
    admin = login(koege["admin"])
    for value in (aabenraa["child"].first_name, aabenraa["child"].cpr):
        page = admin.post(reverse("accesslog"), {"child": value}).content.decode()
        assert other_name not in page
    # Statistics: the scope picker offers only the own municipality; measures are the own ones.
    chef = login(koege["chef"])
    page = chef.get(reverse("reports:statistics", args=["kommune", koege["municipality"].pk]),
                    {"fra": "2020-01-01", "til": timezone.localdate().isoformat()}).content.decode()
    assert aabenraa["municipality"].name not in page and aabenraa["district"].name not in page
    assert "Børn i gul position er kun kortvarigt gule" not in page
    assert "Børn drøftet tidligt i ressourceteamet" in page


def test_forms_offer_nothing_of_the_other_municipality(two):
    koege, aabenraa = two["koege"], two["aabenraa"]
    page = login(koege["leder"]).get(reverse("cases:meeting_create", args=[koege["child"].pk])).content.decode()
    assert "Åben rådgivning (opfølgning)" not in page  # Aabenraa's meeting type
    page = login(koege["leder"]).get(reverse("cases:counselling_detail", args=[koege["session"].pk])).content.decode()
    assert aabenraa["child"].first_name not in page
    # Posting the other municipality's ids is refused.
    response = login(koege["leder"]).post(reverse("cases:family_group_participant_add", args=[koege["group"].pk]),
                                          {"child": aabenraa["child"].pk})
    assert response.status_code == 400 and not koege["group"].participants.filter(child=aabenraa["child"]).exists()
    response = login(koege["paedagog"]).post(reverse("cases:counselling_book", args=[aabenraa["session"].pk]), {
        "slot": 2, "booker": "medarbejder", "professional": "sundhedspleje", "topic": "x"})
    assert response.status_code == 404


def test_admin_lists_only_the_own_municipality(two):
    admin = login(two["koege"]["admin"])
    for name in ("admin:reports_measure_changelist", "admin:cases_familygroup_changelist",
                 "admin:cases_counsellingsession_changelist", "admin:cases_meetingtype_changelist"):
        page = admin.get(reverse(name)).content.decode()
        assert "Børn i gul position" not in page and "Gruppe aabenraa" not in page
        assert "Åben rådgivning (opfølgning)" not in page
