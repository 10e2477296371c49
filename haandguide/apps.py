from django.apps import AppConfig


class HaandguideConfig(AppConfig):
    name = "haandguide"
    verbose_name = "Organisation og adgang"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from haandguide import access, roles
        from haandguide.middleware import IdleTimeoutMiddleware

        access.watch_model_choices()
        roles.watch_memberships()
        user_logged_in.connect(IdleTimeoutMiddleware.signed_in, dispatch_uid="idle-timeout-signed-in")

        # The signed-in user's row and municipality are kept between requests (haandguide/backends.py):
        # dropped when either is saved or deleted.
        from haandguide.lib.kept import forget_on_change
        from haandguide.models import Municipality, User

        forget_on_change(User, "user", key="pk")
        forget_on_change(Municipality, "municipality", key="pk")
