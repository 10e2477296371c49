"""Two people edit the same version of a plan: their saves are merged field by field against the
version both started from (base, theirs, mine). A field only one side changed takes that change,
only fields both changed need a choice, and nothing is ever silently overwritten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from haandguide.models import AccessLog
from handleplan import services
from handleplan.diff import merge_texts
from handleplan.models import EMPTY_TEXTS, Handleplan, PlanVersion
from tests.test_handleplan import as_user, case, plan, texts  # noqa: F401

BASE = {**EMPTY_TEXTS, "goals_child": ["Alma beder om hjælp"], "signs": "Alma søger en voksen",
        "parents": "Forældrene er bekymrede", "voice": {**EMPTY_TEXTS["voice"], "se_mig": "Alma bygger"}}


def edited(**fields) -> dict:
    """BASE with some fields changed; `voice_x` changes one statement."""
    out = {**BASE, "voice": dict(BASE["voice"])}
    for name, value in fields.items():
        if name.startswith("voice_"):
            out["voice"][name.removeprefix("voice_")] = value
        else:
            out[name] = value
    return out


# --- the merge itself: each combination of who changed a field -----------------------------------


@pytest.mark.parametrize("theirs, mine, expected, conflict", [
    # (their value, my value) of one field whose base is "Forældrene er bekymrede"
    ("Forældrene er bekymrede", "Forældrene er bekymrede", "Forældrene er bekymrede", False),  # nobody
    ("Forældrene ser fremgang", "Forældrene er bekymrede", "Forældrene ser fremgang", False),  # only theirs
    ("Forældrene er bekymrede", "Mor ser fremgang", "Mor ser fremgang", False),  # only mine
    ("Begge skrev det samme", "Begge skrev det samme", "Begge skrev det samme", False),  # both, alike
    ("Forældrene ser fremgang", "Mor ser fremgang", "Mor ser fremgang", True),  # both, differently
    ("", "Forældrene er bekymrede", "", False),  # theirs emptied it, mine untouched: emptied
    ("Forældrene er bekymrede", "", "", False),  # mine emptied it, theirs untouched: emptied
    ("", "Mor ser fremgang", "Mor ser fremgang", True),  # they emptied it, I rewrote it: a choice
])
def test_each_combination_of_changes_to_one_field(theirs, mine, expected, conflict):
    merge = merge_texts(BASE, edited(parents=theirs), edited(parents=mine))
    assert merge.texts["parents"] == expected
    assert merge.conflicts == (["parents"] if conflict else [])
    only_theirs = theirs != BASE["parents"] and mine == BASE["parents"]
    assert merge.from_theirs == (["parents"] if only_theirs else [])


def test_different_fields_changed_by_each_side_are_both_kept():
    merge = merge_texts(BASE, edited(parents="Forældrene ser fremgang"), edited(signs="Alma leger med to"))
    assert merge.conflicts == []
    assert merge.texts["parents"] == "Forældrene ser fremgang"
    assert merge.texts["signs"] == "Alma leger med to"
    assert merge.from_theirs == ["parents"]


def test_goals_lists_dates_and_each_voice_statement_merge_as_separate_fields():
    theirs = edited(goals_child=["Alma beder om hjælp", "Alma leger"], period_start="2026-08-01",
                    voice_hoere_til="Alma vil være med")
    mine = edited(goals_community=["Samling hver dag"], period_end="2027-01-31", voice_se_mig="Alma maler")
    merge = merge_texts(BASE, theirs, mine)
    assert merge.conflicts == []
    assert merge.texts["goals_child"] == ["Alma beder om hjælp", "Alma leger"]
    assert merge.texts["goals_community"] == ["Samling hver dag"]
    assert (merge.texts["period_start"], merge.texts["period_end"]) == ("2026-08-01", "2027-01-31")
    assert merge.texts["voice"] == {**BASE["voice"], "se_mig": "Alma maler", "hoere_til": "Alma vil være med"}


def test_only_the_fields_both_changed_are_conflicts_the_rest_is_merged():
    theirs = edited(signs="Deres tegn", parents="Deres forældretekst", voice_blive="Deres udsagn")
    mine = edited(signs="Mine tegn", goals_child=["Mit mål"], voice_blive="Mit udsagn")
    merge = merge_texts(BASE, theirs, mine)
    assert merge.conflicts == ["signs", "voice_blive"]
    assert merge.texts["signs"] == "Mine tegn"  # the form shows mine in the field, theirs beside it
    assert merge.texts["parents"] == "Deres forældretekst"
    assert merge.texts["goals_child"] == ["Mit mål"]


def test_an_unknown_base_makes_every_difference_a_conflict():
    merge = merge_texts(None, edited(parents="Deres"), edited(signs="Mine"))
    assert merge.conflicts == ["signs", "parents"]


# --- plan_save: the merge against the version the form was opened at ------------------------------


def save(plan, user, version, **overrides):
    return services.plan_save(request=as_user(user), plan=Handleplan.objects.get(pk=plan.pk),
                              data=texts(**overrides), version=version)


def test_a_stale_save_that_changed_other_fields_is_merged_not_refused(plan, alice, lars):
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, parents="Lars: forældrene ser fremgang")
    merged = save(plan, alice, opened_at, signs="Alice: Alma søger selv en voksen")
    assert merged.content["texts"]["parents"] == "Lars: forældrene ser fremgang"  # not reverted
    assert merged.content["texts"]["signs"] == "Alice: Alma søger selv en voksen"
    assert merged.merged_from_theirs == ["parents"]
    assert "flettet" in merged.summary
    assert AccessLog.objects.filter(detail=f"Handleplan version {merged.number} (flettet)").exists()


def test_a_stale_save_that_changed_the_same_field_differently_is_refused_and_stores_nothing(plan, alice, lars):
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, parents="Lars' tekst", signs="Lars' tegn")
    versions = PlanVersion.objects.filter(plan=plan).count()
    with pytest.raises(services.PlanConflict) as raised:
        save(plan, alice, opened_at, parents="Alices tekst", goals_child="Alices mål")
    assert raised.value.merge.conflicts == ["parents"]
    assert raised.value.merge.from_theirs == ["signs"]
    assert raised.value.merge.texts["goals_child"] == ["Alices mål"]
    assert PlanVersion.objects.filter(plan=plan).count() == versions
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == "Lars' tekst"


def test_keep_theirs_takes_the_other_text_of_the_chosen_version(plan, alice, lars):
    opened_at = save(plan, alice, plan.version).number
    theirs = save(plan, lars, opened_at, parents="Lars' tekst").number
    saved = services.plan_save(request=as_user(alice), plan=Handleplan.objects.get(pk=plan.pk),
                               data=texts(parents="Alices tekst", signs="Alices tegn"), version=theirs,
                               keep_theirs=["parents", "not_a_field"])
    assert saved.content["texts"]["parents"] == "Lars' tekst"
    assert saved.content["texts"]["signs"] == "Alices tegn"


# --- the conflict page --------------------------------------------------------------------------


def test_resaving_from_the_conflict_page_keeps_the_change_to_a_field_this_person_never_touched(
        client_for, plan, alice, lars, alma):
    """Issue 14, 7: the second person's "Gem" on the conflict page reverted the first one's
    change to «Forældrenes perspektiv»."""
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, parents="Lars: forældrene ser fremgang", goals_child="Lars' mål")
    response = client_for(alice).post(url, {**texts(goals_child="Alices mål"), "version": opened_at})
    assert response.status_code == 409
    html = response.content.decode()
    form = response.context["form"]
    assert form.conflict_fields == ["goals_child"]
    assert "Lars: forældrene ser fremgang" in html  # already merged into the form
    assert 'name="choice_goals_child"' in html and 'name="choice_parents"' not in html
    table = html[html.index('id="konflikter"'):html.index("</table>")]
    assert "Lars&#x27; mål" in table and "Alices mål" in table and "forældrene ser fremgang" not in table

    # Pressing "Gem" again without choosing: asked again, nothing stored.
    resubmit = {name: value for name, value in form.initial.items() if value is not None}
    versions = PlanVersion.objects.filter(plan=plan).count()
    again = client_for(alice).post(url, resubmit)
    assert again.status_code == 200 and "Vælg, hvilken tekst der skal gælde." in again.content.decode()
    assert PlanVersion.objects.filter(plan=plan).count() == versions

    # Choosing mine: Alice's goal, and Lars' parents' perspective is still there.
    assert client_for(alice).post(url, {**resubmit, "choice_goals_child": "mine"}).status_code == 302
    latest = Handleplan.objects.get(pk=plan.pk).texts
    assert latest["goals_child"] == ["Alices mål"]
    assert latest["parents"] == "Lars: forældrene ser fremgang"


def test_choosing_the_other_persons_text_on_the_conflict_page_keeps_it(client_for, plan, alice, lars, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, signs="Lars' tegn")
    response = client_for(alice).post(url, {**texts(signs="Alices tegn", parents="Alices forældretekst"),
                                            "version": opened_at})
    resubmit = {name: value for name, value in response.context["form"].initial.items() if value is not None}
    assert client_for(alice).post(url, {**resubmit, "choice_signs": "theirs"}).status_code == 302
    latest = Handleplan.objects.get(pk=plan.pk).texts
    assert latest["signs"] == "Lars' tegn"
    assert latest["parents"] == "Alices forældretekst"


def test_a_merged_save_says_what_was_merged(client_for, plan, alice, lars, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, parents="Lars' tekst")
    response = client_for(alice).post(url, {**texts(signs="Alices tegn"), "version": opened_at}, follow=True)
    html = response.content.decode()
    assert "Handleplanen er gemt." in html and "«Forældrenes perspektiv»" in html and "flettet" in html


def test_a_third_save_while_on_the_conflict_page_is_merged_again(client_for, plan, alice, lars, birgitte, alma):
    url = reverse("handleplan:plan_edit", args=[alma.pk])
    opened_at = save(plan, alice, plan.version).number
    save(plan, lars, opened_at, signs="Lars' tegn")
    response = client_for(alice).post(url, {**texts(signs="Alices tegn"), "version": opened_at})
    resubmit = {name: value for name, value in response.context["form"].initial.items() if value is not None}
    save(plan, birgitte, int(resubmit["version"]), signs="Lars' tegn", parents="Birgittes forældretekst")
    assert client_for(alice).post(url, {**resubmit, "choice_signs": "mine"}).status_code == 302
    latest = Handleplan.objects.get(pk=plan.pk).texts
    assert (latest["signs"], latest["parents"]) == ("Alices tegn", "Birgittes forældretekst")


def test_the_conflict_page_costs_the_same_queries_however_long_the_history(client_for, plan, alice, lars, alma):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_handleplan import add_effort, evaluate

    url = reverse("handleplan:plan_edit", args=[alma.pk])
    client = client_for(alice)

    def conflict_queries(n: int) -> int:
        opened_at = save(plan, alice, Handleplan.objects.get(pk=plan.pk).version, goals_child=f"Mål {n}").number
        save(plan, lars, opened_at, signs=f"Lars' tegn {n}")
        for i in range(n):
            evaluate(add_effort(plan, lars, f"Indsats {n}-{i}"), lars)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, {**texts(signs=f"Alices tegn {n}"), "version": opened_at}).status_code == 409
        return len(queries)

    assert conflict_queries(1) == conflict_queries(8)
