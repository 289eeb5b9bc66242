from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from cases.selectors import case_get_for_user
from cases.services import case_record_view
from core.api_input import StrictInput
from core.errors import DomainError, PermissionDenied
from core.roles import RECOMPUTE_ROLES, STAFF_ROLES, user_roles

from . import graph, selectors, services
from .models import Account, CaseAccount, CaseAccountRole, Cluster, ClusterRecompute


def _staff_only(user) -> None:
    if not (user_roles(user) & STAFF_ROLES):
        raise PermissionDenied("Only Quarry's people see accounts.")


class AttributeSerializer(serializers.Serializer):
    type = serializers.CharField()
    value = serializers.CharField()
    strength = serializers.CharField()
    holders = serializers.IntegerField()
    hub = serializers.BooleanField()
    explanation = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    organisation = serializers.CharField()
    country = serializers.CharField()
    platform_status = serializers.CharField()
    cluster = serializers.SerializerMethodField()

    def get_cluster(self, account) -> int | None:
        membership = getattr(account, "cluster_membership", None)
        return membership.cluster_id if membership else None


class CaseAccountSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    external_id = serializers.CharField(source="account.external_id")
    platform_status = serializers.CharField(source="account.platform_status")
    role = serializers.CharField()
    enforcement = serializers.CharField()
    enforcement_updated_at = serializers.DateTimeField(allow_null=True)
    enforcement_updated_by = serializers.CharField(
        source="enforcement_updated_by.username", allow_null=True, default=None
    )
    added_at = serializers.DateTimeField()


class AddAccountsInput(StrictInput):
    body_required = True

    account_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=100_000
    )
    cluster = serializers.IntegerField(required=False)
    role = serializers.ChoiceField(choices=CaseAccountRole.values, default="linked")

    def validate(self, data):
        given = [k for k in ("account_ids", "external_ids", "cluster") if k in data]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one of account_ids, external_ids or cluster."
            )
        return data


class AddAccountsOutput(serializers.Serializer):
    added = serializers.IntegerField()
    already_linked = serializers.IntegerField()
    unknown_external_ids = serializers.ListField(child=serializers.CharField())


class EnforcementInput(StrictInput):
    account_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    status = serializers.ChoiceField(choices=["requested", "suspended", "banned"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RecomputeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    phase = serializers.CharField()
    stats = serializers.JSONField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


@extend_schema(responses=AccountSerializer)
@api_view(["GET"])
def account_detail(request, pk: int):
    _staff_only(request.user)
    account = get_object_or_404(Account.objects.select_related("cluster_membership"), pk=pk)
    body = AccountSerializer(account).data
    body["attributes"] = AttributeSerializer(
        selectors.account_attribute_links(account), many=True
    ).data
    return Response(body)


@extend_schema(responses={200: OpenApiResponse(description="Cluster with shared attributes")})
@api_view(["GET"])
def cluster_detail(request, pk: int):
    _staff_only(request.user)
    cluster = get_object_or_404(Cluster, pk=pk)
    return Response(
        {
            "id": cluster.pk,
            "size": cluster.size,
            "created_at": cluster.created_at,
            "dissolved_at": cluster.dissolved_at,
            "merged_into": cluster.merged_into_id,
            "shared_attributes": AttributeSerializer(
                selectors.cluster_shared_attributes(cluster), many=True
            ).data,
        }
    )


class CaseAccountList(ListAPIView):
    serializer_class = CaseAccountSerializer

    def get_queryset(self):
        case = case_get_for_user(self.request.user, self.kwargs["number"])
        case_record_view(case=case, user=self.request.user, via="api accounts")
        return (
            CaseAccount.objects.filter(case=case)
            .select_related("account", "enforcement_updated_by")
            .order_by("account__external_id")
        )

    @extend_schema(request=AddAccountsInput, responses=AddAccountsOutput)
    def post(self, request, number: str):
        case = case_get_for_user(request.user, number)
        data = AddAccountsInput(data=request.data)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        if "external_ids" in args:
            result = services.case_accounts_add_external_ids(
                case=case, user=request.user, external_ids=args["external_ids"], role=args["role"]
            )
        elif "cluster" in args:
            cluster = Cluster.objects.filter(pk=args["cluster"]).first()
            if cluster is None:
                raise DomainError("No such cluster.", field="cluster", status=400)
            result = services.case_accounts_add_cluster(
                case=case, user=request.user, cluster=cluster, role=args["role"]
            )
        else:
            result = services.case_accounts_add(
                case=case, user=request.user, account_ids=args["account_ids"], role=args["role"]
            )
        return Response(
            {
                "added": len(result.added),
                "already_linked": result.already,
                "unknown_external_ids": result.unknown,
            },
            status=201 if result.added else 200,
        )


@extend_schema(request=EnforcementInput, responses={200: OpenApiResponse(description="changed")})
@api_view(["POST"])
def case_accounts_enforcement(request, number: str):
    case = case_get_for_user(request.user, number)
    data = EnforcementInput(data=request.data)
    data.is_valid(raise_exception=True)
    args = data.validated_data
    changed = services.case_accounts_enforcement_set(
        case=case,
        user=request.user,
        account_ids=args["account_ids"],
        status=args["status"],
        note=args.get("note", ""),
    )
    return Response({"changed": changed})


@extend_schema(responses={200: OpenApiResponse(description="Cytoscape elements")})
@api_view(["GET"])
def case_graph(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="api graph")
    aggregate = request.query_params.get("view") == "aggregated" or None
    return Response(graph.case_graph(case, aggregate=aggregate))


@extend_schema(responses={200: OpenApiResponse(description="Cases sharing accounts or clusters")})
@api_view(["GET"])
def case_similar(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="api similar")
    return Response(
        [
            {
                "number": s.case.number,
                "title": s.case.title,
                "state": s.case.state,
                "shared_accounts": s.shared_accounts,
                "shared_clusters": s.shared_clusters,
            }
            for s in selectors.similar_cases(case, request.user)
        ]
    )


@extend_schema(request=None, responses={202: RecomputeSerializer})
@api_view(["POST"])
def cluster_recompute(request):
    if not (user_roles(request.user) & RECOMPUTE_ROLES):
        raise PermissionDenied("Recomputing clusters needs the lead or admin role.")
    job = services.cluster_recompute_request(user=request.user)
    return Response(RecomputeSerializer(job).data, status=202)


@extend_schema(responses=RecomputeSerializer)
@api_view(["GET"])
def cluster_recompute_status(request, pk: int):
    _staff_only(request.user)
    return Response(RecomputeSerializer(get_object_or_404(ClusterRecompute, pk=pk)).data)
