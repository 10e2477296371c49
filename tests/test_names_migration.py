"""cases/migrations/0005_names_…: the underretninger keep their rows under the new model name, and
the old one-size "indstilling" events are sorted into one action per kind (and back on reverse)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

BEFORE = [("cases", "0004_planrules_referral_meetings")]
AFTER = [("cases", "0005_names_underretning_event_actions")]
REASONS = {
    "Indstilling (ressourcevurdering) sendt til mødet 1. marts": "indstilling",
    "Distriktsrådets afgørelse: Støttetimer": "afgoerelse",
    "Ressource forlænget: Støttetimer til 1. september": "forlaenget",
    "Revisitation: Mellemform Nord": "revisitation",
    "Brev til forældrene. Afgørelsen er sendt med e-Boks": "brev",
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_rows_keep_their_data_and_each_event_gets_the_action_of_its_kind():
    user = factories.user()
    child = factories.child()
    old = migrate(BEFORE)
    Case = old.get_model("cases", "Case")
    case = Case.objects.create(child_id=child.pk, opened_by_id=user.pk)
    old.get_model("cases", "Notification").objects.create(case=case, text="Barnet fortæller om slag.",
                                                          created_by_id=user.pk)
    for reason in REASONS:
        old.get_model("cases", "CaseEvent").objects.create(case=case, action="indstilling", reason=reason)
    try:
        new = migrate(AFTER)
        assert new.get_model("cases", "Underretning").objects.get().text == "Barnet fortæller om slag."
        events = new.get_model("cases", "CaseEvent").objects.filter(case_id=case.pk)
        assert dict(events.values_list("reason", "action")) == REASONS

        back = migrate(BEFORE)
        assert set(back.get_model("cases", "CaseEvent").objects.values_list("action", flat=True)) == {"indstilling"}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
