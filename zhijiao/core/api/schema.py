"""OpenAPI: every operation also documents the error envelope it can answer with."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <key>`` (zhijiao.accounts.authentication.ApiTokenAuthentication)."""

    target_class = "zhijiao.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token made on the "API tokens" page, sent as "Token <key>"; it expires.',
        }


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, not_authenticated, not_found, …")
    message = serializers.CharField(help_text="For people, in the request's language.")
    details = serializers.DictField(
        help_text="For ``invalid``: field name (or non_field_errors) → list of messages; else {}."
    )


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()


class EnvelopeAutoSchema(AutoSchema):
    """Adds 400/401/403/404/429 responses in the ``{"error": …}`` shape where they can occur."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = ["401", "403", "429"]
        if method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.append("400")  # a body, or a filter value, that does not validate
        if "{" in self.path:
            codes.append("404")
        for code in sorted(codes):
            bodies.setdefault(
                code, self._get_response_for_code(ErrorEnvelopeSerializer, code, direction=direction)
            )
        return bodies
