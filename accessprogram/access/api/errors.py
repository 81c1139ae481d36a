"""Errors in OpenAI's JSON shape, so the official SDK raises its usual exception classes.

Shared by every /v1/ endpoint: videos (generation), ratings (feedback) and the leaked-token
report (access). It lives here, in the lowest layer with an API, so that all of them can use it.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
ERROR_CODES = {401: "invalid_api_key", 404: "not_found"}
NO_KEY_MESSAGE = (
    "No API key was provided. Send your tester token in an Authorization header: "
    "'Authorization: Bearer eap_...'."
)


class ExposesCode:
    """Mixin for API exceptions whose own code the client sees as OpenAI's `error.code`."""


class RateLimited(ExposesCode, exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limit_exceeded"


class Conflict(ExposesCode, exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class InvalidParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_value"

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param


def error_body(*, status_code: int, message: str, param=None, code=None) -> dict:
    return {
        "error": {
            "message": message,
            "type": ERROR_TYPES.get(status_code, "api_error"),
            "param": param,
            "code": code or ERROR_CODES.get(status_code),
        }
    }


class OpenAIError(serializers.Serializer):
    """What `error_body` builds, for the schema: OpenAI's error shape."""

    class Detail(serializers.Serializer):
        message = serializers.CharField()
        type = serializers.CharField()
        param = serializers.CharField(allow_null=True)
        code = serializers.CharField(allow_null=True)

    error = Detail()


def error_response(description: str) -> OpenApiResponse:
    """A documented error answer of an operation (`responses={404: error_response("...")}`)."""
    return OpenApiResponse(response=OpenAIError, description=description)


def _first_message(detail) -> tuple[str, str | None]:
    """The first message in a DRF error detail, and the field it belongs to."""
    if isinstance(detail, dict):
        field, inner = next(iter(detail.items()))
        message, _ = _first_message(inner)
        return message, None if field == "non_field_errors" else field
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ("Invalid request.", None)
    return str(detail), None


def openai_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected errors are 500s and get logged
    if isinstance(exc, exceptions.NotAuthenticated):
        message, param = NO_KEY_MESSAGE, None
    else:
        message, param = _first_message(exc.detail)
    param = getattr(exc, "param", None) or param
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    code = codes if isinstance(exc, ExposesCode) and isinstance(codes, str) else None
    response.data = error_body(
        status_code=response.status_code, message=message, param=param, code=code
    )
    return response
