"""Describes token authentication in the OpenAPI schema, so /api/docs/ offers "Authorize"."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accessprogram.access.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "eap_...",
            "description": "A tester API token: `Authorization: Bearer eap_...`.",
        }
