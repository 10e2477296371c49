from haandguide.access import OutOfScope, log_access
from haandguide.models import AccessLog


class AccessDeniedLogMiddleware:
    """Logs every attempt to reach an object outside the user's scope.

    It runs after ATOMIC_REQUESTS has rolled the view's transaction back, so the denial row is
    written on its own and is not lost with the rest of the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfScope):
            log_access(
                request,
                AccessLog.Action.DENIED,
                object_type=exception.object_type,
                object_id=exception.object_id,
                child_id=exception.child_id,
                detail="Uden for brugerens adgang",
            )
        return None
