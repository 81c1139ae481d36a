"""/v1/videos/{video_id}/feedback: a tester's quick rating of one of their videos, by API token.

Scoped like /v1/videos: the token's tester and program; anyone else's video answers 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accessprogram.access.api.errors import Conflict, InvalidParameter, error_response
from accessprogram.access.scopes import Scope
from generation.api.views import TesterApiView
from generation.models import Generation

from ..selectors import quick_rating_of
from ..services import MAX_COMMENT, FeedbackError, rate_output


class VideoFeedbackInput(serializers.Serializer):
    rating = serializers.IntegerField(
        min_value=1, max_value=5, help_text="Your verdict, from 1 (poor) to 5 (excellent)."
    )
    comment = serializers.CharField(
        max_length=MAX_COMMENT, required=False, allow_blank=True, default=""
    )

    def to_internal_value(self, data):
        # JSON true/1.5/"4" are not ratings: only whole JSON numbers (or form strings of them).
        rating = data.get("rating") if hasattr(data, "get") else None
        if isinstance(rating, bool | float):
            raise serializers.ValidationError({"rating": ["The rating must be a whole number."]})
        return super().to_internal_value(data)


class VideoFeedback(serializers.Serializer):
    object = serializers.CharField(default="video.feedback")
    video_id = serializers.CharField(source="generation.public_id")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    def get_created_at(self, obj) -> int:
        return int(obj.created_at.timestamp())

    def get_updated_at(self, obj) -> int:
        return int(obj.updated_at.timestamp())


class VideoFeedbackView(TesterApiView):
    token_scopes = {"GET": Scope.VIDEOS_READ, "POST": Scope.FEEDBACK_WRITE}
    parser_classes = [parsers.JSONParser, parsers.FormParser]

    @extend_schema(
        operation_id="videos_feedback_retrieve",
        summary="Your quick rating of a video",
        responses={
            200: VideoFeedback,
            404: error_response("No such video of yours, or not rated yet."),
        },
    )
    def get(self, request, video_id):
        generation = self.get_generation(video_id)
        rating = quick_rating_of(generation=generation, user=request.user)
        if rating is None:
            raise NotFound(f"You have not rated video '{video_id}' yet.")
        return Response(VideoFeedback(rating).data)

    @extend_schema(
        operation_id="videos_feedback_create",
        summary="Rate a completed video (1-5) with an optional comment; replaces an earlier one",
        request=VideoFeedbackInput,
        responses={
            200: VideoFeedback,
            400: error_response(
                "The rating is not a whole number from 1 to 5, or the comment is too long."
            ),
            404: error_response("No such video of yours."),
            409: error_response("The video is not completed (code video_not_ready)."),
        },
    )
    def post(self, request, video_id):
        generation = self.get_generation(video_id)
        data = VideoFeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        if generation.status != Generation.Status.COMPLETED:
            raise Conflict(
                f"Only a completed video can be rated: its status is {generation.status}.",
                code="video_not_ready",
            )
        try:
            rating = rate_output(
                generation=generation,
                tester=request.user,
                rating=data.validated_data["rating"],
                comment=data.validated_data["comment"],
            )
        except FeedbackError as refused:
            raise InvalidParameter(str(refused)) from refused
        return Response(VideoFeedback(rating).data)
