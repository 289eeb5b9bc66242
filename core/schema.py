"""The OpenAPI schema says every answer an operation can give, not only its success: one error
body for all refusals (core/api.py writes it), and the statuses each kind of operation can
meet, added to every operation that does not describe its own."""

import copy

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_serializer
from rest_framework import serializers

DETECTOR_AUTH = "detectorToken"


class ErrorBody(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    field = serializers.CharField(required=False, help_text="The input at fault, if one is.")
    errors = serializers.DictField(
        required=False, help_text="Messages per input field (nested for nested fields)."
    )


def _retry_after(description: str) -> dict:
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


class QuarryAutoSchema(AutoSchema):
    def _get_request_for_media_type(self, serializer, direction="request"):
        """drf-spectacular makes a PATCH body optional with every field optional, and any body
        without a required field optional: the input says where its view is stricter
        (core/api_input.py, StrictInput)."""
        serializer = force_instance(serializer)
        if not is_serializer(serializer):
            return super()._get_request_for_media_type(serializer, direction)
        if self.method == "PATCH" and not getattr(serializer, "patch_partial", True):
            component = self.resolve_serializer(serializer, direction)
            return component.ref, bool(component.schema.get("required"))
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if schema is not None and getattr(serializer, "body_required", False):
            # An empty object is refused as well as a missing body.
            self.resolve_serializer(self._partial_if_patch(serializer), direction).schema[
                "minProperties"
            ] = 1
            required = True
        return schema, required

    def _partial_if_patch(self, serializer):
        if self.method == "PATCH":
            serializer = copy.copy(serializer)
            serializer.partial = True
        return serializer

    def _error_statuses(self) -> dict[str, str]:
        detector = any(DETECTOR_AUTH in item for item in self.get_auth() or [])
        has_input = self.method in ("POST", "PUT", "PATCH") or bool(self._get_parameters())
        statuses = {}
        if has_input:
            statuses["400"] = "Invalid input: `errors` names each field at fault."
        if detector:
            statuses["401"] = "No, unknown, revoked or disabled token, or a bad signature."
        statuses["403"] = (
            "Not signed in, a role that may not do this, or a token of the wrong kind."
            if not detector
            else "Only a detector token opens this endpoint."
        )
        if "{" in self.path:
            statuses["404"] = "No such object, or one hidden from you (need-to-know)."
        if self.method == "POST" and not detector:
            statuses["409"] = "The case's state or rules refuse the change; `detail` says why."
        if self.method == "POST":
            statuses["413"] = "The body is larger than the server takes."
            statuses["415"] = "The body is not application/json."
        statuses["429"] = "Past the rate limit; retry after Retry-After seconds."
        statuses["503"] = "The database is unavailable for a moment; retry after Retry-After."
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self.resolve_serializer(ErrorBody(), direction).ref
        for status, description in self._error_statuses().items():
            if status in responses:
                continue
            responses[status] = {
                "content": {"application/json": {"schema": error}},
                "description": description,
            }
            if status in ("429", "503"):
                responses[status]["headers"] = {
                    "Retry-After": _retry_after("Seconds to wait before retrying.")
                }
        return responses
