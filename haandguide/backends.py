"""Django's ModelBackend, reading the signed-in user and their municipality from the cache.

Every request asks who is signed in, and every page asks the municipality (the navigation shows
Aabenraa's activities where its profile flags are set; scope and the access log file rows under
it). Both rows are kept between requests (`haandguide.lib.kept`) and dropped the moment either is
saved or deleted (a new password, a deactivation, a new role, a changed profile flag), so the next
request reads the change; a change that bypasses signals is read within USER_SECONDS. The
session's auth hash is still checked against the kept password hash on every request."""

from django.contrib.auth.backends import ModelBackend

from haandguide.lib.kept import kept

USER_SECONDS = 60


def signed_in_user(user_id):
    """The user row (without its relations), kept between requests."""
    from django.contrib.auth import get_user_model

    return kept("user", user_id, lambda: get_user_model()._default_manager.filter(pk=user_id).first(), USER_SECONDS)


def municipality_of(municipality_id):
    from haandguide.models import Municipality

    return kept("municipality", municipality_id, lambda: Municipality.objects.filter(pk=municipality_id).first())


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        user = signed_in_user(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        if user.municipality_id is not None:
            user._meta.get_field("municipality").set_cached_value(user, municipality_of(user.municipality_id))
        return user
