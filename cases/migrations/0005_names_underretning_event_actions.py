"""Names (issue 15): cases.Notification is the Underretning it always was (the model renamed, its
rows and table kept), and CaseEvent's one "indstilling" action for every district-council event is
split into one action per kind. Old rows are sorted by the text the service wrote in `reason`."""

import django.db.models.deletion
from django.db import migrations, models

# The reason each district-council event was written with, and the action it now has.
KINDS = [("Distriktsrådets afgørelse:", "afgoerelse"), ("Ressource forlænget:", "forlaenget"),
         ("Revisitation:", "revisitation"), ("Brev til forældrene.", "brev")]


def split_submission_events(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    for prefix, action in KINDS:
        CaseEvent.objects.filter(action="indstilling", reason__startswith=prefix).update(action=action)


def merge_submission_events(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseEvent.objects.filter(action__in=[action for _, action in KINDS]).update(action="indstilling")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_planrules_referral_meetings"),
    ]

    operations = [
        migrations.RenameModel("Notification", "Underretning"),
        migrations.AlterField(
            model_name="underretning",
            name="case",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="underretninger",
                                    to="cases.case"),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='action',
            field=models.CharField(choices=[('oprettet', 'Sag oprettet'), ('op', 'Niveau op'), ('indgribende', 'Indgribende indsats tildelt'), ('ned', 'Niveau ned'), ('lukket', 'Sag lukket'), ('genaabnet', 'Sag genåbnet'), ('iagttagelse', 'Observation registreret'), ('samtykke', 'Samtykke givet'), ('samtykke_tilbage', 'Samtykke trukket tilbage'), ('moede', 'Møde afholdt'), ('henvisning', 'Henvisning'), ('underretning', 'Underretning'), ('raadgiver_til', 'Rådgiver tilknyttet'), ('raadgiver_fra', 'Rådgiver afsluttet'), ('handleplan', 'Handleplan'), ('indstilling', 'Indstilling sendt'), ('afgoerelse', 'Distriktsrådets afgørelse'), ('forlaenget', 'Ressource forlænget'), ('revisitation', 'Revisitation'), ('brev', 'Brev til forældrene')], max_length=20, verbose_name='hændelse'),
        ),
        migrations.RunPython(split_submission_events, merge_submission_events),
    ]
