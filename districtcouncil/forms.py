import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.urls import reverse
from django.utils import timezone

from districtcouncil.models import (
    Council, CouncilMeetingType, Decision, Letter, Mellemform, ResourceType, Submission,
)
from community.models import GroupPlan
from haandguide.lib import files
from haandguide.lib.formats import datetime_da

DATE = {"type": "date"}


class SubmissionForm(forms.ModelForm):
    child = forms.ModelChoiceField(label="Barn", required=False, queryset=None,
                                   help_text="Lad feltet stå tomt, hvis indstillingen gælder en børnegruppe.")
    signed_form = forms.FileField(label="Underskrevet samtykkeerklæring (spor med CPR)", required=False,
                                  help_text="Eller registrér forældrenes samtykke til indstilling med CPR. " + files.HELP_TEXT)
    document = forms.FileField(label="Andre dokumenter (valgfrit)", required=False, help_text=files.HELP_TEXT)

    class Meta:
        model = Submission
        fields = ["meeting", "child", "kind", "track", "group_plan", "group_description", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8}),
                   "group_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, children=None, meetings=(), group_plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["group_plan"].queryset = group_plans if group_plans is not None else GroupPlan.objects.none()
        self.fields["group_plan"].label_from_instance = lambda plan: f"{plan.group} ({plan.group.institution})"
        self.fields["group_plan"].help_text = "For en børnegruppe: stuens mål- og indsatsplan sendes med, frosset som den er."
        self.fields["meeting"].queryset = self.fields["meeting"].queryset.filter(pk__in=[m.pk for m in meetings])
        self.fields["meeting"].label_from_instance = (
            lambda m: f"{m} – frist {datetime_da(m.deadline)}")
        self.fields["description"].max_length = 20000
        self.fields["group_description"].max_length = 4000
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Row(Column("meeting"), Column("child")), Row(Column("kind"), Column("track")),
            "group_plan", "group_description", "description", Row(Column("signed_form"), Column("document")),
            Submit("save", "Gem som kladde"),
        )

    def clean_signed_form(self):
        upload = self.cleaned_data.get("signed_form")
        return files.validate_upload(upload) if upload else None

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        return files.validate_upload(upload) if upload else None

    def clean(self):
        data = super().clean()
        if not data.get("child") and data.get("track") == Submission.Track.WITH_CPR:
            self.add_error("track", "En indstilling om en børnegruppe går uden CPR.")
        if data.get("child") and data.get("group_plan"):
            self.add_error("group_plan", "Læringsfællesskabets plan hører til en indstilling om en børnegruppe.")
        if not data.get("child") and not (data.get("group_description") or "").strip():
            self.add_error("group_description", "Beskriv børnegruppen, eller vælg et barn.")
        return data


class SubmissionDraftForm(SubmissionForm):
    """The draft edited on its own page: the same fields and file checks, the child stays."""

    prefix = "kladde"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, children=None, **kwargs)
        del self.fields["child"]
        self.fields["signed_form"].label = "Underskrevet samtykkeerklæring"
        if self.instance.signed_form:
            self.fields["signed_form"].help_text = "En erklæring er vedlagt; en ny fil erstatter den. " + files.HELP_TEXT
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("meeting"), Column("kind")), "track", "group_plan", "group_description", "description",
            Row(Column("signed_form"), Column("document")))

    def clean(self):
        self.cleaned_data["child"] = self.instance.child
        return super().clean()


