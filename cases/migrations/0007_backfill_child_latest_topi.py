"""Fill Child.latest_topi from the observations already recorded (cases.services.observation_add
keeps it from now on): the latest TOPI observation per child, by date, then by id."""

from django.db import migrations

BACKFILL = """
UPDATE haandguide_child SET
    latest_topi = COALESCE((
        SELECT o.topi_position FROM cases_observation o
        WHERE o.child_id = haandguide_child.id AND o.topi_position <> ''
        ORDER BY o.observed_on DESC, o.id DESC LIMIT 1), ''),
    latest_topi_on = (
        SELECT MAX(o.observed_on) FROM cases_observation o
        WHERE o.child_id = haandguide_child.id AND o.topi_position <> '')
WHERE EXISTS (SELECT 1 FROM cases_observation o WHERE o.child_id = haandguide_child.id AND o.topi_position <> '')
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_portal_consent_channel"),
        ("haandguide", "0013_child_latest_topi_list_indexes"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
