from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Forældreportalen"

    def ready(self):
        # The citizen login (sso, issue 17) hands a verified sign-in of the citizens' audience here.
        from portal.views import sign_in_citizen
        from sso.handlers import register
        from sso.models import Audience

        register(Audience.CITIZEN, sign_in_citizen)
