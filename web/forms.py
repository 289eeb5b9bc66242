from django import forms

from cases.models import Severity, State

from .queue import QUEUES, SORTS


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=list(QUEUES.items()), required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")
    state = forms.ChoiceField(choices=[("", "Any")] + State.choices, required=False)
    severity = forms.ChoiceField(choices=[("", "Any")] + Severity.choices, required=False)
    assignee = forms.CharField(required=False, max_length=150)
    tag = forms.CharField(required=False, max_length=50)
    actor = forms.CharField(required=False, max_length=200, label="Suspected actor")
    detector = forms.IntegerField(required=False, min_value=1)
    created_from = forms.DateField(
        required=False, label="Opened from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        required=False, label="Opened to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        choices=[(k, v[0]) for k, v in SORTS.items()], required=False, label="Sort"
    )

    def __init__(self, *args, assignees=(), detectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].widget = forms.Select(
            choices=[("", "Anyone"), ("-", "Unassigned")] + [(u, u) for u in assignees]
        )
        self.fields["detector"].widget = forms.Select(
            choices=[("", "Any")] + [(str(pk), name) for pk, name in detectors]
        )
