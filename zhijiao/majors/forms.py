from django import forms

from zhijiao.core.scoping import scope_q
from zhijiao.core.validators import validate_plain_text
from zhijiao.core.views.generic import ScopedModelForm
from zhijiao.orgs.models import Institution

from .models import InstitutionMajor, Major


class _OfferingInstitutionScope:
    """Institutions seen through InstitutionMajor's rules: whose offered majors may a user change?

    Handed to ``core.scoping.scope_q`` (the one scoping function) in place of a model: a school
    administrator may not change its institution, but may change the institution's offered majors.
    """

    scope_region_path = "region__path"
    scope_institution = "pk"
    scope_enterprise = None
    scope_change_nodes = InstitutionMajor.scope_change_nodes


def institutions_for_offerings(user):
    q = scope_q(_OfferingInstitutionScope, user, "change")
    qs = Institution.objects.select_related("region").order_by("name")
    return qs if q is None else qs.filter(q)


def catalogue_majors(user):
    return Major.objects.select_related("major_class").order_by("level", "code")


class OfferingForm(ScopedModelForm, forms.ModelForm):
    scoped_fields = {"institution": institutions_for_offerings, "major": catalogue_majors}
    text_fields = ("note",)

    class Meta:
        model = InstitutionMajor
        fields = ("institution", "major", "start_year", "status", "note")

    def clean_note(self):
        # The model field has no markup validator yet; the page refuses markup all the same.
        note = self.cleaned_data.get("note", "")
        validate_plain_text(note)
        return note
