"""The agreement's files (guardian consent, signed agreement) are served through the placement's scope."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.testing import blank_pdf
from zhijiao.internships import services
from zhijiao.internships.models import Agreement

pytestmark = pytest.mark.django_db


CONSENT = blank_pdf()


@pytest.fixture
def placement(iw):
    p = iw.placement(iw.student(birth="20090101"))
    services.agreement_record(
        actor=iw.school_admin,
        placement=p,
        data={"guardian_consent_file": ContentFile(CONSENT, name="consent-guardian.pdf")},
    )
    return p


def test_the_agreement_page_links_the_consent_file_to_the_scoped_download(iw, placement, login):
    client = login(iw.school_admin)
    page = client.get(reverse("internships:agreement", args=[placement.pk])).content.decode()
    url = reverse("internships:agreement_file", args=[placement.pk, "consent"])
    assert f'href="{url}"' in page
    assert "/media/" not in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONSENT
    assert response["Content-Disposition"].startswith('attachment; filename="consent-guardian.pdf"')
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, object_type="internships.agreement"
    ).exists()


def test_out_of_scope_and_missing_files_are_404(iw, placement, login):
    client = login(iw.w["school_b"])
    assert (
        client.get(reverse("internships:agreement_file", args=[placement.pk, "consent"])).status_code == 404
    )
    client = login(iw.school_admin)
    assert client.get(reverse("internships:agreement_file", args=[placement.pk, "signed"])).status_code == 404
    assert client.get(reverse("internships:agreement_file", args=[placement.pk, "other"])).status_code == 404


@pytest.mark.django_db
def test_a_stored_file_missing_from_storage_does_not_break_saving_the_agreement(iw):
    p = iw.placement()  # the consent form is stored
    a = Agreement.objects.get(placement=p)
    a.guardian_consent_file.storage.delete(a.guardian_consent_file.name)
    a.full_clean()  # the other fields still save; the vanished file is not re-checked
