from django import forms

from .models import Resolution, Severity, State


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any open"), ("all", "All")] + State.choices, required=False
    )
    severity = forms.ChoiceField(choices=[("", "Any")] + Severity.choices, required=False)
    q = forms.CharField(required=False, max_length=200)


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=State.choices)
    expected_state = forms.ChoiceField(choices=State.choices)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    resolution = forms.ChoiceField(choices=[("", "—")] + Resolution.choices, required=False)
    closing_summary = forms.CharField(required=False, widget=forms.Textarea)
    duplicate_of = forms.CharField(required=False, max_length=20)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=50_000)


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(required=False, widget=forms.Textarea)
    source = forms.CharField(required=False, max_length=300)
