"""Forms validate and normalise; the services decide. Errors appear beside the field, and every
long text keeps what was typed when the form comes back with an error."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone

from handleplan.models import VOICE_STATEMENTS, Evaluation
from haandguide import roles

TEXT_LIMIT = 4000
# The fields of PlanForm that hold the plan's texts (handleplan.formdata.TEXT_FIELDS).
PLAN_TEXT_FIELDS = {"period_start", "period_end", "goals_community", "goals_child", "signs", "parents",
                    *(f"voice_{key}" for key, _ in VOICE_STATEMENTS)}
DATE = {"type": "date"}


def _date_widget():
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


def _text(label: str, help_text: str = "", rows: int = 3, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=TEXT_LIMIT,
                           strip=True, widget=forms.Textarea(attrs={"rows": rows}))


class PlanForm(forms.Form):
    """The plan's texts. On the conflict page `conflicts` names the fields both people changed:
    each gets a required choice (my text, edited in the field, or the other person's), so no
    field is decided without the person saying so. The names travel in a hidden field, so the
    choices are asked again if the page comes back with an error."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    conflicts = forms.CharField(widget=forms.HiddenInput, required=False)
    period_start = forms.DateField(label="Planen gælder fra", required=False, widget=_date_widget())
    period_end = forms.DateField(label="Samlet opfølgning senest", required=False, widget=_date_widget())
    goals_community = _text("Mål for læringsfællesskabet", "Ét mål pr. linje.")
    goals_child = _text("Mål for barnet", "Ét mål pr. linje.")
    signs = _text("Tegn på, at målene nås", "Hvad ser og hører vi, når det lykkes?", rows=4)
    parents = _text("Forældrenes perspektiv", rows=4)

    def __init__(self, *args, conflicts: list[str] | None = None, other: str = "den anden", **kwargs):
        super().__init__(*args, **kwargs)
        voice_fields = []
        for key, label in VOICE_STATEMENTS:
            name = f"voice_{key}"
            self.fields[name] = _text(label, rows=2)
            voice_fields.append(name)
        if conflicts is None and self.is_bound:
            conflicts = (self.data.get("conflicts") or "").split(",")
        self.conflict_fields = [name for name in (conflicts or []) if name in self.fields and name in PLAN_TEXT_FIELDS]
        self.initial["conflicts"] = ",".join(self.conflict_fields)
        for name in self.conflict_fields:
            self.fields[f"choice_{name}"] = forms.ChoiceField(
                label=f"{self.fields[name].label}: hvilken tekst skal gælde?", widget=forms.RadioSelect,
                choices=[("mine", "Min tekst – som den står i feltet herunder"), ("theirs", f"Teksten gemt af {other}")],
                error_messages={"required": "Vælg, hvilken tekst der skal gælde."})

        def with_choice(*names):
            return [part for name in names for part in
                    ((f"choice_{name}", name) if name in self.conflict_fields else (name,))]

        self.helper = FormHelper()
        self.helper.layout = Layout(
            "version", "conflicts",
            Row(Column(*with_choice("period_start")), Column(*with_choice("period_end"))),
            # The ids are the anchors a refusal links to ("tegn på, at målene nås" → #tegn).
            Fieldset("Mål", *with_choice("goals_community", "goals_child"), css_id="maal"),
            Fieldset("Tegn", *with_choice("signs"), css_id="tegn"),
            Fieldset("Barnets stemme", HTML('<p class="small text-body-secondary">Barnets stemme rammes ind af de '
                                             'fire udsagn fra Børne- og Ungepolitikken.</p>'), *with_choice(*voice_fields),
                     css_id="stemme"),
            Fieldset("Forældrenes perspektiv", *with_choice("parents"), css_id="foraeldre"),
            Submit("save", "Gem handleplanen"),
        )

    def keep_theirs(self) -> list[str]:
        """The conflicting fields where the person chose the other person's text."""
        return [name for name in self.conflict_fields if self.cleaned_data.get(f"choice_{name}") == "theirs"]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "Slutdatoen skal ligge efter startdatoen.")
        community, child = data.get("goals_community"), data.get("goals_child")
        if "goals_community" in data and "goals_child" in data and not (community or child):
            self.add_error("goals_community", "Skriv mindst ét mål – for læringsfællesskabet eller for barnet.")
        return data


def _staff(child):
    return roles.plan_staff_of(child.institution_id).order_by("first_name", "last_name")


