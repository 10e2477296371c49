"""Attachments use the one upload_to helper of every FileField (they were already randomly named)."""

import haandguide.lib.files
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_open_counselling_family_groups'),
    ]

    operations = [
        migrations.AlterField(
            model_name='attachment',
            name='file',
            field=models.FileField(upload_to=haandguide.lib.files.RandomName('observations')),
        ),
    ]
