"""Issue 14: CPR numbers unique per municipality (Child.municipality, derived from the
institution), and the request to move a child that a collision inside the municipality becomes."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_municipality(apps, schema_editor):
    Child = apps.get_model("haandguide", "Child")
    Institution = apps.get_model("haandguide", "Institution")
    Child.objects.update(municipality_id=Subquery(
        Institution.objects.filter(pk=OuterRef("institution_id")).values("district__municipality_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('haandguide', '0004_municipality_profile'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChildTransferRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='anmodet')),
                ('status', models.CharField(choices=[('afventer', 'Afventer administrator'), ('flyttet', 'Barnet er flyttet'), ('afvist', 'Afvist')], default='afventer', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='behandlet')),
            ],
            options={
                'verbose_name': 'anmodning om flytning af barn',
                'verbose_name_plural': 'anmodninger om flytning af børn',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='child',
            name='municipality',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='haandguide.municipality', verbose_name='kommune'),
        ),
        migrations.RunPython(fill_municipality, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='child',
            name='cpr',
            field=models.CharField(max_length=10, null=True, verbose_name='CPR-nummer'),
        ),
        migrations.AddConstraint(
            model_name='child',
            constraint=models.UniqueConstraint(fields=('municipality', 'cpr'), name='child_cpr_unique_per_municipality'),
        ),
        migrations.AddField(
            model_name='childtransferrequest',
            name='child',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transfer_requests', to='haandguide.child', verbose_name='barn'),
        ),
        migrations.AddField(
            model_name='childtransferrequest',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='behandlet af'),
        ),
        migrations.AddField(
            model_name='childtransferrequest',
            name='requested_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='anmodet af'),
        ),
        migrations.AddField(
            model_name='childtransferrequest',
            name='to_institution',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='haandguide.institution', verbose_name='ønsket institution'),
        ),
        migrations.AddConstraint(
            model_name='childtransferrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'afventer')), fields=('child', 'to_institution'), name='one_pending_transfer'),
        ),
    ]
