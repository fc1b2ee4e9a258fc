from django import forms

from zhijiao.core.views.generic import ScopedModelForm

from .models import Institution
from .selectors import regions_for_change


class InstitutionForm(ScopedModelForm, forms.ModelForm):
    scoped_fields = {"region": regions_for_change}
    text_fields = ("name", "supervising_authority", "address")
    code_fields = ("code",)
    website = forms.URLField(
        label=Institution._meta.get_field("website").verbose_name, required=False, assume_scheme="https"
    )

    class Meta:
        model = Institution
        fields = (
            "code",
            "name",
            "kind",
            "ownership",
            "region",
            "supervising_authority",
            "status",
            "address",
            "website",
        )
