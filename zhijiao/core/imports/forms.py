from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

ALLOWED_EXTENSIONS = (".xlsx", ".xlsm", ".csv")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file, with the headers of the template in the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB."),
                params={
                    "size": f"{f.size / 1048576:.1f}",
                    "limit": f"{settings.UPLOAD_MAX_BYTES / 1048576:.0f}",
                },
            )
        if not f.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        return f
