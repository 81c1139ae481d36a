"""POST /v1/videos/{id}/remix, /v1/videos/edits, /v1/videos/extensions: new videos made from
one of the token's tester's own completed videos (generation.derivatives). Another tester's id,
or one in another program, answers 404 like an unknown one."""

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accessprogram.access.api.errors import InvalidParameter
from accessprogram.access.scopes import Scope

from .. import derivatives
from ..models import SECONDS_CHOICES
from .refusals import as_api_errors, documented_errors, request_fields
from .serializers import VideoOutput
from .views import TesterApiView

UPLOAD_REFUSED = (
    "Uploading a video to edit or extend is not offered: name one of your completed videos "
    "as {'id': 'video_...'}."
)


class VideoReference(serializers.Serializer):
    id = serializers.CharField(max_length=40, min_length=1)


class RemixInput(serializers.Serializer):
    prompt = serializers.CharField(max_length=4000, min_length=1, trim_whitespace=False)


class EditInput(RemixInput):
    video = VideoReference()


class ExtendInput(EditInput):
    seconds = serializers.ChoiceField(
        choices=[str(s) for s in SECONDS_CHOICES],
        error_messages={
            "invalid_choice": "seconds must be one of "
            + ", ".join(f"'{s}'" for s in SECONDS_CHOICES)
            + "; got '{input}'."
        },
        help_text="Length of the new segment; the video's `seconds` is the stitched total.",
    )


class DerivedVideoView(TesterApiView):
    token_scopes = {"POST": Scope.VIDEOS_WRITE}

    def valid_input(self, serializer_class, request) -> dict:
        fields = request_fields(request.data, objects=("video",))
        if isinstance(fields.get("video"), UploadedFile):
            raise InvalidParameter(UPLOAD_REFUSED, param="video")
        data = serializer_class(data=fields)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def derive(self, request, service, *, video_id: str, **fields) -> Response:
        membership = request.auth.membership
        with as_api_errors():
            source = derivatives.completed_source(membership=membership, public_id=video_id)
            generation = service(membership=membership, token=request.auth, source=source, **fields)
        return Response(VideoOutput(generation).data)


ERRORS = documented_errors(400, 401, 403, 404, 409, 429)


def json_or_multipart(serializer_class) -> dict:
    """The SDK sends these as multipart forms, other clients JSON: no urlencoded forms (a nested
    object has no standard form there)."""
    return {"application/json": serializer_class, "multipart/form-data": serializer_class}


class VideoRemixView(DerivedVideoView):
    @extend_schema(
        operation_id="videos_remix",
        request=json_or_multipart(RemixInput),
        responses={200: VideoOutput, **ERRORS},
        description="A new video with the source's structure under a new prompt; "
        "`remixed_from_video_id` names the source.",
    )
    def post(self, request, video_id):
        fields = self.valid_input(RemixInput, request)
        return self.derive(request, derivatives.request_remix, video_id=video_id, **fields)


class VideoEditsView(DerivedVideoView):
    @extend_schema(
        operation_id="videos_edit",
        request=json_or_multipart(EditInput),
        responses={200: VideoOutput, **ERRORS},
        description="A new video: the source redone as the prompt says, from its first frame.",
    )
    def post(self, request):
        fields = self.valid_input(EditInput, request)
        video_id = fields.pop("video")["id"]
        return self.derive(request, derivatives.request_edit, video_id=video_id, **fields)


class VideoExtensionsView(DerivedVideoView):
    @extend_schema(
        operation_id="videos_extend",
        request=json_or_multipart(ExtendInput),
        responses={200: VideoOutput, **ERRORS},
        description="A new segment continuing from the source's last frame, stitched onto it.",
    )
    def post(self, request):
        fields = self.valid_input(ExtendInput, request)
        video_id = fields.pop("video")["id"]
        return self.derive(request, derivatives.request_extension, video_id=video_id, **fields)
