from django import forms

from integrations import channels
from integrations.imports import KINDS
from integrations.models import ApiClient, ChannelSetting, Operation


class ApiClientForm(forms.ModelForm):
    operations = forms.MultipleChoiceField(label="Må", choices=Operation.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    rotate = forms.BooleanField(label="Skift nøgle", required=False,
                                help_text="Den gamle nøgle holder op med at virke med det samme; den nye vises én gang.")

    class Meta:
        model = ApiClient
        fields = ["municipality", "name", "operations", "active"]


class ChannelSettingForm(forms.ModelForm):
    channel = forms.ChoiceField(label="Kanal", choices=channels.choices("brev") + channels.choices("journal"))

    class Meta:
        model = ChannelSetting
        fields = ["municipality", "purpose", "channel", "active", "folder", "sender_id"]

    def clean(self):
        data = super().clean()
        channel = channels.CHANNELS.get(data.get("channel"))
        if channel is not None and data.get("purpose") and channel.purpose != data["purpose"]:
            self.add_error("channel", "Kanalen passer ikke til formålet.")
        return data


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Hvad filen indeholder", choices=list(KINDS.items()))
    file = forms.FileField(label="Fil", help_text="CSV (semikolon eller komma) eller Excel (.xlsx), højst 10 MB. "
                                                  "Første række er overskrifter.")


class ImportApplyForm(forms.Form):
    accept_valid = forms.BooleanField(
        label="Anvend de gyldige rækker; de afviste rækker springes over", required=False)
