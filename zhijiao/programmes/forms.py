from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ExpertTitle, MajorField


class ApplyForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Applicant institution"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    field = forms.ChoiceField(label=_("专业大类 of the application"), choices=MajorField.choices)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Attachment"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    title = forms.ChoiceField(label=_("Title"), choices=ExpertTitle.choices)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    city = forms.ModelChoiceField(label=_("City"), queryset=None)
    specialties = forms.MultipleChoiceField(
        label=_("Specialties (专业大类)"), choices=MajorField.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities
