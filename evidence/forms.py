from django import forms
from django.utils import timezone


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
