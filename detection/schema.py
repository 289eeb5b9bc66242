"""Serializers that describe the detector API in the OpenAPI schema. Validation itself is in
validation.py (for speed); these mirror it field for field so a generated client works."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.models import AttributeType
from cases.models import Severity
from core.schema import ErrorBody  # noqa: F401 - the detector views' error body

from .models import SignalKind
from .validation import (
    MAX_ACCOUNTS_PER_SIGNAL,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES_PER_ACCOUNT,
    MAX_BATCH,
    MAX_COUNTRY,
    MAX_EMAIL,
    MAX_EXTERNAL_ID,
    MAX_JSON_CHARS,
    MAX_JSON_DEPTH,
    MAX_NAME,
    MAX_SUMMARY,
    SEVERITIES,
)

# The attribute types as the detector API names them (an enum of its own name in the schema).
ATTRIBUTE_TYPE_VALUES = AttributeType.values


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


NOT_BLANK = r"\S"
JSON_LIMITS = (
    f"At most {MAX_JSON_CHARS // 1024} KiB once written as JSON, nested at most "
    f"{MAX_JSON_DEPTH} levels deep."
)


def _kept_as_sent(component: dict, names: list[str]) -> None:
    """OCSF fields Quarry reads when they have the type OCSF gives them, and otherwise keeps
    in the payload without refusing the event: any JSON value is accepted there."""
    for name in names:
        prop = component["properties"][name]
        kind = prop.get("type", "")
        component["properties"][name] = {
            "description": f"OCSF's {kind or 'value'}; read by Quarry when it is one, "
            "otherwise kept in the payload."
        }


def _array_body(schemas: dict, body: str, item: str, batch: str, key: str) -> None:
    """A batch is an object {key: [items]} or the plain array of items; neither is empty."""
    schemas[body]["oneOf"].append(
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_BATCH,
            "items": {"$ref": f"#/components/schemas/{item}"},
        }
    )
    schemas[batch]["properties"][key]["minItems"] = 1


def contract_refine(result, generator, request, public):
    """What serializers cannot say about the detector API, said in the schema: no field but
    those listed (an unknown one is refused, 422), ids that are not blank, the plain-array
    body and the bare-id form of accounts[], and OCSF's own constraints."""
    schemas = result.get("components", {}).get("schemas", {})
    signal, account = schemas.get("SignalDoc"), schemas.get("AccountDoc")
    if signal is None or account is None:
        return result
    for name in ("SignalDoc", "AccountDoc", "AttributeDoc"):
        schemas[name]["additionalProperties"] = False
    # An optional field sent as null is taken as absent.
    for component in (signal, account):
        for name, prop in component["properties"].items():
            if name not in component.get("required", []):
                prop["nullable"] = True
    for name in ("external_id",):
        signal["properties"][name]["minLength"] = 1
        account["properties"][name]["minLength"] = 1
    signal["properties"]["external_id"]["pattern"] = NOT_BLANK
    account["properties"]["external_id"]["pattern"] = NOT_BLANK
    signal["properties"]["accounts"] = {
        "type": "array",
        "maxItems": MAX_ACCOUNTS_PER_SIGNAL,
        "nullable": True,
        "description": "Accounts as objects, or as bare account ids.",
        "items": {
            "oneOf": [
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_EXTERNAL_ID,
                    "pattern": NOT_BLANK,
                },
                {"$ref": "#/components/schemas/AccountDoc"},
            ]
        },
    }
    account["properties"]["attributes"]["maxItems"] = MAX_ATTRIBUTES_PER_ACCOUNT
    for field in ("observables", "payload"):
        signal["properties"][field]["description"] = (
            signal["properties"][field].get("description", "") + " " + JSON_LIMITS
        ).strip()
    signal["properties"]["observed_at"]["description"] = (
        "ISO 8601 with a time zone; not before 2000-01-01, and not further ahead of Quarry's "
        "clock than QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS (an hour unless configured)."
    )
    _array_body(schemas, "SignalOrBatch", "SignalDoc", "SignalBatchDoc", "signals")
    finding = schemas["OcsfFindingDoc"]
    finding["properties"]["class_uid"]["enum"] = [2004]
    finding["properties"]["severity_id"]["enum"] = [0, 1, 2, 3, 4, 5, 6, 99]
    _kept_as_sent(finding, ["confidence_id"])
    for name in ("time", "confidence_score"):
        finding["properties"][name]["nullable"] = True
    finding["properties"]["time_dt"] = {
        "type": "string",
        "format": "date-time",
        "nullable": True,
        "description": "The event time as ISO 8601, when `time` (epoch milliseconds) is absent.",
    }
    finding["properties"]["time"]["description"] = (
        "Epoch milliseconds. Either time or time_dt is required."
    )
    finding["required"] = [r for r in finding["required"] if r != "time"]
    # Observables Quarry cannot map (no type_id it knows, a value that is no string) are kept
    # in the payload, not refused.
    observable = schemas["OcsfObservableDoc"]
    observable.pop("required", None)
    _kept_as_sent(observable, ["name", "type_id", "type", "value"])
    info = schemas["OcsfFindingInfoDoc"]
    info["properties"]["uid"].update(minLength=1, maxLength=MAX_EXTERNAL_ID, pattern=NOT_BLANK)
    _kept_as_sent(info, ["title", "desc", "types", "analytic"])
    finding["properties"]["observables"] = {
        "type": "array",
        "nullable": True,
        "items": {},
        "description": "OCSF observables (objects with name, type_id and value; see "
        "OcsfObservableDoc); what Quarry cannot map is kept in the payload. " + JSON_LIMITS,
    }
    _array_body(schemas, "OcsfFindingOrBatch", "OcsfFindingDoc", "OcsfBatchDoc", "events")
    for path in ("/api/v1/signals", "/api/v1/ocsf/detection-findings"):
        result["paths"][path]["post"]["requestBody"]["required"] = True
    return result
