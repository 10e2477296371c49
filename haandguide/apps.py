from django.apps import AppConfig


class HaandguideConfig(AppConfig):
    name = "haandguide"
    verbose_name = "Organisation og adgang"

    def ready(self):
        from haandguide import access

        access.watch_model_choices()
