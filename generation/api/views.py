"""/v1/videos — callable by testers with a valid API token; each sees only their own videos
in the program their token belongs to (others' ids answer 404)."""

import contextlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from accessprogram.access.api.errors import (
    Conflict,
    ExposesCode,
    InvalidParameter,
)
from accessprogram.access.api.views import TokenApiView
from accessprogram.access.scopes import Scope

from .. import services
from ..media import poster_response, private_video_response
from ..models import Generation
from ..provenance.selectors import ready_preview, with_preview_status
from ..provenance.services import RenditionUnavailable, ensure_preview
from ..references import (
    MAX_REFERENCE_BYTES,
    ReferenceImage,
    ReferenceRejected,
    check_image,
    image_from_object,
)
from ..selectors import VideoCursorUnknown, tester_video, video_page, visible_generations
from . import serializers
from .refusals import as_api_errors, documented_errors, request_fields


def input_reference(value, *, size: str) -> ReferenceImage:
    """An uploaded file or the object form, checked against the video size."""
    if isinstance(value, dict):
        return image_from_object(value, size=size)
    if value.size > MAX_REFERENCE_BYTES:
        raise ReferenceRejected(
            f"input_reference is larger than {MAX_REFERENCE_BYTES // (1024 * 1024)} MB."
        )
    return check_image(value.read(), size=size)


VARIANTS = ("video", "thumbnail", "spritesheet")


class PreviewNotReady(ExposesCode, NotFound):
    """404 with code `video_not_ready`: the render is done, its watermarked copy is not yet."""

    default_code = "video_not_ready"


class TesterApiView(TokenApiView):
    """A view on the token's own videos: its tester's, in its program."""

    def my_generations(self):
        # The token belongs to one membership: scope to that program as well as the tester.
        return with_preview_status(
            visible_generations(
                user=self.request.user, program=self.request.auth.membership.program
            )
        )

    def get_generation(self, video_id: str) -> Generation:
        try:
            return self.my_generations().get(public_id=video_id)
        except Generation.DoesNotExist:
            raise NotFound(f"No video found with id '{video_id}'.") from None


class VideoListCreateView(TesterApiView):
    token_scopes = {"GET": Scope.VIDEOS_READ, "POST": Scope.VIDEOS_WRITE}

    @extend_schema(
        operation_id="videos_create",
        request={
            "application/json": serializers.VideoCreateJsonInput,
            "multipart/form-data": serializers.VideoCreateMultipartInput,
        },
        responses={200: serializers.VideoOutput, **documented_errors(400, 401, 403, 429)},
    )
    def post(self, request):
        data = serializers.VideoCreateInput(
            data=request_fields(request.data, objects=("input_reference",))
        )
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        with as_api_errors():
            reference = fields.pop("input_reference", None)
            if reference is not None:
                fields["reference"] = input_reference(reference, size=fields["size"])
            generation = services.request_generation(
                membership=request.auth.membership, token=request.auth, **fields
            )
        return Response(serializers.VideoOutput(generation).data, status=status.HTTP_200_OK)

    @extend_schema(
        operation_id="videos_list",
        parameters=[serializers.VideoListInput],
        responses={200: serializers.VideoListOutput},
    )
    def get(self, request):
        params = serializers.VideoListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        after = params.validated_data.get("after")
        try:
            data, has_more = video_page(
                self.my_generations(),
                membership=request.auth.membership,
                after=after,
                limit=params.validated_data["limit"],
                order=params.validated_data["order"],
            )
        except VideoCursorUnknown:
            raise InvalidParameter(f"No video with id '{after}'.", param="after") from None
        body = {
            "object": "list",
            "data": serializers.VideoOutput(data, many=True).data,
            "first_id": data[0].public_id if data else None,
            "last_id": data[-1].public_id if data else None,
            "has_more": has_more,
        }
        return Response(body)


class VideoDetailView(TesterApiView):
    token_scopes = {"GET": Scope.VIDEOS_READ, "DELETE": Scope.VIDEOS_WRITE}

    @extend_schema(operation_id="videos_retrieve", responses={200: serializers.VideoOutput})
    def get(self, request, video_id):
        # The status poll: one query (tester_video), no serializer (video_object).
        generation = self.polled_video(video_id)
        if (
            generation.status == Generation.Status.COMPLETED
            and generation.preview_status is None
            and generation.has_original
        ):
            # Finished before previews existed: request one, so polling ends.
            with contextlib.suppress(RenditionUnavailable):
                ensure_preview(generation=generation)
                generation = self.polled_video(video_id)
        return Response(serializers.video_object(generation))

    def polled_video(self, video_id: str) -> Generation:
        generation = tester_video(
            tester_id=self.request.user.pk,
            program_id=self.request.auth.membership.program_id,
            public_id=video_id,
        )
        if generation is None:
            raise NotFound(f"No video found with id '{video_id}'.")
        return generation

    @extend_schema(operation_id="videos_delete", responses={200: serializers.VideoDeletedOutput})
    def delete(self, request, video_id):
        generation = self.get_generation(video_id)
        services.delete_generation(generation=generation, actor=request.user)
        return Response({"id": generation.public_id, "object": "video.deleted", "deleted": True})


class JsonForAnyAccept(BaseContentNegotiation):
    """The SDK asks for `application/binary`; the body is a file, errors are JSON regardless."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VideoContentView(TesterApiView):
    content_negotiation_class = JsonForAnyAccept
    token_scopes = {"GET": Scope.VIDEOS_READ}

    @extend_schema(
        operation_id="videos_download_content",
        parameters=[
            OpenApiParameter(
                "variant",
                str,
                enum=list(VARIANTS),
                description="video: the watermarked MP4 preview; thumbnail: its middle frame "
                "(JPEG); spritesheet: a grid of its frames (JPEG, layout in the X-Spritesheet-* "
                "headers).",
            )
        ],
        responses={
            (200, "video/mp4"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The watermarked MP4 preview."
            ),
            (200, "image/jpeg"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The thumbnail or spritesheet, cut from the watermarked preview.",
            ),
            **documented_errors(400, 401, 403, 404, 409),
        },
    )
    def get(self, request, video_id):
        generation = self.get_generation(video_id)
        variant = request.query_params.get("variant", "video")
        if variant not in VARIANTS:
            raise InvalidParameter(
                f"variant must be one of {', '.join(repr(v) for v in VARIANTS)}.", param="variant"
            )
        if generation.status != Generation.Status.COMPLETED:
            raise Conflict(
                f"Video is not ready: its status is {generation.status}.", code="video_not_ready"
            )
        # Only the watermarked preview (and what was cut from it) is served, never the original.
        preview = ready_preview(generation=generation)
        if preview is None:
            raise PreviewNotReady(
                f"The watermarked preview of video '{video_id}' is not ready yet; "
                "retrieve the video until its status is 'completed'."
            )
        if variant == "video":
            return private_video_response(
                request, storage_key=preview.storage_key, filename=f"{generation.public_id}.mp4"
            )
        return poster_response(preview, variant=variant)
