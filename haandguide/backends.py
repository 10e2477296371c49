"""Django's ModelBackend, reading the signed-in user together with their municipality.

Every page asks the municipality (the navigation shows Aabenraa's activities where its profile
flags are set; scope and the access log file rows under it): one join instead of a second query
on every request."""

from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        user = self._user_queryset().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _user_queryset():
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.select_related("municipality")
