"""Service refusals as OpenAI-shaped API errors, and their documentation in the schema."""

import contextlib

from rest_framework.exceptions import NotFound, PermissionDenied

from accessprogram.access.api.errors import Conflict, InvalidParameter, RateLimited, error_response

from .. import derivatives, services
from ..references import ReferenceRejected

DESCRIPTIONS = {
    400: "Invalid parameters (the message names the allowed values; `param` the field).",
    401: "No API key, or an unknown, expired or revoked one.",
    403: "Access withdrawn, the token lacks the scope, or the program is not open.",
    404: "No video (or character) of yours with that id; other testers' ids answer the same.",
    409: "The video is not completed yet.",
    429: "Daily quota, the token's daily limit or the unfinished-jobs limit reached.",
}


def documented_errors(*statuses: int) -> dict:
    """`responses` entries for the error answers of an operation, in OpenAI's error shape."""
    return {code: error_response(DESCRIPTIONS[code]) for code in statuses}


@contextlib.contextmanager
def as_api_errors():
    """Turn the refusals of generation requests (create, remix, edit, extend) into answers."""
    try:
        yield
    except (services.GenerationRejected, ReferenceRejected) as rejected:
        raise InvalidParameter(str(rejected), param=rejected.param) from rejected
    except services.AccessWithdrawn as withdrawn:
        raise PermissionDenied(str(withdrawn)) from withdrawn
    except services.GenerationLimitReached as limited:
        raise RateLimited(str(limited), code=limited.code) from limited
    except derivatives.SourceNotFound as missing:
        raise NotFound(str(missing)) from missing
    except derivatives.SourceNotReady as not_ready:
        raise Conflict(str(not_ready), code="video_not_ready") from not_ready
