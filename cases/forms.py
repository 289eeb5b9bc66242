from django import forms

from .models import Resolution, State


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
