"""One signal of a case, opened: summary, observables, the raw payload as the detector sent it
(pretty-printed, and escaped like every other value on the page), and the accounts it names."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from cases.models import Case
from cases.selectors import case_get_for_user
from detection.models import Signal

ACCOUNTS_SHOWN = 500


def case_signal_get(case: Case, pk: int) -> Signal:
    """A signal of the case, or one routing holds pending on it; 404 otherwise."""
    signal = Signal.objects.select_related("detector", "case").filter(pk=pk).first()
    if signal is None or (
        signal.case_id != case.pk and not case.pending_signals.filter(signal_id=pk).exists()
    ):
        raise Http404("No such signal.")
    return signal


def _accounts(signal: Signal) -> list[dict]:
    return list(
        signal.accounts.order_by("external_id").values(
            "pk", "external_id", "name", "organisation", "platform_status"
        )[:ACCOUNTS_SHOWN]
    )


@login_required
@require_GET
def case_signal(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    signal = case_signal_get(case, pk)
    context = {
        "case": case,
        "signal": signal,
        "accounts": _accounts(signal),
        "accounts_total": signal.accounts.count(),
        "observables_json": json.dumps(signal.observables, indent=2, ensure_ascii=False),
        "payload_json": json.dumps(signal.payload, indent=2, ensure_ascii=False, sort_keys=True),
        "pending": case.pending_signals.filter(signal_id=signal.pk).first(),
    }
    return render(request, "cases/signal.html", context)


class SignalDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    detector = serializers.CharField(source="detector.name")
    external_id = serializers.CharField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    confidence = serializers.IntegerField()
    observed_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    summary = serializers.CharField()
    observables = serializers.JSONField()
    payload = serializers.JSONField()
    accounts = serializers.SerializerMethodField()
    case = serializers.CharField(source="case.number", allow_null=True, default=None)

    def get_accounts(self, signal) -> list[str]:
        return [a["external_id"] for a in _accounts(signal)]


@extend_schema(responses=SignalDetailSerializer)
@api_view(["GET"])
def case_signal_api(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    return Response(SignalDetailSerializer(case_signal_get(case, pk)).data)
