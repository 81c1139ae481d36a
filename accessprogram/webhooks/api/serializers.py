from rest_framework import serializers

from generation.api.serializers import TextField

from ..endpoints import EVENT_TYPES


class EndpointCreateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="Where events are POSTed (https).")
    description = TextField(max_length=200, required=False, allow_blank=True)
    enabled_events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        min_length=1,
        help_text="Event types to receive; all of them when left out.",
    )


class EndpointOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    object = serializers.SerializerMethodField()
    url = serializers.CharField()
    description = serializers.CharField()
    enabled_events = serializers.ListField(child=serializers.CharField(), source="event_types")
    secret_hint = serializers.CharField(help_text="The start of the signing secret.")
    created_at = serializers.SerializerMethodField()

    def get_object(self, endpoint) -> str:
        return "webhook_endpoint"

    def get_created_at(self, endpoint) -> int:
        return int(endpoint.created_at.timestamp())


class NewEndpointOutput(EndpointOutput):
    secret = serializers.CharField(
        help_text="The Standard Webhooks signing secret (whsec_…); returned only here, once."
    )


class EndpointListOutput(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = EndpointOutput(many=True)


class EndpointDeletedOutput(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="webhook_endpoint.deleted")
    deleted = serializers.BooleanField()


class DeliveryOutput(serializers.Serializer):
    id = serializers.CharField(source="message_id", help_text="The webhook-id header.")
    object = serializers.SerializerMethodField()
    event_id = serializers.CharField(source="event.public_id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_response_code = serializers.IntegerField(allow_null=True)
    created_at = serializers.SerializerMethodField()

    def get_object(self, delivery) -> str:
        return "webhook_delivery"

    def get_created_at(self, delivery) -> int:
        return int(delivery.created_at.timestamp())


class DeliveryListOutput(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = DeliveryOutput(many=True)
