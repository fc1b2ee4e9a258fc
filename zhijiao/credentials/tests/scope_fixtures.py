"""Scope-matrix rows for credentials: a published certificate for each school's graduate and a
verification report by two holders (A and B)."""

from __future__ import annotations

from zhijiao.core.testing import make_user
from zhijiao.core.testing_scope import object_url, scope_fixture, scope_rule
from zhijiao.credentials import services
from zhijiao.credentials.models import Certificate, VerificationReport
from zhijiao.students.models import Graduation
from zhijiao.students.services import student_link_account


@scope_fixture(after=("students.students",))
def certificates(sw) -> None:
    admin = sw["province_admin"]
    graduations = Graduation.objects.filter(status="approved").order_by("id")
    certs = services.certificates_issue_bulk(actor=admin, graduations=graduations, principal_name="王建国")
    services.certificates_publish(actor=admin, certificates=[c.pk for c in certs])
    for key in ("a", "b"):
        holder = make_user(f"holder_{key}")
        student = sw.made["students"][key]["graduate"]
        student_link_account(actor=admin, student=student, user=holder)
        cert = Certificate.objects.get(graduation__enrolment__student=student, is_current=True)
        services.report_create(actor=holder, certificate=cert, validity_days=30)


def _own_report(row, user, action) -> bool:
    """A verification report is the holder's own: only its creator reads or closes it."""
    return row.created_by_id == user.pk


scope_rule(VerificationReport, _own_report)
object_url("credentials:certificate_pdf", Certificate)
object_url("credentials:certificate_print", Certificate)
object_url("credentials:certificate_action", Certificate)
object_url("credentials:my_report_pdf", VerificationReport)
