"""POST /api/v1/cases: a case opened by hand with the accounts it names (GET lists cases)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from cases.api import CaseList
from cases.lifecycle_api import CaseCreateInput, LifecycleCaseSerializer

from .intake import case_open_with_accounts


class CaseListCreate(CaseList):
    @extend_schema(request=CaseCreateInput, responses={201: LifecycleCaseSerializer})
    def post(self, request):
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        case = case_open_with_accounts(
            user=request.user, account_external_ids=args.pop("accounts", []), **args
        )
        return Response(
            LifecycleCaseSerializer(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
