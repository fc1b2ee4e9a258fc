from django import forms

from zhijiao.core.views.generic import ScopedModelForm
from zhijiao.orgs.selectors import regions_for_change

from .models import Enterprise


class EnterpriseForm(ScopedModelForm, forms.ModelForm):
    scoped_fields = {"region": regions_for_change}
    text_fields = ("name", "contact_name", "address")
    code_fields = ("credit_code", "contact_phone")

    class Meta:
        model = Enterprise
        fields = (
            "credit_code",
            "name",
            "industry",
            "region",
            "headcount",
            "contact_name",
            "contact_phone",
            "address",
        )
