import pytest
from django.core.exceptions import ValidationError

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.credentials import numbering, services, signing
from zhijiao.credentials.choices import CertificateKind, CertificateStatus, NumberRule
from zhijiao.credentials.models import Certificate
from zhijiao.students.models import Graduation

pytestmark = pytest.mark.django_db


def issue(world, graduation, user="school_a"):
    return services.certificate_issue(actor=world[user], graduation=graduation, principal_name="李校长")


def test_issue_snapshots_numbers_and_signs(world, graduate):
    g = graduate(name="欧阳䶮")
    cert = issue(world, g)
    assert cert.kind == CertificateKind.GRADUATION
    assert cert.number_rule == NumberRule.PROVINCIAL
    assert numbering.parse_certificate_number(cert.number).number == cert.number
    assert cert.number.startswith("37" + world.school_a.code[-5:] + "26")
    assert len(cert.verify_code) == 16 and cert.verify_code.isupper()
    assert cert.holder_name == "欧阳䶮" and cert.institution_name == world.school_a.name
    claims = signing.verify_qr(cert.signed_qr).claims
    assert claims["no"] == cert.number and claims["n"] == "欧阳䶮"
    assert not any("id" in k for k in claims) and g.enrolment.student.id_number not in cert.signed_qr
    assert cert.qr_link == f"https://xl.example.cn/verify/v/{cert.number}?c={cert.verify_code}"
    assert AuditEntry.objects.filter(object_type="credentials.certificate", object_id=str(cert.pk)).exists()


def test_serials_follow_each_other(world, graduate):
    a = issue(world, graduate())
    b = issue(world, graduate())
    assert int(b.number[-6:-1]) == int(a.number[-6:-1]) + 1


def test_higher_vocational_uses_the_national_rule(world, graduate, college):
    from zhijiao.accounts.choices import Role
    from zhijiao.core.testing import make_user

    from .conftest import make_graduate

    inst, offering = college
    g = make_graduate(school=inst, offering=offering)
    cert = services.certificate_issue(actor=world["jinan"], graduation=g, principal_name="王院长")
    assert cert.number_rule == NumberRule.NATIONAL
    assert cert.number == "12345" + "1" + "2026" + "06" + "000001"
    del Role, make_user


def test_unapproved_graduation_is_refused(world, graduate):
    g = graduate(status=Graduation.Status.PROPOSED)
    with pytest.raises(ValidationError, match="not approved"):
        issue(world, g)
    assert not Certificate.objects.exists()


def test_out_of_scope_graduation_is_refused(world, graduate):
    g = graduate(school="b")
    with pytest.raises(OutOfScope):
        issue(world, g, user="school_a")
    with pytest.raises(OutOfScope):
        issue(world, g, user="auditor")


def test_one_current_certificate_per_graduation(world, graduate):
    g = graduate()
    issue(world, g)
    with pytest.raises(ValidationError):
        issue(world, g)


def test_principal_name_is_required_then_remembered(world, graduate):
    with pytest.raises(ValidationError):
        services.certificate_issue(actor=world["school_a"], graduation=graduate())
    issue(world, graduate())
    cert = services.certificate_issue(actor=world["school_a"], graduation=graduate())
    assert cert.principal_name == "李校长"


def test_void_then_issue_again(world, graduate):
    g = graduate()
    cert = issue(world, g)
    with pytest.raises(ValidationError):
        services.certificate_void(actor=world["school_a"], certificate=cert, reason="  ")
    services.certificate_void(actor=world["school_a"], certificate=cert, reason="打印错误")
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.VOIDED and not cert.is_current
    assert cert.status_reason == "打印错误" and cert.status_changed_by == world["school_a"]
    again = issue(world, g)
    assert again.number != cert.number
    assert AuditEntry.objects.filter(object_id=str(cert.pk), message="打印错误").exists()


