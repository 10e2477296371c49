from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row, Submit
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from haandguide.access import Denial, note_denial
from haandguide.lib import cpr as cprlib
from haandguide.models import AccessLog


class AccessLogSearchForm(forms.Form):
    """Search the access log. Sent by POST so that a CPR number never ends up in a URL."""

    child = forms.CharField(
        label="Barn (navn eller CPR-nummer)", required=False, max_length=100,
        help_text="Hvem har set dette barns oplysninger?",
    )
    username = forms.CharField(label="Bruger", required=False, max_length=150)
    action = forms.ChoiceField(
        label="Handling", required=False, choices=[("", "Alle")] + list(AccessLog.Action.choices)
    )
    date_from = forms.DateField(label="Fra dato", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Til dato", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Row(Column("child", css_class="col-md-4"), Column("username", css_class="col-md-3"),
                Column("action", css_class="col-md-2")),
            Row(Column("date_from", css_class="col-md-3"), Column("date_to", css_class="col-md-3")),
            Submit("search", "Søg"),
            HTML('<button class="btn btn-outline-secondary ms-2" type="submit" name="export" value="1">'
                 "Indsigtsudskrift (CSV)</button>"),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Til-datoen ligger før fra-datoen.")
        return data

    def child_query(self) -> tuple[str, str]:
        """('cpr', digits) when the text is a CPR number, otherwise ('name', text)."""
        text = (self.cleaned_data.get("child") or "").strip()
        if text and cprlib.is_valid(text):
            return "cpr", cprlib.normalise(text)
        return "name", text


class LoginForm(AuthenticationForm):
    """Django's login form with the labels our users know."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Brugernavn"
        self.fields["password"].label = "Adgangskode"


class AdminLoginForm(AdminAuthenticationForm):
    """Django's admin login; a correct password of someone who is not an administrator is a
    refusal, and it lands in the access log like every other."""

    def confirm_login_allowed(self, user):
        try:
            super().confirm_login_allowed(user)
        except forms.ValidationError:
            note_denial(self.request, Denial("admin", detail="Login i administrationen afvist: ikke administrator",
                                             user=user))
            raise