class ReviewForm(forms.Form):
    notes = forms.CharField(label="Noter", max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    recommended_resource = forms.ModelChoiceField(label="Anbefalet ressource", required=False, queryset=None)
    recommendation = forms.CharField(label="Anbefaling", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, resource_types=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Which types the council may grant is the service's rule (services.resource_types_for).
        self.fields["recommended_resource"].queryset = resource_types if resource_types is not None else (
            ResourceType.objects.none())
        self.helper = FormHelper()
        self.helper.layout = Layout("notes", "recommended_resource", "recommendation", Submit("save", "Gem vurdering"))


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["resource_type", "amount_dkk", "hours", "mellemform", "period_start", "period_end", "goals",
                  "follow_up_on", "least_intrusive_discussed", "least_intrusive_offer", "notes"]
        widgets = {"period_start": forms.DateInput(DATE, format="%Y-%m-%d"),
                   "period_end": forms.DateInput(DATE, format="%Y-%m-%d"),
                   "follow_up_on": forms.DateInput(DATE, format="%Y-%m-%d"),
                   "goals": forms.Textarea(attrs={"rows": 4}), "notes": forms.Textarea(attrs={"rows": 3}),
                   "least_intrusive_offer": forms.Textarea(attrs={"rows": 3})}

    basis = forms.ChoiceField(label="Grundlag", required=False)

    def __init__(self, *args, resource_types=None, district=None, consultant_only=False, revisitation=False,
                 bases=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Which resource types each path may grant is the service's rule (services.resource_types_for);
        # the form only offers them.
        self.fields["resource_type"].queryset = resource_types if resource_types is not None else (
            ResourceType.objects.none())
        if bases:  # the consultant's visitation: § 32 or chronic illness, chosen in the form
            self.fields["basis"].choices = [(b.value, b.label) for b in bases]
            self.fields["basis"].required = True
        else:
            del self.fields["basis"]
        self.fields["mellemform"].queryset = Mellemform.objects.filter(district=district, active=True)
        self.fields["notes"].help_text = ("Står i brevet til forældrene: hvorfor afgørelsen er truffet. Skal udfyldes, "
                                          "når der tildeles eller gives afslag på en ressource.")
        self.fields["amount_dkk"].min_value = 0
        self.fields["hours"].min_value = 0
        # Every path that grants (council, § 32, chronic illness, re-visitation) asks for the
        # confirmation that the least intrusive option was discussed; the service refuses without it.
        if not (consultant_only or revisitation):
            del self.fields["least_intrusive_offer"]
        if revisitation:
            self.fields["least_intrusive_offer"].required = True
        self.fields["follow_up_on"].help_text = "Inden for perioden; konsulenten får en påmindelse på dagen."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(["basis"] if bases else []),
            Row(Column("resource_type"), Column("amount_dkk"), Column("hours")), "mellemform",
            Row(Column("period_start"), Column("period_end"), Column("follow_up_on")), "goals", "notes",
            *(["least_intrusive_offer"] if (consultant_only or revisitation) else []), "least_intrusive_discussed",
            Submit("save", "Registrér afgørelse"),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", "Perioden skal slutte efter den starter.")
        follow_up = data.get("follow_up_on")
        if start and end and follow_up and not (start <= follow_up <= end):
            self.add_error("follow_up_on", "Opfølgningen skal ligge inden for perioden.")
        for field in ("amount_dkk", "hours"):
            value = data.get(field)
            if value is not None and value < 0:
                self.add_error(field, "Værdien kan ikke være negativ.")
        return data


class LetterDispatchForm(forms.Form):
    method = forms.ChoiceField(label="Hvordan", choices=[("", "Vælg …"), *Letter.Method.choices])
    sent_on = forms.DateField(label="Dato", widget=forms.DateInput(DATE, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"sent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ReassessForm(forms.Form):
    # No default: the outcome is chosen, never preset to the riskier "forlænget".
    outcome = forms.ChoiceField(label="Udfald", choices=[("", "Vælg udfald …"), *Decision.Outcome.choices])
    notes = forms.CharField(label="Evaluering af målene", max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    goals = forms.CharField(label="Nye mål (ved forlængelse)", required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    period_end = forms.DateField(label="Ny periode til (ved forlængelse)", required=False,
                                 widget=forms.DateInput(DATE, format="%Y-%m-%d"),
                                 help_text="Tom: kommunens ressourceperiode fra den gamle periodes slutning.")
    follow_up_on = forms.DateField(label="Opfølgning (ved forlængelse)", required=False,
                                   widget=forms.DateInput(DATE, format="%Y-%m-%d"),
                                   help_text="Tom: kommunens standard, inden for den nye periode.")
    least_intrusive_discussed = forms.BooleanField(
        label="Den mindst indgribende indsats er drøftet (ved forlængelse)", required=False)

    def __init__(self, *args, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if decision is not None:  # the form posts to its handler, not to the decision page
            self.helper.form_action = reverse("districtcouncil:decision_reassess", args=[decision.pk])
        self.helper.layout = Layout("outcome", "notes", "goals", Row(Column("period_end"), Column("follow_up_on")),
                                    "least_intrusive_discussed", Submit("save", "Registrér revurdering"))

    def renewal_data(self) -> dict:
        data = self.cleaned_data
        return {key: data.get(key) for key in ("goals", "period_end", "follow_up_on", "least_intrusive_discussed")}


class MeetingSeriesForm(forms.Form):
    council = forms.ModelChoiceField(label="Distriktsråd", queryset=None)
    meeting_type = forms.ModelChoiceField(label="Mødetype", queryset=None)
    first_date = forms.DateField(label="Første møde", widget=forms.DateInput(DATE))
    time = forms.TimeField(label="Klokkeslæt", initial=datetime.time(13, 0), widget=forms.TimeInput(attrs={"type": "time"}))
    every_weeks = forms.IntegerField(label="Hver n'te uge", min_value=1, max_value=26, initial=4)
    count = forms.IntegerField(label="Antal møder", min_value=1, max_value=52, initial=10)
    location = forms.CharField(label="Sted", required=False, max_length=200)

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = Council.objects.filter(district__municipality=municipality)
        self.fields["meeting_type"].queryset = CouncilMeetingType.objects.filter(municipality=municipality)
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("council"), Column("meeting_type")),
                                    Row(Column("first_date"), Column("time"), Column("every_weeks"), Column("count")),
                                    "location", Submit("save", "Opret møderække"))

    def first(self) -> datetime.datetime:
        d = self.cleaned_data
        return timezone.make_aware(datetime.datetime.combine(d["first_date"], d["time"]))


class OverviewForm(forms.Form):
    date_from = forms.DateField(label="Fra", required=False, widget=forms.DateInput(DATE))
    date_to = forms.DateField(label="Til", required=False, widget=forms.DateInput(DATE))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "Til-datoen ligger før fra-datoen.")
        return data
