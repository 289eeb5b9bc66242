from django import forms


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(required=False, widget=forms.Textarea)
    source = forms.CharField(required=False, max_length=300)
