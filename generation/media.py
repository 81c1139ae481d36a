"""Serving stored videos with HTTP Range support (browsers seek, and Safari insists on it).

With object storage (S3) the authorising view does not stream: it redirects to a presigned URL
that works for a minute (MEDIA_URL_SECONDS), so bytes never pass through the web process.
"""

import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")  # bounded: int() of huge digit runs fails
CHUNK = 64 * 1024


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) for a single satisfiable range, else None. Multiple ranges: None."""
    match = RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "":  # suffix: the last N bytes
        if last == "" or int(last) == 0:
            return None
        return max(size - int(last), 0), size - 1
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first > last:
        return None
    return first, last


def _read(stream, start: int, length: int):
    try:
        stream.seek(start)
        while length > 0:
            chunk = stream.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        stream.close()


def stored_video_response(request, *, storage_key: str, filename: str | None = None):
    """The whole file (200) or the requested byte range (206); 416 for an impossible range."""
    size = default_storage.size(storage_key)
    header = request.headers.get("Range")
    if not header:
        response = FileResponse(
            default_storage.open(storage_key, "rb"),
            content_type="video/mp4",
            as_attachment=filename is not None,
            filename=filename,
        )
    else:
        byte_range = _byte_range(header, size)
        if byte_range is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        first, last = byte_range
        length = last - first + 1
        response = StreamingHttpResponse(
            _read(default_storage.open(storage_key, "rb"), first, length),
            status=206,
            content_type="video/mp4",
        )
        response["Content-Length"] = str(length)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def uses_object_storage(storage=None) -> bool:
    """True for django-storages' S3 backend (it knows a bucket), False for local files."""
    return bool(getattr(storage or default_storage, "bucket_name", None))


def presigned_video_url(
    *, storage, storage_key: str, seconds: int, filename: str | None = None
) -> str:
    """A short-lived GET URL for one object, telling the store to answer privately."""
    parameters = {"ResponseCacheControl": "private, no-store", "ResponseContentType": "video/mp4"}
    if filename:
        parameters["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return storage.url(storage_key, parameters=parameters, expire=seconds)


def private_video_response(request, *, storage_key: str, filename: str | None = None):
    """A stored video for a caller already authorised: streamed with ranges from local storage,
    or a redirect to a presigned URL on object storage. Never cached by anyone but the caller."""
    if uses_object_storage():
        url = presigned_video_url(
            storage=default_storage,
            storage_key=storage_key,
            seconds=settings.MEDIA_URL_SECONDS,
            filename=filename,
        )
        response = HttpResponseRedirect(url)
    else:
        response = stored_video_response(request, storage_key=storage_key, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def poster_response(preview, *, variant: str) -> HttpResponse:
    """A preview's thumbnail or spritesheet (small JPEGs: read whole, whatever the storage),
    the spritesheet with its layout in X-Spritesheet-* headers (provenance/posters.py)."""
    key = preview.thumbnail_key if variant == "thumbnail" else preview.spritesheet_key
    if not key:
        raise Http404(f"This video has no {variant}: its preview was made before they existed.")
    with default_storage.open(key, "rb") as stored:
        response = HttpResponse(stored.read(), content_type="image/jpeg")
    if variant == "spritesheet":
        for name, value in preview.spritesheet_layout.items():
            response[f"X-Spritesheet-{name.replace('_', '-').title()}"] = str(value)
    response["Cache-Control"] = "private, no-store"
    return response
