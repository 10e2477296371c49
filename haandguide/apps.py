from django.apps import AppConfig


class HaandguideConfig(AppConfig):
    name = "haandguide"
    verbose_name = "Organisation og adgang"
