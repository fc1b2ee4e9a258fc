from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.files import limit_bytes
from zhijiao.core.uploads import check_size

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
        # The size here, the content when the file is read (core.uploads.check_table_limits).
        check_size(f.size, limit_bytes("UPLOAD_MAX_BYTES"))
        if not f.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        return f
