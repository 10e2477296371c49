from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Læringsfællesskabet"

    def ready(self):
        # The child page shows the counsellors' proposals; cases asks through its interface.
        from cases.interfaces import register_child_section
        from community.child_page import proposals_section

        register_child_section(proposals_section)

        from haandguide import retention
        from community.retention import anonymise_children

        retention.register(anonymise_children)
