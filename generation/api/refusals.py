"""Service refusals as OpenAI-shaped API errors and their documentation in the schema; the
request fields of the generation requests, rebuilt from the SDK's multipart forms."""

import contextlib
import json
import re

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


FORM_OBJECT_KEY = re.compile(r"([A-Za-z_]\w*)\[([A-Za-z_]\w*)\]")


def request_fields(data, *, objects: tuple[str, ...] = ()) -> dict:
    """The request's fields with objects rebuilt: the SDK sends create, edit and extend as
    multipart forms, an object such as `video={"id": ...}` as the field `video[id]`; OpenAPI's
    multipart encoding sends it as one JSON part instead (`objects` names the fields where
    that is read). JSON bodies pass through as they are; a body that is not an object is a 400."""
    if not hasattr(data, "getlist"):
        if not isinstance(data, dict):
            raise InvalidParameter("The request body must be a JSON object.")
        return dict(data)
    fields: dict = {}
    for key in data:
        match = FORM_OBJECT_KEY.fullmatch(key)
        if match:
            parent = fields.setdefault(match[1], {})
            if isinstance(parent, dict):
                parent[match[2]] = data.get(key)
        elif key in objects and isinstance(data.get(key), str):
            fields[key] = _json_object(data.get(key))
        else:
            fields[key] = data.get(key)
    return fields


def _json_object(text: str):
    """A JSON object part as a dict; anything else as given (the serializer refuses it)."""
    with contextlib.suppress(ValueError):
        value = json.loads(text)
        if isinstance(value, dict):
            return value
    return text
