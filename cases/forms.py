from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone

from cases.models import (
    AgreementKind, CaseState, CloseReason, ConsentPurpose, CounsellingBooking, CounsellingProfessional,
    CounsellingSession, FamilyGroup, MeetingType, Observation, ObservationType, TopiPosition,
)
from haandguide.lib import cpr as cprlib
from haandguide.lib import files
from haandguide.lib.widgets import Select
from haandguide import roles
from haandguide.models import Child, Guardian


class ChildSearchForm(forms.Form):
    """The child list's search. The institution is a choice among a few (a leader's, a district's),
    and a name search where there could be hundreds (a consultant's districts, nationally 300+):
    no page carries a `<select>` of hundreds of options. Either way only institutions in scope."""

    MAX_CHOICES = 25

    q = forms.CharField(label="Søg", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "Søg på navn eller CPR", "type": "search"}))
    institution = forms.CharField(label="Institution", required=False, max_length=150, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Institution (navn)", "class": "form-control"}))

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        few = list(institutions[:self.MAX_CHOICES + 1])  # one query either way, none to validate
        if len(few) <= self.MAX_CHOICES:
            self.fields["institution"] = forms.TypedChoiceField(
                label="Institution", required=False, coerce=int, empty_value=None,
                choices=[("", "Alle institutioner"), *((i.pk, str(i)) for i in few)],
                widget=Select(attrs={"class": "form-select"}))


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
        # Only the number's form here. Whether it is taken is the service's question, asked only
        # inside the municipality and only of a form that is otherwise valid (issue 14: the form
        # must not answer "taken" for another municipality's child, valid or not).
        return cprlib.normalise(self.cleaned_data["cpr"])

    def clean(self):
        data = super().clean()
        started, left = data.get("started_at"), data.get("left_at")
        if started and left and left < started:
            self.add_error("left_at", "Ophørsdatoen ligger før startdatoen.")
        return data


class GuardianForm(forms.ModelForm):
    # Stored only as a keyed hash (Guardian.cpr_digest): how the parents' portal recognises the
    # custodian from the citizen login's CPR claim. The number itself is never kept.
    cpr = forms.CharField(
        label="CPR-nummer", required=False, max_length=11,
        help_text="Valgfrit. Gemmes ikke – kun et kodet aftryk, så forælderen kan logge ind i forældreportalen med MitID.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))

    class Meta:
        model = Guardian
        fields = ["name", "relation", "phone", "email", "has_custody"]

    def clean_cpr(self):
        value = (self.cleaned_data.get("cpr") or "").strip()
        return cprlib.normalise(value) if value else ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name"), Column("relation")),
            Row(Column("phone"), Column("email")),
            Row(Column("cpr"), Column("has_custody")),
            Submit("save", "Tilføj"),
        )


# --- the case ---------------------------------------------------------------------------------


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseTransitionForm(forms.Form):
    reason = forms.CharField(label="Begrundelse", required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    close_reason = forms.ChoiceField(label="Sagen lukkes fordi", required=False,
                                     choices=[("", "---------")] + list(CloseReason.choices))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ObservationForm(forms.ModelForm):
    attachment = forms.FileField(label="Bilag (valgfrit)", required=False, help_text=files.HELP_TEXT)

    class Meta:
        model = Observation
        fields = ["type", "observed_on", "topi_position", "text"]
        widgets = {"observed_on": _date_widget(), "text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = ObservationType.objects.filter(municipality=municipality, active=True)
        self.fields["topi_position"].help_text = "Kun ved TOPI/trivselsvurdering: grøn, gul eller rød."
        self.fields["text"].max_length = 20000
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Row(Column("type"), Column("observed_on"), Column("topi_position")),
            "text", "attachment", Submit("save", "Gem observation"),
        )

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("Datoen ligger i fremtiden.")
        return value

    def clean(self):
        data = super().clean()
        obs_type, topi = data.get("type"), data.get("topi_position")
        if obs_type and obs_type.has_topi_position and not topi:
            self.add_error("topi_position", f"{obs_type} kræver en TOPI-position.")
        if obs_type and topi and not obs_type.has_topi_position:
            self.add_error("topi_position", f"{obs_type} har ingen TOPI-position.")
        return data

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        return files.validate_upload(upload) if upload else None


class ConsentForm(forms.Form):
    guardian = forms.ModelChoiceField(label="Forælder/værge", queryset=None)
    purpose = forms.ModelChoiceField(label="Samtykke til", queryset=None)
    given_on = forms.DateField(label="Givet den", widget=_date_widget())
    form = forms.ChoiceField(label="Form", choices=[("skriftligt", "Skriftligt"), ("mundtligt", "Mundtligt, noteret")])

    def __init__(self, *args, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = child.guardians.all()
        self.fields["purpose"].queryset = ConsentPurpose.objects.filter(
            municipality_id=child.institution.district.municipality_id, active=True)
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("guardian"), Column("purpose")), Row(Column("given_on"), Column("form")),
                                    Submit("save", "Registrér samtykke"))


class MeetingForm(forms.Form):
    type = forms.ModelChoiceField(label="Mødetype", queryset=None)
    held_on = forms.DateField(label="Dato", widget=_date_widget())
    participants = forms.CharField(label="Deltagere", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="Navne og funktioner, én pr. linje.")
    minutes = forms.CharField(label="Referat", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    follow_up_on = forms.DateField(label="Opfølgning", required=False, widget=_date_widget())
    agreement_kind = forms.ChoiceField(label="Aftale", required=False,
                                       choices=[("", "Ingen aftale")] + list(AgreementKind.choices))
    agreement_text = forms.CharField(label="Aftalen", required=False, max_length=4000,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    agreement_with_parents = forms.BooleanField(label="Aftalt med forældrene", required=False)

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = MeetingType.objects.filter(municipality=municipality, active=True)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("type"), Column("held_on"), Column("follow_up_on")), "participants", "minutes",
            Row(Column("agreement_kind"), Column("agreement_text", css_class="col-md-6")), "agreement_with_parents",
            Submit("save", "Gem møde"),
        )

    def clean(self):
        data = super().clean()
        held, follow = data.get("held_on"), data.get("follow_up_on")
        if held and follow and follow < held:
            self.add_error("follow_up_on", "Opfølgningen ligger før mødet.")
        if data.get("agreement_kind") and not (data.get("agreement_text") or "").strip():
            self.add_error("agreement_text", "Beskriv aftalen.")
        return data

    def meeting_data(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("type", "held_on", "participants", "minutes", "follow_up_on")}

    def agreements(self) -> list[dict]:
        d = self.cleaned_data
        if not d.get("agreement_kind"):
            return []
        return [{"kind": d["agreement_kind"], "text": d["agreement_text"], "with_parents": d["agreement_with_parents"]}]


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label="Henvisning", choices=[(AgreementKind.PPV, "PPV"), (AgreementKind.VISO, "VISO")])
    note = forms.CharField(label="Bemærkning", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class NotificationForm(forms.Form):
    text = forms.CharField(label="Underretningen", max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Hvad har du set og hørt? Underretningspligten kræver ikke forældrenes samtykke.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("text", Submit("save", "Registrér underretning"))


class CounsellorForm(forms.Form):
    counsellor = forms.ModelChoiceField(label="Ekstern rådgiver", queryset=None)

    def __init__(self, *args, municipality=None, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        counsellors = roles.external_counsellors_in(municipality)
        if child is not None:  # someone already attached is not offered again
            counsellors = counsellors.exclude(pk__in=child.counsellor_assignments.active().values("counsellor_id"))
        self.fields["counsellor"].queryset = counsellors


class ChildFilterForm(ChildSearchForm):
    level = forms.ChoiceField(label="Niveau", required=False,
                              choices=[("", "Alle niveauer"), ("ingen", "Ingen sag")] + list(CaseState.choices),
                              widget=Select(attrs={"class": "form-select"}))
    topi = forms.ChoiceField(label="TOPI", required=False, choices=[("", "Alle TOPI")] + list(TopiPosition.choices),
                             widget=Select(attrs={"class": "form-select"}))


# --- Aabenraa: åben rådgivning and familiegrupper -----------------------------------------------


class CounsellingSessionForm(forms.ModelForm):
    class Meta:
        model = CounsellingSession
        fields = ["institution", "starts_at", "slots", "slot_minutes", "professionals", "location"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["slots"].min_value = 1
        self.fields["slots"].max_value = 30
        self.fields["slot_minutes"].min_value = 10
        self.fields["slot_minutes"].max_value = 120
        self.fields["professionals"].initial = ("Sundhedsplejerske, Tidlig Forebyggelse, PPR-psykolog, "
                                                "børnefysioterapeut, tale/høre-konsulent")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("institution"), Column("starts_at")), Row(Column("slots"), Column("slot_minutes"), Column("location")),
            "professionals", Submit("save", "Opret åben rådgivning"))

    def clean_slots(self):
        value = self.cleaned_data["slots"]
        if value is None or not 1 <= value <= 30:
            raise forms.ValidationError("Mellem 1 og 30 samtaler.")
        return value

    def clean_slot_minutes(self):
        value = self.cleaned_data["slot_minutes"]
        if value is None or not 10 <= value <= 120:
            raise forms.ValidationError("Mellem 10 og 120 minutter.")
        return value


class CounsellingBookingForm(forms.Form):
    slot = forms.TypedChoiceField(label="Tid", coerce=int, choices=())
    booker = forms.ChoiceField(label="Booket af", choices=CounsellingBooking.Booker.choices)
    professional = forms.ChoiceField(label="Samtale med", choices=CounsellingProfessional.choices)
    child = forms.ModelChoiceField(label="Barn (valgfrit)", required=False, queryset=None,
                                   help_text="Tom, hvis samtalen handler om børnegruppen.")
    guardian = forms.ModelChoiceField(label="Forælder", required=False, queryset=None,
                                      help_text="Når forældrene har booket tiden.")
    topic = forms.CharField(label="Emne", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, session=None, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        taken = set(session.bookings.values_list("slot", flat=True))
        self.fields["slot"].choices = [
            (n, f"{timezone.localtime(session.slot_start(n)):%H:%M}") for n in range(1, session.slots + 1) if n not in taken]
        self.fields["child"].queryset = children
        self.fields["guardian"].queryset = Guardian.objects.filter(child__in=children).select_related("child")
        self.fields["guardian"].label_from_instance = lambda g: f"{g.name} ({g.child})"
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's form posts to the booking URL
        self.helper.layout = Layout(Row(Column("slot"), Column("booker"), Column("professional")),
                                    Row(Column("child"), Column("guardian")), "topic", Submit("save", "Book tid"))

    def clean(self):
        data = super().clean()
        if data.get("booker") == CounsellingBooking.Booker.PARENTS and not data.get("guardian"):
            self.add_error("guardian", "Vælg den forælder, der har booket tiden.")
        guardian, child = data.get("guardian"), data.get("child")
        if guardian and child and guardian.child_id != child.pk:
            self.add_error("guardian", "Forælderen hører ikke til barnet.")
        return data


class FamilyGroupForm(forms.ModelForm):
    class Meta:
        model = FamilyGroup
        fields = ["institution", "name", "purpose", "facilitators"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("institution"), Column("name")), "purpose", "facilitators",
                                    Submit("save", "Opret familiegruppe"))


class FamilyGroupParticipantForm(forms.Form):
    child = forms.ModelChoiceField(label="Barn", queryset=None)
    guardian = forms.ModelChoiceField(label="Forælder (valgfrit)", required=False, queryset=None)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["guardian"].queryset = Guardian.objects.filter(child__in=children).select_related("child")
        self.fields["guardian"].label_from_instance = lambda g: f"{g.name} ({g.child})"

    def clean(self):
        data = super().clean()
        guardian, child = data.get("guardian"), data.get("child")
        if guardian and child and guardian.child_id != child.pk:
            self.add_error("guardian", "Forælderen hører ikke til barnet.")
        return data


class FamilyGroupSessionForm(forms.Form):
    held_on = forms.DateField(label="Dato", widget=_date_widget())
    theme = forms.CharField(label="Tema", max_length=150)
    activity = forms.CharField(label="Aktiviteter", required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class FamilyGroupAttendanceForm(forms.Form):
    participants = forms.ModelMultipleChoiceField(label="Mødt", required=False, queryset=None,
                                                  widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = group.participants.select_related("child", "guardian")
        self.helper = FormHelper()
        self.helper.layout = Layout("participants", Submit("save", "Gem fremmøde"))
