from django import forms


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Din e-mailadresse", max_length=254,
        help_text="Den adresse, dit barns institution har registreret på dig.",
        error_messages={"required": "Skriv din e-mailadresse.", "invalid": "Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "form-input"}))


class PerspectiveForm(forms.Form):
    text = forms.CharField(
        label="Forældrenes perspektiv", max_length=5000,
        help_text="Hvad ser I hjemme? Hvad er vigtigt for jer og jeres barn? Højst 5.000 tegn.",
        error_messages={"required": "Skriv jeres perspektiv, før I gemmer.",
                        "max_length": "Perspektivet må højst være 5.000 tegn."},
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-input"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
