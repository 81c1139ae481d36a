"""Errors in OpenAI's JSON shape, so the official SDK raises its usual exception classes.

The helpers live in `accessprogram.access.api_errors`, shared with the access app's /v1/
endpoints; this module keeps the names the generation API has always imported from here.
"""

from accessprogram.access.api_errors import (
    ERROR_CODES,
    ERROR_TYPES,
    NO_KEY_MESSAGE,
    Conflict,
    ExposesCode,
    InvalidParameter,
    RateLimited,
    error_body,
    openai_exception_handler,
)

__all__ = [
    "ERROR_CODES",
    "ERROR_TYPES",
    "NO_KEY_MESSAGE",
    "Conflict",
    "ExposesCode",
    "InvalidParameter",
    "RateLimited",
    "error_body",
    "openai_exception_handler",
]
