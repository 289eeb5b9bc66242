from django import forms

from .models import CaseAccountRole, Enforcement

ROLE_CHOICES = CaseAccountRole.choices
ENFORCEMENT_CHOICES = [(v, label) for v, label in Enforcement.choices if v != Enforcement.NONE]


class AccountSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


class AddAccountsForm(forms.Form):
    account_ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=CaseAccountRole.LINKED)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_ids"].choices = choices


class PasteAccountsForm(forms.Form):
    external_ids = forms.CharField(widget=forms.Textarea)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=CaseAccountRole.LINKED)


class AddClusterForm(forms.Form):
    cluster = forms.IntegerField(min_value=1)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=CaseAccountRole.LINKED)


class BulkAccountsForm(forms.Form):
    ACTIONS = [("enforcement", "Set enforcement"), ("role", "Set role")]
    action = forms.ChoiceField(choices=ACTIONS)
    enforcement = forms.ChoiceField(choices=ENFORCEMENT_CHOICES, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES, required=False)
    note = forms.CharField(required=False, max_length=2000)
