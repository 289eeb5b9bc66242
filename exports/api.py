from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from cases.selectors import case_get_for_user
from core.api_input import StrictInput
from core.http import client_ip

from .models import ExportStatus
from .selectors import export_get_for_case, exports_of_case
from .services import bundle_available, export_record_download, export_request, export_role_require
from .views import bundle_response


class ExportInput(StrictInput):
    metadata_only = serializers.BooleanField(default=False)
    pseudonymise = serializers.BooleanField(default=False)


class ExportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    case = serializers.CharField(source="case.number")
    status = serializers.CharField()
    progress = serializers.IntegerField()
    current_item = serializers.CharField()
    error = serializers.CharField()
    metadata_only = serializers.BooleanField()
    pseudonymise = serializers.BooleanField()
    requested_by = serializers.CharField(source="requested_by_label")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    file_name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    chain_head = serializers.CharField()
    key_fingerprint = serializers.CharField()
    payload_oxum = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.DONE:
            return None
        return reverse("api-case-export-download", args=[export.case.number, export.pk])


def _case_for_exports(request, number: str):
    case = case_get_for_user(request.user, number)
    export_role_require(request.user)
    return case


@extend_schema(
    methods=["POST"],
    request=ExportInput,
    responses={202: ExportSerializer},
    summary="Start an export",
)
@extend_schema(methods=["GET"], responses=ExportSerializer(many=True), summary="Exports of a case")
@api_view(["GET", "POST"])
def case_exports(request, number: str):
    """Legal or lead role only. POST queues a bundle build and answers 202 with its status."""
    case = _case_for_exports(request, number)
    if request.method == "GET":
        return Response(ExportSerializer(exports_of_case(case), many=True).data)
    data = ExportInput(data=request.data)
    data.is_valid(raise_exception=True)
    export = export_request(case=case, user=request.user, **data.validated_data)
    return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=ExportSerializer, summary="Status and progress of an export")
@api_view(["GET"])
def case_export_detail(request, number: str, pk: int):
    case = _case_for_exports(request, number)
    return Response(ExportSerializer(export_get_for_case(case, pk)).data)


@extend_schema(
    responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The bundle zip")},
    summary="Download a finished bundle",
)
@api_view(["GET"])
def case_export_download(request, number: str, pk: int):
    case = _case_for_exports(request, number)
    export = export_get_for_case(case, pk)
    if not bundle_available(export):
        raise Http404("This export has no bundle.")
    export_record_download(
        export=export,
        user=request.user,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return bundle_response(export)
