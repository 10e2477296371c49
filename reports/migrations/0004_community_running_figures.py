"""The learning community's figures (reflective evaluations, TOPI rounds, joint ratings) are kept
in `MonthFigure` too (issue 16). No schema change: existing rows are counted by the warm-up job
(or `manage.py statistics_rebuild`), which rebuilds the institutions marked here – only those
with a round or an evaluation, so the first warm-up's work follows the data, not the country."""

from django.db import migrations


def mark_institutions_with_community_rows_dirty(apps, schema_editor):
    DirtyMonth = apps.get_model("reports", "DirtyMonth")
    ReflectiveEvaluation = apps.get_model("community", "ReflectiveEvaluation")
    TopiRound = apps.get_model("community", "TopiRound")
    institutions = set(ReflectiveEvaluation.objects.values_list("institution_id", flat=True).distinct())
    institutions |= set(TopiRound.objects.values_list("institution_id", flat=True).distinct())
    DirtyMonth.objects.bulk_create([DirtyMonth(institution_id=pk, month=None) for pk in sorted(institutions)],
                                   batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_statistics_running_figures"),
        ("community", "0001_learning_community"),
    ]

    operations = [
        migrations.RunPython(mark_institutions_with_community_rows_dirty, migrations.RunPython.noop),
    ]
