"""What anyone may ask for, logged in or not: the favicon, the accessibility statement, and the error pages (`handler400` … in urls.py).

The error pages are Danish and say nothing technical. 400 and 500 are plain, standalone HTML rendered
without the request's context processors: a request that failed that way may not be able to reach the
database the navigation needs. 403 and 404 keep the site's frame and navigation. Under the
integration API (`/api/`) every error is JSON in the API's published problem shape (`{"detail": …}`),
whatever raised it: a system reading the API never gets an HTML page.
"""

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


# Outside the request's transaction: a file needs no database, and on SQLite (IMMEDIATE) the
# transaction took the write lock beside every page view.
@transaction.non_atomic_requests
@login_not_required
@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on every site whatever the page links to; answer it, not 404."""
    path = finders.find("favicon.ico")
    if path is None:  # pragma: no cover - static/favicon.ico is part of the checkout
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


@login_not_required
@require_safe
def accessibility(request):
    """The accessibility statement (tilgængelighedserklæring) public bodies must publish (WCAG 2.1
    AA, webtilgængelighedsloven), linked from the footer of the staff app and the parents' portal."""
    return render(request, "accessibility.html")


API_PREFIX = "/api/"
API_PROBLEMS = {400: "Ugyldig forespørgsel.", 403: "Adgang nægtet.", 404: "Findes ikke.",
                500: "Der opstod en fejl på serveren. Prøv igen senere."}


def _api_problem(request, status: int) -> JsonResponse | None:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": API_PROBLEMS[status]}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    return None


def _plain(template_name: str, status: int) -> HttpResponse:
    return HttpResponse(loader.get_template(template_name).render(), status=status)


def bad_request(request, exception=None):
    return _api_problem(request, 400) or _plain("400.html", 400)


def permission_denied(request, exception=None):
    return _api_problem(request, 403) or render(request, "403.html", {"exception": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    # The exception is not shown: "No Child matches the given query" is English and says what exists.
    return _api_problem(request, 404) or render(request, "404.html", status=404)


def server_error(request):
    return _api_problem(request, 500) or _plain("500.html", 500)
