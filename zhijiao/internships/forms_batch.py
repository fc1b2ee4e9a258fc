"""Forms of the batch work on placements: post change, early termination, leave request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.autocomplete import AutocompleteSelect

from . import selectors
from .choices_batch import DecidingParty, LeaveKind, TerminationReason
from .forms import DATE


def _styled(form: forms.Form) -> None:
    for f in form.fields.values():
        f.widget.attrs.setdefault(
            "class", "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        )


class PostChangeForm(forms.Form):
    to_post = forms.ModelChoiceField(queryset=None, label=_("New post"))
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_post"].queryset = selectors.placement_post_choices(user=user)
        self.fields["to_post"].widget = AutocompleteSelect("internships.placement-posts")
        self.fields["to_post"].widget.choices = self.fields["to_post"].choices
        _styled(self)


class TerminationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=TerminationReason.choices)
    ended_on = forms.DateField(label=_("Last day of the internship"), widget=DATE)
    decided_by_party = forms.ChoiceField(label=_("Decided by"), choices=DecidingParty.choices)
    explanation = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of leave"), choices=LeaveKind.choices)
    start_date = forms.DateField(label=_("First day"), widget=DATE)
    end_date = forms.DateField(label=_("Last day"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
