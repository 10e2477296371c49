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
