from django.apps import AppConfig


class DistrictcouncilConfig(AppConfig):
    name = "districtcouncil"
    verbose_name = "Distriktsråd"
