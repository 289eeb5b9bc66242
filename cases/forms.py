from django import forms
from django.utils import timezone

from .models import Resolution, Severity, State
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


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=State.choices)
    expected_state = forms.ChoiceField(choices=State.choices)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    resolution = forms.ChoiceField(choices=[("", "—")] + Resolution.choices, required=False)
    closing_summary = forms.CharField(required=False, widget=forms.Textarea)
    duplicate_of = forms.CharField(required=False, max_length=20)
    legal_reviewers = forms.CharField(required=False, max_length=2000)

    def clean_legal_reviewers(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["legal_reviewers"].split(",") if n.strip()]


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=50_000)


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(required=False, widget=forms.Textarea)
    source = forms.CharField(required=False, max_length=300)
    # When and by whom the file was collected, if not now and not by the uploader (logs pulled
    # last week by another team).
    collected_at = forms.DateTimeField(required=False)
    collected_by = forms.CharField(required=False, max_length=200)

    def clean_collected_at(self):
        value = self.cleaned_data["collected_at"]
        if value is not None and value > timezone.now():
            raise forms.ValidationError("Collected-at cannot be in the future.")
        return value


class AssignForm(forms.Form):
    assignee = forms.CharField(required=False, max_length=150)


class TagsForm(forms.Form):
    tags = forms.CharField(required=False, max_length=2000, help_text="Comma-separated")

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class MemberForm(forms.Form):
    member = forms.CharField(max_length=150)


class RestrictForm(forms.Form):
    restricted = forms.BooleanField(required=False)
