from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Børn og sager"

    def ready(self):
        from cases.retention import anonymise_children
        from haandguide import retention

        retention.register(anonymise_children)

        from cases.dashboard import levels_panel
        from haandguide import dashboard

        dashboard.register(levels_panel)
