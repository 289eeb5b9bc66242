from django import forms

from .case_tasks import TEMPLATE_CHOICES
from .models import Severity, TaskStatus


def _tags(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


class CaseNewForm(forms.Form):
    title = forms.CharField(max_length=300)
    summary = forms.CharField(required=False, widget=forms.Textarea, max_length=50_000)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    suspected_actor = forms.CharField(required=False, max_length=200)
    actor_confidence = forms.IntegerField(required=False, min_value=0, max_value=100)
    tags = forms.CharField(required=False, max_length=2000, help_text="Comma-separated")
    accounts = forms.CharField(
        required=False,
        widget=forms.Textarea,
        label="Accounts (external ids)",
        help_text="One per line, or separated by commas or spaces.",
    )
    task_template = forms.ChoiceField(
        choices=[("", "No tasks yet")] + TEMPLATE_CHOICES, required=False, label="Task template"
    )

    def clean_tags(self) -> list[str]:
        return _tags(self.cleaned_data["tags"])


class CaseEditForm(forms.Form):
    title = forms.CharField(max_length=300)
    summary = forms.CharField(required=False, widget=forms.Textarea, max_length=50_000)
    severity = forms.ChoiceField(choices=Severity.choices)
    suspected_actor = forms.CharField(required=False, max_length=200)
    actor_confidence = forms.IntegerField(required=False, min_value=0, max_value=100)


class TaskAddForm(forms.Form):
    title = forms.CharField(required=False, max_length=300)
    assignee = forms.CharField(required=False, max_length=150)
    due_date = forms.DateField(required=False)
    template = forms.ChoiceField(choices=[("", "—")] + TEMPLATE_CHOICES, required=False)


class TaskEditForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices, required=False)
    skip_reason = forms.CharField(required=False, max_length=2000)
    assignee = forms.CharField(required=False, max_length=150)
    due_date = forms.DateField(required=False)
    # Which of the fields above this form sets (a row's buttons send status only).
    fields_sent = forms.CharField(required=False, max_length=200)


class MergeForm(forms.Form):
    into = forms.CharField(max_length=20, label="Surviving case")


class PendingForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    ids = forms.CharField(required=False, max_length=100_000)
    reason = forms.CharField(required=False, max_length=2000)

    def clean_ids(self) -> list[int] | None:
        raw = [p for p in self.cleaned_data["ids"].replace(",", " ").split() if p]
        if not raw:
            return None
        if not all(p.isdigit() and len(p) <= 18 for p in raw):
            raise forms.ValidationError("Pending entries are named by number.")
        return [int(p) for p in raw]


class NoteEditForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=50_000)
