"""Evaluation reminders become messages in the one store (haandguide.Notice): each Reminder row is
copied with the key the reminder job now uses, so the job finds them and sends nothing twice;
then the Reminder model goes."""

from django.db import migrations

KINDS = {"snart": "Evaluering snart", "forfalden": "Forfalden evaluering"}


def reminders_to_notices(apps, schema_editor):
    Reminder = apps.get_model("handleplan", "Reminder")
    Notice = apps.get_model("haandguide", "Notice")
    rows = []
    for reminder in Reminder.objects.select_related("effort__plan__case__child__institution").iterator():
        effort = reminder.effort
        child = effort.plan.case.child
        date = reminder.evaluation_date
        rows.append(Notice(
            user_id=reminder.recipient_id, child_id=child.pk,
            key=f"evaluering:{effort.pk}:{date.isoformat()}:{reminder.kind}",
            subject=f"{KINDS.get(reminder.kind, 'Evaluering')}: «{effort.name}» i {child.institution.name}"[:200],
            body=f"Evalueres senest {date.day}. {MONTHS[date.month - 1]} {date.year}.",
            # The plan page's address as it was when this migration was written (frozen on purpose).
            url=f"/boern/{child.pk}/handleplan/",
            created_at=reminder.created_at, emailed_at=reminder.emailed_at, seen_at=reminder.seen_at,
        ))
    Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december"]


class Migration(migrations.Migration):

    dependencies = [
        ("handleplan", "0002_planrules_readiness"),
        ("haandguide", "0008_inbox_notice_child"),
    ]

    operations = [
        migrations.RunPython(reminders_to_notices, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="reminder", name="reminder_recipient"),
        migrations.RemoveConstraint(model_name="reminder", name="reminder_once"),
        migrations.DeleteModel(name="Reminder"),
    ]
