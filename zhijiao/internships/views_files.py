"""Files of a placement's agreement (the guardian's consent, the signed agreement).

They are minors' documents: served only to users who may see the placement, one download at a
time, recorded in the audit log; never from ``/media/``.
"""

from __future__ import annotations

import os

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.views import View

from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.downloads import file_download

from . import selectors
from .forms import AGREEMENT_FILES
from .models import Agreement


class AgreementFileView(LoginRequiredMixin, View):
    def get(self, request, pk, which):
        field = AGREEMENT_FILES.get(which)
        placement = selectors.placement_list(user=request.user).filter(pk=pk).first()
        if field is None or placement is None:
            raise Http404
        agreement = Agreement.objects.filter(placement=placement).first()
        stored = getattr(agreement, field, None)
        if not stored:
            raise Http404
        try:
            handle = stored.open("rb")
        except (OSError, ValueError):
            raise Http404 from None
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW_SENSITIVE,
            instance=agreement,
            message=_("Downloaded: %(what)s") % {"what": agreement._meta.get_field(field).verbose_name},
        )
        return file_download(handle, os.path.basename(stored.name))
