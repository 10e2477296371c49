from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from haandguide.lib import cpr as cprlib
from haandguide.models import Child, Guardian


class ChildSearchForm(forms.Form):
    q = forms.CharField(label="Søg", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "Søg på navn", "type": "search"}))
    institution = forms.ModelChoiceField(label="Institution", required=False, queryset=None,
                                         empty_label="Alle institutioner",
                                         widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class ChildForm(forms.ModelForm):
    cpr = forms.CharField(label="CPR-nummer", max_length=20, help_text="10 cifre, fx 010221-4123.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Child
        fields = ["first_name", "last_name", "cpr", "institution", "started_at", "left_at"]
        widgets = {
            "started_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "left_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # The full number is shown only in this form, to the leader who maintains it.
            self.initial["cpr"] = cprlib.formatted(self.instance.cpr)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name")),
            Row(Column("cpr"), Column("institution")),
            Row(Column("started_at"), Column("left_at")),
            "version",
            Submit("save", "Gem"),
        )

    def clean_cpr(self):
        value = cprlib.normalise(self.cleaned_data["cpr"])
        duplicates = Child.objects.filter(cpr=value)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError("Der findes allerede et barn med dette CPR-nummer.")
        return value

    def clean(self):
        data = super().clean()
        started, left = data.get("started_at"), data.get("left_at")
        if started and left and left < started:
            self.add_error("left_at", "Ophørsdatoen ligger før startdatoen.")
        return data


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "relation", "phone", "email", "has_custody"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name"), Column("relation")),
            Row(Column("phone"), Column("email")),
            "has_custody",
            Submit("save", "Tilføj"),
        )
