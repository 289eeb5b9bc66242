"""Serializers that describe the detector API in the OpenAPI schema. Validation itself is in
validation.py (for speed); these mirror it field for field so a generated client works."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.models import AttributeType
from cases.models import Severity

from .models import SignalKind
from .validation import (
    MAX_ACCOUNTS_PER_SIGNAL,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES_PER_ACCOUNT,
    MAX_BATCH,
    MAX_COUNTRY,
    MAX_EMAIL,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    MAX_SUMMARY,
    SEVERITIES,
)


class AttributeDoc(serializers.Serializer):
    type = serializers.ChoiceField(choices=AttributeType.values)
    value = serializers.CharField(max_length=MAX_ATTRIBUTE_VALUE)


class AccountDoc(serializers.Serializer):
    external_id = serializers.CharField(max_length=MAX_EXTERNAL_ID)
    name = serializers.CharField(max_length=MAX_NAME, required=False)
    email = serializers.CharField(max_length=MAX_EMAIL, required=False)
    organisation = serializers.CharField(max_length=MAX_NAME, required=False)
    country = serializers.CharField(max_length=MAX_COUNTRY, required=False)
    signup_at = serializers.DateTimeField(required=False)
    attributes = AttributeDoc(many=True, required=False, max_length=MAX_ATTRIBUTES_PER_ACCOUNT)


class SignalDoc(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=MAX_EXTERNAL_ID, help_text="Unique per detector."
    )
    kind = serializers.ChoiceField(choices=SignalKind.values)
    severity = serializers.ChoiceField(choices=sorted(SEVERITIES, key=Severity.values.index))
    confidence = serializers.IntegerField(min_value=0, max_value=100)
    observed_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone.")
    summary = serializers.CharField(max_length=MAX_SUMMARY, required=False)
    accounts = AccountDoc(many=True, required=False, max_length=MAX_ACCOUNTS_PER_SIGNAL)
    observables = serializers.ListField(child=serializers.JSONField(), required=False)
    payload = serializers.DictField(required=False, help_text="The raw detector payload.")


class SignalBatchDoc(serializers.Serializer):
    signals = SignalDoc(many=True, max_length=MAX_BATCH)


SignalOrBatch = PolymorphicProxySerializer(
    component_name="SignalOrBatch",
    serializers=[SignalDoc, SignalBatchDoc],
    resource_type_field_name=None,
)


class OcsfObservableDoc(serializers.Serializer):
    name = serializers.CharField(required=False)
    type_id = serializers.IntegerField()
    type = serializers.CharField(required=False)
    value = serializers.CharField()


class OcsfFindingInfoDoc(serializers.Serializer):
    uid = serializers.CharField()
    title = serializers.CharField(required=False)
    desc = serializers.CharField(required=False)
    types = serializers.ListField(child=serializers.CharField(), required=False)
    analytic = serializers.DictField(required=False)


class OcsfFindingDoc(serializers.Serializer):
    class_uid = serializers.IntegerField(help_text="Must be 2004 (Detection Finding).")
    time = serializers.IntegerField(help_text="Epoch milliseconds.")
    severity_id = serializers.IntegerField(help_text="0–6 or 99.")
    confidence_score = serializers.IntegerField(required=False, min_value=0, max_value=100)
    confidence_id = serializers.IntegerField(required=False)
    finding_info = OcsfFindingInfoDoc()
    observables = OcsfObservableDoc(many=True, required=False)


class OcsfBatchDoc(serializers.Serializer):
    events = OcsfFindingDoc(many=True, max_length=MAX_BATCH)


OcsfFindingOrBatch = PolymorphicProxySerializer(
    component_name="OcsfFindingOrBatch",
    serializers=[OcsfFindingDoc, OcsfBatchDoc],
    resource_type_field_name=None,
)


class ItemErrorDoc(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class IngestItemDoc(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    errors = ItemErrorDoc(many=True, required=False)


class IngestReport(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    items = IngestItemDoc(many=True)


class ErrorBody(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(), required=False)


class DetectorStatus(serializers.Serializer):
    name = serializers.CharField()
    mode = serializers.CharField()
    enabled = serializers.BooleanField()
    token_prefix = serializers.CharField()
    signs_requests = serializers.BooleanField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()


SIGNAL_EXAMPLE = {
    "external_id": "prada-2026-11-27-000123",
    "kind": "cot_elicitation",
    "severity": "high",
    "confidence": 91,
    "observed_at": "2026-11-27T08:59:12Z",
    "summary": "Reasoning-trace coercion prompts from two accounts sharing a card",
    "accounts": [
        {
            "external_id": "acct_0100042",
            "email": "u42@northwind-mail.example",
            "attributes": [
                {"type": "payment_fingerprint", "value": "pf_9a1c33e0"},
                {"type": "device_fingerprint", "value": "dv_77b2"},
                {"type": "ip", "value": "198.51.100.7"},
            ],
        },
        {
            "external_id": "acct_0100043",
            "attributes": [{"type": "payment_fingerprint", "value": "pf_9a1c33e0"}],
        },
    ],
    "observables": [{"type": "ip", "value": "198.51.100.7"}],
    "payload": {"classifier": "cot-v3", "score": 0.91, "requests": 1840},
}

OCSF_EXAMPLE = {
    "class_uid": 2004,
    "category_uid": 2,
    "type_uid": 200401,
    "activity_id": 1,
    "time": 1795770000000,
    "severity_id": 4,
    "confidence_score": 88,
    "metadata": {"version": "1.3.0", "product": {"name": "Extraction Guard", "vendor_name": "Lab"}},
    "finding_info": {
        "uid": "eg-5f1d2c",
        "title": "Capability harvesting from a coordinated account group",
        "types": ["capability_harvesting"],
        "analytic": {"name": "narrow-domain-harvest", "type_id": 1},
    },
    "observables": [
        {"name": "actor.user.uid", "type_id": 31, "value": "acct_0100042"},
        {"name": "src_endpoint.ip", "type_id": 2, "value": "198.51.100.7"},
        {"name": "payment.fingerprint", "type_id": 30, "value": "pf_9a1c33e0"},
    ],
}


class DetectorTokenScheme(OpenApiAuthenticationExtension):
    target_class = "detection.auth.DetectorTokenAuthentication"
    name = "detectorToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A detector token (`qdt_…`), shown once when the detector is made. "
            "If the detector has an HMAC secret, also send X-Quarry-Signature: "
            "sha256=<hex HMAC-SHA256 of the raw body>.",
        }