def test_reissue_replaces_and_keeps_publication(world, graduate):
    cert = issue(world, graduate())
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    new = services.certificate_reissue(actor=world["school_a"], certificate=cert, reason="遗失补发")
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REISSUED and not cert.is_current
    assert new.replaces == cert and new.is_current and new.published_at is not None
    assert new.number != cert.number and new.verify_code != cert.verify_code
    # no second certificate: a 学历证明书 naming the original (教职成〔2010〕7号)
    assert cert.kind == "graduation" and new.kind == CertificateKind.PROOF
    assert (new.original_kind, new.original_number) == ("graduation", cert.number)
    again = services.certificate_reissue(actor=world["school_a"], certificate=new, reason="再次遗失")
    assert again.kind == CertificateKind.PROOF and again.original_number == cert.number
    assert Certificate.objects.filter(graduation=cert.graduation, kind="graduation").count() == 1
    from zhijiao.credentials import printing

    page = printing.render_html([printing.page_context(again, with_photo=False)])
    assert cert.number in page and "Certificate of Academic Record" in page


def test_publish_and_revoke_are_the_authoritys(world, graduate):
    cert = issue(world, graduate())
    with pytest.raises(OutOfScope):
        services.certificates_publish(actor=world["school_a"], certificates=[cert])
    with pytest.raises(OutOfScope):
        services.certificates_publish(actor=world["qingdao"], certificates=[cert])
    assert services.certificates_publish(actor=world["jinan"], certificates=[cert]) == 1
    assert services.certificates_publish(actor=world["jinan"], certificates=[cert]) == 0
    with pytest.raises(OutOfScope):
        services.certificate_revoke(actor=world["school_a"], certificate=cert, reason="x")
    services.certificate_revoke(actor=world["province_admin"], certificate=cert, reason="学籍造假")
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.is_current
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=world["province_admin"], certificate=cert, reason="again")


def test_completion_to_graduation_swap_voids_the_completion_certificate(world, graduate):
    completed = graduate(outcome="completed")
    first = issue(world, completed)
    assert first.kind == CertificateKind.COMPLETION
    swapped = Graduation.objects.create(
        enrolment=completed.enrolment,
        outcome="graduated",
        graduation_date=completed.graduation_date.replace(year=2027),
        status=Graduation.Status.APPROVED,
        replaces=completed,
    )
    second = issue(world, swapped)
    first.refresh_from_db()
    assert second.kind == CertificateKind.GRADUATION
    assert first.status == CertificateStatus.VOIDED and second.number in first.status_reason


def test_print_refusals(world, graduate):
    cert = issue(world, graduate())
    services.certificate_void(actor=world["school_a"], certificate=cert, reason="损坏")
    cert.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be printed"):
        services.printable([cert])
    g = graduate()
    cert2 = issue(world, g)
    Graduation.objects.filter(pk=g.pk).update(status=Graduation.Status.REJECTED)
    cert2 = Certificate.objects.select_related("graduation").get(pk=cert2.pk)
    with pytest.raises(ValidationError, match="not approved"):
        services.printable([cert2])


def test_record_print_counts_and_audits(world, graduate):
    cert = issue(world, graduate())
    services.certificates_record_print(actor=world["school_a"], certificates=[cert])
    cert.refresh_from_db()
    assert cert.print_count == 1 and cert.last_printed_at
    assert AuditEntry.objects.filter(object_id=str(cert.pk), action="export").count() == 1
    with pytest.raises(OutOfScope):
        services.certificates_record_print(actor=world["school_b"], certificates=[cert])


def test_key_rotation_service_is_for_province_admins(world, graduate):
    old = issue(world, graduate())
    with pytest.raises(OutOfScope):
        services.signing_key_rotate(actor=world["jinan"])
    services.signing_key_rotate(actor=world["province_admin"])
    new = issue(world, graduate())
    assert new.signing_key_id != old.signing_key_id
    assert signing.verify_qr(old.signed_qr).claims["no"] == old.number
    assert signing.verify_qr(new.signed_qr).claims["no"] == new.number


def test_audit_entry_leaves_out_the_qr_images(world, graduate):
    cert = issue(world, graduate())
    entry = AuditEntry.objects.get(
        object_type="credentials.certificate", object_id=str(cert.pk), action="create"
    )
    assert entry.after["number"] == cert.number
    assert "qr_signed_png" not in entry.after and "PNG" not in str(entry.after)
