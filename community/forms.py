from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from cases.models import CounsellingProfessional, TopiPosition
from community.models import CounsellorProposal, ReflectiveEvaluation, SparringSession

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GroupPlanForm(forms.Form):
    goals_community = forms.CharField(label="Mål for læringsfællesskabet", widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text="Ét mål pr. linje.", max_length=4000)
    signs = forms.CharField(label="Tegn på at målene nås", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            max_length=4000)
    efforts = forms.CharField(label="Indsatser i læringsmiljøet", widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Én indsats pr. linje, fx små legegrupper, billedstøtte.", max_length=4000)
    carried_out_by = forms.CharField(label="Udføres af", max_length=255, required=False)
    evaluation_date = forms.DateField(label="Evalueres senest", required=False, widget=DATE)
    evaluation_tool = forms.CharField(label="Evalueringsredskab", max_length=255, required=False,
                                      help_text="Fx praksisfortællinger, TOPI, Sprogtrappen.")
    staff_meeting_on = forms.DateField(label="Personalemøde, der valgte indsatserne", required=False, widget=DATE)
    staff_meeting_participants = forms.CharField(label="Deltagere i personalemødet", max_length=255, required=False)
    evaluation = forms.CharField(label="Evaluering", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                 max_length=4000, help_text="Hvad viste evalueringen? Fortsæt, justér – eller søg råd.")
    children = forms.ModelMultipleChoiceField(label="Børn, planen særligt omfatter", queryset=None, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = children
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "goals_community", "signs", "efforts", Row(Column("carried_out_by"), Column("evaluation_date")),
            Row(Column("staff_meeting_on"), Column("staff_meeting_participants")), "evaluation_tool", "evaluation",
            "children", "version", Submit("save", "Gem planen"))


class RoundForm(forms.Form):
    name = forms.CharField(label="Rundens navn", max_length=60, initial="TOPI-runde")
    held_on = forms.DateField(label="Dato", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("name"), Column("held_on")), Submit("open", "Start TOPI-runden"))


class RatingForm(forms.Form):
    child = forms.IntegerField(widget=forms.HiddenInput)
    position = forms.ChoiceField(label="Position", choices=TopiPosition.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Begrundelse", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    joint = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReflectiveEvaluationForm(forms.ModelForm):
    class Meta:
        model = ReflectiveEvaluation
        fields = ["institution", "group", "held_on", "theme", "participants", "findings", "next_steps"]
        widgets = {"held_on": DATE, "findings": forms.Textarea(attrs={"rows": 4}), "next_steps": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, institutions=None, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["group"].queryset = groups
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("institution"), Column("group"), Column("held_on")), "theme",
                                    "participants", "findings", "next_steps", Submit("save", "Gem evalueringen"))


class SparringForm(forms.ModelForm):
    class Meta:
        model = SparringSession
        fields = ["institution", "counsellor", "held_on", "topic", "advice"]
        widgets = {"held_on": DATE, "topic": forms.Textarea(attrs={"rows": 3}), "advice": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"topic": "Uden barnets navn: sparringen er anonym."}

    def __init__(self, *args, institutions=None, counsellors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["counsellor"].queryset = counsellors
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("institution"), Column("counsellor"), Column("held_on")), "topic",
                                    "advice", Submit("save", "Gem sparringen"))


class ProposalForm(forms.ModelForm):
    class Meta:
        model = CounsellorProposal
        fields = ["field", "text", "reason"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = "Hele afsnittets nye tekst; mål ét pr. linje."
        self.helper = FormHelper()
        self.helper.layout = Layout("field", "text", "reason", Submit("propose", "Send forslaget til personalet"))


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Hvorfor tages forslaget ikke ind?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class BookingForm(forms.Form):
    kode = forms.CharField(widget=forms.HiddenInput, max_length=64)
    slot = forms.TypedChoiceField(label="Tid", coerce=int, choices=())
    professional = forms.ChoiceField(label="Jeg vil tale med", choices=CounsellingProfessional.choices)
    topic = forms.CharField(label="Hvad vil I tale om?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots
        self.helper = FormHelper()
        self.helper.layout = Layout("kode", "slot", "professional", "topic", Submit("book", "Book tiden"))
