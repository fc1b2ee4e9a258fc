from django import forms

from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.scoping import restrict
from zhijiao.core.validators import validate_plain_text
from zhijiao.core.views.generic import ScopedModelForm
from zhijiao.orgs.models import Institution

from .models import InstitutionMajor, Major


def institutions_for_offerings(user):
    """Institutions whose offered majors the user may change (a school administrator may not
    change its institution, but may change the institution's offered majors)."""
    return restrict(
        Institution.objects.select_related("region").order_by("name"),
        user,
        "change",
        owner_of=InstitutionMajor,
    )


def catalogue_majors(user):
    return Major.objects.select_related("major_class").order_by("level", "code")


class OfferingForm(ScopedModelForm, forms.ModelForm):
    scoped_fields = {"institution": institutions_for_offerings, "major": catalogue_majors}
    text_fields = ("note",)

    class Meta:
        model = InstitutionMajor
        fields = ("institution", "major", "start_year", "status", "note")
        widgets = {
            "institution": AutocompleteSelect("majors.offering-institutions"),
            "major": AutocompleteSelect("majors.catalogue"),
        }

    def clean_note(self):
        # The model field has no markup validator yet; the page refuses markup all the same.
        note = self.cleaned_data.get("note", "")
        validate_plain_text(note)
        return note
