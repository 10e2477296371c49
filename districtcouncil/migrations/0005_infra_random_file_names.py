"""Submission files get random names on disk, like attachments; the original name stays in a field.

Files stored before this under their original name (submissions/2026/11/doc-B.pdf) are moved to a
random name; the signed form's original name is kept in `signed_form_name`.
"""

import re
from pathlib import PurePosixPath

import haandguide.lib.files
from django.db import migrations, models

RANDOM = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]{1,9})?")


def _moved(storage, old: str) -> str:
    if RANDOM.fullmatch(PurePosixPath(old).name) or not storage.exists(old):
        return old
    with storage.open(old, "rb") as content:
        new = storage.save(haandguide.lib.files.RandomName("submissions")(None, old), content)
    storage.delete(old)
    return new


def rename_stored_files(apps, schema_editor):
    from django.core.files.storage import default_storage

    Submission = apps.get_model("districtcouncil", "Submission")
    SubmissionDocument = apps.get_model("districtcouncil", "SubmissionDocument")
    for pk, name in Submission.objects.exclude(signed_form="").values_list("pk", "signed_form"):
        Submission.objects.filter(pk=pk).update(signed_form=_moved(default_storage, name),
                                                signed_form_name=PurePosixPath(name).name[:255])
    for pk, name in SubmissionDocument.objects.values_list("pk", "file"):
        SubmissionDocument.objects.filter(pk=pk).update(file=_moved(default_storage, name))


class Migration(migrations.Migration):

    dependencies = [
        ('districtcouncil', '0004_letters_wording_dispatch'),
    ]

    operations = [
        migrations.AddField(
            model_name='submission',
            name='signed_form_name',
            field=models.CharField(blank=True, editable=False, max_length=255, verbose_name='filnavn'),
        ),
        migrations.AlterField(
            model_name='submission',
            name='signed_form',
            field=models.FileField(blank=True, upload_to=haandguide.lib.files.RandomName('submissions'), verbose_name='underskrevet samtykkeerklæring'),
        ),
        migrations.AlterField(
            model_name='submissiondocument',
            name='file',
            field=models.FileField(upload_to=haandguide.lib.files.RandomName('submissions')),
        ),
        migrations.RunPython(rename_stored_files, migrations.RunPython.noop),
    ]
