from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Log ind via kommunens identitetsudbyder"

    def ready(self):
        from sso import handlers, staff

        handlers.register(handlers.Audience.STAFF, staff.sign_in_staff)
