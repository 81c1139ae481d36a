"""Serving a bug attachment to someone already authorised by the calling view."""

from django.core.files.storage import default_storage
from django.http import FileResponse

from .attachments import INLINE_TYPES
from .models import BugAttachment


def attachment_response(attachment: BugAttachment) -> FileResponse:
    response = FileResponse(
        default_storage.open(attachment.storage_key, "rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.content_type not in INLINE_TYPES,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered the file as a page, it could run nothing.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
