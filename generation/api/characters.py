"""POST /v1/videos/characters and GET /v1/videos/characters/{id}: the token's tester's own
named reference clips (generation.characters). Another tester's id answers 404."""

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accessprogram.access.api.errors import InvalidParameter
from accessprogram.access.scopes import Scope

from .. import characters
from ..models import Character
from ..references import ReferenceRejected
from .refusals import documented_errors
from .views import TesterApiView


class CharacterInput(serializers.Serializer):
    name = serializers.CharField(max_length=characters.MAX_NAME, min_length=1)
    video = serializers.FileField(
        help_text=f"The tester's own clip (MP4, MOV or WebM), at most "
        f"{characters.MAX_CLIP_SECONDS} s and {characters.MAX_CLIP_BYTES // (1024 * 1024)} MB."
    )


class CharacterOutput(serializers.Serializer):
    """OpenAI's character object. A prompt uses it by naming `@name` (spaces as `_`) or `id`."""

    id = serializers.CharField()
    object = serializers.CharField(default="video.character")
    name = serializers.CharField()
    created_at = serializers.IntegerField()

    def to_representation(self, instance: Character) -> dict:
        return {
            "id": instance.public_id,
            "object": "video.character",
            "name": instance.name,
            "created_at": int(instance.created_at.timestamp()),
        }


class CharacterCreateView(TesterApiView):
    token_scopes = {"POST": Scope.VIDEOS_WRITE}

    @extend_schema(
        operation_id="videos_create_character",
        request={"multipart/form-data": CharacterInput},
        responses={200: CharacterOutput, **documented_errors(400, 401, 403)},
    )
    def post(self, request):
        if not isinstance(request.data.get("video"), UploadedFile):
            raise InvalidParameter(
                "video must be an uploaded clip of your own (multipart/form-data).", param="video"
            )
        data = CharacterInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["video"]
        if upload.size > characters.MAX_CLIP_BYTES:
            raise InvalidParameter(
                f"video is larger than {characters.MAX_CLIP_BYTES // (1024 * 1024)} MB.",
                param="video",
            )
        try:
            character = characters.create_character(
                membership=request.auth.membership,
                name=data.validated_data["name"],
                clip=upload.read(),
            )
        except ReferenceRejected as rejected:
            raise InvalidParameter(str(rejected), param=rejected.param) from rejected
        return Response(CharacterOutput(character).data)


class CharacterDetailView(TesterApiView):
    token_scopes = {"GET": Scope.VIDEOS_READ}

    @extend_schema(
        operation_id="videos_get_character",
        responses={200: CharacterOutput, **documented_errors(401, 403, 404)},
    )
    def get(self, request, character_id):
        character = characters.own_character(
            membership=request.auth.membership, public_id=character_id
        )
        if character is None:
            raise NotFound(f"No character found with id '{character_id}'.")
        return Response(CharacterOutput(character).data)
