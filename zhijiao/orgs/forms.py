from django import forms

from zhijiao.core.scoping import restrict
from zhijiao.core.views.generic import ScopedModelForm

from .choices import RegionLevel
from .models import Institution, Region


def regions_for_change(user):
    """Regions a user may place a row in: their change subtree, below province level."""
    return restrict(Region.objects.exclude(level=RegionLevel.PROVINCE), user, "change").order_by("code")


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
