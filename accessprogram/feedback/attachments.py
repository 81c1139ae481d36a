"""Bug report attachments: allowed types checked by extension and by content, stored under
unguessable keys in the default storage (local files or S3), never at a public URL."""

import codecs
import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.storage import default_storage

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024

# extension -> content type served back
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "txt": "text/plain",
    "log": "text/plain",
    "json": "application/json",
}
ALLOWED = ", ".join(sorted({ext for ext in CONTENT_TYPES if ext != "jpeg"}))
# Shown in the browser (images, video); text is downloaded, so nothing uploaded runs as a page.
INLINE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4", "video/webm"}


class AttachmentRejected(Exception):
    pass


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    extension: str
    content_type: str
    size: int


def _head(upload, size: int = 64) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _is_text(upload) -> bool:
    """UTF-8 without NUL bytes, all the way through."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in iter(lambda: upload.read(CHUNK), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _is_json(upload) -> bool:
    if not _is_text(upload):
        return False
    upload.seek(0)
    try:
        json.loads(upload.read().decode("utf-8-sig"))
    except ValueError:
        return False
    finally:
        upload.seek(0)
    return True


def _content_matches(extension: str, upload) -> bool:
    head = _head(upload)
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension == "mp4":
        return head[4:8] == b"ftyp"
    if extension == "webm":
        return head.startswith(b"\x1a\x45\xdf\xa3")
    if extension in ("txt", "log"):
        return _is_text(upload)
    if extension == "json":
        return _is_json(upload)
    return False


def check_upload(upload) -> CheckedFile:
    """Raise AttachmentRejected unless the file is small enough and is what its name says."""
    name = PurePath(upload.name or "").name[:255] or "attachment"
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in CONTENT_TYPES:
        raise AttachmentRejected(f"{name}: this type of file is not accepted (only {ALLOWED}).")
    if upload.size > MAX_BYTES:
        raise AttachmentRejected(f"{name}: the file is larger than 10 MB.")
    if upload.size == 0:
        raise AttachmentRejected(f"{name}: the file is empty.")
    if not _content_matches(extension, upload):
        raise AttachmentRejected(
            f"{name}: the content is not a {extension.upper()} file, whatever its name says."
        )
    return CheckedFile(
        upload=upload,
        name=name,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=upload.size,
    )


def check_uploads(uploads) -> list[CheckedFile]:
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        raise AttachmentRejected(f"Attach at most {MAX_FILES} files.")
    return [check_upload(upload) for upload in uploads]


def store(checked: CheckedFile, *, program_id: int) -> tuple[str, str]:
    """Save the file under a fresh unguessable key; returns (key, sha256)."""
    digest = hashlib.sha256()
    checked.upload.seek(0)
    for chunk in iter(lambda: checked.upload.read(CHUNK), b""):
        digest.update(chunk)
    checked.upload.seek(0)
    key = f"feedback/{program_id}/{secrets.token_urlsafe(32)}.{checked.extension}"
    saved = default_storage.save(key, checked.upload)
    return saved, digest.hexdigest()


def delete_stored(keys) -> None:
    for key in keys:
        # Best effort: an orphan file is harmless, a 500 on top of the first error is not.
        with contextlib.suppress(Exception):
            default_storage.delete(key)
