from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    DECISIONS = (
        ("approve", _("Approve")),
        ("return", _("Return")),
        ("cancel", _("Cancel")),
        ("resubmit", _("Resubmit")),
    )

    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
