from django.apps import AppConfig


class DistrictcouncilConfig(AppConfig):
    name = "districtcouncil"
    verbose_name = "Distriktsråd"

    def ready(self):
        from districtcouncil.retention import anonymise_children
        from haandguide import retention

        retention.register(anonymise_children)

        from districtcouncil.dashboard import council_panel
        from haandguide import dashboard

        dashboard.register(council_panel)

        from cases import interfaces
        from districtcouncil.services import CouncilPort

        interfaces.register_council(CouncilPort())

        from cases.interfaces import register_child_section
        from districtcouncil.child_page import council_section

        register_child_section(council_section)
