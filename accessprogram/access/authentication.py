from rest_framework import authentication, exceptions

from accessprogram.client_address import client_ip

from .anomalies import TokenSuspended, check_token_use
from .api.errors import ExposesCode
from .scopes import network_allows
from .selectors import AccessDenied, check_token_access, token_for_secret
from .services import touch_last_used


class NetworkNotAllowed(ExposesCode, exceptions.PermissionDenied):
    default_code = "network_not_allowed"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer eap_...`. Sets request.auth to the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = token_for_secret(secret=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Incorrect API key provided.")
        try:
            check_token_access(token=token)
        except AccessDenied as denied:
            if denied.forbidden:
                raise exceptions.PermissionDenied(str(denied)) from denied
            raise exceptions.AuthenticationFailed(str(denied)) from denied
        address = client_ip(request) or ""
        if not network_allows(token.allowed_networks, address):
            raise NetworkNotAllowed(
                f"This API token may not be used from {address}; it is limited to "
                f"{', '.join(token.allowed_networks)}."
            )
        try:
            check_token_use(token=token, request=request)
        except TokenSuspended as suspended:
            raise exceptions.PermissionDenied(str(suspended)) from suspended
        touch_last_used(
            token=token, address=address, client=request.META.get("HTTP_USER_AGENT", "")
        )
        return token.membership.user, token

    def authenticate_header(self, request):
        return self.keyword
