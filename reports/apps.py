from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Statistik og rapporter"

    def ready(self):
        # Any change to a row the statistics read makes the municipality's cached figures stale.
        from reports import aggregates
        from reports.cache import connect_signals

        connect_signals()
        # The running figures (per institution and month, stays, yellow runs) follow every change.
        aggregates.connect_signals()
        # Retention deletes a batch's observations in one statement: their yellow runs go with them.
        from haandguide import retention
        from reports.retention import anonymise_children

        retention.register(anonymise_children)
