"""The detector-facing REST API: push signals (native or OCSF) and read one's own status.

Only a detector token opens these endpoints, and a detector token opens nothing else. The body
is parsed here rather than by DRF's parsers: the HMAC check needs the raw bytes, and a batch of
5,000 items is validated item by item so that good items are stored beside rejected ones."""

import json

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema
from .auth import DetectorTokenAuthentication, IsDetector
from .handoff import signals_routing_request
from .ingestion import CREATED, DUPLICATE, ingest_items
from .known_accounts import known_accounts
from .models import Detector
from .ocsf import finding_to_signal
from .selectors import detector_status
from .services import detector_push_succeeded
from .validation import (
    MAX_BATCH,
    MAX_JSON_DEPTH,
    body_is_plain,
    signal_validate,
    signals_decode_fast,
)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _max_body() -> int:
    return getattr(settings, "QUARRY_SIGNAL_MAX_BODY_BYTES", 32 * 1024 * 1024)


class DetectorAPIView(APIView):
    authentication_classes = [DetectorTokenAuthentication]
    permission_classes = [IsDetector]

    def initial(self, request, *args, **kwargs):
        # Size first, on the declared length: nothing of the body is read before the token is
        # known good (the HMAC check of a signing detector is the first to read it).
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > _max_body():
                raise PayloadTooLarge(f"The request body is larger than {_max_body()} bytes.")
        try:
            super().initial(request, *args, **kwargs)
        except RequestDataTooBig:
            raise PayloadTooLarge() from None


def _parse(body: bytes):
    """orjson parses a batch several times faster than the standard library, but it refuses a
    few things the standard library takes (lone surrogate escapes, integers beyond 64 bits);
    for those the standard library decides, and its error messages are the ones reported.
    NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them: both parsers refuse them
    here, for the whole body."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body, parse_constant=_not_json)
        except RecursionError:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None


def _not_json(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _require_json(request) -> None:
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType(content_type or "none")


def _items_from_body(request, key: str) -> tuple[list, bool]:
    """The list of raw items, and whether the body was a single item."""
    _require_json(request)
    try:
        body = _parse(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(
            {"detail": f"Invalid JSON: {exc}", "errors": {"body": [str(exc)]}}
        ) from None
    if isinstance(body, dict) and key in body:
        if not isinstance(body[key], list):
            raise ParseError(
                {
                    "detail": f"{key} must be an array of items.",
                    "errors": {key: ["Must be an array."]},
                }
            )
        items, single = body[key], False
    elif isinstance(body, list):
        items, single = body, False
    elif isinstance(body, dict):
        items, single = [body], True
    else:
        raise ParseError(
            {
                "detail": "The body must be a JSON object or array.",
                "errors": {"body": ["Must be a JSON object or array."]},
            }
        )
    if not items:
        raise ParseError(
            {"detail": "The batch is empty.", "errors": {key: ["The batch is empty."]}}
        )
    if len(items) > MAX_BATCH:
        raise PayloadTooLarge(
            {
                "detail": f"A batch holds at most {MAX_BATCH} items; this one has {len(items)}.",
                "errors": {key: [f"At most {MAX_BATCH} items."]},
            }
        )
    return items, single


def _respond(detector: Detector, items: list, convert, *, plain_text: bool = False) -> Response:
    report, created_ids = ingest_items(detector, items, convert, plain_text=plain_text)
    if created_ids:
        signals_routing_request()
    if report[CREATED] or report[DUPLICATE]:
        detector_push_succeeded(detector)
    if report[CREATED]:
        code = status.HTTP_201_CREATED
    elif report[DUPLICATE]:
        code = status.HTTP_200_OK
    else:
        code = status.HTTP_422_UNPROCESSABLE_ENTITY
    # Always JSON, one entry per item: orjson writes 5,000 of them in a fraction of the time
    # DRF's renderer takes.
    return HttpResponse(orjson.dumps(report), status=code, content_type="application/json")


class SignalIngest(DetectorAPIView):
    @extend_schema(
        operation_id="signals_ingest",
        summary="Push one signal or a batch of up to 5,000",
        request=schema.SignalOrBatch,
        responses={
            201: OpenApiResponse(schema.IngestReport, "At least one signal was stored."),
            200: OpenApiResponse(schema.IngestReport, "Nothing new: every item was stored before."),
            422: OpenApiResponse(schema.IngestReport, "Every item was rejected; nothing written."),
            400: OpenApiResponse(schema.ErrorBody, "Invalid JSON or an empty batch."),
            401: OpenApiResponse(schema.ErrorBody, "No, unknown or revoked token; bad signature."),
            413: OpenApiResponse(schema.ErrorBody, "Body or batch too large."),
            415: OpenApiResponse(schema.ErrorBody, "Content type is not application/json."),
        },
        examples=[OpenApiExample("One signal", value=schema.SIGNAL_EXAMPLE, request_only=True)],
        tags=["detectors"],
    )
    def post(self, request):
        _require_json(request)
        # Attributes this process has stored already are left undecoded (signals_decode_fast).
        signals = signals_decode_fast(request.body, known_accounts().wire)
        if signals is not None:
            plain = body_is_plain(request.body)
            return _respond(request.auth, signals, None, plain_text=plain)
        items, _ = _items_from_body(request, "signals")
        return _respond(request.auth, items, signal_validate)


class OcsfDetectionFindingIngest(DetectorAPIView):
    @extend_schema(
        operation_id="ocsf_detection_findings_ingest",
        summary="Push OCSF Detection Finding events (class_uid 2004), one or an array",
        request=schema.OcsfFindingOrBatch,
        responses={
            201: schema.IngestReport,
            200: schema.IngestReport,
            422: OpenApiResponse(schema.IngestReport, "Every event rejected (e.g. class_uid)."),
            400: schema.ErrorBody,
            401: schema.ErrorBody,
            413: schema.ErrorBody,
            415: schema.ErrorBody,
        },
        examples=[OpenApiExample("A finding", value=schema.OCSF_EXAMPLE, request_only=True)],
        tags=["detectors"],
    )
    def post(self, request):
        items, _ = _items_from_body(request, "events")
        return _respond(request.auth, items, finding_to_signal)


class DetectorMe(DetectorAPIView):
    @extend_schema(
        operation_id="detector_me",
        summary="The calling detector's own status",
        responses={200: schema.DetectorStatus, 401: schema.ErrorBody},
        tags=["detectors"],
    )
    def get(self, request):
        return Response(detector_status(request.auth))
