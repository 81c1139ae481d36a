"""Trace a leaked video: upload a file found in the wild, learn whose rendition it is.

Staff of any program may use it; a match is shown only when the rendition belongs to a program
the caller staffs (anyone else is told "no match", as for a file that is not ours). Tracing
decodes the video in the request (a few seconds for a short clip): acceptable for a staff tool
used a few times a day, and the upload is capped.
"""

import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from accessprogram.audit.services import record
from accessprogram.console.permissions import programs_for, staff_required
from generation.provenance.trace import trace_file

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # form fields and boundaries around the file
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov")
# ISO base media files (MP4, MOV) carry a box type at bytes 4..8.
ISO_BOX_TYPES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"uuid")


TOO_LARGE = "The file is larger than 200 MB, the most this page takes."


class TraceForm(forms.Form):
    video = forms.FileField(
        label="Video file",
        help_text="An MP4 or MOV file, up to 200 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime,.mp4,.mov"}),
    )

    def clean_video(self):
        video = self.cleaned_data["video"]
        if video.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        if not video.name.lower().endswith(VIDEO_EXTENSIONS):
            raise forms.ValidationError("Upload an MP4 or MOV video (.mp4, .m4v, .mov).")
        video.seek(0)
        head = video.read(12)
        video.seek(0)
        if len(head) < 8 or head[4:8] not in ISO_BOX_TYPES:
            raise forms.ValidationError("This file is not an MP4 or MOV video.")
        return video


def _stored(upload, directory: str) -> Path:
    path = Path(directory) / "upload.mp4"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


class UploadLimit(FileUploadHandler):
    """Stops reading an upload once it passes the limit (for bodies of unknown length)."""

    exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_UPLOAD_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler keeps the file


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
    except ValueError:
        return False


def _page(request, form, *, status=200, error=None, **extra):
    context = {"form": form, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "error": error}
    return render(request, "console/trace.html", {**context, **extra}, status=status)


# CSRF is checked by _trace_page: the check reads the body, and an oversized upload must be
# refused before that, and read through the size limit when its length is unknown.
@csrf_exempt
@staff_required
@require_http_methods(["GET", "POST"])
def trace_page(request):
    limit = None
    if request.method == "POST":
        if _too_large(request):
            return _page(request, TraceForm(), status=413, error=TOO_LARGE)
        limit = UploadLimit(request)
        request.upload_handlers.insert(0, limit)
    return _trace_page(request, limit)


@csrf_protect
def _trace_page(request, limit: UploadLimit | None):
    if request.method == "GET":
        return _page(request, TraceForm())
    form = TraceForm(request.POST, request.FILES)
    if limit is not None and limit.exceeded:
        return _page(request, TraceForm(), status=413, error=TOO_LARGE)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["video"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trace-", dir=settings.VAR_DIR) as directory:
        report = trace_file(_stored(upload, directory))
    seconds = time.monotonic() - started
    visible = report.traced and (
        programs_for(request.user).filter(pk=report.rendition.generation.program_id).exists()
    )
    if visible:
        record(
            action="leak.trace",
            target=report.rendition.generation,
            actor=request.user,
            file_sha256=report.file_sha256,
            forensic_id=report.rendition.forensic_id,
            rendition_kind=report.rendition.kind,
            matched_by=report.matched_by,
        )
    else:
        # Not ours, or not the caller's to see: recorded against the caller, with no details.
        record(
            action="leak.trace",
            target=request.user,
            actor=request.user,
            file_sha256=report.file_sha256,
            matched=False,
        )
    return _page(
        request,
        TraceForm(),
        traced=True,
        match=report.as_dict() if visible else None,
        file_name=upload.name,
        file_sha256=report.file_sha256,
        seconds=seconds,
    )
