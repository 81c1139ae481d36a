"""/v1/webhook_endpoints — a token's tester registers, lists and deletes webhook endpoints of
the token's program, and reads their deliveries; others' endpoints answer 404."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accessprogram.access.api.errors import Conflict, InvalidParameter, error_response
from accessprogram.access.api.views import TokenApiView
from accessprogram.access.scopes import Scope

from .. import endpoints, selectors
from ..models import WebhookEndpoint
from . import serializers


class EndpointApiView(TokenApiView):
    token_scopes = {"GET": Scope.WEBHOOKS_WRITE, "POST": Scope.WEBHOOKS_WRITE}

    def my_endpoints(self):
        return selectors.endpoints_of_membership(membership=self.request.auth.membership)

    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.my_endpoints().filter(public_id=endpoint_id).first()
        if endpoint is None:
            raise NotFound(f"No webhook endpoint found with id '{endpoint_id}'.")
        return endpoint


class EndpointListCreateView(EndpointApiView):
    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=serializers.EndpointCreateInput,
        responses={
            200: serializers.NewEndpointOutput,
            409: error_response("The program's endpoint limit is reached; delete one first."),
        },
    )
    def post(self, request):
        data = serializers.EndpointCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            created = endpoints.create_endpoint(
                membership=request.auth.membership,
                url=data.validated_data["url"],
                description=data.validated_data.get("description", ""),
                event_types=data.validated_data.get("enabled_events"),
                actor=request.user,
            )
        except endpoints.TooManyEndpoints as refused:
            raise Conflict(str(refused), code="too_many_endpoints") from refused
        except endpoints.EndpointError as refused:
            raise InvalidParameter(str(refused), param=refused.param) from refused
        body = serializers.EndpointOutput(created.endpoint).data
        return Response({**body, "secret": created.secret})

    @extend_schema(
        operation_id="webhook_endpoints_list", responses={200: serializers.EndpointListOutput}
    )
    def get(self, request):
        data = serializers.EndpointOutput(self.my_endpoints(), many=True).data
        return Response({"object": "list", "data": data})


class EndpointDetailView(EndpointApiView):
    token_scopes = {"GET": Scope.WEBHOOKS_WRITE, "DELETE": Scope.WEBHOOKS_WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_retrieve", responses={200: serializers.EndpointOutput}
    )
    def get(self, request, endpoint_id):
        return Response(serializers.EndpointOutput(self.get_endpoint(endpoint_id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_delete", responses={200: serializers.EndpointDeletedOutput}
    )
    def delete(self, request, endpoint_id):
        endpoint = self.get_endpoint(endpoint_id)
        endpoints.delete_endpoint(endpoint=endpoint, actor=request.user)
        return Response(
            {"id": endpoint.public_id, "object": "webhook_endpoint.deleted", "deleted": True}
        )


class DeliveryListView(EndpointApiView):
    token_scopes = {"GET": Scope.WEBHOOKS_WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_deliveries", responses={200: serializers.DeliveryListOutput}
    )
    def get(self, request, endpoint_id):
        deliveries = selectors.deliveries_of(endpoint=self.get_endpoint(endpoint_id))
        data = serializers.DeliveryOutput(deliveries, many=True).data
        return Response({"object": "list", "data": data})
