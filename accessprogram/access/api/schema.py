"""The OpenAPI description of every token view: the errors any of them can answer are
documented on each operation, in OpenAI's error shape, so the schema lists every status a
client can get (schemathesis' status_code_conformance holds it to that)."""

from drf_spectacular.openapi import AutoSchema

from .errors import error_response

COMMON_ERRORS = {
    400: "Invalid request: `error.param` names the parameter or field.",
    401: "No API key, or an unknown, expired or revoked one.",
    403: "The token lacks the scope, is used from a network it is not allowed, or access is "
    "suspended or revoked (token, membership, cohort or program), or the program is paused.",
    429: "Too many requests: a rate or generation limit was reached; try again later.",
}
NOT_FOUND = "No such object among the token's tester's own (others' answer the same)."


class TokenApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(COMMON_ERRORS)
        if "{" in self.path:
            errors[404] = NOT_FOUND
        for code, description in errors.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error_response(description), str(code), direction=direction
                )
        return dict(sorted(responses.items()))
