"""The catalogue loader against majors_merged.csv (counts from its README) and broken copies."""

import shutil

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from zhijiao.core.models import AuditEntry
from zhijiao.majors.choices import MajorLevel
from zhijiao.majors.models import Major, MajorCategory, MajorClass
from zhijiao.majors.reference import (
    CATALOGUE_FILE,
    CATALOGUE_VERSION,
    ReferenceDataError,
    catalogue_load,
    codes_nest,
    parse_catalogue,
    reference_data_load,
)
from zhijiao.orgs.models import Region

LEVEL_COUNTS = {MajorLevel.SECONDARY: 368, MajorLevel.HIGHER: 801, MajorLevel.BACHELOR: 321}
CLASS_COUNTS = {MajorLevel.SECONDARY: 88, MajorLevel.HIGHER: 97, MajorLevel.BACHELOR: 92}
CODE_PREFIXES = {MajorLevel.SECONDARY: (61, 79), MajorLevel.HIGHER: (41, 59), MajorLevel.BACHELOR: (21, 39)}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="class")
def catalogue(django_db_setup, django_db_blocker):
    """Load the real catalogue once per class, roll it back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield catalogue_load(actor=None, catalogue=parse_catalogue())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def catalogue_copy(tmp_path, old: str, new: str):
    target = tmp_path / "data"
    shutil.copytree(settings.SHARED_DATA_DIR, target)
    path = target / CATALOGUE_FILE
    path.chmod(0o644)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.django_db
@pytest.mark.usefixtures("catalogue")
class TestRealCatalogue:
    def test_majors_per_level(self):
        assert Major.objects.count() == 1490
        for level, n in LEVEL_COUNTS.items():
            assert Major.objects.filter(level=level).count() == n, level
        assert set(Major.objects.values_list("catalogue_version", flat=True)) == {CATALOGUE_VERSION}

    def test_categories_and_classes_per_level(self):
        for level in MajorLevel.values:
            assert MajorCategory.objects.filter(level=level).count() == 19, level
            assert MajorClass.objects.filter(category__level=level).count() == CLASS_COUNTS[level], level

    def test_controlled_majors_keep_their_k(self):
        controlled = Major.objects.filter(is_controlled=True)
        assert controlled.count() == 47
        assert set(controlled.values_list("level", flat=True)) == {MajorLevel.HIGHER}
        assert all(code.endswith("K") for code in controlled.values_list("code", flat=True))
        assert not Major.objects.filter(is_controlled=False, code__endswith="K").exists()
        clinical = Major.objects.get(code="520101K")
        assert (clinical.name, clinical.major_class.code, clinical.major_class.name) == (
            "临床医学",
            "5201",
            "临床医学类",
        )

    def test_december_2025_additions_are_noted(self):
        assert Major.objects.filter(note="2025年12月新增").count() == 54
        assert Major.objects.exclude(note="").count() == 54

    def test_samples(self):
        for code, name, level in [
            ("710201", "计算机应用", MajorLevel.SECONDARY),
            ("510201", "计算机应用技术", MajorLevel.HIGHER),
            ("310201", "计算机应用工程", MajorLevel.BACHELOR),
        ]:
            major = Major.objects.select_related("major_class__category").get(code=code)
            assert (major.name, major.level) == (name, level)
            assert major.category.name == "电子与信息大类"
            assert major.category.level == level

    def test_codes_nest_and_levels_agree(self):
        for major in Major.objects.select_related("major_class__category"):
            cls, cat = major.major_class, major.major_class.category
            assert codes_nest(category_code=cat.code, class_code=cls.code, major_code=major.code), major
            assert cat.level == major.level
            low, high = CODE_PREFIXES[major.level]
            assert low <= int(cat.code) <= high

    def test_second_load_writes_nothing(self, django_assert_max_num_queries):
        audits = AuditEntry.objects.count()
        with django_assert_max_num_queries(8):
            results = catalogue_load(actor=None, catalogue=parse_catalogue())
        assert [(r.created, r.updated) for r in results] == [(0, 0)] * 3
        assert [r.unchanged for r in results] == [57, 277, 1490]
        assert AuditEntry.objects.count() == audits

    def test_renamed_major_is_updated_and_audited(self, tmp_path):
        data = catalogue_copy(tmp_path, "710201,计算机应用,", "710201,计算机应用与维护,")
        results = catalogue_load(actor=None, catalogue=parse_catalogue(data))
        assert [(r.created, r.updated) for r in results] == [(0, 0), (0, 0), (0, 1)]
        major = Major.objects.get(code="710201")
        assert major.name == "计算机应用与维护"
        entry = AuditEntry.objects.get(object_type="majors.major", object_id=str(major.pk), action="update")
        assert (entry.before, entry.after) == ({"name": "计算机应用"}, {"name": "计算机应用与维护"})


@pytest.mark.django_db
class TestBrokenCatalogue:
    def assert_nothing_written(self):
        assert Major.objects.count() == MajorClass.objects.count() == MajorCategory.objects.count() == 0
        assert Region.objects.count() == AuditEntry.objects.count() == 0

    def test_missing_column(self, tmp_path):
        data = catalogue_copy(tmp_path, ",专业名称,", ",名称,")
        with pytest.raises(ReferenceDataError, match="missing column.*专业名称"):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_code_outside_its_class_aborts(self, tmp_path):
        # 7102 计算机类 holding a 7202… code: the nesting check catches it.
        data = catalogue_copy(tmp_path, "7102,计算机类,710201,", "7102,计算机类,720299,")
        with pytest.raises(
            ReferenceDataError, match="codes do not nest: major 720299, class 7102, category 71"
        ):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_class_outside_its_category_aborts(self, tmp_path):
        data = catalogue_copy(tmp_path, "71,电子与信息大类,7102,", "71,电子与信息大类,7202,")
        with pytest.raises(ReferenceDataError, match="codes do not nest"):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_malformed_code(self, tmp_path):
        data = catalogue_copy(tmp_path, "710201,", "71020X,")
        with pytest.raises(ReferenceDataError, match=r"major code '71020X' is not 6 digits"):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_duplicate_code(self, tmp_path):
        data = catalogue_copy(tmp_path, "710202,计算机网络技术,", "710201,计算机网络技术,")
        with pytest.raises(ReferenceDataError, match="major code 710201 appears twice"):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_unknown_level(self, tmp_path):
        data = catalogue_copy(tmp_path, "710201,计算机应用,中职", "710201,计算机应用,初中")
        with pytest.raises(ReferenceDataError, match="unknown level '初中'"):
            reference_data_load(actor=None, data_dir=data)
        self.assert_nothing_written()

    def test_every_problem_is_reported_with_its_line(self, tmp_path):
        data = catalogue_copy(tmp_path, "610101,", "6101,")
        text = (data / CATALOGUE_FILE).read_text(encoding="utf-8").replace("610102,", "999999,", 1)
        (data / CATALOGUE_FILE).write_text(text, encoding="utf-8")
        with pytest.raises(ReferenceDataError) as info:
            parse_catalogue(data)
        assert info.value.problems == [
            "majors_merged.csv line 2: major code '6101' is not 6 digits (optionally followed by K)",
            "majors_merged.csv line 3: codes do not nest: major 999999, class 6101, category 61",
        ]
