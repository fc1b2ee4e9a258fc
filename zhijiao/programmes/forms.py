from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.scoping import restrict
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from .choices import ExpertTitle, MajorField
from .models import Application


def applicant_institutions(user):
    """The institutions under which the user may file applications."""
    return restrict(Institution.objects.all(), user, "change", owner_of=Application)


def expert_cities(user):
    """The cities whose experts the user keeps."""
    return restrict(Region.objects.filter(level=RegionLevel.CITY), user, "change").order_by("code")


class ApplyForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Applicant institution"), queryset=Institution.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    field = forms.ChoiceField(label=_("专业大类 of the application"), choices=MajorField.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = applicant_institutions(user)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Attachment"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    title = forms.ChoiceField(label=_("Title"), choices=ExpertTitle.choices)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    city = forms.ModelChoiceField(label=_("City"), queryset=Region.objects.none())
    specialties = forms.MultipleChoiceField(
        label=_("Specialties (专业大类)"), choices=MajorField.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = expert_cities(user)


class ObjectionForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Application concerned (optional)"), queryset=Application.objects.none(), required=False
    )
    content = forms.CharField(
        label=_("Objection and the facts it rests on"), widget=forms.Textarea, max_length=2000
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact = forms.CharField(label=_("Telephone or address for the answer"), max_length=100)

    def __init__(self, *args, applications=None, **kwargs):
        """``applications``: the published list's (public by then); none without it."""
        super().__init__(*args, **kwargs)
        if applications is not None:
            self.fields["application"].queryset = applications


class ObjectionAnswerForm(forms.Form):
    finding = forms.CharField(
        label=_("Investigation finding (internal)"), widget=forms.Textarea, max_length=2000
    )
    answer = forms.CharField(label=_("Answer to publish"), widget=forms.Textarea, max_length=2000)
