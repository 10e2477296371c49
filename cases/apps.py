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

        # The meeting types are read on every child page: kept between requests until one is edited.
        from cases.models import MeetingType
        from haandguide.lib.kept import forget_on_change

        forget_on_change(MeetingType, "meeting_types")

        # The external counsellors a leader may attach, likewise (a sign-in changes nothing kept).
        from haandguide.models import User

        forget_on_change(User, "external_counsellors", unless_only=frozenset({"last_login"}))
