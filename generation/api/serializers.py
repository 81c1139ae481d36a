from rest_framework import serializers

from ..models import MODEL_CHOICES, SECONDS_CHOICES, SIZE_CHOICES, Generation, Rendition
from ..provenance.selectors import preview_of

# A finished render is reported "in_progress" at this progress until its watermarked preview is
# ready: the SDK's polling then waits for a file it can actually download.
PREPARING_PROGRESS = 99


def _choice(field: str, choices) -> dict:
    allowed = ", ".join(f"'{choice}'" for choice in choices)
    return {"invalid_choice": f"{field} must be one of {allowed}; got '{{input}}'."}


def _timestamp(value):
    return int(value.timestamp()) if value else None


def preview_status(generation: Generation) -> str | None:
    """The status of a completed generation's preview (None: none requested). Read from the
    `preview_status` annotation when the queryset has it (lists), else looked up."""
    if generation.status != Generation.Status.COMPLETED:
        return None
    if hasattr(generation, "preview_status"):
        return generation.preview_status
    preview = preview_of(generation=generation)
    return preview.status if preview else None


def reported_status(generation: Generation) -> str:
    """The status the tester sees: completed only once the preview can be downloaded."""
    if generation.status != Generation.Status.COMPLETED:
        return generation.status
    state = preview_status(generation)
    if state == Rendition.Status.READY:
        return Generation.Status.COMPLETED
    if state == Rendition.Status.FAILED:
        return Generation.Status.FAILED
    return Generation.Status.IN_PROGRESS


class VideoCreateInput(serializers.Serializer):
    """Fields of OpenAI's video create call, plus an optional seed for repeatable renders."""

    prompt = serializers.CharField(max_length=4000, trim_whitespace=False)
    model = serializers.ChoiceField(
        choices=MODEL_CHOICES, default="sora-2", error_messages=_choice("model", MODEL_CHOICES)
    )
    seconds = serializers.ChoiceField(
        choices=[str(s) for s in SECONDS_CHOICES],
        default="4",
        error_messages=_choice("seconds", SECONDS_CHOICES),
    )
    size = serializers.ChoiceField(
        choices=SIZE_CHOICES, default="720x1280", error_messages=_choice("size", SIZE_CHOICES)
    )
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class VideoListInput(serializers.Serializer):
    after = serializers.CharField(required=False, max_length=40)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    order = serializers.ChoiceField(choices=["asc", "desc"], default="desc")


class VideoOutput(serializers.Serializer):
    """OpenAI's Video object."""

    id = serializers.CharField(source="public_id")
    object = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    completed_at = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    prompt = serializers.CharField()
    seconds = serializers.SerializerMethodField()
    size = serializers.CharField()
    model = serializers.CharField()
    seed = serializers.IntegerField()
    remixed_from_video_id = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    def get_object(self, generation) -> str:
        return "video"

    def get_created_at(self, generation) -> int:
        return _timestamp(generation.created_at)

    def get_status(self, generation) -> str:
        return reported_status(generation)

    def get_progress(self, generation) -> int:
        if generation.status == Generation.Status.COMPLETED:
            return 100 if reported_status(generation) != "in_progress" else PREPARING_PROGRESS
        return generation.progress

    def get_completed_at(self, generation) -> int | None:
        if reported_status(generation) == Generation.Status.IN_PROGRESS:
            return None
        return _timestamp(generation.completed_at)

    def get_expires_at(self, generation) -> int | None:
        return None

    def get_seconds(self, generation) -> str:
        return str(generation.seconds)

    def get_remixed_from_video_id(self, generation) -> str | None:
        return None

    def get_error(self, generation) -> dict | None:
        if generation.status == Generation.Status.COMPLETED:
            if preview_status(generation) != Rendition.Status.FAILED:
                return None
            return {
                "code": "preview_failed",
                "message": "The watermarked preview of this video could not be prepared.",
            }
        if generation.status not in (Generation.Status.FAILED, Generation.Status.CANCELLED):
            return None
        return {"code": generation.error_code, "message": generation.error_message}


class VideoListOutput(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = VideoOutput(many=True)
    first_id = serializers.CharField(allow_null=True)
    last_id = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()


class VideoDeletedOutput(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="video.deleted")
    deleted = serializers.BooleanField()
