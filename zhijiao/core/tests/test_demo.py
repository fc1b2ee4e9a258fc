"""The demo seed on a small scale: deterministic, idempotent, valid, and every account usable."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.demo import (
    DEFAULT_DEMO_PASSWORD,
    DEMO_SEED,
    DEMO_USERNAMES,
    DemoError,
    demo_load,
    demo_totp_secret,
)
from zhijiao.core.models import AuditEntry
from zhijiao.core.scoping import restrict
from zhijiao.core.validators import validate_uscc
from zhijiao.enterprises.demo import make_credit_code
from zhijiao.enterprises.models import Enterprise
from zhijiao.majors.choices import MajorLevel
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.services import offering_major_matches_institution
from zhijiao.orgs.choices import InstitutionKind, RegionLevel
from zhijiao.orgs.models import Institution, Region

SCHOOLS, ENTERPRISES = 30, 20
REAL_COLLEGES = 99


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """Run the command once per class (reference data included); roll it all back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command("demo", "--schools", str(SCHOOLS), "--enterprises", str(ENTERPRISES), stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def demo_schools():
    return Institution.objects.exclude(
        kind__in=[InstitutionKind.HIGHER_VOCATIONAL, InstitutionKind.VOCATIONAL_BACHELOR]
    )


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemo:
    def test_counts(self):
        assert demo_schools().count() == SCHOOLS
        assert Institution.objects.count() == SCHOOLS + REAL_COLLEGES
        assert Enterprise.objects.count() == ENTERPRISES
        assert get_user_model().objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)

    def test_schools_sit_in_counties_with_codes_apart_from_the_colleges(self):
        real = set(
            Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL).values_list("code", flat=True)
        )
        names = []
        for school in demo_schools().select_related("region__parent"):
            assert school.region.level == RegionLevel.COUNTY
            assert re.fullmatch(r"41370\d{5}", school.code) and school.code not in real
            assert school.code[5:] >= "60000"
            city = school.region.parent.name
            assert city in school.name or school.region.name in school.name or city[:-1] in school.name
            assert school.supervising_authority.endswith(("教育局", "教育和体育局", "人力资源和社会保障局"))
            names.append(school.name)
        assert len(set(names)) == len(names)
        # Every city gets schools in proportion to its size; 济南 and 青岛 always have some.
        assert demo_schools().filter(region__parent__code="370100").count() >= 2
        assert demo_schools().filter(region__parent__code="370200").count() >= 2

    def test_offered_majors_match_their_institution(self):
        offerings = InstitutionMajor.objects.select_related("institution", "major")
        assert offerings.count() > 0
        for offering in offerings:
            offering_major_matches_institution(institution=offering.institution, major=offering.major)
            assert 2005 <= offering.start_year <= 2024
        for school in demo_schools().filter(kind=InstitutionKind.SECONDARY_VOCATIONAL):
            assert 5 <= school.offered_majors.count() <= 15
        for college in Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL):
            assert 20 <= college.offered_majors.count() <= 40
            assert set(college.offered_majors.values_list("major__level", flat=True)) == {MajorLevel.HIGHER}
        for university in Institution.objects.filter(kind=InstitutionKind.VOCATIONAL_BACHELOR):
            assert university.offered_majors.filter(major__level=MajorLevel.BACHELOR).count() >= 12
        assert set(InstitutionMajor.objects.values_list("status", flat=True)) == {
            "filed",
            "suspended",
            "revoked",
        }

    def test_credit_codes_are_valid_and_local(self):
        for enterprise in Enterprise.objects.select_related("region"):
            validate_uscc(enterprise.credit_code)
            assert enterprise.credit_code[:2] == "91"
            assert enterprise.credit_code[2:8] == enterprise.region.code
            assert enterprise.region.level == RegionLevel.COUNTY
            assert enterprise.name.endswith("有限公司")
            assert re.fullmatch(r"1\d{10}", enterprise.contact_phone)
            assert enterprise.headcount >= 20

    def test_every_write_is_audited(self):
        for model, label in [
            (Institution, "orgs.institution"),
            (InstitutionMajor, "majors.institutionmajor"),
            (Enterprise, "enterprises.enterprise"),
        ]:
            assert (
                AuditEntry.objects.filter(object_type=label, action="create").count() == model.objects.count()
            )
        # Every user and role the demo creates (its own accounts and the subsystems' people) is audited.
        User = get_user_model()
        users = User.objects.all()
        assert set(
            AuditEntry.objects.filter(object_type="accounts.user", action="create").values_list(
                "object_id", flat=True
            )
        ) == {str(pk) for pk in users.values_list("pk", flat=True)}
        assert (
            AuditEntry.objects.filter(object_type="accounts.roleassignment", action="create").count()
            == RoleAssignment.objects.count()
        )
        assert set(DEMO_USERNAMES) <= set(users.values_list("username", flat=True))
        # Phone numbers are masked in the log.
        entry = AuditEntry.objects.filter(object_type="enterprises.enterprise").first()
        assert "*" in entry.after["contact_phone"]

    def test_every_role_has_its_own_work(self):
        """The school's plans and placements in every state, the college's own, the enterprise's
        posts and interns, the student's certificate and internship, the city's approvals."""
        from django.db.models import Count

        from zhijiao.credentials.models import Certificate, VerificationReport
        from zhijiao.internships.models import CheckIn, InternshipPlan, Placement, Post
        from zhijiao.workflows.selectors import worklist

        def node(username, field):
            return getattr(RoleAssignment.objects.get(user__username=username), field)

        school, college, host = (
            node("school", "institution"),
            node("college", "institution"),
            node("enterprise", "enterprise"),
        )
        plans = dict(
            InternshipPlan.objects.filter(institution=school)
            .values_list("filing_status")
            .annotate(n=Count("id"))
        )
        assert set(plans) == {"draft", "in_review", "returned", "filed"}, plans
        placements = dict(
            Placement.objects.filter(institution=school).values_list("status").annotate(n=Count("id"))
        )
        assert set(placements) == {"draft", "active", "suspended", "ended"}, placements
        assert InternshipPlan.objects.filter(institution=college).exists()
        assert Placement.objects.filter(institution=college, status="active").exists()
        assert Post.objects.filter(enterprise=host, is_active=True).exists()
        assert Placement.objects.filter(enterprise=host, status="active").exists()
        student = user("student_demo").student
        assert student.current_institution == college
        active = Placement.objects.get(enrolment__student=student, status="active")
        assert active.violations == [] or all(v["severity"] != "block" for v in active.violations)
        assert CheckIn.objects.filter(placement=active).exists()
        cert = Certificate.objects.get(graduation__enrolment__student=student, is_current=True)
        assert cert.status == "issued" and cert.published_at and cert.institution == school
        assert VerificationReport.objects.filter(created_by=user("student_demo")).exists()
        assert worklist(user=user("city_jinan")).exists()

    def test_every_account_authenticates(self):
        for username in DEMO_USERNAMES:
            assert authenticate(username=username, password=DEFAULT_DEMO_PASSWORD) == user(username), username
            assert authenticate(username=username, password="wrong-Passw0rd") is None

    def test_accounts_have_the_right_scope(self):
        total = Institution.objects.count()
        jinan = Region.objects.get(code="370100")
        in_jinan = Institution.objects.filter(region__path__startswith=jinan.path).count()
        assert restrict(Institution.objects.all(), user("province_admin")).count() == total
        assert restrict(Institution.objects.all(), user("province_staff"), "change").count() == total
        assert restrict(Institution.objects.all(), user("auditor")).count() == total
        assert restrict(Institution.objects.all(), user("auditor"), "change").count() == 0
        assert 0 < restrict(Institution.objects.all(), user("city_jinan")).count() == in_jinan < total
        qingdao = restrict(Institution.objects.all(), user("city_qingdao"))
        assert qingdao.count() > 0 and not qingdao.filter(region__path__startswith=jinan.path).exists()
        school = restrict(Institution.objects.all(), user("school")).get()
        assert school.kind == InstitutionKind.SECONDARY_VOCATIONAL and school.region.parent == jinan
        assert restrict(Institution.objects.all(), user("college")).get().name == "山东商业职业技术学院"
        assert restrict(InstitutionMajor.objects.all(), user("college"), "change").count() >= 20
        assert restrict(Enterprise.objects.all(), user("enterprise")).count() == 1
        assert restrict(Institution.objects.all(), user("enterprise")).count() == 0
        assert restrict(Institution.objects.all(), user("expert")).count() == 0
        roles = dict(
            get_user_model()
            .objects.filter(username__in=DEMO_USERNAMES)
            .values_list("username", "role_assignments__role")
        )
        assert roles["city_jinan"] == Role.CITY_ADMIN and roles["expert"] == Role.EXPERT

    def test_output_lists_accounts_and_totp(self, demo):
        for username in DEMO_USERNAMES:
            assert re.search(rf"^{username} .*{re.escape(DEFAULT_DEMO_PASSWORD)}$", demo, re.M), username
        assert "山东商业职业技术学院" in demo
        assert demo_totp_secret() in demo
        assert "otpauth://totp/" in demo and f"secret={demo_totp_secret()}" in demo

    def test_summary_counts_the_accounts_it_prints(self, demo):
        printed = len(re.findall(rf"{re.escape(DEFAULT_DEMO_PASSWORD)}$", demo, re.M))
        assert printed > len(DEMO_USERNAMES)  # the subsystems' people too
        # The command ran in the default language (the class fixture precedes the English one).
        assert re.search(rf"(accounts: |账号 ){printed}\b", demo), demo.splitlines()[0]
        assert "reference rows" not in demo and "schools:" not in demo  # no English in the Chinese line

    def test_printed_totp_code_verifies(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        out = StringIO()
        call_command("demo_otp", "province_admin", stdout=out)
        code = out.getvalue().strip()
        assert re.fullmatch(r"\d{6}", code)
        device = TOTPDevice.objects.get(user__username="province_admin", confirmed=True)
        assert device.verify_token(code)

    def test_demo_otp_refuses_other_accounts(self):
        with pytest.raises(CommandError, match="no demo TOTP device"):
            call_command("demo_otp", "city_jinan", stdout=StringIO())

    def test_second_run_only_prints(self, django_assert_max_num_queries):
        audits, schools = AuditEntry.objects.count(), Institution.objects.count()
        out = StringIO()
        with django_assert_max_num_queries(10):
            call_command("demo", stdout=out)
        assert "already loaded" in out.getvalue()
        assert "province_admin" in out.getvalue()
        assert (AuditEntry.objects.count(), Institution.objects.count()) == (audits, schools)


def _fingerprint():
    """Load the demo in a transaction that is rolled back: a fresh database each time.

    The subsystems' demos have their own tests; here only the shared province is compared."""
    with transaction.atomic():
        demo_load(schools=SCHOOLS, enterprises=ENTERPRISES, extensions=False)
        result = (
            list(
                demo_schools()
                .order_by("code")
                .values_list("code", "name", "kind", "ownership", "region__code")
            ),
            list(
                Enterprise.objects.order_by("credit_code").values_list(
                    "credit_code", "name", "industry", "headcount"
                )
            ),
            list(
                InstitutionMajor.objects.order_by("institution__code", "major__code").values_list(
                    "institution__code", "major__code", "start_year", "status"
                )
            ),
        )
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
class TestDemoSeed:
    def test_deterministic(self):
        first, second = _fingerprint(), _fingerprint()
        assert first == second
        assert len(first[0]) == SCHOOLS and len(first[1]) == ENTERPRISES

    def test_weak_password_is_refused_before_anything_is_written(self):
        with pytest.raises(DemoError, match="password policy"):
            demo_load(schools=SCHOOLS, enterprises=ENTERPRISES, password="short")
        assert Institution.objects.count() == AuditEntry.objects.count() == 0

    def test_password_from_environment(self, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "Another-Demo-Pass9")
        result = demo_load(schools=3, enterprises=2, extensions=False)
        assert {row.password for row in result.accounts} == {"Another-Demo-Pass9"}
        assert authenticate(username="expert", password="Another-Demo-Pass9") is not None

    def test_a_half_present_demo_is_refused(self):
        get_user_model().objects.create_user(username="school", password=DEFAULT_DEMO_PASSWORD)
        with pytest.raises(DemoError, match="1 of the 9 demo accounts"):
            demo_load(schools=SCHOOLS, enterprises=ENTERPRISES)

    def test_credit_code_builder(self):
        import random

        rng = random.Random(DEMO_SEED)
        for _ in range(200):
            code = make_credit_code(rng, "370102")
            validate_uscc(code)
            assert code.startswith("91370102MA")
