from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from core.api_input import StrictInput

from .models import Resolution, State
from .selectors import case_get_for_user, cases_visible_to, events_for_user
from .services import case_record_view, case_transition


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    severity = serializers.CharField()
    state = serializers.CharField()
    resolution = serializers.CharField(allow_blank=True)
    suspected_actor = serializers.CharField(allow_blank=True)
    actor_confidence = serializers.IntegerField(allow_null=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    restricted = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    triage_due_at = serializers.DateTimeField()
    resolve_due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class CaseEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    at = serializers.DateTimeField()
    data = serializers.JSONField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class TransitionInput(StrictInput):
    to_state = serializers.ChoiceField(choices=State.choices)
    expected_state = serializers.ChoiceField(choices=State.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    resolution = serializers.ChoiceField(choices=Resolution.choices, required=False)
    closing_summary = serializers.CharField(required=False, allow_blank=True)
    duplicate_of = serializers.CharField(required=False, max_length=20)
    legal_reviewers = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        max_length=50,
        help_text="Moving into legal review: usernames of legal reviewers to make members.",
    )


class CaseList(ListAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        return (
            cases_visible_to(self.request.user)
            .select_related("assignee")
            .order_by("-created_at", "-id")
        )


@extend_schema(responses=CaseSerializer)
@api_view(["GET"])
def case_detail(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="api")
    return Response(CaseSerializer(case).data)


@extend_schema(responses=CaseEventSerializer(many=True))
@api_view(["GET"])
def case_events(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="api events")
    events = events_for_user(case.events.order_by("seq"), request.user)
    return Response(CaseEventSerializer(events, many=True).data)


@extend_schema(request=TransitionInput, responses={200: CaseSerializer})
@api_view(["POST"])
def case_transition_api(request, number: str):
    case = case_get_for_user(request.user, number)
    data = TransitionInput(data=request.data)
    data.is_valid(raise_exception=True)
    args = data.validated_data
    duplicate_of = None
    if args.get("duplicate_of"):
        try:
            duplicate_of = case_get_for_user(request.user, args["duplicate_of"])
        except Http404:
            return Response(
                {"detail": "No such case.", "errors": {"duplicate_of": ["No such case."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
    case = case_transition(
        case=case,
        user=request.user,
        to_state=args["to_state"],
        expected_state=args.get("expected_state"),
        reason=args.get("reason", ""),
        resolution=args.get("resolution", ""),
        closing_summary=args.get("closing_summary", ""),
        duplicate_of=duplicate_of,
        legal_reviewers=args.get("legal_reviewers"),
    )
    return Response(CaseSerializer(case).data)