class EffortForm(forms.Form):
    """Add an effort: chosen from the municipality's catalogue for the case's level, or free text."""

    catalogue = forms.ModelChoiceField(label="Indsats fra kataloget", required=False, queryset=None,
                                       empty_label="– vælg –")
    other_name = forms.CharField(label="… eller en anden indsats", required=False, max_length=120)
    description = _text("Beskrivelse – hvad gør vi konkret?", rows=4)
    carried_out_by = forms.CharField(label="Udføres af", required=False, max_length=255,
                                     help_text="Fx «Pædagogerne på Bjørnestuen».")
    responsible = forms.ModelChoiceField(label="Ansvarlig medarbejder", required=False, queryset=None,
                                         empty_label="– institutionens leder –",
                                         help_text="Får påmindelse om evalueringen. Ellers får lederen den.")
    started_on = forms.DateField(label="Start", widget=_date_widget(), initial=timezone.localdate)
    evaluation_date = forms.DateField(label="Evalueres senest", widget=_date_widget())

    def __init__(self, *args, child, catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalogue"].queryset = catalogue
        self.fields["responsible"].queryset = _staff(child)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("catalogue"), Column("other_name")),
            "description",
            Row(Column("carried_out_by"), Column("responsible")),
            Row(Column("started_on"), Column("evaluation_date")),
            Submit("save", "Tilføj indsatsen"),
        )

    def clean(self):
        data = super().clean()
        entry, other = data.get("catalogue"), (data.get("other_name") or "").strip()
        if entry and other:
            self.add_error("other_name", "Vælg enten en indsats fra kataloget eller skriv en anden – ikke begge.")
        elif not entry and not other and "other_name" in data:
            self.add_error("catalogue", "Vælg en indsats fra kataloget, eller skriv en anden indsats.")
        data["name"] = entry.name if entry else other
        start, evaluation = data.get("started_on"), data.get("evaluation_date")
        if start and evaluation and evaluation < start:
            self.add_error("evaluation_date", "Evalueringsdatoen skal ligge efter startdatoen.")
        return data


class EffortUpdateForm(forms.Form):
    """Change an effort already in the plan (its name and level stay as they were chosen)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    description = _text("Beskrivelse – hvad gør vi konkret?", rows=4)
    carried_out_by = forms.CharField(label="Udføres af", required=False, max_length=255)
    responsible = forms.ModelChoiceField(label="Ansvarlig medarbejder", required=False, queryset=None,
                                         empty_label="– institutionens leder –")
    started_on = forms.DateField(label="Start", widget=_date_widget())
    evaluation_date = forms.DateField(label="Næste evaluering", required=False, widget=_date_widget())
    ended_on = forms.DateField(label="Indsatsen afsluttet", required=False, widget=_date_widget(),
                               help_text="Udfyld, når indsatsen er stoppet.")

    def __init__(self, *args, effort, **kwargs):
        kwargs.setdefault("initial", {
            "version": effort.version, "description": effort.description, "carried_out_by": effort.carried_out_by,
            "responsible": effort.responsible_id, "started_on": effort.started_on,
            "evaluation_date": effort.evaluation_date, "ended_on": effort.ended_on,
        })
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = _staff(effort.plan.case.child)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "version", "description",
            Row(Column("carried_out_by"), Column("responsible")),
            Row(Column("started_on"), Column("evaluation_date"), Column("ended_on")),
            Submit("save", "Gem indsatsen"),
        )

    def clean(self):
        data = super().clean()
        start = data.get("started_on")
        if start and data.get("evaluation_date") and data["evaluation_date"] < start:
            self.add_error("evaluation_date", "Evalueringsdatoen skal ligge efter startdatoen.")
        if start and data.get("ended_on") and data["ended_on"] < start:
            self.add_error("ended_on", "Slutdatoen skal ligge efter startdatoen.")
        return data


class EvaluationForm(forms.Form):
    evaluated_on = forms.DateField(label="Evalueret den", widget=_date_widget(), initial=timezone.localdate)
    result = forms.ChoiceField(label="Resultat", choices=Evaluation.Result.choices, widget=forms.RadioSelect)
    seen = _text("Hvad så vi?", "Tegn, iagttagelser og barnets egne udsagn.", rows=5, required=True)
    next_step = _text("Næste skridt", rows=3)
    next_evaluation_date = forms.DateField(label="Næste evaluering", required=False, widget=_date_widget(),
                                           help_text="Skal udfyldes, når indsatsen fortsætter.")
    end_effort = forms.BooleanField(label="Indsatsen afsluttes med denne evaluering", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen"].error_messages["required"] = "Beskriv, hvad I så."
        self.fields["result"].error_messages["required"] = "Vælg, om målet er nået, delvist nået eller ikke nået."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("evaluated_on"), Column("result")),
            "seen", "next_step",
            Row(Column("next_evaluation_date"), Column("end_effort")),
            Submit("save", "Gem evalueringen"),
        )

    def clean(self):
        data = super().clean()
        evaluated, following = data.get("evaluated_on"), data.get("next_evaluation_date")
        if evaluated and evaluated > timezone.localdate():
            self.add_error("evaluated_on", "En evaluering kan ikke ligge i fremtiden.")
        if evaluated and following and following <= evaluated:
            self.add_error("next_evaluation_date", "Næste evaluering skal ligge efter denne.")
        if data.get("end_effort") and following:
            self.add_error("next_evaluation_date", "En afsluttet indsats skal ikke evalueres igen.")
        return data
