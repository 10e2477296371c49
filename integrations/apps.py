from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrationer"

    def ready(self):
        from cases.interfaces import register_child_section
        from integrations import outbox
        from integrations.child_page import record_section

        outbox.connect()
        register_child_section(record_section)
