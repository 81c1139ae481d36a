"""POST /v1/leaked-tokens: secret scanners report platform tokens they found in public.

Only a scanner holding LEAK_SCANNER_SECRET may call it. It signs each request:

    X-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256 of f"{timestamp}.{raw body}" keyed with the secret>

A timestamp more than five minutes off is refused, so a captured request cannot be replayed
later; within those minutes a replay changes nothing (the tokens are revoked already). Live
tokens among the reported strings are revoked at once; the answer lists only those. Strings that
are no token, unknown or already revoked are left out alike: listing "already revoked" would
confirm to whoever holds the scanner secret which strings were once real tokens, and a scanner
has nothing to do about a dead token anyway.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, parsers, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accessprogram.programs.view_access import public_view

from ..leaks import ReportedString, report_leaked_tokens
from .errors import ExposesCode, openai_exception_handler

MAX_CLOCK_SKEW_SECONDS = 300
MAX_TOKENS_PER_REPORT = 1000
SIGNATURE_PREFIX = "sha256="


class SignatureInvalid(ExposesCode, exceptions.AuthenticationFailed):
    default_code = "invalid_signature"


class SecretScanner:
    """request.user for a correctly signed report: no person, no program."""

    is_authenticated = True

    def __str__(self):
        return "secret scanner"


def sign(*, body: bytes, timestamp: str, secret: str) -> str:
    """The X-Signature value for `body` sent at `timestamp` (what scanners compute too)."""
    message = timestamp.encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class ScannerSignatureAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        signature = request.META.get("HTTP_X_SIGNATURE", "")
        timestamp = request.META.get("HTTP_X_TIMESTAMP", "")
        if not signature or not timestamp:
            raise SignatureInvalid("Sign the report: X-Signature and X-Timestamp are required.")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            raise SignatureInvalid("X-Timestamp must be the time in whole unix seconds.")
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise SignatureInvalid(
                "X-Timestamp is more than five minutes off; sign each report anew."
            )
        try:
            body = request._request.body  # the raw bytes, as signed; DRF parses them later
        except RequestDataTooBig as error:
            raise exceptions.ParseError("The report is too large.") from error
        expected = sign(body=body, timestamp=timestamp, secret=settings.LEAK_SCANNER_SECRET)
        if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
            raise SignatureInvalid("The signature does not match the report.")
        return SecretScanner(), None

    def authenticate_header(self, request):
        return 'HMAC-SHA256 realm="leaked-tokens"'


@public_view  # anyone may report; the HMAC signature is the authentication
class LeakedTokensView(APIView):
    authentication_classes = [ScannerSignatureAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [parsers.JSONParser]

    class InputSerializer(serializers.Serializer):
        class Found(serializers.Serializer):
            token = serializers.CharField(max_length=200, trim_whitespace=True)
            url = serializers.CharField(
                max_length=2000, validators=[URLValidator(schemes=["http", "https"])]
            )
            source = serializers.CharField(
                max_length=100, required=False, allow_blank=True, default=""
            )

        tokens = Found(many=True, max_length=MAX_TOKENS_PER_REPORT)

    class OutputSerializer(serializers.Serializer):
        class Revoked(serializers.Serializer):
            token_prefix = serializers.CharField(source="token.display_prefix")
            url = serializers.CharField()
            program = serializers.CharField(source="program.slug")

        revoked = Revoked(many=True)
        count = serializers.IntegerField()

    def get_exception_handler(self):
        return openai_exception_handler

    # For scanner operators, not testers: kept out of the tester API's schema and docs.
    @extend_schema(exclude=True)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revoked = report_leaked_tokens(
            found=[ReportedString(**item) for item in data.validated_data["tokens"]]
        )
        return Response(self.OutputSerializer({"revoked": revoked, "count": len(revoked)}).data)
