"""The base of every /v1/ view a tester calls with an API token."""

from rest_framework import parsers, permissions
from rest_framework.views import APIView

from accessprogram.programs.view_access import token_api_view

from ..authentication import ApiTokenAuthentication
from ..scopes import TokenScopePermission
from .errors import openai_exception_handler
from .schema import TokenApiSchema


@token_api_view
class TokenApiView(APIView):
    """Authenticated by a tester token (all four block levels checked on every request), allowed
    by the token's scopes and networks, answering errors in OpenAI's shape.

    Subclasses name the scope each HTTP method needs in `token_scopes`; a method left out is
    refused (see access.scopes.TokenScopePermission).
    """

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]
    token_scopes: dict[str, str] = {}  # HTTP method -> the scope a token needs for it
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
    schema = TokenApiSchema()  # documents the errors every token view may answer

    def get_exception_handler(self):
        return openai_exception_handler
