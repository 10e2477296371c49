from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrationer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integrations import outbox

        outbox.connect()
