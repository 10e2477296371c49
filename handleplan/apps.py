from django.apps import AppConfig


class HandleplanConfig(AppConfig):
    name = "handleplan"
    verbose_name = "Handleplaner"
