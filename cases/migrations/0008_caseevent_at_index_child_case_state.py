"""Issue 16: the admin's case-event changelist reads a page newest first from an index (it sorted
1.5 M events), and Child.case_state (haandguide 0014, kept by Case.save from now on) is filled from
the cases there are."""

from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE haandguide_child SET
    case_state = (SELECT c.state FROM cases_case c WHERE c.child_id = haandguide_child.id)
WHERE EXISTS (SELECT 1 FROM cases_case c WHERE c.child_id = haandguide_child.id)
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_backfill_child_latest_topi'),
        ('haandguide', '0014_child_list_filters_and_admin_order'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(fields=['at', 'id'], name='caseevent_at'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
