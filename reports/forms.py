import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.utils import timezone

from reports.scope import Period

DATE = {"type": "date"}
MAX_MONTHS = 60


def default_period(today: datetime.date | None = None) -> Period:
    """The last 12 months: from the first of the month eleven months ago up to today."""
    today = today or timezone.localdate()
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return Period(datetime.date(year, (month - 1) % 12 + 1, 1), today)


class PeriodForm(forms.Form):
    fra = forms.DateField(label="Fra", required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    til = forms.DateField(label="Til", required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = True
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Row(Column("fra", css_class="col-auto"), Column("til", css_class="col-auto"),
                                        Column(HTML('<button class="btn btn-outline-primary mt-4" type="submit">Vis</button>'),
                                               css_class="col-auto")))

    def clean(self):
        data = super().clean()
        default = default_period()
        start, end = data.get("fra") or default.start, data.get("til") or default.end
        if end < start:
            self.add_error("til", "Til-datoen ligger før fra-datoen.")
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            self.add_error("til", f"Vælg en periode på højst {MAX_MONTHS // 12} år.")
        data["period"] = Period(start, end)
        return data

    @property
    def period(self) -> Period:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return default_period()
