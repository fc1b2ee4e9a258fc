import datetime
import itertools

import pytest
from django.core.cache import cache

from zhijiao.core.testing import make_resident_id
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.testing import catalogue_major
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.students.models import Enrolment, Graduation, Student

_order = itertools.count(1)


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """Every test signs with keys in its own directory; the public URL base is fixed."""
    from zhijiao.credentials import signing

    settings.CREDENTIALS_KEY_DIR = tmp_path / "keys"
    settings.CREDENTIALS_VERIFY_BASE_URL = "https://xl.example.cn"
    settings.MEDIA_ROOT = tmp_path / "media"
    signing._private_cache.clear()
    cache.clear()
    yield tmp_path / "keys"
    cache.clear()


def make_graduate(
    *,
    school,
    offering,
    name="张三",
    outcome="graduated",
    status=Graduation.Status.APPROVED,
    class_name="2023级计算机1班",
    graduation_date=datetime.date(2026, 6, 30),
    user=None,
):
    n = next(_order)
    student = Student.objects.create(
        name=name,
        gender="male" if n % 2 else "female",
        id_number=make_resident_id(order=n % 1000, birth="20080101" if n < 1000 else "20070101"),
        birth_date=datetime.date(2008, 1, 1),
        current_institution=school,
        user=user,
    )
    enrolment = Enrolment.objects.create(
        student=student,
        institution=school,
        offering=offering,
        class_name=class_name,
        cohort_year=2023,
        entry_date=datetime.date(2023, 9, 1),
        study_years=3,
        status="graduated",
    )
    return Graduation.objects.create(
        enrolment=enrolment, outcome=outcome, graduation_date=graduation_date, status=status
    )


@pytest.fixture
def graduate(world):
    """``graduate(school="a", name=…, outcome=…, status=…)`` makes an approved graduate by default."""

    def _make(school="a", **kwargs):
        target = world.school_a if school == "a" else world.school_b
        offering = world.offering_a if school == "a" else world.offering_b
        return make_graduate(school=target, offering=offering, **kwargs)

    return _make


@pytest.fixture
def college(world):
    """A higher vocational college in 济南 with a 高职 major offered."""
    from zhijiao.core.testing import InstitutionFactory

    inst = InstitutionFactory(
        name="济南职业学院", code="4137012345", kind=InstitutionKind.HIGHER_VOCATIONAL, region=world.lixia
    )
    major = catalogue_major(code="510201", name="计算机应用技术", level="higher")
    offering = InstitutionMajor.objects.create(institution=inst, major=major, start_year=2020)
    return inst, offering


@pytest.fixture(autouse=True)
def _english(english):
    """Assertions in this app's tests are on the English source strings."""
    yield
