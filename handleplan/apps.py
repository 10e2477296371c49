from django.apps import AppConfig


class HandleplanConfig(AppConfig):
    name = "handleplan"
    verbose_name = "Handleplaner"

    def ready(self):
        # cases asks its questions about the plan through cases.interfaces (it never imports us).
        from cases.interfaces import register_handleplan
        from handleplan.readiness import HandleplanPort

        register_handleplan(HandleplanPort())

        from haandguide import retention
        from handleplan.retention import anonymise_children

        retention.register(anonymise_children)

        from handleplan.dashboard import evaluations_panel
        from haandguide import dashboard

        dashboard.register(evaluations_panel)

        # The readiness rules are read on every child page: kept between requests until one is edited.
        from handleplan.models import ReadinessRule
        from haandguide.lib.kept import forget_on_change

        forget_on_change(ReadinessRule, "readiness_rules")
