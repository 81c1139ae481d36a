"""Refuse oversized request bodies before anything reads them (CSRF reads multipart bodies).

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a form could
make the server spool any amount to temporary disk before a view's own size check runs. Paths
that take large files on purpose (the console's leak trace) are listed with their own limit and
keep checking sizes themselves.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def _limit_for(path: str) -> int:
    for prefix, limit in settings.LARGE_REQUEST_PATHS.items():
        if path.startswith(prefix):
            return limit
    return settings.MAX_REQUEST_BYTES


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = _limit_for(request.path)
        if length > limit:
            message = (
                f"The request is larger than {limit // (1024 * 1024)} MB, the most accepted here."
            )
            if request.path.startswith("/v1/"):
                error = {"message": message, "type": "invalid_request_error", "code": "too_large"}
                return JsonResponse({"error": {**error, "param": None}}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
