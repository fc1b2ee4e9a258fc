"""Forms of host vetting, the blacklist and a placement's readiness record."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.views.generic import ScopedModelForm

from .models import HostAssessment, PlacementSafety
from .services.vetting import ASSESSMENT_FIELDS


class _Styled:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)


def _hosts(user):
    from .selectors import post_enterprise_choices

    # A school assesses any host it may send students to (as it registers posts at any host).
    return post_enterprise_choices(user=user)


class AssessmentForm(_Styled, ScopedModelForm, forms.ModelForm):
    scoped_fields = {"enterprise": _hosts}
    text_fields = ("assessors", "conclusion")

    class Meta:
        model = HostAssessment
        fields = ASSESSMENT_FIELDS
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
            "enterprise": AutocompleteSelect("internships.post-enterprises"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AssessmentEditForm(_Styled, ScopedModelForm, forms.ModelForm):
    """A draft's corrections: the host is fixed once recorded; a new report file is optional."""

    text_fields = ("assessors", "conclusion")

    class Meta:
        model = HostAssessment
        fields = [f for f in ASSESSMENT_FIELDS if f != "enterprise"]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
            "report_file": forms.FileInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report_file"].required = False
        self.fields["report_file"].help_text = _("Leave empty to keep the report already attached.")
        self._style()

    def clean_report_file(self):
        upload = self.cleaned_data.get("report_file")
        # An unchanged field hands back the stored file: only a new upload is passed on.
        return upload if isinstance(upload, UploadedFile) else None


class BlacklistForm(_Styled, forms.Form):
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=18)
    document_number = forms.CharField(label=_("document number (文号)"), max_length=100)
    listed_on = forms.DateField(label=_("listed on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_credit_code(self):
        from zhijiao.enterprises.models import Enterprise

        code = self.cleaned_data["credit_code"].strip().upper()
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(_("No enterprise has this credit code."))
        self.cleaned_data["enterprise"] = enterprise
        return code


class SafetyForm(_Styled, forms.ModelForm):
    class Meta:
        model = PlacementSafety
        fields = (
            "training_on",
            "test_passed_on",
            "destination",
            "destination_detail",
            "health_check_on",
            "minor_registered_on",
            "minor_registration_no",
        )
        widgets = {
            name: forms.DateInput(attrs={"type": "date"})
            for name in ("training_on", "test_passed_on", "health_check_on", "minor_registered_on")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
