from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
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


class TextField(serializers.CharField):
    """A string and only a string: JSON `0` or `true` is refused, not turned into "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class InputReference(serializers.Field):
    """An uploaded image (multipart) or the object form `{"image_url"}` / `{"file_id"}` (JSON);
    generation.references checks either against the video size."""

    default_error_messages = {
        "invalid": "input_reference must be an image file or an object with image_url or file_id."
    }

    def to_internal_value(self, data):
        if isinstance(data, UploadedFile | dict):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return None


class ImageReferenceObject(serializers.Serializer):
    """The object form of input_reference, for the schema."""

    image_url = serializers.CharField(
        required=False, help_text="A base64 data URL (data:image/png;base64,...); no other URLs."
    )
    file_id = serializers.CharField(
        required=False, help_text="Not supported (no Files API): answered with a 400."
    )


class VideoCreateInput(serializers.Serializer):
    """Fields of OpenAI's video create call, plus an optional seed for repeatable renders."""

    # Not blank (one character that is not white space, as services.validate_request) and no
    # null characters (refused by every DRF text field): the schema's pattern says both.
    prompt = TextField(
        min_length=1,
        max_length=4000,
        trim_whitespace=False,
        validators=[
            RegexValidator(
                r"^[^\x00]*[^\s\x00][^\x00]*$",
                message="A prompt is required: a visible character, and no null characters.",
            )
        ],
    )
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
    input_reference = InputReference(required=False)


class VideoCreateJsonInput(VideoCreateInput):
    """The JSON form of create, for the schema."""

    input_reference = ImageReferenceObject(required=False)


class VideoCreateMultipartInput(VideoCreateInput):
    """The multipart form of create (input_reference uploaded), for the schema."""

    input_reference = serializers.FileField(
        required=False, help_text="A PNG, JPEG or WebP image of exactly the video size, <= 10 MB."
    )


class BlankIsAValue:
    """A query parameter given empty (`?order=`) is validated as given, not taken for absent:
    the schema's enum and integer type do not allow an empty value, and neither does the API."""

    def get_value(self, dictionary):
        if dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class QueryCharField(BlankIsAValue, serializers.CharField):
    pass


class QueryIntegerField(BlankIsAValue, serializers.IntegerField):
    pass


class QueryChoiceField(BlankIsAValue, serializers.ChoiceField):
    pass


class VideoListInput(serializers.Serializer):
    after = QueryCharField(required=False, max_length=40)
    limit = QueryIntegerField(min_value=1, max_value=100, default=20)
    order = QueryChoiceField(choices=["asc", "desc"], default="desc")


class VideoError(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


def video_error(generation: Generation) -> dict | None:
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


def remixed_from(generation: Generation) -> str | None:
    """The source's id for a remix; read from the `source_public_id` annotation (selectors)
    when the query has it, so a status poll stays one query."""
    if generation.kind != Generation.Kind.REMIX or generation.source_id is None:
        return None
    if hasattr(generation, "source_public_id"):
        return generation.source_public_id
    return generation.source.public_id


def video_object(generation: Generation) -> dict:
    """OpenAI's Video object as a plain dict, in VideoOutput's field order.

    Built directly rather than field by field through a serializer: a status poll is the API's
    hottest call, and the serializer's machinery cost it more than its database query."""
    status = reported_status(generation)
    preparing = status == Generation.Status.IN_PROGRESS
    if generation.status == Generation.Status.COMPLETED:
        progress = PREPARING_PROGRESS if preparing else 100
    else:
        progress = generation.progress
    return {
        "id": generation.public_id,
        "object": "video",
        "created_at": _timestamp(generation.created_at),
        "completed_at": None if preparing else _timestamp(generation.completed_at),
        "expires_at": None,
        "status": str(status),
        "progress": progress,
        "prompt": generation.prompt,
        "seconds": str(generation.total_seconds),
        "size": generation.size,
        "model": generation.model,
        "seed": generation.seed,
        "remixed_from_video_id": remixed_from(generation),
        "error": video_error(generation),
    }


class VideoOutput(serializers.Serializer):
    """OpenAI's Video object."""

    # The fields describe the object for the OpenAPI schema; video_object() makes it.

    id = serializers.CharField()
    object = serializers.CharField(read_only=True)
    created_at = serializers.IntegerField(read_only=True)
    completed_at = serializers.IntegerField(read_only=True, allow_null=True)
    expires_at = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    progress = serializers.IntegerField(read_only=True)
    prompt = serializers.CharField()
    seconds = serializers.CharField(read_only=True)
    size = serializers.CharField()
    model = serializers.CharField()
    seed = serializers.IntegerField()
    remixed_from_video_id = serializers.CharField(read_only=True, allow_null=True)
    error = VideoError(read_only=True, allow_null=True)

    def to_representation(self, instance) -> dict:
        return video_object(instance)


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
