"""The app's URLs plus one view that fails, to see the 500 page (tests/test_error_pages.py)."""

from django.urls import path

from haandguide.urls import *  # noqa: F401,F403 - the handlers too
from haandguide.urls import urlpatterns as app_urlpatterns


def boom(request):
    raise RuntimeError("Traceback-detaljer må aldrig nå brugeren")


urlpatterns = [*app_urlpatterns, path("boom/", boom)]
